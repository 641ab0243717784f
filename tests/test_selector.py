"""Tests for dagwright.graph.selector: dbt's --select / --exclude syntax."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dagwright.errors import SelectionError
from dagwright.graph.selector import select


@dataclass(frozen=True)
class Node:
    unique_id: str
    name: str
    resource_type: str
    package_name: str
    fqn: tuple[str, ...]
    original_file_path: str
    tags: tuple[str, ...] = ()
    config: Mapping[str, object] = field(default_factory=dict)
    test_metadata: Mapping[str, object] | None = None
    patch_path: str | None = None


@dataclass
class Graph:
    nodes: dict[str, Node]
    parents: dict[str, set[str]]
    children: dict[str, set[str]]


def make_graph(nodes: Iterable[Node], edges: Mapping[str, Iterable[str]]) -> Graph:
    """edges: child unique_id -> the unique_ids it depends on."""
    by_id = {n.unique_id: n for n in nodes}
    parents: dict[str, set[str]] = {uid: set() for uid in by_id}
    children: dict[str, set[str]] = {uid: set() for uid in by_id}
    for child, deps in edges.items():
        for parent in deps:
            parents[child].add(parent)
            children[parent].add(child)
    return Graph(by_id, parents, children)


def model(name: str, folder: str = "", package: str = "shop", **kw: object) -> Node:
    folders = tuple(folder.split("/")) if folder else ()
    path = "/".join(("models", *folders, f"{name}.sql"))
    return Node(f"model.{package}.{name}", name, "model", package, (package, *folders, name), path, **kw)


def generic_test(name: str, test: str, yml: str = "models/marts/schema.yml", **kw: object) -> Node:
    return Node(
        f"test.shop.{name}.abc123",
        name,
        "test",
        "shop",
        ("shop", "marts", name),
        yml,
        test_metadata={"name": test},
        **kw,
    )


ORDERS = "model.shop.orders"
CUSTOMERS = "model.shop.customers"
FINANCE = "model.shop.finance_summary"
STG_ORDERS = "model.shop.stg_orders"
STG_CUSTOMERS = "model.shop.stg_customers"
STG_PAYMENTS = "model.shop.stg_payments"
CALENDAR = "model.util.calendar"
SEED = "seed.shop.raw_payments"
SRC_ORDERS = "source.shop.raw.orders"
SRC_CUSTOMERS = "source.shop.raw.customers"
SNAP = "snapshot.shop.snap_orders"
T_NOT_NULL = "test.shop.not_null_orders_id.abc123"
T_REL = "test.shop.relationships_orders_id__id__ref_customers_.abc123"
T_UNIQUE = "test.shop.unique_customers_id.abc123"
T_SINGULAR = "test.shop.assert_orders"
T_CAL = "test.util.unique_calendar_id.abc123"

STAGING = {STG_ORDERS, STG_CUSTOMERS, STG_PAYMENTS}
MARTS = {ORDERS, CUSTOMERS, FINANCE}
TESTS = {T_NOT_NULL, T_REL, T_UNIQUE, T_SINGULAR, T_CAL}
ORDERS_TESTS = {T_NOT_NULL, T_REL, T_SINGULAR}


def shop_graph() -> Graph:
    """raw sources + seed -> staging -> marts (+ a util package model) -> snapshot, with tests."""
    nodes = [
        Node(SEED, "raw_payments", "seed", "shop", ("shop", "raw_payments"), "seeds/raw_payments.csv"),
        Node(
            SRC_ORDERS,
            "orders",
            "source",
            "shop",
            ("shop", "staging", "raw", "orders"),
            "models/staging/src.yml",
        ),
        Node(
            SRC_CUSTOMERS,
            "customers",
            "source",
            "shop",
            ("shop", "staging", "raw", "customers"),
            "models/staging/src.yml",
        ),
        model("stg_orders", "staging", tags=("staging",), config={"materialized": "view"}),
        model("stg_customers", "staging", tags=("staging",), config={"materialized": "view"}),
        model("stg_payments", "staging", config={"materialized": "view", "tags": ["payments"]}),
        model(
            "orders",
            "marts",
            tags=("nightly", "finance"),
            config={"materialized": "table", "tags": ["nightly", "finance"], "meta": {"owner": "ana"}},
            patch_path="shop://models/marts/schema.yml",
        ),
        model(
            "customers",
            "marts",
            tags=("nightly",),
            config={"materialized": "table", "enabled": True, "tags": ["nightly"]},
            patch_path="shop://models/marts/schema.yml",
        ),
        model(
            "finance_summary",
            "marts",
            tags=("finance", "daily"),
            config={"materialized": "view", "contract": {"enforced": False}},
        ),
        model("calendar", "helpers", package="util"),
        Node(SNAP, "snap_orders", "snapshot", "shop", ("shop", "snap", "snap_orders"), "snapshots/snap.sql"),
        generic_test("not_null_orders_id", "not_null"),
        generic_test("relationships_orders_id__id__ref_customers_", "relationships"),
        generic_test("unique_customers_id", "unique", config={"severity": "warn"}),
        Node(T_SINGULAR, "assert_orders", "test", "shop", ("shop", "assert_orders"), "tests/assert_orders.sql"),
        Node(
            T_CAL,
            "unique_calendar_id",
            "test",
            "util",
            ("util", "helpers", "unique_calendar_id"),
            "models/helpers/schema.yml",
            test_metadata={"name": "unique"},
        ),
    ]
    edges = {
        STG_ORDERS: [SRC_ORDERS],
        STG_CUSTOMERS: [SRC_CUSTOMERS],
        STG_PAYMENTS: [SEED],
        ORDERS: [STG_ORDERS, STG_PAYMENTS],
        CUSTOMERS: [STG_CUSTOMERS],
        FINANCE: [CALENDAR, CUSTOMERS],
        SNAP: [ORDERS],
        T_NOT_NULL: [ORDERS],
        T_REL: [ORDERS, CUSTOMERS],
        T_UNIQUE: [CUSTOMERS],
        T_SINGULAR: [ORDERS],
        T_CAL: [CALENDAR],
    }
    return make_graph(nodes, edges)


G = shop_graph()
ALL = set(G.nodes)


def sel(*select_args: str, exclude: list[str] | None = None, mode: str = "empty", **kw: object) -> set[str]:
    """Select on the shop graph; tests are only picked up indirectly when a mode asks for it."""
    return select(G, list(select_args), exclude, indirect_selection=mode, **kw)


# ----- everything ------------------------------------------------------------------------------


@pytest.mark.parametrize("arg", [None, [], ["  "]])
def test_no_selection_means_every_node(arg: list[str] | None) -> None:
    assert select(G, arg) == ALL


def test_exclude_without_select_removes_from_everything() -> None:
    assert select(G, None, ["marts"], indirect_selection="empty") == ALL - MARTS - {
        T_NOT_NULL,
        T_REL,
        T_UNIQUE,
    }


# ----- names and fqn -----------------------------------------------------------------------------


def test_bare_name() -> None:
    assert sel("orders") == {ORDERS}
    assert sel("fqn:orders") == {ORDERS}


def test_bare_name_does_not_select_sources() -> None:
    # like dbt: sources are reached with source:, not by name or folder
    assert sel("customers") == {CUSTOMERS}
    assert sel("raw") == set()


def test_dotted_fqn_with_and_without_package() -> None:
    assert sel("shop.marts.orders") == {ORDERS}
    assert sel("marts.orders") == {ORDERS}
    assert sel("util.helpers.calendar") == {CALENDAR}
    assert sel("shop.helpers.calendar") == set()


def test_folder_selects_everything_under_it() -> None:
    assert sel("staging") == STAGING
    assert sel("shop.staging") == STAGING
    # generic tests defined in models/marts live in the marts folder too
    assert sel("marts") == MARTS | {T_NOT_NULL, T_REL, T_UNIQUE}
    assert sel("helpers") == {CALENDAR, T_CAL}


def test_package_name_selects_the_package() -> None:
    assert sel("util") == {CALENDAR, T_CAL}
    assert sel("shop") == {n for n in ALL if n.split(".")[1] == "shop" and not n.startswith("source.")}


def test_fqn_globs() -> None:
    assert sel("stg_*") == STAGING
    assert sel("staging.stg_o*") == {STG_ORDERS}
    assert sel("marts.*") == sel("marts")
    assert sel("*.orders") == {ORDERS}
    assert sel("fqn:*ord*") == {ORDERS, STG_ORDERS, T_NOT_NULL, T_REL, T_SINGULAR, SNAP}
    assert sel("stg_[oc]*") == {STG_ORDERS, STG_CUSTOMERS}
    assert sel("fqn:*") == {n for n in ALL if not n.startswith("source.")}


def test_versioned_model_matches_by_name() -> None:
    v2 = Node("model.shop.dim.v2", "dim", "model", "shop", ("shop", "dim", "v2"), "models/dim_v2.sql")
    object.__setattr__(v2, "version", 2)  # the real node class may carry a version
    graph = make_graph([v2], {})
    assert select(graph, ["dim"]) == {"model.shop.dim.v2"}
    assert select(graph, ["dim_v2"]) == {"model.shop.dim.v2"}
    assert select(graph, ["dim.v2"]) == {"model.shop.dim.v2"}


def test_version_method() -> None:
    def model(name: str, version: object = None, latest: object = None) -> Node:
        uid = f"model.shop.{name}" + (f".v{version}" if version is not None else "")
        fqn = ("shop", name) + ((f"v{version}",) if version is not None else ())
        node = Node(uid, name, "model", "shop", fqn, f"models/{name}.sql")
        object.__setattr__(node, "version", version)
        object.__setattr__(node, "latest_version", latest)
        return node

    nodes = [model("dim", 1, 2), model("dim", 2, 2), model("dim", 3, 2), model("dim", "10", 2), model("plain")]
    graph = make_graph(nodes, {})
    assert select(graph, ["version:latest"]) == {"model.shop.dim.v2"}
    # numbers compare as numbers, as in dbt: "10" is newer than 2
    assert select(graph, ["version:prerelease"]) == {"model.shop.dim.v3", "model.shop.dim.v10"}
    assert select(graph, ["version:old"]) == {"model.shop.dim.v1"}
    assert select(graph, ["version:none"]) == {"model.shop.plain"}
    with pytest.raises(SelectionError, match="invalid version selector 'newest'"):
        select(graph, ["version:newest"])


# ----- other methods ---------------------------------------------------------------------------


def test_tag() -> None:
    assert sel("tag:nightly") == {ORDERS, CUSTOMERS}
    assert sel("tag:fin*") == {ORDERS, FINANCE}
    assert sel("tag:payments") == {STG_PAYMENTS}  # only in config
    assert sel("tag:missing") == set()


def test_path_directory_file_and_globs() -> None:
    assert sel("path:models/staging") == STAGING | {SRC_ORDERS, SRC_CUSTOMERS}
    assert sel("path:models/staging/") == sel("path:models/staging")
    assert sel("path:./models/staging") == sel("path:models/staging")
    assert sel("path:models/marts/orders.sql") == {ORDERS}
    assert sel("path:models/*/stg_*.sql") == STAGING
    assert sel("path:models/**/orders.sql") == {ORDERS}
    assert sel("path:models/st*") == sel("path:models/staging")
    assert sel("path:seeds") == {SEED}
    assert sel("path:tests") == {T_SINGULAR}
    assert sel("path:tests/assert_orders.sql") == {T_SINGULAR}
    assert sel("path:nowhere") == set()
    assert sel("path:../elsewhere") == set()


def test_path_to_a_property_file_selects_what_it_defines_or_patches() -> None:
    assert sel("path:models/staging/src.yml") == {SRC_ORDERS, SRC_CUSTOMERS}
    assert sel("path:models/marts/schema.yml") == {ORDERS, CUSTOMERS, T_NOT_NULL, T_REL, T_UNIQUE}


def test_bare_value_that_looks_like_a_path() -> None:
    assert sel("models/staging") == sel("path:models/staging")
    assert sel("models\\staging") == sel("path:models/staging")
    assert sel("models/marts/orders.sql") == {ORDERS}
    assert sel(".") == ALL


def test_absolute_path_is_made_relative_to_the_project_root() -> None:
    root = "/nonexistent/project"  # not on disk: matched against node paths
    assert sel(f"path:{root}/models/staging", project_root=root) == sel("path:models/staging")
    assert sel("path:/elsewhere/models/staging", project_root=root) == set()
    assert sel("path:/nonexistent/project/models/staging") == set()  # no root to resolve against


def test_path_globs_expand_on_disk_like_dbt(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for rel in ("models/staging/stg_orders.sql", "models/marts/orders.sql", "seeds/raw_payments.csv"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("select 1")
    root = str(tmp_path)
    # util's models/helpers/calendar.sql is relative to the package, not to this project's root
    under_models = STAGING | MARTS | {SRC_ORDERS, SRC_CUSTOMERS, T_NOT_NULL, T_REL, T_UNIQUE}
    assert sel("path:models/*", project_root=root) == under_models
    assert sel("path:models/*") == under_models | {CALENDAR, T_CAL}  # no root: node paths only
    assert sel("path:models", project_root=root) == sel("path:models")  # the directory exists here
    assert sel("path:models/helpers", project_root=root) == set()
    assert sel("path:.", project_root=root) == ALL
    assert sel(f"path:{root}/models/marts/orders.sql", project_root=root) == {ORDERS}


def test_file() -> None:
    assert sel("file:orders.sql") == {ORDERS}
    assert sel("file:orders") == {ORDERS}
    assert sel("file:stg_*") == STAGING
    assert sel("file:schema.yml") == {T_NOT_NULL, T_REL, T_UNIQUE, T_CAL}
    assert sel("orders.sql") == {ORDERS}  # bare file name -> file:
    assert sel("raw_payments.csv") == {SEED}


def test_config() -> None:
    assert sel("config.materialized:table") == {ORDERS, CUSTOMERS}
    assert sel("config.materialized:view") == STAGING | {FINANCE}
    assert sel("config.materialized:TABLE") == set()  # case sensitive, as in dbt
    assert sel("config.tags:finance") == {ORDERS}  # list values: any element
    assert sel("config.enabled:true") == {CUSTOMERS}
    assert sel("config.contract.enforced:false") == {FINANCE}
    assert sel("config.meta.owner:ana") == {ORDERS}
    assert sel("config.severity:WARN") == {T_UNIQUE}  # severity compares case-insensitively
    assert sel("config.nope:x") == set()


def test_resource_type_and_package() -> None:
    assert sel("resource_type:seed") == {SEED}
    assert sel("resource_type:source") == {SRC_ORDERS, SRC_CUSTOMERS}
    assert sel("resource_type:test") == TESTS
    assert sel("package:util") == {CALENDAR, T_CAL}
    assert sel("package:u*") == {CALENDAR, T_CAL}
    assert sel("package:this", project_name="util") == {CALENDAR, T_CAL}


def test_source() -> None:
    assert sel("source:raw") == {SRC_ORDERS, SRC_CUSTOMERS}
    assert sel("source:raw.orders") == {SRC_ORDERS}
    assert sel("source:shop.raw.orders") == {SRC_ORDERS}
    assert sel("source:util.raw.orders") == set()
    assert sel("source:*") == {SRC_ORDERS, SRC_CUSTOMERS}
    assert sel("source:raw.cust*") == {SRC_CUSTOMERS}
    assert sel("source:raw.orders+") == {SRC_ORDERS, STG_ORDERS, ORDERS, SNAP} | ORDERS_TESTS


def test_test_type_and_test_name() -> None:
    assert sel("test_type:generic") == {T_NOT_NULL, T_REL, T_UNIQUE, T_CAL}
    assert sel("test_type:singular") == {T_SINGULAR}
    assert sel("test_type:data") == TESTS
    assert sel("test_name:unique") == {T_UNIQUE, T_CAL}
    assert sel("test_name:not_*") == {T_NOT_NULL}


def test_test_type_from_config() -> None:
    t = Node("test.shop.x", "x", "test", "shop", ("shop", "x"), "tests/x.sql", config={"test_type": "generic"})
    assert select(make_graph([t], {}), ["test_type:generic"]) == {"test.shop.x"}


# ----- graph operators -------------------------------------------------------------------------


def test_ancestors_and_descendants() -> None:
    assert sel("+orders") == {ORDERS, STG_ORDERS, STG_PAYMENTS, SRC_ORDERS, SEED}
    assert sel("orders+") == {ORDERS, SNAP} | ORDERS_TESTS
    assert sel("+customers+") == {
        CUSTOMERS,
        STG_CUSTOMERS,
        SRC_CUSTOMERS,
        FINANCE,
        T_REL,
        T_UNIQUE,
    }


def test_depth_limits() -> None:
    assert sel("1+orders") == {ORDERS, STG_ORDERS, STG_PAYMENTS}
    assert sel("2+orders") == {ORDERS, STG_ORDERS, STG_PAYMENTS, SRC_ORDERS, SEED}
    assert sel("stg_orders+1") == {STG_ORDERS, ORDERS}
    assert sel("stg_orders+2") == {STG_ORDERS, ORDERS, SNAP} | ORDERS_TESTS
    assert sel("1+stg_orders+1") == {SRC_ORDERS, STG_ORDERS, ORDERS}
    assert sel("0+orders+0") == {ORDERS}


def test_depth_counts_shortest_distance() -> None:
    # a -> b -> c -> d and a -> d: d's parents within 1 step are c and a
    nodes = [model(n) for n in "abcd"]
    ids = {n: f"model.shop.{n}" for n in "abcd"}
    g = make_graph(nodes, {ids["b"]: [ids["a"]], ids["c"]: [ids["b"]], ids["d"]: [ids["c"], ids["a"]]})
    assert select(g, ["1+d"]) == {ids["d"], ids["c"], ids["a"]}
    assert select(g, ["a+1"]) == {ids["a"], ids["b"], ids["d"]}
    assert select(g, ["a+2"]) == set(ids.values())


def test_at_operator_adds_ancestors_of_descendants() -> None:
    # customers' descendant finance_summary also needs util's calendar
    assert sel("@customers") == {
        CUSTOMERS,
        STG_CUSTOMERS,
        SRC_CUSTOMERS,
        FINANCE,
        CALENDAR,
        T_UNIQUE,
        T_REL,
        ORDERS,
        STG_ORDERS,
        STG_PAYMENTS,
        SRC_ORDERS,
        SEED,
    }
    assert sel("@calendar") == sel("+finance_summary") | {T_CAL}


def test_operators_apply_to_every_matched_node() -> None:
    assert sel("tag:nightly+1") == {ORDERS, CUSTOMERS, FINANCE, SNAP} | ORDERS_TESTS | {T_UNIQUE}
    assert sel("+source:raw.orders") == {SRC_ORDERS}


# ----- indirect selection of tests ---------------------------------------------------------------


def test_eager_is_the_default_and_adds_attached_tests() -> None:
    assert select(G, ["orders"]) == {ORDERS} | ORDERS_TESTS
    assert select(G, ["customers"]) == {CUSTOMERS, T_UNIQUE, T_REL}


def test_cautious_needs_every_tested_node_selected() -> None:
    assert sel("orders", mode="cautious") == {ORDERS, T_NOT_NULL, T_SINGULAR}
    assert sel("orders customers", mode="cautious") == {ORDERS, CUSTOMERS} | TESTS - {T_CAL}
    assert sel("orders", "customers", mode="cautious") == {ORDERS, CUSTOMERS} | TESTS - {T_CAL}


def test_buildable_counts_ancestors_of_the_selection() -> None:
    # the relationships test's other parent (customers) is not upstream of orders ...
    assert sel("orders", mode="buildable") == {ORDERS, T_NOT_NULL, T_SINGULAR}
    # ... but here the test's other parent is upstream of the selected node
    graph = make_graph(
        [model("a"), model("b"), generic_test("rel_a_b", "relationships")],
        {"model.shop.b": ["model.shop.a"], "test.shop.rel_a_b.abc123": ["model.shop.a", "model.shop.b"]},
    )
    assert select(graph, ["b"], indirect_selection="buildable") == {
        "model.shop.b",
        "test.shop.rel_a_b.abc123",
    }
    assert select(graph, ["b"], indirect_selection="cautious") == {"model.shop.b"}
    assert select(graph, ["b"]) == {"model.shop.b", "test.shop.rel_a_b.abc123"}
    # graph operators reach tests directly: they are children in the graph
    assert select(graph, ["a+"], indirect_selection="empty") == set(graph.nodes)


def test_intersection_with_eager_tests() -> None:
    # like dbt: each side brings its tests, so the shared relationships test survives the intersection
    assert select(G, ["orders,customers"]) == {T_REL}


def test_exclude_removes_tests_of_excluded_nodes() -> None:
    assert select(G, None, ["customers"]) == ALL - {CUSTOMERS, T_UNIQUE, T_REL}
    assert select(G, ["orders"], ["not_null_orders_id"]) == {ORDERS, T_REL, T_SINGULAR}


# ----- unions, intersections, exclude --------------------------------------------------------------


def test_union_within_and_across_arguments() -> None:
    assert sel("orders customers") == {ORDERS, CUSTOMERS}
    assert sel("orders", "customers") == {ORDERS, CUSTOMERS}
    assert sel("orders  raw_payments\tcustomers") == {ORDERS, SEED, CUSTOMERS}


def test_intersection() -> None:
    assert sel("tag:nightly,config.materialized:table") == {ORDERS, CUSTOMERS}
    assert sel("tag:finance,config.materialized:view") == {FINANCE}
    assert sel("+orders,tag:nightly") == {ORDERS}
    assert sel("+finance_summary,resource_type:source") == {SRC_CUSTOMERS}
    assert sel("staging,tag:staging,stg_o*") == {STG_ORDERS}


def test_exclude() -> None:
    assert sel("marts", exclude=["orders"]) == {CUSTOMERS, FINANCE, T_NOT_NULL, T_REL, T_UNIQUE}
    assert sel("+orders", exclude=["resource_type:source resource_type:seed"]) == {
        ORDERS,
        STG_ORDERS,
        STG_PAYMENTS,
    }
    assert sel("tag:nightly", exclude=["tag:finance"]) == {CUSTOMERS}
    assert sel("orders", exclude=["orders+"]) == set()
    assert sel("orders", exclude=["nothing_here"]) == {ORDERS}


def test_on_empty_reports_criteria_that_match_nothing() -> None:
    empty: list[str] = []
    assert sel("orders nothing_here", "tag:none,orders", exclude=["nope"], on_empty=empty.append) == {ORDERS}
    assert empty == ["nothing_here", "tag:none,orders", "nope"]


# ----- errors ------------------------------------------------------------------------------------


def test_unknown_method_names_it_and_suggests() -> None:
    with pytest.raises(SelectionError) as err:
        sel("tga:nightly")
    message = err.value.message
    assert message.startswith("unknown selection method 'tga' in 'tga:nightly'")
    assert "valid methods are" in message and "config" in message and "resource_type" in message
    assert "did you mean 'tag'?" in str(err.value)
    assert err.value.hint == "did you mean 'tag'?"


def test_unknown_method_without_close_match_has_no_hint() -> None:
    with pytest.raises(SelectionError) as err:
        sel("zzzzzz:nightly")
    assert err.value.hint is None


def test_state_method_without_state() -> None:
    with pytest.raises(SelectionError, match=r"'state:modified' compares with a previous run"):
        sel("state:modified")


@pytest.mark.parametrize(
    ("criterion", "fragment"),
    [
        ("+", "no value"),
        ("3+", "no value"),
        ("@", "no value"),
        ("@+", "no value"),
        ("tag:", "method 'tag' has no value"),
        ("config.materialized:", "no value"),
        ("orders,", "empty selection criterion"),
        (",orders", "empty selection criterion"),
        ("a,,b", "empty selection criterion"),
        ("@orders+", "'@' prefix cannot be combined"),
        (":orders", "is not a method name"),
        ("bad-method:x", "is not a method name"),
        ("config:table", "needs a key"),
        ("config..x:table", "needs a key"),
        ("tag.x:nightly", "takes no"),
        ("resource_type:modle", "invalid resource type"),
        ("test_type:unknown", "invalid test type"),
        ("source:a.b.c.d", "invalid source selector"),
        ("exposure:a.b.c", "invalid exposure selector"),
    ],
)
def test_malformed_criteria(criterion: str, fragment: str) -> None:
    with pytest.raises(SelectionError, match=fragment.replace("(", r"\(").replace("+", r"\+")):
        sel(criterion)


def test_malformed_exclude_is_an_error_too() -> None:
    with pytest.raises(SelectionError):
        sel("orders", exclude=["tag:"])


def test_bad_resource_type_suggests() -> None:
    with pytest.raises(SelectionError) as err:
        sel("resource_type:modle")
    assert err.value.hint == "did you mean 'model'?"


def test_bad_indirect_selection_mode() -> None:
    with pytest.raises(SelectionError, match="indirect selection"):
        select(G, ["orders"], indirect_selection="eagre")


def test_a_single_string_is_rejected() -> None:
    with pytest.raises(TypeError):
        select(G, "orders")  # type: ignore[arg-type]


def test_errors_are_raised_even_when_nothing_would_match() -> None:
    with pytest.raises(SelectionError):
        select(make_graph([], {}), ["tga:x"])


# ----- graph operators against a reference implementation -------------------------------------------


def _reach(start: str, edges: Mapping[str, set[str]], depth: int | None) -> set[str]:
    """Reference: every node with a path of length 1..depth from start (naive, by path length)."""
    out: set[str] = set()
    level = {start}
    dist = 0
    while level and (depth is None or dist < depth):
        dist += 1
        level = {n for x in level for n in edges[x]}
        out |= level
        if dist > len(edges):
            break
    return out


@st.composite
def random_dags(draw: st.DrawFn) -> Graph:
    n = draw(st.integers(min_value=1, max_value=12))
    nodes = [model(f"m{i}") for i in range(n)]
    edges: dict[str, list[str]] = {}
    for i in range(1, n):
        deps = draw(st.lists(st.integers(min_value=0, max_value=i - 1), max_size=3, unique=True))
        edges[f"model.shop.m{i}"] = [f"model.shop.m{j}" for j in deps]
    return make_graph(nodes, edges)


@settings(max_examples=60, deadline=None)
@given(graph=random_dags(), data=st.data())
def test_operators_match_reference(graph: Graph, data: st.DataObject) -> None:
    names = sorted(n.name for n in graph.nodes.values())
    name = data.draw(st.sampled_from(names))
    uid = f"model.shop.{name}"
    depth = data.draw(st.one_of(st.none(), st.integers(min_value=0, max_value=4)))
    d = "" if depth is None else str(depth)
    assert select(graph, [f"{d}+{name}"]) == {uid} | _reach(uid, graph.parents, depth)
    assert select(graph, [f"{name}+{d}"]) == {uid} | _reach(uid, graph.children, depth)
    down = {uid} | _reach(uid, graph.children, None)
    expected_at = down | {a for x in down for a in _reach(x, graph.parents, None)}
    assert select(graph, [f"@{name}"]) == expected_at


# ----- scale -------------------------------------------------------------------------------------


def test_large_chain_is_fast() -> None:
    n = 10_000
    nodes = [model(f"m{i}", "chain") for i in range(n)]
    edges = {f"model.shop.m{i}": [f"model.shop.m{i - 1}"] for i in range(1, n)}
    graph = make_graph(nodes, edges)
    start = time.perf_counter()
    assert len(select(graph, [f"+m{n - 1}"])) == n
    assert len(select(graph, ["m0+"])) == n
    assert select(graph, [f"3+m{n - 1}"]) == {f"model.shop.m{i}" for i in range(n - 4, n)}
    assert len(select(graph, ["@m5000"])) == n
    assert time.perf_counter() - start < 1.0


def test_large_layered_graph_is_fast() -> None:
    layers, width = 100, 100
    nodes = [model(f"l{layer}_{i}", f"layer{layer}") for layer in range(layers) for i in range(width)]
    edges = {
        f"model.shop.l{layer}_{i}": [f"model.shop.l{layer - 1}_{(i + k) % width}" for k in range(3)]
        for layer in range(1, layers)
        for i in range(width)
    }
    graph = make_graph(nodes, edges)
    start = time.perf_counter()
    assert len(select(graph, [f"+l{layers - 1}_0"])) > layers
    assert len(select(graph, ["l0_0+"])) > layers
    assert len(select(graph, ["@l50_0", "tag:none", "layer7"], ["l99_*"])) > layers
    assert time.perf_counter() - start < 1.0
