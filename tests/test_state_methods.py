"""graph/state_methods.py on hand-made manifests: the rules that the comparisons with dbt
(tests/test_state_selection.py) do not reach cheaply."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dagwright.errors import SelectionError
from dagwright.graph.selection_syntax import parse_criterion
from dagwright.graph.state_methods import StateMethods, contract_breaking_changes
from dagwright.project.state import PreviousState


def _model(uid: str, macros: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "unique_id": uid,
        "resource_type": "model",
        "raw_code": "select 1",
        "fqn": ["proj", uid.rsplit(".", 1)[1]],
        "config": {"materialized": "view"},
        "depends_on": {"macros": macros, "nodes": []},
        **extra,
    }


def _manifest(nodes: dict[str, Any], macros: dict[str, str], generator: str | None = None) -> dict[str, Any]:
    return {
        "metadata": {"generator": generator} if generator else {},
        "nodes": nodes,
        "macros": {
            uid: {"unique_id": uid, "macro_sql": sql, "depends_on": {"macros": []}} for uid, sql in macros.items()
        },
    }


def _methods(old: dict[str, Any], new: dict[str, Any], warnings: list[str]) -> StateMethods:
    state = PreviousState(Path("state"), old, None, None, entries=dict(old["nodes"]))
    return StateMethods(lambda: state, lambda: new, Path("nowhere"), warnings.append)


def test_package_macros_compared_builtin_ones_only_between_same_tools() -> None:
    nodes = {
        "model.proj.a": _model("model.proj.a", ["macro.dbt_utils.star"]),
        "model.proj.b": _model("model.proj.b", ["macro.dbt.is_incremental"]),
    }
    old = _manifest(nodes, {"macro.dbt_utils.star": "v1", "macro.dbt.is_incremental": "dbt's"})
    new = _manifest(nodes, {"macro.dbt_utils.star": "v2", "macro.dbt.is_incremental": "dagwright's"})
    criterion = parse_criterion("state:modified.macros", "state:modified.macros")
    assert _methods(old, new, []).state_method(criterion) == {"model.proj.a"}
    old["metadata"]["generator"] = "dagwright 1.0"  # then dagwright's own built-ins are compared too
    assert _methods(old, new, []).state_method(criterion) == {"model.proj.a", "model.proj.b"}


def _contracted(data_type: str, version: int | None = None, **config: Any) -> dict[str, Any]:
    return _model(
        "model.proj.c",
        [],
        config={"materialized": "table", "contract": {"enforced": True}, **config},
        contract={"enforced": True},
        columns={"x": {"name": "x", "data_type": data_type, "constraints": [{"type": "not_null"}]}},
        version=version,
    )


def test_contract_breaking_changes() -> None:
    assert contract_breaking_changes(_contracted("varchar(3)"), _contracted("varchar(10)")) == []
    assert contract_breaking_changes(_contracted("int"), _contracted("text")) == [
        "Column x changed type from int to text."
    ]
    changes = contract_breaking_changes(_contracted("int"), _contracted("int", materialized="view"))
    assert changes == ["Materialization changed to view, which does not build constraints."]


def test_breaking_change_warns_or_stops_a_versioned_model() -> None:
    warnings: list[str] = []
    criterion = parse_criterion("state:modified", "state:modified")
    old = _manifest({"model.proj.c": _contracted("int")}, {})
    new = _manifest({"model.proj.c": _contracted("text")}, {})
    assert _methods(old, new, warnings).state_method(criterion) == {"model.proj.c"}
    assert len(warnings) == 1 and "breaking change" in warnings[0]
    old = _manifest({"model.proj.c": _contracted("int", version=1)}, {})
    new = _manifest({"model.proj.c": _contracted("text", version=1)}, {})
    with pytest.raises(SelectionError, match="breaking change"):
        _methods(old, new, []).state_method(criterion)
    # a contracted model that is gone
    warnings.clear()
    _methods(_manifest({"model.proj.c": _contracted("int")}, {}), _manifest({}, {}), warnings).state_method(criterion)
    assert "deleted, renamed or disabled" in warnings[0]
