"""seed, compile, clean and debug through the CLI."""

from __future__ import annotations

import re

import pytest

from conftest import EXAMPLE_MODELS, Project

# -- seed -------------------------------------------------------------------------------


def _columns(project: Project, table: str) -> dict[str, str]:
    return {row[0]: row[1] for row in project.query(f'describe "main"."{table}"')}


def test_seed_column_types_and_row_counts(seeded: Project) -> None:
    # orders: column_types in dbt_project.yml override what the CSV would give
    # (amount_cents would be INTEGER and discount DOUBLE without them)
    assert _columns(seeded, "orders") == {
        "order_id": "INTEGER",
        "customer_id": "INTEGER",
        "order_date": "DATE",
        "status": "VARCHAR",
        "amount_cents": "BIGINT",
        "discount": "DECIMAL(4,2)",
    }
    # customers: inferred, as dbt-duckdb infers them
    assert _columns(seeded, "customers") == {
        "customer_id": "INTEGER",
        "first_name": "VARCHAR",
        "last_name": "VARCHAR",
        "email": "VARCHAR",
        "signup_date": "DATE",
        "credit_limit": "DOUBLE",
    }
    assert seeded.query("select count(*) from main.orders") == [(14,)]
    assert seeded.query("select count(*) from main.customers") == [(12,)]
    assert seeded.query("select discount from main.orders where order_id = 1014") == [(pytest.approx(0.25),)]
    assert seeded.statuses() == {"customers": "success", "orders": "success"}
    # a seed run builds no model
    assert not {name for (_s, name) in seeded.tables()} & set(EXAMPLE_MODELS)


def test_seed_without_override_infers_other_types(make_project) -> None:
    """The override matters: the same orders.csv without column_types loads differently."""
    from conftest import EXAMPLE

    project = make_project({"seeds/orders.csv": (EXAMPLE / "seeds" / "orders.csv").read_text()})
    project.ok("seed")
    columns = _columns(project, "orders")
    assert columns["amount_cents"] == "INTEGER"
    assert columns["discount"] == "DOUBLE"


TRICKY_ROWS = [
    (1, "it's; drop table tricky; --"),
    (2, "say \"hi\"; then 'bye'"),
    (3, "O'Brien"),
    (4, "{{ not jinja }}"),
    (5, "');select 1;--"),
    (6, "a,b;c"),
    (7, "$1 ? %s :x"),
]
TRICKY_CSV = """\
id,text
1,"it's; drop table tricky; --"
2,"say ""hi""; then 'bye'"
3,O'Brien
4,"{{ not jinja }}"
5,"');select 1;--"
6,"a,b;c"
7,$1 ? %s :x
"""


def test_seed_values_land_verbatim(make_project) -> None:
    project = make_project({"seeds/tricky.csv": TRICKY_CSV})
    result = project.run("seed")
    assert result.code == 0, str(result)
    assert project.query("select id, text from main.tricky order by id") == TRICKY_ROWS
    assert {name for (_s, name) in project.tables()} == {"tricky"}
    # a second load replaces the rows rather than appending or failing
    project.ok("seed")
    assert project.query("select count(*) from main.tricky") == [(len(TRICKY_ROWS),)]


# -- compile ----------------------------------------------------------------------------


def test_compile_writes_sql_and_creates_no_table(article: Project) -> None:
    result = article.run("compile")
    assert result.code == 0, str(result)
    db = article.db.stem
    compiled = article.target / "compiled" / "article" / "models"
    written = sorted(p.relative_to(compiled).as_posix() for p in compiled.rglob("*.sql"))
    # as dbt's compile, the tests too: under a folder named after their property file
    tests = [f for f in written if f.startswith("schema.yml/")]
    assert "schema.yml/not_null_model_alpha_customer_id.sql" in tests
    files = [f for f in written if f not in tests]
    assert files == sorted(f"{'staging' if n == 'stg_orders' else 'dag'}/{n}.sql" for n in EXAMPLE_MODELS)
    beta_a = (compiled / "dag" / "model_beta_a.sql").read_text(encoding="utf-8")
    assert f'from "{db}"."main"."model_alpha" as a' in beta_a
    alpha = (compiled / "dag" / "model_alpha.sql").read_text(encoding="utf-8")
    assert f'from "{db}"."main_staging"."stg_orders"' in alpha
    assert f'select * from "{db}"."main"."customers"' in alpha  # source('raw', 'customers')
    assert "where status in ('completed', 'shipped')" in alpha
    stg = (compiled / "staging" / "stg_orders.sql").read_text(encoding="utf-8")
    assert f'from "{db}"."main"."orders" as o' in stg
    for path in compiled.rglob("*.sql"):
        text = path.read_text(encoding="utf-8")
        assert "{{" not in text and "{%" not in text, path
    # nothing was built
    if article.db.exists():
        assert article.tables() == {}
    # as dbt's compile: run_results.json lists each compiled node as a success
    statuses = {r["unique_id"]: r["status"] for r in article.run_results()["results"]}
    assert {uid for uid in statuses if uid.startswith("model.")} == {f"model.article.{n}" for n in EXAMPLE_MODELS}
    assert set(statuses.values()) == {"success"}


