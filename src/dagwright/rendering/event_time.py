"""A microbatch model's batch as its templates see it (dbt 1.9+): ``model.batch`` and the
inputs that ``ref()`` / ``source()`` filter to the batch's window.

While a batch of a microbatch model compiles, a ref or source whose own config has an
``event_time`` prints as a subquery keeping the rows of the window
(``(select * from <relation> where <event_time> >= '<start>' and <event_time> < '<end>')``,
with dbt's alias ``_dbt_et_filter_subq_<name>`` where the engine's dbt adapter requires one);
``.render()`` still gives the relation's plain name. Inputs without ``event_time`` are read
whole, as in dbt.

``--empty`` (dbt 1.8+) reads every input as none of its rows: a ref or source prints as
``(select * from <relation> where false limit 0)`` (alias ``_dbt_limit_subq_<name>`` where the
engine's dbt adapter requires one), so each model is built with its columns and no rows.

Sample mode (``--sample``, ``rendering/sample.py``) filters the same inputs the same way while
a model or snapshot compiles, to the sample's window (within a microbatch batch: the part of
the batch inside it). As in dbt, the event-time filter wraps the ``--empty`` subquery.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dagwright.parse.nodes import ColumnInfo
from dagwright.rendering.engines.registry import jinja_engine
from dagwright.rendering.relation import JinjaRelation
from dagwright.rendering.sample import SampleWindow

#: the nodes whose inputs sample mode filters (dbt: models and snapshots, not tests)
SAMPLED_KINDS = frozenset({"model", "snapshot"})


@dataclass(frozen=True)
class BatchWindow:
    """One batch: ``[start, end)`` in UTC, and dbt's id of it (its start, e.g. ``20240102``)."""

    start: dt.datetime
    end: dt.datetime
    id: str

    def model_value(self) -> dict[str, Any]:
        """``model.batch``: dbt's ``BatchContext`` (datetimes print as dbt's do)."""
        return {"id": self.id, "event_time_start": self.start, "event_time_end": self.end}


def _field_name(event_time: str, columns: Mapping[str, ColumnInfo], quote: Any) -> str:
    """The event_time column as the filter names it: quoted where its column says
    ``quote: true`` (else the input's own ``quoting.column``), as dbt does."""
    should_quote = False
    found = next((c for c in columns.values() if c.name == event_time), None)
    if found is not None and found.quote is not None:
        should_quote = bool(found.quote)
    elif quote is not None:
        should_quote = bool(quote)
    return f'"{event_time}"' if should_quote else event_time


def window_of(resource_type: str, batch: BatchWindow | None, sample: SampleWindow | None) -> SampleWindow | None:
    """The event-time window a node's inputs are filtered to: its batch's, the sample's (for
    a model or snapshot), or where both apply the part of the batch inside the sample."""
    if sample is None or resource_type not in SAMPLED_KINDS:
        return None if batch is None else SampleWindow(batch.start, batch.end)
    if batch is None:
        return sample
    return SampleWindow(max(sample.start, batch.start), min(sample.end, batch.end))


def read_input(
    relation: JinjaRelation,
    config: Mapping[str, Any],
    columns: Mapping[str, ColumnInfo],
    window: SampleWindow | None,
    *,
    empty: bool,
    engine: str,
    column_quoting: Any = None,
) -> JinjaRelation:
    """A ref or source as the compiling node reads it: no rows under ``--empty``, then
    filtered to ``window`` when the input has an ``event_time`` config."""
    if empty:
        relation = emptied(relation, engine=engine)
    return filtered(relation, config, columns, window, engine=engine, column_quoting=column_quoting)


def filtered(
    relation: JinjaRelation,
    config: Mapping[str, Any],
    columns: Mapping[str, ColumnInfo],
    window: SampleWindow | None,
    *,
    engine: str,
    column_quoting: Any = None,
) -> JinjaRelation:
    """``relation`` (as it prints) filtered to the window when the input has an ``event_time``
    config, unchanged otherwise."""
    event_time = config.get("event_time")
    if window is None or not event_time:
        return relation
    name = _field_name(str(event_time), columns, column_quoting)
    cast = jinja_engine(engine).event_time_cast
    if cast:
        name = f"cast({name} as {cast})"
    condition = f"{name} >= '{window.start}' and {name} < '{window.end}'"
    suffix = f" _dbt_et_filter_subq_{relation.identifier}" if jinja_engine(engine).subquery_alias else ""
    return relation.with_text(f"(select * from {relation} where {condition}){suffix}")


def emptied(relation: JinjaRelation, *, engine: str) -> JinjaRelation:
    """``relation`` as ``--empty`` reads it: no rows, the same columns."""
    suffix = f" _dbt_limit_subq_{relation.identifier}" if jinja_engine(engine).subquery_alias else ""
    return relation.with_text(f"(select * from {relation.render()} where false limit 0){suffix}")
