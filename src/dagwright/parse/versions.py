"""Model versions (``versions:`` of a model's property entry), as dbt-core 1.11 reads them.

Each version is a model node of its own: unique_id ``model.<package>.<name>.v<N>``, fqn ending
``<name>, v<N>``, built from the file ``defined_in`` names (default ``<name>_v<N>``; the latest
version may also live in ``<name>.sql``), with the model entry's properties and its own over
them: ``columns`` (the model's, filtered by the version's ``include``/``exclude``, then the
version's own), ``config`` (the version's merged over the model's), ``description``,
``data_tests`` (the version's replace the model's), ``constraints``, ``deprecation_date`` (the
version's only, as in dbt). ``latest_version`` defaults to the highest version; a version
higher than it is a prerelease, which an unpinned ``ref`` does not pick.

A project without ``versions:`` pays one dictionary lookup per model file.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from dagwright.errors import ProjectError
from dagwright.parse.nodes import ColumnInfo
from dagwright.project.files import ProjectFile, ProjectFiles
from dagwright.project.properties import Patch, TestDefinition, _columns, _test_list, constraints

log = logging.getLogger(__name__)

_INCLUDE_ALL = ("all", "*")


@dataclass(frozen=True)
class ModelVersion:
    """One version of a versioned model: what its node takes besides its (versioned) patch."""

    #: the versioned model's name (the node's name; its file may be named otherwise)
    name: str
    #: as written in YAML (an int, a float or a string), like dbt's manifest
    version: Any
    latest_version: Any
    #: ISO 8601 with the time zone, as dbt writes it, or None
    deprecation_date: str | None
    patch: Patch

    @property
    def suffix(self) -> str:
        return f"v{self.version}"


def version_key(version: Any) -> tuple[int, float, str]:
    """dbt's order of versions: as numbers where both are numbers, else as strings."""
    try:
        return (0, float(version), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(version))


def is_newer(version: Any, other: Any) -> bool:
    """``version`` > ``other`` in dbt's comparison (numbers compared as numbers)."""
    try:
        return float(version) > float(other)
    except (TypeError, ValueError):
        return str(version) > str(other)


def normalize_date(value: Any, where: str, path: str) -> str | None:
    """A ``deprecation_date`` as dbt writes it: a datetime with its time zone (a date is
    midnight; a naive value is in the machine's time zone), in ISO 8601."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ProjectError(
                f"deprecation_date of {where} is not a date: {value!r}",
                path=path,
                hint="write a date or a datetime, e.g. 2025-06-30 or '2025-06-30 12:00:00+00:00'",
            ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.isoformat()


def _deep_merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """dbt's ``deep_merge`` of a version's config over its model's: mappings merged, the rest replaced."""
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _include_exclude(entries: list[Any], where: str, path: str) -> tuple[Any, list[str], list[Any]]:
    """(include, exclude, column entries) of a version's ``columns:``."""
    include: Any = "*"
    exclude: list[str] = []
    seen = False
    columns = []
    for entry in entries:
        if isinstance(entry, Mapping) and "include" in entry:
            if seen:
                raise ProjectError(f"{where} can have at most one include/exclude element", path=path)
            seen = True
            include = entry.get("include")
            exclude = list(entry.get("exclude") or [])
            if isinstance(include, str) and include not in _INCLUDE_ALL:
                raise ProjectError(
                    f"include of {where} must be one of 'all', '*' or a list of column names, not {include!r}",
                    path=path,
                )
            if not isinstance(include, (str, list)):
                raise ProjectError(f"include of {where} must be 'all', '*' or a list of column names", path=path)
            if exclude and include not in _INCLUDE_ALL:
                raise ProjectError(
                    f"exclude of {where} can only be given when include is 'all' or '*'",
                    path=path,
                    hint="list the columns to keep under include, or write include: all",
                )
        else:
            columns.append(entry)
    return include, exclude, columns


def _included(name: str, include: Any, exclude: list[str]) -> bool:
    return (include in _INCLUDE_ALL or name in include) and name not in exclude


