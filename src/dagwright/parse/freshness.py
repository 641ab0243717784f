"""A source table's freshness settings, resolved as dbt-core 1.11 resolves them.

``freshness`` may be set on the source and on the table, each either as a top-level key or
inside a ``config:`` block (dbt 1.9+), and under ``sources:`` in dbt_project.yml:

- the four YAML places merge in the order source, source config, table, table config: a
  later ``warn_after``/``error_after`` replaces an earlier one only when it has both a
  ``count`` and a ``period``, a later ``filter`` replaces an earlier one, and an explicit
  ``null`` (for ``freshness`` or one of its thresholds) drops what came before;
- a result without any threshold (nothing set, or only a ``filter``) falls back to the
  ``+freshness`` of dbt_project.yml, which is never merged with the YAML;
- ``loaded_at_field`` (and ``loaded_at_query``) come from the table when the table sets
  the key (``loaded_at_field: null`` on a table turns off the source's), else from the
  source; dbt_project.yml does not provide them.

A freshness value is a dict in dbt's manifest shape: ``{"warn_after": {"count", "period"}
| None, "error_after": ... | None, "filter": str | None}``; ``None`` disables the check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dagwright.errors import ProjectError

PERIODS = ("minute", "hour", "day")

_ABSENT: Any = object()


@dataclass(frozen=True)
class _Time:
    count: int | None = None
    period: str | None = None

    def __bool__(self) -> bool:
        return self.count is not None and self.period is not None

    def as_dict(self) -> dict[str, Any]:
        return {"count": self.count, "period": self.period}


@dataclass(frozen=True)
class _Threshold:
    warn_after: _Time | None = _Time()
    error_after: _Time | None = _Time()
    filter: str | None = None

    def __bool__(self) -> bool:
        return bool(self.warn_after) or bool(self.error_after)

    def as_dict(self) -> dict[str, Any]:
        return {
            "warn_after": self.warn_after.as_dict() if self.warn_after is not None else None,
            "error_after": self.error_after.as_dict() if self.error_after is not None else None,
            "filter": self.filter,
        }


def _time(value: Any, key: str, where: str, path: str) -> _Time | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ProjectError(f"'{key}' in the freshness of {where} must be a mapping with count and period", path=path)
    unknown = set(value) - {"count", "period"}
    if unknown:
        raise ProjectError(f"unknown key(s) {sorted(unknown)} in '{key}' of the freshness of {where}", path=path)
    count, period = value.get("count"), value.get("period")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
        raise ProjectError(
            f"'count' in '{key}' of the freshness of {where} must be an integer, got {count!r}", path=path
        )
    if period is not None and period not in PERIODS:
        raise ProjectError(
            f"'period' in '{key}' of the freshness of {where} must be one of {', '.join(PERIODS)}, got {period!r}",
            path=path,
        )
    return _Time(count, period)


def _threshold(value: Any, where: str, path: str) -> _Threshold | None:
    """A YAML freshness value: None for an explicit null, an empty threshold when absent."""
    if value is _ABSENT:
        return _Threshold()
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ProjectError(f"'freshness' of {where} must be a mapping (warn_after, error_after, filter)", path=path)
    unknown = set(value) - {"warn_after", "error_after", "filter"}
    if unknown:
        raise ProjectError(f"unknown key(s) {sorted(unknown)} in the freshness of {where}", path=path)
    flt = value.get("filter")
    return _Threshold(
        warn_after=_time(value.get("warn_after", {}), "warn_after", where, path),
        error_after=_time(value.get("error_after", {}), "error_after", where, path),
        filter=str(flt) if flt is not None else None,
    )


def _merge_time(base: _Time | None, update: _Time | None) -> _Time | None:
    if base and update:
        return update
    if update is None:
        return None
    return update or base


def _merge(thresholds: list[_Threshold | None]) -> _Threshold | None:
    """dbt's merge_source_freshness."""
    current = thresholds[0]
    for update in thresholds[1:]:
        base = current
        if base is not None and update is not None:
            current = _Threshold(
                warn_after=_merge_time(base.warn_after, update.warn_after),
                error_after=_merge_time(base.error_after, update.error_after),
                filter=update.filter if update.filter is not None else base.filter,
            )
        elif base is None and update:
            current = update
        else:
            current = None
    return current


def _config(data: Mapping[str, Any]) -> Mapping[str, Any]:
    config = data.get("config")
    return config if isinstance(config, Mapping) else {}


@dataclass(frozen=True)
class SourceFreshness:
    freshness: dict[str, Any] | None
    loaded_at_field: str | None
    loaded_at_query: str | None


