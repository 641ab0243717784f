"""The dbt-core version dagwright follows, and ``require-dbt-version`` checked against it.

dagwright behaves as dbt-core 1.11 does (the compat suite runs dbt-core 1.11.x as the oracle):
a project or installed package whose ``require-dbt-version`` excludes every 1.11 release
would not run with that dbt either, and stops with dbt's way out, ``--no-version-check``
(or ``DBT_VERSION_CHECK=false``, or ``flags: {version_check: false}``).

Versions and ranges are written as dbt writes them: ``1.11.0``, ``>=1.10.0``, ``<2.0.0``, or a
list of such constraints (or one string of them joined by commas), all of which must hold; a
constraint dbt cannot read stops the command even with ``--no-version-check``, as in dbt.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagwright.errors import ProjectError

#: the dbt-core release line dagwright follows: every 1.11.x patch release
DBT_VERSION_LINE = (1, 11)
DBT_VERSION = ".".join(map(str, DBT_VERSION_LINE))

_VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-?([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
_CONSTRAINT = re.compile(r"^\s*(>=|<=|==|=|>|<)?\s*(\S+)\s*$")

VersionKey = tuple[int, int, int, int, str]


def version_key(text: str) -> VersionKey:
    """A sortable key of a version: (major, minor, patch, 1 for a release / 0 for a prerelease,
    prerelease); (-1, ...) when ``text`` is not a version."""
    m = _VERSION.match(text.strip())
    if m is None:
        return (-1, -1, -1, -1, text)
    major, minor, patch, pre = m.groups()
    # a release sorts after its prereleases
    return (int(major), int(minor or 0), int(patch or 0), 0 if pre else 1, pre or "")


def meets(key: VersionKey, constraint: str) -> bool:
    """Whether the version ``key`` meets one constraint such as ``>=1.10.0``."""
    m = _CONSTRAINT.match(constraint)
    if m is None:
        return False
    op, bound = m.group(1) or "=", version_key(m.group(2))
    if op in ("=", "=="):
        return key[:3] == bound[:3] and key[4] == bound[4]
    return {">=": key >= bound, "<=": key <= bound, ">": key > bound, "<": key < bound}[op]


#: a constraint of ``require-dbt-version`` as dbt reads one: an optional comparison, then a full
#: ``major.minor.patch`` (no leading zeros) with an optional prerelease and build
_REQUIRED = re.compile(
    r"^(>=|>|<=|<|=)?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-?[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)


def _constraints(value: Any) -> list[str]:
    """The constraints of ``require-dbt-version``: one string (several joined by commas, as dbt
    splits them) or a list of strings."""
    return [str(v) for v in value] if isinstance(value, list) else str(value).split(",")


def admits_followed_line(constraints: list[str]) -> bool:
    """Whether some 1.11 release meets every constraint.

    Each constraint bounds the versions from below or above (``=`` from both sides), so the
    releases meeting all of them form one interval; it is enough to try the release line's
    first patch and each bound that falls inside the line."""
    major, minor = DBT_VERSION_LINE
    candidates = [(major, minor, 0, 1, "")]
    for constraint in constraints:
        m = _CONSTRAINT.match(constraint)
        if m is None:
            continue
        bound = version_key(m.group(2))
        if bound[:2] == (major, minor):
            step = 1 if m.group(1) == ">" else 0  # ">1.11.3": the next patch
            candidates.append((major, minor, bound[2] + step, 1, ""))
    return any(all(meets(c, k) for k in constraints) for c in candidates)


def check_required_version(raw: Mapping[str, Any], name: str, path: Path, verify: bool = True) -> None:
    """Stop when ``require-dbt-version`` of a dbt_project.yml (``raw``) is not a version
    constraint dbt reads (even without ``verify``, as dbt), or, when ``verify``, excludes dbt 1.11."""
    required = raw.get("require-dbt-version")
    if required is None or required == []:
        return
    constraints = _constraints(required)
    bad = [c for c in constraints if _REQUIRED.match(c) is None]
    if bad:
        raise ProjectError(
            f"require-dbt-version: {bad[0]!r} is not a version constraint dbt reads",
            path=path,
            hint="write a full version with an optional comparison, such as '>=1.10.0' or '<2.0.0' "
            "(several: a list, or one string joined by commas without spaces)",
        )
    if not verify or admits_followed_line(constraints):
        return
    raise ProjectError(
        f"project '{name}' requires dbt {', '.join(constraints)}; dagwright follows dbt-core {DBT_VERSION}",
        path=path,
        hint="run with --no-version-check (or DBT_VERSION_CHECK=false) to go on anyway, as dbt allows",
    )
