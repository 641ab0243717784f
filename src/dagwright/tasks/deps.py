"""``dagwright deps``: install the packages of packages.yml (or dependencies.yml) into
packages-install-path, as dbt 1.11 does.

- ``local: <path>``: a symlink to the folder (a relative path is relative to the root
  project, also in a package's own packages.yml, as in dbt);
- ``git: <url>`` with ``revision:`` (branch, tag or commit) and ``subdirectory:``: a clone,
  checked out at the revision, of which the subdirectory is kept;
- ``package: <org>/<name>`` with ``version:``: the highest release of dbt's package hub
  matching the version range, downloaded from hub.getdbt.com.

A package's own packages.yml is installed too. package-lock.yml records what was installed
(git revisions as commits, hub versions exactly) with dbt's hash of the package list; while
that hash matches, later runs install what the lock file says.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dagwright.errors import DagwrightError
from dagwright.project.config import PROJECT_FILE, ProjectConfig, load_project
from dagwright.project.dbt_version import meets, version_key
from dagwright.project.packages import install_path
from dagwright.project.yamlio import load_yaml_file
from dagwright.report.command_log import say
from dagwright.session import Flags, parse_vars
from dagwright.tasks.command_output import attach_project_log

Echo = Callable[[str], None]

PACKAGE_FILES = ("packages.yml", "dependencies.yml")
LOCK_FILE = "package-lock.yml"
DEFAULT_HUB_URL = "https://hub.getdbt.com/"


def hub_url() -> str:
    """The package hub's base URL; ``DBT_PACKAGE_HUB_URL`` points elsewhere, as for dbt."""
    base = os.environ.get("DBT_PACKAGE_HUB_URL") or DEFAULT_HUB_URL
    return base if base.endswith("/") else base + "/"


_NETWORK_TIMEOUT = 30  # seconds


class DepsError(DagwrightError):
    """packages.yml, or a package that cannot be installed."""


@dataclass(frozen=True)
class PackageSpec:
    """One entry of packages.yml (or of the lock file), rendered; ``base`` is the folder of the
    project that lists it (local paths are relative to it)."""

    entry: Mapping[str, Any]
    unrendered: Mapping[str, Any]
    base: Path
    source_file: Path

    @property
    def kind(self) -> str:
        for kind in ("local", "git", "package", "tarball", "private"):
            if kind in self.entry:
                return kind
        raise DepsError(
            f"a package entry needs one of 'local', 'git' or 'package', got {sorted(map(str, self.entry))}",
            path=self.source_file,
        )

    def hash_dict(self) -> dict[str, Any]:
        """The entry as dbt hashes it into package-lock.yml's sha1_hash."""
        e, kind = self.entry, self.kind
        if kind == "local":
            out: dict[str, Any] = {"local": e["local"]}
        elif kind == "git":
            out = {
                "git": e["git"],
                "revision": e.get("revision"),
                "warn-unpinned": e.get("warn-unpinned"),
                "subdirectory": e.get("subdirectory"),
            }
        elif kind == "package":
            out = {
                "package": e["package"],
                "version": e.get("version"),
                "install_prerelease": bool(e.get("install-prerelease", e.get("install_prerelease", False))),
            }
        else:
            out = dict(e)
        if e.get("name") is not None:
            out["name"] = e["name"]
        out["unrendered"] = dict(self.unrendered)
        return out


def packages_hash(specs: Sequence[PackageSpec]) -> str:
    """dbt's sha1 of the listed packages (sorted JSON lines), kept in package-lock.yml."""
    lines = sorted(json.dumps(spec.hash_dict(), sort_keys=True) for spec in specs)
    return hashlib.sha1("\n".join(lines).encode("utf-8")).hexdigest()


