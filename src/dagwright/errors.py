"""Errors a user can act on.

A ``DagwrightError`` is bad input (project, profile, command line): the CLI prints it
without a traceback (unless ``--debug``) and exits 2. Everything that goes wrong while a
node runs is not an exception at this level: it becomes that node's ``RunResult``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path


class DagwrightError(Exception):
    """An error in the user's input, reported with where it is and what to do."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        node: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.node = node
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path + (f":{self.line}" if self.line else "")
        parts = []
        if where:
            parts.append(where)
        if self.node:
            parts.append(f"in {self.node}")
        head = (" ".join(parts) + ": ") if parts else ""
        text = head + self.message
        if self.hint:
            text += f"\n  {self.hint}"
        return text


class ProjectError(DagwrightError):
    """dbt_project.yml, property files, or the project's structure."""


class ProfileError(DagwrightError):
    """profiles.yml, targets, credentials."""


class CompilationError(DagwrightError):
    """Jinja or reference errors found while parsing or compiling a node."""


class ArtifactError(DagwrightError):
    """target/ (or one artifact in it) cannot be written: read-only, a file, a full disk."""


class SelectionError(DagwrightError):
    """A --select/--exclude expression that cannot be understood."""


def did_you_mean(word: str, candidates: Iterable[str], n: int = 3) -> str | None:
    """A 'did you mean' hint listing the closest candidates, or None."""
    close = difflib.get_close_matches(word, list(candidates), n=n, cutoff=0.6)
    if not close:
        return None
    return "did you mean " + " or ".join(repr(c) for c in close) + "?"
