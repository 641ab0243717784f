"""In a build, dbt runs a model's unit tests one after the other and skips the rest once one
fails or errors (the order is a set's: not fixed); ``test`` runs them all. dagwright runs them
in the order they are defined. Found running dbt-audit-helper's integration project (its 35
unit tests) side by side with dbt."""

from __future__ import annotations

from collections import Counter

import pytest

from oracle import Twins, needs_dbt

pytestmark = needs_dbt


def _failing(name: str) -> str:
    return (
        f"  - name: {name}\n    model: doubled\n    given:\n      - input: ref('raw')\n"
        "        rows: [{id: 1, amount: 10}]\n    expect:\n      rows: [{id: 1, doubled: 0}]\n"
    )


FILES = {
    "seeds/raw.csv": "id,amount\n1,10\n",
    "models/doubled.sql": "select id, amount * 2 as doubled from {{ ref('raw') }}",
    "models/after.sql": "select * from {{ ref('doubled') }}",
    "models/unit.yml": "version: 2\nunit_tests:\n" + _failing("first") + _failing("second") + _failing("third"),
}


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> Twins:
    twins = Twins(tmp_path_factory.mktemp("unit_sequence"), FILES)
    twins.both("seed")
    return twins


def _unit_statuses(twins: Twins, tool: str) -> dict[str, str]:
    return {uid.rsplit(".", 1)[-1]: r["status"] for uid, r in twins.results(tool).items() if "unit_test" in uid}


def test_build_skips_a_models_other_unit_tests_after_a_failure(twins: Twins) -> None:
    twins.both("build", code=1)
    theirs, ours = _unit_statuses(twins, "dbt"), _unit_statuses(twins, "dagwright")
    assert Counter(theirs.values()) == Counter(ours.values()) == Counter({"fail": 1, "skipped": 2})
    assert ours == {"first": "fail", "second": "skipped", "third": "skipped"}  # the defined order
    for tool in ("dbt", "dagwright"):
        results = twins.results(tool)
        assert results["model.proj.doubled"]["status"] == results["model.proj.after"]["status"] == "skipped"


def test_test_command_runs_every_unit_test(twins: Twins) -> None:
    twins.both("test", "--select", "test_type:unit", code=1)
    assert (
        _unit_statuses(twins, "dbt")
        == _unit_statuses(twins, "dagwright")
        == dict.fromkeys(("first", "second", "third"), "fail")
    )
