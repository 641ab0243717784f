"""--select / --exclude / --resource-type / --output through the CLI, on the example project.

Expected lists are dbt-core 1.11's `dbt ls` output for the same arguments, data tests
included (selected directly or indirectly, as dbt does).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import EXAMPLE_MODELS, Project, copy_example

ALPHA = "article.dag.model_alpha"
BETA_A = "article.dag.model_beta_a"
BETA_B = "article.dag.model_beta_b"
GAMMA_A = "article.dag.model_gamma_a"
GAMMA_B = "article.dag.model_gamma_b"
STG = "article.staging.stg_orders"
CUSTOMERS = "article.customers"
ORDERS = "article.orders"
SOURCE = "source:article.raw.customers"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return copy_example(tmp_path_factory.mktemp("ls"))


def ls(project: Project, *args: str) -> list[str]:
    result = project.run("ls", *args)
    assert result.code == 0, str(result)
    assert "Traceback" not in result.output
    return result.stdout.splitlines()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("-s", "+model_gamma_a"),
            [
                ALPHA,
                BETA_A,
                GAMMA_A,
                STG,
                CUSTOMERS,
                ORDERS,
                SOURCE,
                "article.not_null_customers_customer_id",
                "article.not_null_model_alpha_customer_id",
                "article.not_null_model_beta_a_value_segment",
                "article.not_null_model_gamma_a_value_segment",
                "article.not_null_orders_order_id",
                "article.not_null_stg_orders_customer_id",
                "article.not_null_stg_orders_order_id",
                "article.unique_customers_customer_id",
                "article.unique_model_alpha_customer_id",
                "article.unique_model_beta_a_customer_id",
                "article.unique_model_gamma_a_value_segment",
                "article.unique_orders_order_id",
                "article.unique_stg_orders_order_id",
            ],
        ),
        (
            ("-s", "model_alpha+"),
            [
                ALPHA,
                BETA_A,
                BETA_B,
                GAMMA_A,
                GAMMA_B,
                "article.not_null_model_alpha_customer_id",
                "article.not_null_model_beta_a_value_segment",
                "article.not_null_model_gamma_a_value_segment",
                "article.unique_model_alpha_customer_id",
                "article.unique_model_beta_a_customer_id",
                "article.unique_model_beta_b_customer_id",
                "article.unique_model_gamma_a_value_segment",
                "article.unique_model_gamma_b_activity",
            ],
        ),
        (
            ("-s", "1+model_gamma_a"),
            [
                BETA_A,
                GAMMA_A,
                "article.not_null_model_beta_a_value_segment",
                "article.not_null_model_gamma_a_value_segment",
                "article.unique_model_beta_a_customer_id",
                "article.unique_model_gamma_a_value_segment",
            ],
        ),
        (
            ("-s", "model_alpha+1"),
            [
                ALPHA,
                BETA_A,
                BETA_B,
                "article.not_null_model_alpha_customer_id",
                "article.not_null_model_beta_a_value_segment",
                "article.unique_model_alpha_customer_id",
                "article.unique_model_beta_a_customer_id",
                "article.unique_model_beta_b_customer_id",
            ],
        ),
        (
            ("-s", "tag:leaf"),
            [
                GAMMA_A,
                GAMMA_B,
                "article.not_null_model_gamma_a_value_segment",
                "article.unique_model_gamma_a_value_segment",
                "article.unique_model_gamma_b_activity",
            ],
        ),
        (
            ("-s", "tag:staging"),
            [
                STG,
                "article.not_null_stg_orders_customer_id",
                "article.not_null_stg_orders_order_id",
                "article.unique_stg_orders_order_id",
            ],
        ),
        (
            ("-s", "tag:article_dag"),
            [
                ALPHA,
                BETA_A,
                BETA_B,
                GAMMA_A,
                GAMMA_B,
                "article.not_null_model_alpha_customer_id",
                "article.not_null_model_beta_a_value_segment",
                "article.not_null_model_gamma_a_value_segment",
                "article.unique_model_alpha_customer_id",
                "article.unique_model_beta_a_customer_id",
                "article.unique_model_beta_b_customer_id",
                "article.unique_model_gamma_a_value_segment",
                "article.unique_model_gamma_b_activity",
            ],
        ),
        (
            ("-s", "tag:raw"),
            [
                CUSTOMERS,
                ORDERS,
                "article.not_null_customers_customer_id",
                "article.not_null_orders_order_id",
                "article.unique_customers_customer_id",
                "article.unique_orders_order_id",
            ],
        ),
        (
            ("-s", "path:models/staging"),
            [
                STG,
                "article.not_null_stg_orders_customer_id",
                "article.not_null_stg_orders_order_id",
                "article.unique_stg_orders_order_id",
            ],
        ),
        (
            ("-s", "models/staging"),
            [
                STG,
                "article.not_null_stg_orders_customer_id",
                "article.not_null_stg_orders_order_id",
                "article.unique_stg_orders_order_id",
            ],
        ),
        (
            ("-s", "model_beta_*"),
            [
                BETA_A,
                BETA_B,
                "article.not_null_model_beta_a_value_segment",
                "article.unique_model_beta_a_customer_id",
                "article.unique_model_beta_b_customer_id",
            ],
        ),
        (
            ("-s", "model_*_a"),
            [
                BETA_A,
                GAMMA_A,
                "article.not_null_model_beta_a_value_segment",
                "article.not_null_model_gamma_a_value_segment",
                "article.unique_model_beta_a_customer_id",
                "article.unique_model_gamma_a_value_segment",
            ],
        ),
        (
            ("-s", "model_beta_a model_gamma_b"),
            [
                BETA_A,
                GAMMA_B,
                "article.not_null_model_beta_a_value_segment",
                "article.unique_model_beta_a_customer_id",
                "article.unique_model_gamma_b_activity",
            ],
        ),
        (
            ("-s", "model_beta_a", "-s", "model_gamma_b"),
            [
                BETA_A,
                GAMMA_B,
                "article.not_null_model_beta_a_value_segment",
                "article.unique_model_beta_a_customer_id",
                "article.unique_model_gamma_b_activity",
            ],
        ),
        (
            ("-s", "model_alpha+,tag:leaf"),
            [
                GAMMA_A,
                GAMMA_B,
                "article.not_null_model_gamma_a_value_segment",
                "article.unique_model_gamma_a_value_segment",
                "article.unique_model_gamma_b_activity",
            ],
        ),
        (("-s", "source:raw+", "--resource-type", "model"), [ALPHA, BETA_A, BETA_B, GAMMA_A, GAMMA_B]),
        (
            ("-s", "+model_gamma_b", "--exclude", "stg_orders"),
            [
                ALPHA,
                BETA_B,
                GAMMA_B,
                CUSTOMERS,
                ORDERS,
                SOURCE,
                "article.not_null_customers_customer_id",
                "article.not_null_model_alpha_customer_id",
                "article.not_null_orders_order_id",
                "article.unique_customers_customer_id",
                "article.unique_model_alpha_customer_id",
                "article.unique_model_beta_b_customer_id",
                "article.unique_model_gamma_b_activity",
                "article.unique_orders_order_id",
            ],
        ),
        (
            ("-s", "model_alpha+", "--exclude", "model_beta_b+"),
            [
                ALPHA,
                BETA_A,
                GAMMA_A,
                "article.not_null_model_alpha_customer_id",
                "article.not_null_model_beta_a_value_segment",
                "article.not_null_model_gamma_a_value_segment",
                "article.unique_model_alpha_customer_id",
                "article.unique_model_beta_a_customer_id",
                "article.unique_model_gamma_a_value_segment",
            ],
        ),
        (
            ("--exclude", "tag:article_dag"),
            [
                STG,
                CUSTOMERS,
                ORDERS,
                SOURCE,
                "article.not_null_customers_customer_id",
                "article.not_null_orders_order_id",
                "article.not_null_stg_orders_customer_id",
                "article.not_null_stg_orders_order_id",
                "article.unique_customers_customer_id",
                "article.unique_orders_order_id",
                "article.unique_stg_orders_order_id",
            ],
        ),
        (("--resource-type", "seed"), [CUSTOMERS, ORDERS]),
        (("--resource-type", "source"), [SOURCE]),
        (("--resource-type", "model", "--exclude", "tag:article_dag"), [STG]),
        (
            (),
            [
                ALPHA,
                BETA_A,
                BETA_B,
                GAMMA_A,
                GAMMA_B,
                STG,
                CUSTOMERS,
                ORDERS,
                SOURCE,
                "article.not_null_customers_customer_id",
                "article.not_null_model_alpha_customer_id",
                "article.not_null_model_beta_a_value_segment",
                "article.not_null_model_gamma_a_value_segment",
                "article.not_null_orders_order_id",
                "article.not_null_stg_orders_customer_id",
                "article.not_null_stg_orders_order_id",
                "article.unique_customers_customer_id",
                "article.unique_model_alpha_customer_id",
                "article.unique_model_beta_a_customer_id",
                "article.unique_model_beta_b_customer_id",
                "article.unique_model_gamma_a_value_segment",
                "article.unique_model_gamma_b_activity",
                "article.unique_orders_order_id",
                "article.unique_stg_orders_order_id",
            ],
        ),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else None,
)
def test_ls_selects_like_dbt(example: Project, args: tuple[str, ...], expected: list[str]) -> None:
    assert ls(example, *args) == expected


def test_ls_nothing_selected(example: Project) -> None:
    assert ls(example, "-s", "no_such_model") == []


def test_output_name(example: Project) -> None:
    names = ls(example, "-s", "+model_beta_a", "--output", "name")
    # like dbt, a source is listed by its search name source_name.table_name; the tests on
    # the selected nodes come along (dbt's eager indirect selection)
    assert names == [
        "model_alpha",
        "model_beta_a",
        "stg_orders",
        "customers",
        "orders",
        "raw.customers",
        *[
            "not_null_customers_customer_id",
            "not_null_model_alpha_customer_id",
            "not_null_model_beta_a_value_segment",
            "not_null_orders_order_id",
            "not_null_stg_orders_customer_id",
            "not_null_stg_orders_order_id",
            "unique_customers_customer_id",
            "unique_model_alpha_customer_id",
            "unique_model_beta_a_customer_id",
            "unique_orders_order_id",
            "unique_stg_orders_order_id",
        ],
    ]


def test_output_path(example: Project) -> None:
    paths = ls(example, "-s", "+model_beta_a", "--output", "path")
    assert paths == [
        "models/dag/model_alpha.sql",
        "models/dag/model_beta_a.sql",
        "models/staging/stg_orders.sql",
        "seeds/customers.csv",
        "seeds/orders.csv",
        "models/schema.yml",
        *[
            "seeds/seeds.yml",
            "models/schema.yml",
            "models/schema.yml",
            "seeds/seeds.yml",
            "models/schema.yml",
            "models/schema.yml",
            "seeds/seeds.yml",
            "models/schema.yml",
            "models/schema.yml",
            "seeds/seeds.yml",
            "models/schema.yml",
        ],
    ]


def test_output_json(example: Project) -> None:
    lines = ls(example, "-s", "1+model_beta_a", "--output", "json")
    items = [json.loads(line) for line in lines]
    assert [i["unique_id"] for i in items if i["resource_type"] != "test"] == [
        "model.article.model_alpha",
        "model.article.model_beta_a",
    ]
    assert {i["unique_id"] for i in items if i["resource_type"] == "test"} == {
        "test.article.not_null_model_alpha_customer_id.bd279412c0",
        "test.article.not_null_model_beta_a_value_segment.84c4573665",
        "test.article.unique_model_alpha_customer_id.363300ed45",
        "test.article.unique_model_beta_a_customer_id.a2afde6767",
    }
    beta = items[1]
    assert beta["name"] == "model_beta_a"
    assert beta["resource_type"] == "model"
    assert beta["package_name"] == "article"
    assert beta["original_file_path"] == "models/dag/model_beta_a.sql"
    assert beta["alias"] == "model_beta_a"
    assert beta["config"]["materialized"] == "table"
    assert beta["tags"] == ["article_dag"]
    assert beta["depends_on"]["nodes"] == ["model.article.model_alpha"]

    (source,) = [json.loads(line) for line in ls(example, "--resource-type", "source", "--output", "json")]
    assert source["unique_id"] == "source.article.raw.customers"
    assert source["source_name"] == "raw"
    assert source["name"] == "customers"


def test_unknown_output_and_resource_type(example: Project) -> None:
    bad_output = example.run("ls", "--output", "yaml")
    assert bad_output.code == 2, str(bad_output)
    assert "--output" in bad_output.stderr
    bad_type = example.run("ls", "--resource-type", "modle")
    assert bad_type.code == 2, str(bad_type)
    assert "modle" in bad_type.stderr and "did you mean 'model'" in bad_type.stderr


def test_ls_into_a_closed_pipe(example: Project) -> None:
    """`dagwright ls | head -0`: stdout closes before anything is written."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "dagwright.cli", "ls"],
        cwd=example.root,
        env=example.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    code = proc.wait(timeout=60)
    assert "Internal error" not in stderr
    assert "Traceback" not in stderr
    assert "Exception ignored" not in stderr
    assert code in (0, 141)


