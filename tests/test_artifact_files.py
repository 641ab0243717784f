"""Atomic writes of artifacts and compiled files (dagwright.artifacts.files)."""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dagwright.artifacts import files


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".*.tmp"))


def test_write_makes_missing_folders_and_honours_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        target = tmp_path / "a" / "b" / "manifest.json"
        files.write_bytes_atomic(target, b"{}")
    finally:
        os.umask(old)
    assert target.read_bytes() == b"{}"
    assert target.stat().st_mode & 0o777 == 0o644  # as dbt's files, not tempfile's 0600
    assert leftovers(tmp_path) == []


def test_failed_publish_keeps_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "run_results.json"
    target.write_bytes(b"old")

    def refuse(src: str, dst: str) -> None:
        raise OSError("disk said no")

    monkeypatch.setattr(files.os, "replace", refuse)
    with pytest.raises(OSError, match="disk said no"):
        files.write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_a_stale_temporary_of_a_crashed_process_is_stepped_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "manifest.json"
    stale = tmp_path / f".manifest.json.{os.getpid()}.5.tmp"
    stale.write_bytes(b"half")
    monkeypatch.setattr(files, "_TMP_NUMBERS", itertools.count(5))
    files.write_bytes_atomic(target, b"whole")
    assert target.read_bytes() == b"whole"
    assert stale.read_bytes() == b"half"  # not ours: left alone


def test_threads_writing_at_once_each_publish_their_file(tmp_path: Path) -> None:
    paths = [tmp_path / f"layer_{i % 7}" / f"m_{i}.sql" for i in range(200)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda p: files.write_text_if_changed(p, f"select '{p.stem}'\n"), paths))
    assert all(p.read_text() == f"select '{p.stem}'\n" for p in paths)
    assert leftovers(tmp_path) == []


def test_unchanged_text_is_not_rewritten(tmp_path: Path) -> None:
    target = tmp_path / "compiled" / "m.sql"
    files.write_text_if_changed(target, "select 1\n")
    inode = target.stat().st_ino
    files.write_text_if_changed(target, "select 1\n")
    assert target.stat().st_ino == inode
    files.write_text_if_changed(target, "select 2\n")
    assert target.read_text() == "select 2\n"


def test_a_file_where_a_folder_must_be_is_replaced(tmp_path: Path) -> None:
    """target/ of an older dagwright: a YAML file's tests compiled into one file of its name."""
    old = tmp_path / "compiled" / "proj" / "models" / "schema.yml"
    old.parent.mkdir(parents=True)
    old.write_text("select 'old layout'\n")
    new = old / "not_null_orders_id.sql"
    files.write_text_if_changed(new, "select 1\n")
    assert new.read_text() == "select 1\n"
    assert leftovers(tmp_path) == []
