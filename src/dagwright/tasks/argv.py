"""The command line as click reads it: dbt's options that take several values."""

from __future__ import annotations

#: options that take several values, as in dbt: ``-s a b`` is ``-s a -s b``
_MULTI_VALUE = {
    "-s",
    "--select",
    "-m",
    "--models",
    "--exclude",
    "--resource-type",
    "--resource-types",
    "--exclude-resource-type",
    "--exclude-resource-types",
    "--output-keys",
}


def expand_multi_value(argv: list[str]) -> list[str]:
    """``-s a b --exclude c`` -> ``-s a -s b --exclude c`` (click takes one value per flag)."""
    out: list[str] = []
    current: str | None = None
    for arg in argv:
        if arg in _MULTI_VALUE:
            current = arg
            out.append(arg)
            continue
        flag = arg.split("=", 1)[0]
        if "=" in arg and flag in _MULTI_VALUE:
            current = flag
            out.extend([flag, arg.split("=", 1)[1]])
            continue
        if current is not None and not arg.startswith("-") and out[-1] != current:
            out.extend([current, arg])
            continue
        if arg.startswith("-"):
            current = None
        out.append(arg)
    return out
