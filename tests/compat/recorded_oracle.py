"""dbt's side of a compatibility case, recorded once and replayed.

Every compatibility case runs the same commands through dbt (the oracle) and through dagwright
and compares what each left behind. dbt's side costs far more than dagwright's (dbt-core takes
about 3 s of CPU to start per command; dbt-bigquery 10-30 s), and it only changes when the case
or dbt changes. So dbt's steps (exit codes, node statuses, every relation's kind, columns and
compared rows) are recorded to ``tests/compat/recorded/<engine>/<case>.json``, keyed by a
fingerprint of everything that decides them:

- the files of every folder the case's project is made of (the case, its ``include:`` folders,
  the engine's overlay), its commands, vars and environment (compat.yml is one of those files);
- the engine, and the major.minor versions of dbt-core and of its adapter (the oracle);
- ``RECORD_FORMAT``, bumped whenever the harness reads relations otherwise.

A case whose recording is missing or stale (its fingerprint differs) runs dbt live, as before,
and says so in its output; so does every case with ``DAGWRIGHT_COMPAT_ORACLE=live`` and a
case whose compat.yml says ``oracle: live`` (results that depend on the day it runs).
``DAGWRIGHT_COMPAT_ORACLE=record`` runs dbt live and (re)writes the recordings of the selected
cases (``make compat-record`` records every engine's). dbt remains the oracle: a recording is
dbt's own output, and a change to a case makes its next run consult dbt again.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import json
import os
import subprocess
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

#: bump when the snapshot of relations or the fields of a step change meaning
RECORD_FORMAT = 1
RECORDED_DIR = Path(__file__).resolve().parent / "recorded"
MODE_ENV = "DAGWRIGHT_COMPAT_ORACLE"
MODES = ("recorded", "live", "record")
#: lines of dbt's output kept with a recording (shown when dbt itself failed a step)
OUTPUT_LINES = 40
_IGNORED_FILES = frozenset({"README.md", ".DS_Store"})
_IGNORED_DIRS = frozenset({"target", "logs", "dbt_packages", "__pycache__"})


def mode() -> str:
    value = os.environ.get(MODE_ENV, "").strip() or "recorded"
    if value not in MODES:
        raise ValueError(f"{MODE_ENV}={value!r}: expected one of {', '.join(MODES)}")
    return value


# --------------------------------------------------------------------------------------------
# values: the Python values a relation's rows hold, as JSON and back


def encode_value(value: Any) -> Any:
    """A JSON form of a compared value that ``decode_value`` turns back into an equal value."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return {"float": repr(value)} if value != value or value in (float("inf"), float("-inf")) else value
    if isinstance(value, tuple):
        return [encode_value(v) for v in value]
    if isinstance(value, decimal.Decimal):
        return {"decimal": str(value)}
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"time": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"timedelta": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, uuid.UUID):
        return {"uuid": str(value)}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"bytes": base64.b64encode(bytes(value)).decode("ascii")}
    raise TypeError(f"cannot record a value of type {type(value).__name__}: {value!r}")


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "float": float,
    "decimal": decimal.Decimal,
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
    "timedelta": lambda parts: dt.timedelta(days=parts[0], seconds=parts[1], microseconds=parts[2]),
    "uuid": uuid.UUID,
    "bytes": lambda text: base64.b64decode(text),
}


