"""dbt packages: a package installed by ``dagwright deps`` (local, git, hub) and used by a root
project: its nodes in the warehouse and in manifest.json as dbt lists them, macro resolution
(``<pkg>.<macro>``, bare names inside the package, ``adapter.dispatch`` with the root's
``dispatch:`` config), config and vars layered as dbt does, selection by package, and clear
errors for a missing package or model."""

from __future__ import annotations

import http.server
import io
import json
import subprocess
import tarfile
import textwrap
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
import yaml

from conftest import Project, write_project
from dagwright.tasks.deps import pick_version

COMPAT_PACKAGE = Path(__file__).parent / "compat" / "projects" / "packages" / "local_packages" / "shop_utils"

PACKAGE_FILES = {
    "dbt_project.yml": """\
        name: shop_utils
        version: "1.0"
        config-version: 2
        profile: shop_utils
        vars:
          currency: usd
          label_prefix: shop
        models:
          shop_utils:
            +materialized: table
            staging:
              +schema: stg
        """,
    "macros/cents.sql": """\
        {% macro to_cents(column) -%}
            {{ return(adapter.dispatch('to_cents', 'shop_utils')(column)) }}
        {%- endmacro %}
        {% macro duckdb__to_cents(column) -%}cast({{ column }} * 1000 as integer){%- endmacro %}
        {% macro default__to_cents(column) -%}cast({{ column }} * 10000 as integer){%- endmacro %}
        {% macro shop_label() -%}'{{ var("label_prefix") }}-{{ var("currency") }}'{%- endmacro %}
        """,
    "macros/schema_names.sql": """\
        {% macro generate_schema_name(custom_schema_name, node) -%}
            {{ target.schema }}_shop{% if custom_schema_name %}_{{ custom_schema_name | trim }}{% endif %}
        {%- endmacro %}
        """,
    # as dbt_utils' tests: fail_calc set at parse time in a dispatched macro, a private macro
    # checking that the argument is a relation (the compat case's package has the same macro)
    "macros/equal_count.sql": (COMPAT_PACKAGE / "macros" / "equal_count.sql").read_text(encoding="utf-8"),
    "tests/generic/positive.sql": """\
        {% test positive(model, column_name) %}
        select * from {{ model }} where {{ column_name }} <= 0
        {% endtest %}
        """,
    "tests/no_empty_labels.sql": "select * from {{ ref('stg_prices') }} where label = ''\n",
    "seeds/product_prices.csv": "product_id,price\n1,1.25\n2,3.5\n",
    "models/staging/stg_prices.sql": """\
        select product_id, {{ to_cents('price') }} as price_cents, {{ shop_label() }} as label
        from {{ ref('product_prices') }}
        """,
    "models/product_totals.sql": """\
        {{ config(tags=['in_file']) }}
        select product_id, count(*) as order_count, sum(quantity) as quantity, '{{ var("currency") }}' as currency
        from {{ source('shop_raw', 'orders') }}
        group by product_id
        """,
    "models/docs.md": "{% docs product_totals %}Orders per product.{% enddocs %}\n",
    "models/schema.yml": """\
        version: 2
        sources:
          - name: shop_raw
            schema: main
            tables:
              - name: orders
                identifier: raw_orders
        models:
          - name: product_totals
            description: "{{ doc('product_totals') }}"
            columns:
              - name: product_id
                data_tests: [unique]
              - name: quantity
                data_tests: [positive]
        """,
}

