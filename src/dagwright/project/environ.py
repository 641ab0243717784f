"""Environment variables and ``flags`` as templates read them, with a record of which were read.

The parse cache (``parse.cache``) keys a parsed project on the values of the variables and
flags its templates read, so a changed variable (or ``flags.WHICH`` when a template reads
it at parse time) re-parses the project, and an unrelated one does not.
"""

from __future__ import annotations

import os
from typing import Any

#: every variable read through ``getenv`` in this process (its value is looked up again when compared)
READ: set[str] = set()


def getenv(name: str) -> str | None:
    if not isinstance(name, str):  # not recorded: READ outlives a failed parse (the API's process)
        raise TypeError(f"an environment variable's name must be text, not {type(name).__name__}")
    READ.add(name)
    return os.environ.get(name)


#: every ``flags`` key templates read in this process
FLAGS_READ: set[str] = set()


class RecordingFlags(dict[str, Any]):
    """``flags`` for templates: a dict that notes the keys read."""

    def __getitem__(self, key: str) -> Any:
        FLAGS_READ.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        FLAGS_READ.add(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        FLAGS_READ.add(str(key))
        return super().__contains__(key)
