"""The ``checksum`` of a node's file, as dbt-core computes it, so that dbt's ``state:modified``
against a manifest dagwright wrote sees an unchanged project as unchanged.

dbt reads every file as UTF-8 text, strips it (Python's ``str.strip``: leading and trailing
whitespace, Unicode included) and hashes the UTF-8 bytes of what is left with sha256: models,
singular tests, analyses, snapshots (the whole file; a YAML snapshot the YAML file's), and
seeds up to 1 MiB. A larger seed is not hashed at all: its checksum is its path (name
``path``), and dbt then cannot tell whether it changed. Generic tests have no file of their
own and no checksum (name ``none``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

#: dbt's ``MAXIMUM_SEED_SIZE``: a seed file larger than this is checksummed by its path
SEED_HASH_LIMIT = 1024 * 1024

SHA256 = "sha256"
PATH = "path"


def text_checksum(stripped: str) -> str:
    """sha256 of a file's text that the caller already decoded and stripped (the parse has both)."""
    return hashlib.sha256(stripped.encode("utf-8", "surrogatepass")).hexdigest()


def file_checksum(path: Path) -> str:
    """sha256 of a file's stripped UTF-8 text."""
    return text_checksum(path.read_bytes().decode("utf-8").strip())


def seed_checksum(path: Path, original_file_path: str) -> tuple[str, str]:
    """(name, checksum) of a seed file: its stripped text's sha256, or its path when it is
    larger than dbt hashes."""
    if path.stat().st_size > SEED_HASH_LIMIT:
        return PATH, original_file_path
    return SHA256, file_checksum(path)