ROOT_FILES = {
    "dbt_project.yml": """\
        name: pkg_root
        version: "1.0"
        config-version: 2
        profile: proj
        vars:
          shop_utils:
            currency: eur
        dispatch:
          - macro_namespace: shop_utils
            search_order: [pkg_root, shop_utils]
        models:
          shop_utils:
            +tags: [from_root]
            staging:
              +materialized: view
        """,
    "packages.yml": "packages:\n  - local: ../shop_utils\n",
    "seeds/raw_orders.csv": "order_id,product_id,quantity\n1,1,2\n2,2,1\n3,1,5\n",
    "macros/cents.sql": """\
        {% macro default__to_cents(column) -%}cast(round({{ column }} * 100) as integer){%- endmacro %}
        """,
    "models/orders_enriched.sql": """\
        select o.order_id, o.quantity * p.price_cents as total_cents,
            {{ shop_utils.to_cents('1.5') }} as fee_cents, t.order_count
        from {{ ref('raw_orders') }} as o
        join {{ ref('stg_prices') }} as p using (product_id)
        join {{ ref('shop_utils', 'product_totals') }} as t using (product_id)
        """,
    "models/schema.yml": """\
        version: 2
        models:
          - name: orders_enriched
            data_tests:
              - shop_utils.equal_count:
                  compare_model: ref('raw_orders')
            columns:
              - name: total_cents
                data_tests: [shop_utils.positive]
        """,
}