def decode_value(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(decode_value(v) for v in value)
    if isinstance(value, dict):
        ((kind, payload),) = value.items()
        return _DECODERS[kind](payload)
    return value


# --------------------------------------------------------------------------------------------
# steps as JSON


def _relation_to_json(relation: Any) -> dict[str, Any]:
    rows = relation.rows if isinstance(relation.rows, str) else [encode_value(row) for row in relation.rows]
    return {
        "schema": relation.schema,
        "name": relation.name,
        "kind": relation.kind,
        "columns": [list(c) for c in relation.columns],
        "compared": list(relation.compared),
        "rows": rows,
    }


def _step_to_json(step: Any) -> dict[str, Any]:
    output = step.output_tail(OUTPUT_LINES)
    return {
        "argv": list(step.argv),
        "returncode": step.returncode,
        "seconds": round(step.seconds, 1),
        "statuses": step.statuses,
        "output_tail": output,
        "relations": [_relation_to_json(r) for _, r in sorted(step.relations.items())],
    }


def _step_from_json(data: dict[str, Any], step_type: type, relation_type: type) -> Any:
    relations = {}
    for r in data["relations"]:
        rows = r["rows"] if isinstance(r["rows"], str) else [decode_value(row) for row in r["rows"]]
        relations[(r["schema"], r["name"])] = relation_type(
            r["schema"], r["name"], r["kind"], [tuple(c) for c in r["columns"]], rows, list(r["compared"])
        )
    return step_type(
        tool="dbt",
        argv=list(data["argv"]),
        returncode=int(data["returncode"]),
        stdout=data.get("output_tail", ""),
        stderr="",
        seconds=float(data.get("seconds", 0.0)),
        statuses=data["statuses"],
        relations=relations,
    )


# --------------------------------------------------------------------------------------------
# fingerprints


def _folder_files(folder: Path) -> list[tuple[str, bytes]]:
    files = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and path.name not in _IGNORED_FILES and not _IGNORED_DIRS & set(relative.parts):
            files.append((relative.as_posix(), path.read_bytes()))
    return files


#: what decides dbt's results besides the case, per engine: the distributions of the oracle's
#: Python (major.minor), and files (the BigQuery emulator's pins and patch)
ORACLE_DISTRIBUTIONS = {
    "duckdb": ("dbt-core", "dbt-duckdb"),
    "postgres": ("dbt-core", "dbt-postgres"),
    "bigquery": ("dbt-core", "dbt-bigquery"),
    "spark": ("dbt-core", "dbt-spark", "pyspark"),
}
ORACLE_FILES = {"bigquery": (Path(__file__).resolve().parents[2] / ".ci" / "bigquery_emulator.py",)}


@cache
def oracle_versions(python: str, engine: str) -> dict[str, str]:
    """The engine's ``ORACLE_DISTRIBUTIONS`` installed for the Python ``python`` (major.minor)
    and a digest of its ``ORACLE_FILES``."""
    script = "import importlib.metadata as m, json, sys\nprint(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"
    names = ORACLE_DISTRIBUTIONS[engine]
    out = subprocess.run([python, "-c", script, *names], capture_output=True, text=True, check=True).stdout
    versions = {name: ".".join(v.split(".")[:2]) for name, v in json.loads(out).items()}
    for path in ORACLE_FILES.get(engine, ()):
        versions[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return versions


def fingerprint(case: Any, engine: str, versions: dict[str, str]) -> str:
    digest = hashlib.sha256()
    header = {"format": RECORD_FORMAT, "engine": engine, "case": case.name, "oracle": versions}
    header["commands"] = [list(c) for c in case.commands]
    header["vars"], header["env"] = case.vars, case.env
    digest.update(json.dumps(header, sort_keys=True).encode())
    for layer in case.layers:
        for relative, content in _folder_files(layer):
            digest.update(f"\0{relative}\0{len(content)}\0".encode())
            digest.update(content)
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------
# reading, writing, and running a case with a recorded or a live oracle


def recording_path(engine: str, case_name: str) -> Path:
    return RECORDED_DIR / engine / f"{case_name}.json"


def load(case: Any, engine: str, versions: dict[str, str], step_type: type, relation_type: type) -> list | None:
    """dbt's recorded steps for the case, or None when there is none matching its fingerprint."""
    path = recording_path(engine, case.name)
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("fingerprint") != fingerprint(case, engine, versions):
        return None
    return [_step_from_json(step, step_type, relation_type) for step in data["steps"]]


def save(case: Any, engine: str, versions: dict[str, str], steps: list) -> Path:
    path = recording_path(engine, case.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "case": case.name,
        "engine": engine,
        "oracle": versions,
        "fingerprint": fingerprint(case, engine, versions),
        "steps": [_step_to_json(step) for step in steps],
    }
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    temporary.replace(path)
    return path


def run_pair(
    case: Any,
    engine: str,
    oracle_python: str,
    run_tool: Callable[[str], list],
    *,
    step_type: type,
    relation_type: type,
    case_run_type: type,
) -> Any:
    """The case's CaseRun: dagwright's steps from ``run_tool("dagwright")``, dbt's from the
    recording when one matches (see the module's docstring), else from ``run_tool("dbt")``,
    run concurrently with dagwright's."""
    how = mode()
    versions = oracle_versions(oracle_python, engine)
    live = how != "recorded" or case.oracle == "live"
    recorded = None if live else load(case, engine, versions, step_type, relation_type)
    shown = recording_path(engine, case.name).relative_to(RECORDED_DIR.parent.parent.parent)
    if recorded is not None:
        NOTES.append((engine, case.name, "replayed"))
        return case_run_type(case, recorded, run_tool("dagwright"), oracle=f"dbt's steps replayed from {shown}")
    with ThreadPoolExecutor(max_workers=2) as pool:
        dbt_steps = pool.submit(run_tool, "dbt")
        dagwright_steps = pool.submit(run_tool, "dagwright")
        dbt, dagwright = dbt_steps.result(), dagwright_steps.result()
    as_expected = [step.returncode for step in dbt] == list(case.oracle_exits)
    if how == "record" and case.oracle != "live" and as_expected:
        save(case, engine, versions, dbt)
        kind, note = "recorded", f"dbt run live, its steps recorded to {shown}"
    elif how == "live" or case.oracle == "live":
        kind = "live as asked"
        note = "dbt run live (" + ("oracle: live in compat.yml" if case.oracle == "live" else f"{MODE_ENV}=live") + ")"
    else:
        kind = "live: no recording matches"
        note = f"dbt run live: no recording of the case as it is now at {shown} (make compat-record writes it)"
    NOTES.append((engine, case.name, kind))
    return case_run_type(case, dbt, dagwright, oracle=note)


#: (engine, case, note) of every case run this session, for the session's summary
NOTES: list[tuple[str, str, str]] = []