def resolve_source_freshness(
    source: Mapping[str, Any],
    table: Mapping[str, Any],
    project_config: Mapping[str, Any],
    *,
    where: str,
    path: str,
    render: Callable[[Any], Any] = lambda value: value,
) -> SourceFreshness:
    """``source`` and ``table`` as written in the YAML (``loaded_at_query`` is left
    unrendered: it is rendered when the check runs, with ``this``); ``render`` renders the
    other values; ``project_config`` is the dbt_project.yml config for the table's fqn."""
    source_config, table_config = _config(source), _config(table)

    def get(data: Mapping[str, Any], key: str) -> Any:
        return render(data[key]) if key in data else _ABSENT

    merged = _merge(
        [
            _threshold(get(source, "freshness"), where, path),
            _threshold(get(source_config, "freshness"), where, path),
            _threshold(get(table, "freshness"), where, path),
            _threshold(get(table_config, "freshness"), where, path),
        ]
    )
    freshness: dict[str, Any] | None
    if merged:
        freshness = merged.as_dict()
    elif merged is None:
        freshness = None
    else:  # no threshold in the YAML: dbt_project.yml's, else none
        project = project_config.get("freshness", _ABSENT)
        fallback = _threshold(render(project) if project is not _ABSENT else _ABSENT, where, "dbt_project.yml")
        freshness = fallback.as_dict() if fallback is not None else None

    for data in (source, source_config, table, table_config):
        if data.get("loaded_at_field", None) == "":
            raise ProjectError(f"{where}: loaded_at_field cannot be an empty string", path=path)
    # dbt's loaded_at_field_present: the table has the key (even null) or a config value
    table_sets_field = "loaded_at_field" in table or bool(table_config.get("loaded_at_field"))
    table_query = table.get("loaded_at_query") or table_config.get("loaded_at_query")
    source_query = source.get("loaded_at_query") or source_config.get("loaded_at_query")
    if table_sets_field and table_query:
        raise ProjectError(
            f"{where}: cannot specify both loaded_at_field and loaded_at_query at table level", path=path
        )
    if (source.get("loaded_at_field") or source_config.get("loaded_at_field")) and source_query:
        raise ProjectError(
            f"{where}: cannot specify both loaded_at_field and loaded_at_query at source level", path=path
        )

    if table_sets_field:
        loaded_at_field = table.get("loaded_at_field") or table_config.get("loaded_at_field")
    else:
        loaded_at_field = source.get("loaded_at_field") or source_config.get("loaded_at_field")
    if table.get("loaded_at_query") is not None or table_config.get("loaded_at_query") is not None:
        loaded_at_query = table_query
    elif table_sets_field:
        loaded_at_query = None
    else:
        loaded_at_query = source_query
    loaded_at_field = render(loaded_at_field) if loaded_at_field is not None else None
    return SourceFreshness(
        freshness=freshness,
        loaded_at_field=str(loaded_at_field) if loaded_at_field else None,
        loaded_at_query=str(loaded_at_query) if loaded_at_query else None,
    )


# -- evaluating a check -------------------------------------------------------------------------

#: what dbt reports as max_loaded_at when the query finds no row ("infinitely long ago")
NEVER = dt.datetime(1, 1, 1, tzinfo=dt.timezone.utc)


def has_freshness(freshness: Mapping[str, Any] | None) -> bool:
    """dbt's ``has_freshness``: a warn_after or error_after with both count and period."""
    if not freshness:
        return False
    return any(_complete(freshness.get(key)) for key in ("warn_after", "error_after"))


def _complete(time: Any) -> bool:
    return isinstance(time, Mapping) and time.get("count") is not None and time.get("period") is not None


def _seconds(time: Mapping[str, Any]) -> float:
    return dt.timedelta(**{f"{time['period']}s": int(time["count"])}).total_seconds()


def freshness_status(freshness: Mapping[str, Any], age: float) -> str:
    """pass, warn or error for an age in seconds (dbt: a threshold is exceeded when age > it)."""
    error_after, warn_after = freshness.get("error_after"), freshness.get("warn_after")
    if _complete(error_after) and age > _seconds(error_after):
        return "error"
    if _complete(warn_after) and age > _seconds(warn_after):
        return "warn"
    return "pass"


class NotATimestamp(Exception):
    """The freshness query returned something else than a timestamp (dbt: a Database Error)."""


def as_utc(value: Any) -> dt.datetime:
    """dbt's ``_utc``: an aware timestamp converted to UTC, a naive one taken as UTC."""
    if not hasattr(value, "tzinfo"):
        raise NotATimestamp(
            "Expected a timestamp value when querying field 'last_modified' of table None "
            f"but received value of type '{type(value).__name__}' instead"
        )
    if value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc)
    return value.replace(tzinfo=dt.timezone.utc)
