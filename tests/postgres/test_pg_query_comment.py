"""query-comment on PostgreSQL: the server sees the comment on the statements dagwright sends
(``current_query()`` inside a model's own statement; ``pg_stat_activity`` from another
session while a node's statement runs)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from .conftest import PROJ_YML, proj_workspace

pytestmark = pytest.mark.postgres


def test_the_comment_reaches_the_server(tmp_path: Path, pg_server, pg_db: str) -> None:
    ws = proj_workspace(
        tmp_path,
        pg_server,
        pg_db,
        {
            "dbt_project.yml": PROJ_YML + 'query-comment: "by {{ node.name if node else connection_name }}"\n',
            "models/b.sql": "{{ config(materialized='table') }}\nselect current_query() as q\n",
            "models/slow.sql": "{{ config(materialized='table') }}\nselect 1 as slept from pg_sleep(3)\n",
        },
    )
    seen: list[str] = []

    def watch() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not seen:
            seen.extend(
                str(r[0])
                for r in ws.query(
                    "select query from pg_stat_activity "
                    "where query like '%from pg_sleep(3)%' and pid != pg_backend_pid()"
                )
            )
            time.sleep(0.1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    ws.ok("run")
    watcher.join()
    (text,) = ws.query("select q from main.b")[0]
    assert text.startswith("/* by b */\n"), text
    assert seen and seen[0].startswith("/* by slow */\n"), seen


def test_the_default_comment(tmp_path: Path, pg_server, pg_db: str) -> None:
    ws = proj_workspace(
        tmp_path,
        pg_server,
        pg_db,
        {"models/b.sql": "{{ config(materialized='table') }}\nselect current_query() as q\n"},
    )
    ws.ok("run")
    (text,) = ws.query("select q from main.b")[0]
    comment = json.loads(text[3 : text.index(" */")])
    assert comment == {
        "app": "dagwright",
        "dbt_version": "1.11.0",
        "profile_name": "proj",
        "target_name": "dev",
        "node_id": "model.proj.b",
    }