def test_compile_on_a_seeded_warehouse_builds_nothing(seeded: Project) -> None:
    before = seeded.tables()
    seeded.ok("compile")
    assert seeded.tables() == before


def test_compile_one_model_prints_its_sql(article: Project) -> None:
    result = article.run("compile", "-s", "model_beta_a", "--vars", "{high_value_threshold: 1234}")
    assert result.code == 0, str(result)
    assert "Compiled node 'model_beta_a' is:" in result.stdout
    sql = result.stdout.split("Compiled node 'model_beta_a' is:", 1)[1]
    assert f'from "{article.db.stem}"."main"."model_alpha" as a' in sql
    assert "when a.net_amount >= 1234 then 'high'" in sql
    assert re.search(r"'[0-9a-f-]{36}' as invocation_id", sql)
    written = article.target / "compiled" / "article" / "models" / "dag" / "model_beta_a.sql"
    assert written.read_text(encoding="utf-8").strip() == sql.strip()


# -- clean ------------------------------------------------------------------------------


def test_clean_removes_target(seeded: Project) -> None:
    seeded.ok("compile")
    assert (seeded.target / "manifest.json").exists()
    (seeded.root / "logs").mkdir(exist_ok=True)
    result = seeded.run("clean")
    assert result.code == 0, str(result)
    assert not seeded.target.exists()
    assert not (seeded.root / "logs").exists()
    assert (seeded.root / "models").is_dir()  # only the clean-targets go
    assert seeded.db.exists()  # the warehouse is not a clean target
    again = seeded.run("clean")
    assert again.code == 0, str(again)


def test_clean_refuses_a_folder_outside_the_project(make_project) -> None:
    project = make_project({"dbt_project.yml": "name: proj\nprofile: proj\nclean-targets: ['target', '../outside']\n"})
    outside = project.root.parent / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    result = project.run("clean")
    assert result.code == 2, str(result)
    assert "../outside" in result.stderr
    assert "Traceback" not in result.output
    assert (outside / "keep.txt").read_text() == "keep"


# -- debug ------------------------------------------------------------------------------

SECRET_ENV_VALUE = "s3kr1t-from-env-42"
SECRET_PROFILE = """\
proj:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{{ env_var('DAGWRIGHT_DEMO_DB') }}"
      password: hunter2
      note: "{{ env_var('DBT_ENV_SECRET_X') }}"
      threads: 3
"""


def test_debug_hides_secrets(make_project) -> None:
    project = make_project({"profiles.yml": SECRET_PROFILE, "models/a_model.sql": "select 1 as id\n"})
    project.env["DBT_ENV_SECRET_X"] = SECRET_ENV_VALUE
    result = project.run("debug")
    assert result.code == 0, str(result)
    assert "Connection test: [OK" in result.stdout
    assert "hunter2" not in result.output
    assert SECRET_ENV_VALUE not in result.output
    assert "type: duckdb" in result.stdout
    assert "threads: 3" in result.stdout
    assert f"path: {project.db}" in result.stdout
    assert "password: ****" in result.stdout

    # nor do they reach the artifacts of a run
    project.ok("run")
    for path in project.target.rglob("*"):
        if path.is_file():  # bytes: target/ holds a binary file too (the parse cache)
            data = path.read_bytes()
            assert b"hunter2" not in data, path
            assert SECRET_ENV_VALUE.encode() not in data, path


def test_debug_reports_a_connection_failure(make_project, tmp_path) -> None:
    not_a_db = tmp_path / "not_a_db.duckdb"
    not_a_db.write_text("this is not a DuckDB file")
    project = make_project({})
    project.env["DAGWRIGHT_DEMO_DB"] = str(not_a_db)
    result = project.run("debug")
    assert result.code == 1, str(result)
    assert "Connection test: [ERROR" in result.stdout
    assert "Traceback" not in result.output