def read_package_specs(
    project_root: Path, cli_vars: Mapping[str, Any], base: Path | None = None
) -> tuple[list[PackageSpec], Path | None]:
    """The entries of packages.yml or dependencies.yml (which may not both list packages).
    ``base``: what local paths are relative to (dbt: the root project, even for a package's own)."""
    from dagwright.project.project_renderer import ProjectRenderer

    found: list[tuple[Path, list[Any]]] = []
    for name in PACKAGE_FILES:
        path = project_root / name
        if not path.is_file():
            continue
        data = load_yaml_file(path, DepsError)
        if data is None:
            continue
        if not isinstance(data, Mapping):
            raise DepsError(f"{name} must be a mapping with a 'packages:' list", path=path)
        entries = data.get("packages")
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise DepsError("'packages' must be a list", path=path)
        found.append((path, entries))
    if len(found) > 1:
        raise DepsError(
            "both packages.yml and dependencies.yml list packages",
            path=found[1][0],
            hint="keep the 'packages:' list in one of them",
        )
    if not found:
        return [], None
    path, entries = found[0]
    renderer = ProjectRenderer(path, cli_vars, None)
    specs = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise DepsError(f"package #{index + 1} must be a mapping, got {entry!r}", path=path)
        rendered = renderer.render_project({str(k): v for k, v in entry.items()})
        spec = PackageSpec(rendered, dict(entry), base or project_root, path)
        _ = spec.kind  # checks the entry
        specs.append(spec)
    return specs, path


# -- installing ------------------------------------------------------------------------------


@dataclass
class Installed:
    name: str
    lock_entry: dict[str, Any]
    #: the package's files: a local package's own folder (linked), else a download (moved)
    folder: Path
    description: str
    linked: bool = False

    def place(self, destination: Path) -> None:
        """Into ``destination/<name>``: a symlink to a local package (as dbt), else the files."""
        target = destination / self.name
        if self.linked:
            target.symlink_to(self.folder, target_is_directory=True)
        else:
            shutil.move(str(self.folder), str(target))
            self.folder = target


def _project_name(folder: Path, what: str) -> str:
    if not (folder / PROJECT_FILE).is_file():
        raise DepsError(f"{what} has no {PROJECT_FILE} in {folder}", hint="a dbt package is a dbt project folder")
    return load_project(folder).name


def _git(args: list[str], cwd: Path | None, what: str, url: tuple[str, str] | None = None) -> str:
    """``git ARGS``; ``url``: (rendered, as written) so that git's messages show the URL as
    written in packages.yml, never a token an env_var() put into it."""
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )
    except FileNotFoundError:
        raise DepsError(f"installing {what} needs git, and no 'git' executable was found") from None
    if done.returncode != 0:
        output = done.stderr or done.stdout
        if url is not None and url[0] != url[1]:
            output = output.replace(url[0], url[1])
        detail = output.strip().splitlines()
        raise DepsError(
            f"git {args[0]} failed for {what}: " + (detail[-1] if detail else f"exit code {done.returncode}"),
            hint="check the URL and revision, and that this machine can reach the repository",
        )
    return done.stdout.strip()


