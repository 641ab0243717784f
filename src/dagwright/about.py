"""What ``dagwright --version`` prints: dagwright, Python, and each engine's driver (as
``dbt --version`` lists its plugins). Versions come from package metadata: nothing is imported."""

from __future__ import annotations

import platform
from importlib import metadata

from dagwright import __version__
from dagwright.adapters import ADAPTER_TYPES, ENGINE_DRIVERS


def driver_version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def version_report() -> str:
    lines = [f"dagwright {__version__}", f"Python {platform.python_version()}", "Engines:"]
    for engine in ADAPTER_TYPES:
        distribution, extra = ENGINE_DRIVERS[engine]
        version = driver_version(distribution)
        if version is not None:
            lines.append(f"  - {engine}: {distribution} {version}")
        else:
            lines.append(f"  - {engine}: not installed (pip install 'dagwright[{extra}]')")
    return "\n".join(lines)