def model_versions(patch: Patch) -> list[ModelVersion]:
    """The versions a model's property entry declares, each with its own patch."""
    path = patch.file
    model = f"model '{patch.name}'"
    numbers = []
    for spec in patch.versions:
        if not isinstance(spec, Mapping) or spec.get("v") is None:
            raise ProjectError(f"each entry of 'versions' of {model} needs a 'v'", path=path)
        numbers.append(spec["v"])
    seen: set[str] = set()
    for number in numbers:
        if str(number) in seen:
            raise ProjectError(f"found duplicate version: '{number}' in versions list of {model}", path=path)
        seen.add(str(number))
    latest = patch.latest_version
    if latest is not None and latest not in numbers:
        raise ProjectError(
            f"latest_version: {latest} is not one of {model}'s versions: {numbers}",
            path=path,
            hint="set latest_version to one of the versions listed under 'versions'",
        )
    if latest is None:
        latest = max(numbers, key=version_key)
    base_columns = patch.columns
    base_tests = [t for t in patch.tests if t.column_name is not None]
    model_tests = [t for t in patch.tests if t.column_name is None]
    out = []
    for spec in patch.versions:
        number = spec["v"]
        where = f"version {number} of {model}"
        raw_columns = spec.get("columns")
        if raw_columns is not None and not isinstance(raw_columns, list):
            raise ProjectError(f"'columns' of {where} must be a list", path=path)
        include, exclude, own = _include_exclude(raw_columns or [], where, path)
        own_columns, own_column_tests = _columns(own, path, where)
        columns: dict[str, ColumnInfo] = {n: c for n, c in base_columns.items() if _included(n, include, exclude)}
        columns.update(own_columns)
        column_tests = [t for t in base_tests if _included(str(t.column_name), include, exclude)]
        version_tests = spec.get("data_tests", spec.get("tests"))
        tests: list[TestDefinition]
        if version_tests is not None:
            tests = [TestDefinition(t, None, path) for t in _test_list(spec, path, where)]
        else:
            tests = model_tests
        config = spec.get("config") or {}
        if not isinstance(config, Mapping):
            raise ProjectError(f"'config' of {where} must be a mapping", path=path)
        top = {k: spec[k] for k in ("access", "docs") if spec.get(k) is not None}
        versioned = replace(
            patch,
            description=str(spec.get("description") or patch.description),
            columns=columns,
            config=_deep_merge(patch.config, {**top, **config}),
            tests=(*column_tests, *own_column_tests, *tests),
            constraints=constraints(spec["constraints"], path, where, model_level=True)
            if spec.get("constraints")
            else patch.constraints,
            versions=(),
        )
        out.append(
            ModelVersion(
                name=patch.name,
                version=number,
                latest_version=latest,
                deprecation_date=normalize_date(spec.get("deprecation_date"), where, path),
                patch=versioned,
            )
        )
    return out


@dataclass
class VersionFiles:
    """Which model file each version of a project's versioned models is defined in."""

    #: file stem -> the version it defines
    by_file: dict[str, ModelVersion]
    #: names of versioned models: a model file of that name no version claims is an error (dbt)
    names: dict[str, Patch]

    def unversioned_file(self, file: ProjectFile) -> None:
        """A model file named like a versioned model that no version is defined in: dbt
        refuses the project (``ref`` could not tell them apart)."""
        patch = self.names[file.stem]
        raise ProjectError(
            f"versioned and unversioned models are both named '{file.stem}': {file.original_file_path} "
            f"is not one of the versions {patch.file} lists for it",
            path=file.original_file_path,
            hint=f"rename {file.original_file_path}, or make it a version of '{file.stem}' "
            f"in {patch.file} (defined_in: {file.stem})",
        )


def version_files(patches: Mapping[tuple[str, str], Patch], files: ProjectFiles) -> VersionFiles | None:
    """Where each version of the project's versioned models is defined, or None when no model
    has versions. A version whose file does not exist is left out with a warning, as in dbt
    (a ``ref`` to it then fails)."""
    versioned = [p for (kind, _), p in patches.items() if kind == "model" and p.versions]
    if not versioned:
        return None
    model_stems = {f.stem for f in files.models}
    python = {f.stem: f for f in files.python_models}
    by_file: dict[str, ModelVersion] = {}
    for patch in versioned:
        for spec, version in zip(patch.versions, model_versions(patch)):
            spec_file = spec.get("defined_in")
            stem = str(spec_file) if spec_file else f"{patch.name}_{version.suffix}"
            if (stem not in model_stems or stem in by_file) and str(version.version) == str(version.latest_version):
                stem = patch.name  # the latest version may live in the unsuffixed file
            if stem not in model_stems and stem in python:
                raise ProjectError(
                    f"version {version.version} of model '{patch.name}' is a Python model "
                    f"({python[stem].original_file_path}): dagwright does not build versioned Python models",
                    path=patch.file,
                    hint="leave the Python file out of the versions, or run this project with dbt",
                )
            if stem not in model_stems or stem in by_file:
                log.warning(
                    "%s: version %s of model '%s' is left out: no model file named '%s' defines it "
                    "(set 'defined_in' to the file's name without .sql, or name the file %s_%s.sql)",
                    patch.file,
                    version.version,
                    patch.name,
                    spec_file or f"{patch.name}_{version.suffix}",
                    patch.name,
                    version.suffix,
                )
                continue
            by_file[stem] = version
    return VersionFiles(by_file, {p.name: p for p in versioned})