def write_files(root: Path, files: Mapping[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.fixture
def shop(tmp_path: Path) -> Project:
    """The root project next to the package folder ``../shop_utils``, not yet installed."""
    write_files(tmp_path / "shop_utils", PACKAGE_FILES)
    return write_project(tmp_path, ROOT_FILES, name="root")


def test_local_package_builds_and_is_listed_as_dbt_lists_it(shop: Project) -> None:
    shop.ok("deps")
    installed = shop.root / "dbt_packages" / "shop_utils"
    # dbt links a local package rather than copying it
    assert installed.is_symlink() and installed.resolve() == (shop.root.parent / "shop_utils").resolve()
    lock = yaml.safe_load((shop.root / "package-lock.yml").read_text())
    assert lock["packages"] == [{"local": "../shop_utils", "name": "shop_utils"}]
    assert len(lock["sha1_hash"]) == 40

    shop.ok("seed")
    shop.ok("build")
    tables = shop.tables()
    # the package's generate_schema_name names its nodes; the root's config makes staging a view
    assert tables[("main_shop_stg", "stg_prices")] == "VIEW"
    assert tables[("main_shop", "product_totals")] == "BASE TABLE"
    assert tables[("main_shop", "product_prices")] == "BASE TABLE"
    assert tables[("main", "orders_enriched")] == "VIEW"
    # the root's default__to_cents comes first (dispatch: search_order); vars scoped by package name
    assert shop.query("select * from main_shop_stg.stg_prices order by 1") == [
        (1, 125, "shop-eur"),
        (2, 350, "shop-eur"),
    ]
    assert shop.query("select * from main.orders_enriched order by 1") == [
        (1, 250, 150, 2),
        (2, 350, 150, 1),
        (3, 625, 150, 2),
    ]
    assert shop.query("select * from main_shop.product_totals order by 1") == [(1, 2, 7, "eur"), (2, 1, 1, "eur")]
    statuses = {r["unique_id"]: r["status"] for r in shop.run_results()["results"]}
    assert statuses["test.shop_utils.no_empty_labels"] == "pass"
    assert sum(1 for uid, s in statuses.items() if uid.startswith("test.") and s == "pass") == 5

    manifest = shop.manifest()
    nodes = manifest["nodes"]
    stg = nodes["model.shop_utils.stg_prices"]
    assert stg["package_name"] == "shop_utils"
    assert stg["fqn"] == ["shop_utils", "staging", "stg_prices"]
    assert stg["path"] == "staging/stg_prices.sql"
    assert stg["original_file_path"] == "models/staging/stg_prices.sql"
    assert stg["config"]["materialized"] == "view"
    assert stg["tags"] == ["from_root"]
    totals = nodes["model.shop_utils.product_totals"]
    # the package's own tags (in-file), then the root project's folder config
    assert totals["tags"] == ["in_file", "from_root"]
    assert totals["description"] == "Orders per product."
    assert totals["patch_path"] == "shop_utils://models/schema.yml"
    assert totals["depends_on"]["nodes"] == ["source.shop_utils.shop_raw.orders"]
    assert nodes["seed.shop_utils.product_prices"]["root_path"] == str(shop.root / "dbt_packages" / "shop_utils")
    assert nodes["model.pkg_root.orders_enriched"]["depends_on"]["nodes"] == [
        "seed.pkg_root.raw_orders",
        "model.shop_utils.stg_prices",
        "model.shop_utils.product_totals",
    ]
    root_test = next(uid for uid in nodes if uid.startswith("test.pkg_root.shop_utils_positive_orders_enriched"))
    assert nodes[root_test]["test_metadata"]["namespace"] == "shop_utils"
    equal_count = next(uid for uid in nodes if uid.startswith("test.pkg_root.shop_utils_equal_count_"))
    assert nodes[equal_count]["config"]["fail_calc"] == "sum(diff)"
    assert statuses[equal_count] == "pass"  # two rows, but sum(diff) is 0
    assert any(uid.startswith("test.shop_utils.positive_product_totals_quantity.") for uid in nodes)
    assert manifest["sources"]["source.shop_utils.shop_raw.orders"]["fqn"] == ["shop_utils", "shop_raw", "orders"]
    assert manifest["macros"]["macro.shop_utils.to_cents"]["original_file_path"] == "macros/cents.sql"
    assert "doc.shop_utils.product_totals" in manifest["docs"]
    assert (shop.target / "compiled" / "shop_utils" / "models" / "staging" / "stg_prices.sql").is_file()

    # selection by package name, as dbt: the name (an fqn prefix) and package:
    listed = set(shop.ok("ls", "--select", "shop_utils").stdout.split())
    assert "shop_utils.staging.stg_prices" in listed and "pkg_root.orders_enriched" not in listed
    listed = set(shop.ok("ls", "--select", "package:shop_utils", "--resource-type", "model").stdout.split())
    assert listed == {"shop_utils.staging.stg_prices", "shop_utils.product_totals"}


def test_a_package_file_edit_reaches_a_cached_parse(shop: Project) -> None:
    shop.ok("deps")
    shop.ok("parse")
    package_model = shop.root.parent / "shop_utils" / "models" / "product_totals.sql"
    package_model.write_text("select 1 as product_id, 1 as order_count, 1 as quantity\n", encoding="utf-8")
    shop.ok("parse")
    assert "select 1 as product_id" in shop.manifest()["nodes"]["model.shop_utils.product_totals"]["raw_code"]


@pytest.mark.parametrize(
    ("model", "expect"),
    [
        (
            "select 1 as id\n-- x\nfrom {{ ref('shop_utilz', 'product_totals') }}\n",
            ("models/bad.sql:3", "no package named 'shop_utilz'", "did you mean 'shop_utils'"),
        ),
        (
            "select * from {{ ref('shop_utils', 'product_total') }}\n",
            ("models/bad.sql:1", "of package 'shop_utils'", "did you mean 'product_totals'"),
        ),
        (
            # a package's macros are not global names in the root project (dbt)
            "select {{ shop_label() }} as label\n",
            ("models/bad.sql", "shop_label"),
        ),
    ],
    ids=["unknown-package", "unknown-model", "bare-package-macro"],
)
def test_bad_package_references_are_clear_errors(shop: Project, model: str, expect: tuple[str, ...]) -> None:
    shop.ok("deps")
    (shop.root / "models" / "bad.sql").write_text(model, encoding="utf-8")
    result = shop.run("compile")
    assert result.code == 2, str(result)
    assert "Traceback" not in result.stderr
    for text in expect:
        assert text in result.stderr, str(result)


def test_unknown_package_test_is_a_clear_error(shop: Project) -> None:
    shop.ok("deps")
    schema = shop.root / "models" / "schema.yml"
    schema.write_text(schema.read_text().replace("shop_utils.positive", "shop_utils.postive"), encoding="utf-8")
    result = shop.run("parse")
    assert result.code == 2, str(result)
    assert "models/schema.yml" in result.stderr and "shop_utils.postive" in result.stderr
    assert "did you mean 'positive'" in result.stderr


def _git(*args: str, cwd: Path) -> str:
    env_args = ["-c", "user.email=test@example.com", "-c", "user.name=test", "-c", "init.defaultBranch=main"]
    done = subprocess.run(["git", *env_args, *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_git_package_with_revision_and_subdirectory(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_files(
        repo / "dbt" / "tiny_pkg",
        {
            "dbt_project.yml": "name: tiny_pkg\nversion: '1.0'\nconfig-version: 2\n",
            "models/tiny.sql": "select 'v1' as version\n",
        },
    )
    _git("init", "-q", cwd=repo)
    _git("add", ".", cwd=repo)
    _git("commit", "-q", "-m", "v1", cwd=repo)
    _git("tag", "v1", cwd=repo)
    v1 = _git("rev-parse", "HEAD", cwd=repo)
    (repo / "dbt" / "tiny_pkg" / "models" / "tiny.sql").write_text("select 'v2' as version\n")
    _git("commit", "-q", "-am", "v2", cwd=repo)

    # the URL reads an env var (as a token would): package-lock.yml and the output keep it unrendered
    packages = (
        "packages:\n  - git: \"file://{{ env_var('TINY_REPO') }}\"\n    revision: v1\n    subdirectory: dbt/tiny_pkg\n"
    )
    project = write_project(tmp_path, {"packages.yml": packages}, name="root")
    project.env["TINY_REPO"] = str(repo)
    result = project.ok("deps")
    assert f"revision {v1}" in result.stdout and str(repo) not in result.output
    lock = yaml.safe_load((project.root / "package-lock.yml").read_text())
    assert lock["packages"] == [
        {"git": "file://{{ env_var('TINY_REPO') }}", "name": "tiny_pkg", "revision": v1, "subdirectory": "dbt/tiny_pkg"}
    ]
    installed = project.root / "dbt_packages" / "tiny_pkg"
    assert not installed.is_symlink() and not (installed / ".git").exists()
    project.ok("run")
    assert project.query("select * from main.tiny") == [("v1",)]

    # the lock file pins the commit: deps again installs it without asking git for "v1"
    _git("tag", "-f", "v1", cwd=repo)
    project.ok("deps")
    assert (installed / "models" / "tiny.sql").read_text() == "select 'v1' as version\n"
    # a changed packages.yml is resolved again
    (project.root / "packages.yml").write_text(packages.replace("revision: v1", "revision: main"))
    project.ok("deps")
    assert (installed / "models" / "tiny.sql").read_text() == "select 'v2' as version\n"
    assert yaml.safe_load((project.root / "package-lock.yml").read_text())["packages"][0]["revision"] != v1


def _tarball(name: str, version: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for rel, text in {
            "dbt_project.yml": f"name: {name}\nversion: '{version}'\nconfig-version: 2\n",
            "macros/hello.sql": f"{{% macro hello() %}}'{version}'{{% endmacro %}}\n",
        }.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{name}-{version}/{rel}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def hub() -> Iterator[str]:
    """A package hub on localhost serving acme/greetings 0.9.0, 1.0.0, 1.1.0, 1.2.0-rc1, 2.0.0."""
    versions = ["0.9.0", "1.0.0", "1.1.0", "1.2.0-rc1", "2.0.0"]
    files: dict[str, bytes] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    index = {"name": "greetings", "namespace": "acme", "versions": {}}
    for version in versions:
        path = f"/tarballs/greetings-{version}.tar.gz"
        files[path] = _tarball("greetings", version)
        index["versions"][version] = {"name": "greetings", "packages": [], "downloads": {"tarball": base + path[1:]}}
    files["/api/v1/acme/greetings.json"] = json.dumps(index).encode()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()


def test_hub_package_picks_the_highest_matching_version(tmp_path: Path, hub: str) -> None:
    packages = 'packages:\n  - package: acme/greetings\n    version: [">=1.0.0", "<2.0.0"]\n'
    model = "select {{ greetings.hello() }} as v\n"
    project = write_project(tmp_path, {"packages.yml": packages, "models/m.sql": model}, name="root")
    project.env["DBT_PACKAGE_HUB_URL"] = hub
    project.ok("deps")
    lock = yaml.safe_load((project.root / "package-lock.yml").read_text())
    assert lock["packages"] == [{"name": "greetings", "package": "acme/greetings", "version": "1.1.0"}]
    project.ok("run")
    assert project.query("select * from main.m") == [("1.1.0",)]


def test_hub_without_network_is_a_clear_error_and_keeps_installed_packages(tmp_path: Path, hub: str) -> None:
    project = write_project(tmp_path, {"packages.yml": "packages:\n  - package: acme/greetings\n    version: 1.0.0\n"})
    project.env["DBT_PACKAGE_HUB_URL"] = hub
    project.ok("deps")
    (project.root / "packages.yml").write_text("packages:\n  - package: acme/greetings\n    version: 0.9.0\n")
    project.env["DBT_PACKAGE_HUB_URL"] = "http://127.0.0.1:9/"  # the discard port: nothing listens
    result = project.run("deps")
    assert result.code == 2, str(result)
    assert "Traceback" not in result.stderr
    assert "could not reach the dbt package hub for acme/greetings" in result.stderr
    assert "'git:' or 'local:'" in result.stderr
    assert (project.root / "dbt_packages" / "greetings" / "dbt_project.yml").is_file()


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        ("1.0.0", "1.0.0"),
        ([">=1.0.0", "<2.0.0"], "1.1.0"),
        (">0.9.0", "2.0.0"),
        ("<1.0.0", "0.9.0"),
        ("1.2.0-rc1", "1.2.0-rc1"),
        ("3.0.0", None),
    ],
)
def test_pick_version(wanted: object, expected: str | None) -> None:
    assert pick_version(["0.9.0", "1.0.0", "1.1.0", "1.2.0-rc1", "2.0.0"], wanted) == expected


@pytest.mark.parametrize(
    ("flag", "expected"), [(False, "model.pkg_root.product_prices"), (True, "seed.shop_utils.product_prices")]
)
def test_ref_from_a_package_searches_the_root_project_first_unless_flagged(
    shop: Project, flag: bool, expected: str
) -> None:
    # dbt 1.11's default: the root project's node of that name wins over the package's own
    (shop.root / "models" / "product_prices.sql").write_text("select 1 as product_id, 9.0 as price\n")
    if flag:
        project_yml = shop.root / "dbt_project.yml"
        project_yml.write_text(
            project_yml.read_text() + "flags:\n  require_ref_searches_node_package_before_root: true\n"
        )
    shop.ok("deps")
    shop.ok("parse")
    assert shop.manifest()["nodes"]["model.shop_utils.stg_prices"]["depends_on"]["nodes"] == [expected]


def test_a_packages_own_packages_are_installed_once(tmp_path: Path) -> None:
    write_files(tmp_path / "base_pkg", {"dbt_project.yml": "name: base_pkg\nversion: '1.0'\nconfig-version: 2\n"})
    # as in dbt, a package's local paths are relative to the root project
    write_files(
        tmp_path / "top_pkg",
        {
            "dbt_project.yml": "name: top_pkg\nversion: '1.0'\nconfig-version: 2\n",
            "packages.yml": "packages:\n  - local: ../base_pkg\n",
        },
    )
    packages = "packages:\n  - local: ../top_pkg\n  - local: ../base_pkg\n"
    project = write_project(tmp_path, {"packages.yml": packages}, name="root")
    project.ok("deps")
    assert sorted(p.name for p in (project.root / "dbt_packages").iterdir()) == ["base_pkg", "top_pkg"]
    lock = yaml.safe_load((project.root / "package-lock.yml").read_text())
    assert [p["name"] for p in lock["packages"]] == ["top_pkg", "base_pkg"]