def test_run_into_a_pipe_closed_after_one_line(seeded: Project) -> None:
    """`dagwright run | head -1`: the reader goes away after the first line. The run goes on
    without printing, to its end: every node built, run_results.json written, its own exit
    code (before, a worker died on the broken pipe and the process left no run_results.json)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "dagwright.cli", "run", "--threads", "2"],
        cwd=seeded.root,
        env=seeded.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    code = proc.wait(timeout=120)
    assert code == 0, stderr
    assert "Traceback" not in stderr and "Internal error" not in stderr
    assert "stdout was closed by its reader" in stderr
    results = json.loads((seeded.root / "target" / "run_results.json").read_text())["results"]
    assert len(results) == 6 and {r["status"] for r in results} == {"success"}


def test_run_select_builds_only_that_model(seeded: Project) -> None:
    seeded.ok("run", "-s", "stg_orders")  # model_alpha reads this view
    result = seeded.run("run", "-s", "model_alpha")
    assert result.code == 0, str(result)
    assert "Done. PASS=1 WARN=0 ERROR=0 SKIP=0" in result.stdout
    assert seeded.statuses() == {"model_alpha": "success"}
    built = {name for (_schema, name) in seeded.tables() if name in EXAMPLE_MODELS}
    assert built == {"stg_orders", "model_alpha"}
    invocation_id = seeded.run_results()["metadata"]["invocation_id"]
    assert seeded.query("select distinct invocation_id from model_alpha") == [(invocation_id,)]


def test_run_exclude(seeded: Project) -> None:
    result = seeded.run("run", "--exclude", "tag:leaf")
    assert result.code == 0, str(result)
    assert seeded.statuses() == {
        "stg_orders": "success",
        "model_alpha": "success",
        "model_beta_a": "success",
        "model_beta_b": "success",
    }
    names = {name for (_schema, name) in seeded.tables()}
    assert "model_gamma_a" not in names and "model_gamma_b" not in names


def test_empty_model_is_listed_but_not_run(make_project) -> None:
    """Like dbt: a model file with only whitespace is a node (ls shows it) with nothing to build."""
    project = make_project({"models/a_model.sql": "select 1 as id\n", "models/placeholder.sql": "  \n"})
    assert ls(project, "--output", "name") == ["a_model", "placeholder"]
    result = project.run("run")
    assert result.code == 0, str(result)
    assert project.statuses() == {"a_model": "success"}
    assert {name for (_schema, name) in project.tables()} == {"a_model"}


def test_several_values_after_one_flag(example: Project) -> None:
    """dbt accepts `-s a b` and `--select=a b` as well as `-s "a b"`."""
    assert ls(example, "-s", "model_alpha", "model_beta_a", "--resource-type", "model", "seed") == [ALPHA, BETA_A]
    assert ls(example, "--select=model_alpha", "model_gamma_b", "--exclude", "model_alpha", "tag:nothing") == [
        GAMMA_B,
        "article.unique_model_gamma_b_activity",
    ]