class Installer:
    """Fetches one package into a scratch folder (or finds a local one) and names it."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch

    def install(self, spec: PackageSpec) -> Installed:
        kind = spec.kind
        if kind == "local":
            return self._local(spec)
        if kind == "git":
            return self._git(spec)
        if kind == "package":
            return self._hub(spec)
        raise DepsError(
            f"'{kind}:' packages are not supported by dagwright deps",
            path=spec.source_file,
            hint="use a 'git:' or 'local:' package, or install it into the packages folder yourself",
        )

    def _local(self, spec: PackageSpec) -> Installed:
        raw = str(spec.entry["local"])
        folder = (spec.base / raw).resolve()
        if not folder.is_dir():
            raise DepsError(f"local package '{raw}': no folder {folder}", path=spec.source_file)
        name = _project_name(folder, f"local package '{raw}'")
        written = str(spec.unrendered.get("local", raw))
        # as dbt: a link, so edits to the package show at once
        return Installed(name, {"local": written, "name": name}, folder, f"<local @ {written}>", linked=True)

    def _git(self, spec: PackageSpec) -> Installed:
        url = str(spec.entry["git"])
        written = str(spec.unrendered.get("git", url))  # what is shown and locked: no rendered secret
        revision = spec.entry.get("revision")
        subdirectory = spec.entry.get("subdirectory")
        what = f"git package {written}"
        clone = Path(tempfile.mkdtemp(prefix="git-", dir=self.scratch))
        _git(["clone", "--quiet", "--", url, str(clone)], None, what, (url, written))
        if revision is not None:
            _git(["checkout", "--quiet", str(revision)], clone, f"{what} at revision {revision}")
        commit = _git(["rev-parse", "HEAD"], clone, what)
        folder = clone / str(subdirectory) if subdirectory else clone
        if not folder.is_dir():
            raise DepsError(f"{what} has no subdirectory '{subdirectory}'", path=spec.source_file)
        name = _project_name(folder, what)
        shutil.rmtree(clone / ".git", ignore_errors=True)
        entry: dict[str, Any] = {"git": written, "name": name, "revision": commit}
        if subdirectory:
            entry["subdirectory"] = str(subdirectory)
        return Installed(
            name, entry, folder, f"revision {commit}" + (f" and subdirectory {subdirectory}" if subdirectory else "")
        )

    def _hub(self, spec: PackageSpec) -> Installed:
        package = str(spec.entry["package"])
        index = _hub_json(f"{hub_url()}api/v1/{package}.json", package)
        versions = index.get("versions") if isinstance(index, Mapping) else None
        if not isinstance(versions, Mapping) or not versions:
            raise DepsError(f"hub package '{package}' has no versions on {hub_url()}", path=spec.source_file)
        wanted = spec.entry.get("version")
        prerelease = bool(spec.entry.get("install-prerelease", spec.entry.get("install_prerelease", False)))
        version = pick_version(list(versions), wanted, prerelease)
        if version is None:
            raise DepsError(
                f"no version of hub package '{package}' matches {wanted!r}",
                path=spec.source_file,
                hint="available: " + ", ".join(sorted(versions, key=version_key)[-8:]),
            )
        meta = versions[version]
        tarball = (meta.get("downloads") or {}).get("tarball") if isinstance(meta, Mapping) else None
        if not tarball:
            raise DepsError(f"hub package '{package}' {version} has no download", path=spec.source_file)
        archive = self.scratch / f"{package.replace('/', '_')}-{version}.tar.gz"
        _download(str(tarball), archive, package)
        unpacked = Path(tempfile.mkdtemp(prefix="hub-", dir=self.scratch))
        _extract(archive, unpacked, package)
        tops = [p for p in unpacked.iterdir() if p.is_dir()]
        folder = tops[0] if len(tops) == 1 and not (unpacked / PROJECT_FILE).exists() else unpacked
        name = _project_name(folder, f"hub package '{package}'")
        return Installed(name, {"name": name, "package": package, "version": version}, folder, f"version {version}")


def _extract(archive: Path, destination: Path, what: str) -> None:
    """Unpack a downloaded tarball; members that would land outside ``destination`` (absolute
    paths, ``..``, links) are refused."""
    try:
        with tarfile.open(archive) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(destination, filter="data")
                return
            root = destination.resolve()
            for member in tar.getmembers():
                target = (destination / member.name).resolve()
                if member.issym() or member.islnk() or (target != root and root not in target.parents):
                    raise DepsError(f"the archive of {what} holds an unsafe entry: {member.name}")
            tar.extractall(destination)  # every member checked above
    except (tarfile.TarError, OSError) as exc:
        raise DepsError(f"could not unpack the archive of {what}: {exc}") from None


def _offline_error(what: str, exc: BaseException) -> DepsError:
    return DepsError(
        f"could not reach the dbt package hub for {what}: {getattr(exc, 'reason', exc)}",
        hint="check the network (or a proxy); without one, use a 'git:' or 'local:' package, "
        "or copy the package into the packages folder",
    )


def _hub_json(url: str, what: str) -> Any:
    try:
        with urllib.request.urlopen(url, timeout=_NETWORK_TIMEOUT) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise DepsError(f"there is no package '{what}' on the dbt package hub") from None
        raise _offline_error(what, exc) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise _offline_error(what, exc) from None


def _download(url: str, path: Path, what: str) -> None:
    try:
        with urllib.request.urlopen(url, timeout=_NETWORK_TIMEOUT) as response, path.open("wb") as out:
            shutil.copyfileobj(response, out)
    except (urllib.error.URLError, OSError) as exc:
        raise _offline_error(what, exc) from None


# -- versions (hub) --------------------------------------------------------------------------


def pick_version(available: Sequence[str], wanted: Any, prerelease: bool = False) -> str | None:
    """The highest of ``available`` meeting every constraint of ``wanted`` (a version, a range
    such as ">=1.0.0", or a list of them), as dbt picks a hub version: prereleases only when
    asked for (or named exactly)."""
    constraints = [str(w) for w in (wanted if isinstance(wanted, list) else [wanted])] if wanted is not None else []
    named = {c.strip().lstrip("=").strip() for c in constraints}
    matching = []
    for version in available:
        key = version_key(version)
        if key[0] < 0 or (key[3] == 0 and not prerelease and version not in named):
            continue
        if all(meets(key, c) for c in constraints):
            matching.append(version)
    return max(matching, key=version_key) if matching else None


# -- the command -----------------------------------------------------------------------------


class _LockDumper(yaml.SafeDumper):
    """Lists indented under their key, as dbt writes package-lock.yml."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


