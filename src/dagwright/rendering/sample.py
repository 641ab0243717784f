"""dbt's sample mode (``--sample`` / ``DBT_SAMPLE``, dbt 1.10+, on ``run`` and ``build``): the
window of event times the models read.

A window is given relative to the run's start (``"3 days"``: ``<integer> <grain>``, the grain
one of hour, day, month, year, singular or plural, any case), ending at that start and beginning
that much before it (months and years keep the day of the month, clamped to the month's last
day), or as absolute bounds (``"{'start': '2024-01-01', 'end': '2024-01-05 10:00'}"``), read in
UTC whatever offset they carry, as dbt does. While a model or snapshot compiles, each ref or
source with an ``event_time`` config reads only the rows with ``start <= event_time < end``
(``rendering/event_time.py``); a microbatch model builds the batches of that window, each
reading the part of its batch inside it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import yaml

#: the grains a relative window counts in (dbt's microbatch batch sizes)
GRAINS = ("hour", "day", "month", "year")


class SampleError(ValueError):
    """A sample window that cannot be read (the message says why)."""


@dataclass(frozen=True)
class SampleWindow:
    """``[start, end)`` in UTC."""

    start: dt.datetime
    end: dt.datetime


def absolute_text(window: SampleWindow) -> str:
    """The window as absolute bounds, in the form ``--sample`` reads (a relative window is
    fixed once, when the command line is read, as dbt does; retry reads it back)."""
    return f"{{'start': '{window.start.isoformat()}', 'end': '{window.end.isoformat()}'}}"


def sample_window(text: str, now: dt.datetime) -> SampleWindow:
    """The window ``text`` names; a relative one ends at ``now`` (UTC)."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return _absolute(stripped)
    return _relative(text, now.astimezone(dt.timezone.utc))


def _relative(text: str, now: dt.datetime) -> SampleWindow:
    parts = text.split(" ")
    if len(parts) != 2:
        raise SampleError(f"cannot read the sample window '{text}': expected '<integer> <grain>', as '3 days'")
    count, grain = parts
    try:
        amount = int(count)
    except ValueError:
        raise SampleError(f"'{count}' in the sample window '{text}' is not an integer") from None
    unit = grain.lower().rstrip("s")
    if unit not in GRAINS:
        allowed = ", ".join([*GRAINS, *(g + "s" for g in GRAINS)])
        raise SampleError(f"'{grain}' in the sample window '{text}' is not a grain: use one of {allowed}")
    return SampleWindow(_before(now, amount, unit), now)


def _before(moment: dt.datetime, amount: int, unit: str) -> dt.datetime:
    """``moment`` minus ``amount`` units; a month or year keeps the day, clamped to the month's end."""
    if unit == "hour":
        return moment - dt.timedelta(hours=amount)
    if unit == "day":
        return moment - dt.timedelta(days=amount)
    months = amount * (12 if unit == "year" else 1)
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _absolute(text: str) -> SampleWindow:
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        raise SampleError(f"the sample window {text} is not valid YAML") from None
    if not isinstance(value, Mapping):
        raise SampleError(f"the sample window {text} is not a mapping with 'start' and 'end'")
    bounds = []
    for key in ("start", "end"):
        if value.get(key) is None:
            raise SampleError(f"the sample window {text} has no '{key}'")
        bounds.append(_moment(key, value[key]))
    return SampleWindow(bounds[0], bounds[1])


def _moment(key: str, value: object) -> dt.datetime:
    """A bound as a UTC datetime; like dbt, an offset it carries is replaced by UTC, not applied."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise SampleError(f"'{key}' of the sample window is not a date or timestamp: '{value}'") from None
    return moment.replace(tzinfo=dt.timezone.utc)
