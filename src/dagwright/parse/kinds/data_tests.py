"""Data tests: generic tests of the models, seeds, snapshots and source tables property files
list them under (``parse.tests`` builds them), and singular tests (``.sql`` files in
test-paths). Parsed once every project's nodes are known, since a test attaches to one.

dbt still parses the tests of a missing or disabled node: they are kept, disabled
(``inactive_tests``), as dbt lists them in the manifest.
"""

from __future__ import annotations

from dagwright.parse.kinds.base import ParsedResources, ProjectScope, ResourceKind
from dagwright.parse.kinds.models import parse_sql_file
from dagwright.parse.nodes import Node, RefCall, evolve, ref_key
from dagwright.parse.tests import TestTarget
from dagwright.parse.versions import ModelVersion, model_versions
from dagwright.project.config import ProjectConfig
from dagwright.project.files import ProjectFiles
from dagwright.project.properties import Patch, Properties


def parse_data_tests(scope: ProjectScope, files: ProjectFiles, props: Properties, out: ParsedResources) -> None:
    """The project's generic tests (of its property files' entries, then of its sources), then
    its singular tests."""
    for patch in props.patches.values():
        if patch.versions:  # each version has its own tests (parse.versions)
            for version in model_versions(patch):
                _patch_tests(scope, version.patch, out, version)
        elif patch.tests:
            _patch_tests(scope, patch, out)
    for target, definitions in scope.source_tests:
        if target.unique_id in out.sources:
            for definition in definitions:
                out.add_test(scope.tests.generic(target, definition))
    for file in files.singular_tests:
        out.add_test(parse_sql_file(scope, file, props.patches.get(("test", file.stem)), resource_type="test"))


def _patch_tests(scope: ProjectScope, patch: Patch, out: ParsedResources, version: ModelVersion | None = None) -> None:
    """The generic tests of one property-file entry (of one version of a versioned model)."""
    package_name = scope.project.name
    key, name, call = patch.name, patch.name, f"ref('{patch.name}')"
    if version is not None:  # dbt: named <model>_v<N>, ref('<model>', version='<N>')
        key, name = ref_key(patch.name, version.version), f"{patch.name}_{version.suffix}"
        call = f"ref('{patch.name}', version='{version.version}')"
    target_id = out.ref_index.get(key, {}).get(package_name)
    active = target_id is not None and target_id.startswith(f"{patch.resource_type}.")
    if not active:
        # dbt still parses the tests of a missing or disabled node, and keeps them, disabled
        disabled_id = f"{patch.resource_type}.{package_name}.{patch.name}"
        if version is not None:
            disabled_id += f".{version.suffix}"
        target_id = disabled_id if disabled_id in out.disabled else ""
    target = TestTarget(
        unique_id=target_id or "",
        name=name,
        call=call,
        ref=RefCall(patch.name, None, version.version if version is not None else None),
        source=None,
        yml_path=patch.file,
        yml_folders=_yml_folders(scope.project, patch.file),
        file_key_name=f"{patch.resource_type}s.{patch.name}",
        quote_columns=patch.quote_columns,
    )
    group = out.nodes[target.unique_id].config.get("group") if active else None
    for definition in patch.tests:
        test = scope.tests.generic(target, definition)
        if version is not None and _rendered_by_dbt(test):
            # dbt's refs then come from rendering ref('<model>', version='<N>'): a string
            test = evolve(test, refs=(RefCall(patch.name, None, str(version.version)),))
        if group:
            test = evolve(test, attached_group=group)
        if active or not test.enabled:
            out.add_test(test)
        else:
            out.inactive_tests[test.unique_id] = evolve(test, config={**test.config, "enabled": False})


def _rendered_by_dbt(test: Node) -> bool:
    """Whether dbt renders a generic test at parse time: all but its own not_null and unique."""
    name = (test.test_metadata or {}).get("name")
    return not (name in ("not_null", "unique") and test.depends_on_macros == (f"macro.dbt.test_{name}",))


def _yml_folders(project: ProjectConfig, yml_path: str) -> tuple[str, ...]:
    """Folders of a property file below its resource folder (they go into test fqns)."""
    for root in (
        *project.model_paths,
        *project.seed_paths,
        *project.snapshot_paths,
        *project.macro_paths,
        *project.test_paths,
        *project.analysis_paths,
    ):
        prefix = root.strip("/") + "/"
        if yml_path.startswith(prefix):
            return tuple(yml_path[len(prefix) :].split("/")[:-1])
    return ()


DATA_TESTS = ResourceKind("data test", parse_data_tests, phase="attached")
