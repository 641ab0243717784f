"""What dagwright's own macro files define, analysed once when they change, not on every parse.

A cold parse otherwise runs Jinja's parser over the built-in macro files (about a fifth of
a 1,000-model cold parse). ``macros/index.json`` maps each built-in file's sha256 to its
``macro_infos`` result; a file whose digest is not there (an edited macro in a development
checkout) is simply analysed at parse time, so a stale index costs speed, never correctness.
A test checks that the index is current; ``python -m dagwright.parse.macro_index`` (or
``make macro-index``) rewrites it.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from dagwright.project.files import BUILTIN_MACROS, builtin_macro_files

INDEX_FILE = BUILTIN_MACROS / "index.json"

MacroInfo = tuple[str, int, tuple[str, ...], frozenset[str], tuple[str, ...]]


@cache
def builtin_macro_index() -> dict[str, list[MacroInfo]]:
    """sha256 of a built-in macro file's text -> the macros it defines (empty when the index is missing)."""
    try:
        raw = json.loads(INDEX_FILE.read_bytes())
    except (OSError, ValueError):
        return {}
    if any(len(info) != 5 for infos in raw.values() for info in infos):
        return {}  # an index of an older shape: analysed at parse time instead
    return {
        digest: [(name, line, tuple(args), frozenset(reads), tuple(calls)) for name, line, args, reads, calls in infos]
        for digest, infos in raw.items()
    }


def current_index() -> dict[str, list[list[Any]]]:
    """The index as it should be for the macro files on disk (JSON-ready, sorted)."""
    from dagwright.parse.cache import file_digest
    from dagwright.rendering.jinja import macro_infos

    out: dict[str, list[list[Any]]] = {}
    for file in builtin_macro_files():
        text = file.path.read_text(encoding="utf-8")
        infos = macro_infos(text, file.original_file_path)
        out[file_digest(text.encode("utf-8"))] = [
            [name, line, list(args), sorted(reads), list(calls)] for name, line, args, reads, calls in infos
        ]
    return dict(sorted(out.items()))


def render_index(index: dict[str, list[list[Any]]]) -> str:
    """One line per macro: a change to the macro files shows as a readable diff."""
    files = []
    for digest, infos in index.items():
        lines = ",\n  ".join(json.dumps(info) for info in infos)
        files.append(f" {json.dumps(digest)}: [\n  {lines}\n ]")
    return "{\n" + ",\n".join(files) + "\n}\n"


def main() -> None:
    INDEX_FILE.write_text(render_index(current_index()), encoding="utf-8")
    print(f"wrote {INDEX_FILE}")


if __name__ == "__main__":
    main()