def _lock_specs(
    project: ProjectConfig, lock: Mapping[str, Any], path: Path, cli_vars: Mapping[str, Any]
) -> list[PackageSpec]:
    """package-lock.yml's entries, rendered (it keeps env_var() templates as written)."""
    from dagwright.project.project_renderer import ProjectRenderer

    entries = lock.get("packages")
    if not isinstance(entries, list):
        raise DepsError("package-lock.yml has no 'packages' list", path=path, hint="delete it and run deps again")
    renderer = ProjectRenderer(path, cli_vars, None)
    return [
        PackageSpec(renderer.render_project({str(k): v for k, v in e.items()}), dict(e), project.root, path)
        for e in entries
        if isinstance(e, Mapping)
    ]


def install(
    project: ProjectConfig, cli_vars: Mapping[str, Any], echo: Echo, *, upgrade: bool = False
) -> list[Installed]:
    """Install ``project``'s packages (and theirs) and write package-lock.yml."""
    specs, listed_in = read_package_specs(project.root, cli_vars)
    destination = install_path(project)
    lock_path = project.root / LOCK_FILE
    if not specs:
        say(echo, "DepsNoPackagesFound", "Warning: No packages were found in packages.yml")
        return []
    wanted_hash = packages_hash(specs)
    from_lock = False
    if lock_path.is_file() and not upgrade:
        lock = load_yaml_file(lock_path, DepsError)
        if isinstance(lock, Mapping) and lock.get("sha1_hash") == wanted_hash:
            specs, from_lock = _lock_specs(project, lock, lock_path, cli_vars), True
    installed: list[Installed] = []
    names: dict[str, Installed] = {}
    # packages are put together beside the folder, which is replaced only once all are in:
    # a failed deps (no network, a bad revision) leaves the installed packages as they were
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".dagwright-deps-", dir=destination.parent) as scratch:
        staging = Path(scratch) / "packages"
        staging.mkdir()
        installer = Installer(Path(scratch))
        queue = list(specs)
        while queue:
            spec = queue.pop(0)
            label = spec.unrendered.get("local") or spec.unrendered.get("git") or spec.unrendered.get("package")
            say(echo, "DepsStartPackageInstall", f"Installing {label}", {"package_name": str(label)})
            done = installer.install(spec)
            say(echo, "DepsInstallInfo", f"Installed from {done.description}", {"version_name": done.description})
            if done.name in names:
                continue  # a package listed twice (by two packages): the first one stays
            done.place(staging)
            names[done.name] = done
            installed.append(done)
            if not from_lock:  # a lock file lists the packages' own packages already
                nested, _ = read_package_specs(done.folder, cli_vars, base=project.root)
                queue.extend(nested)
        if destination.is_symlink() or destination.is_file():
            destination.unlink()
        elif destination.exists():
            shutil.rmtree(destination)
        staging.rename(destination)
    if not from_lock:
        lock_data = {"packages": [i.lock_entry for i in installed], "sha1_hash": wanted_hash}
        text = yaml.dump(lock_data, Dumper=_LockDumper, sort_keys=True, default_flow_style=False)
        from dagwright.artifacts.files import write_bytes_atomic

        write_bytes_atomic(lock_path, text.encode("utf-8"))
        text = f"Updated lock file {lock_path.name} (from {listed_in.name if listed_in else 'packages.yml'})"
        say(echo, "DepsLockUpdating", text, {"lock_filepath": str(lock_path)})
    return installed


def deps(flags: Flags, echo: Echo) -> int:
    from dagwright.project.config import find_project_root

    root = find_project_root(flags.project_dir)
    cli_vars = parse_vars(flags.vars)
    project = load_project(root, cli_vars)
    attach_project_log(project, echo)
    install(project, cli_vars, echo, upgrade=bool(flags.extra.get("upgrade")))
    return 0
