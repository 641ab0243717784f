"""dbt's ``depends_on.macros``: the macros a node (or a macro) calls itself, as unique_ids.

dbt records, for each node, the macros its own template calls while it is parsed (not the
macros those call: a consumer follows each macro's own ``depends_on.macros``). A template
dagwright renders at parse time records its calls as it runs (``recording_macro_calls``);
the calls of hooks (which dbt renders at parse time and dagwright at run time) and of each
macro's own body (dbt reads those statically too, with what an ``adapter.dispatch`` call
resolves to) are read from their syntax trees (``rendering.calls``) and resolved here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dagwright.rendering.calls import call_names

if TYPE_CHECKING:
    from dagwright.rendering.jinja import MacroRegistry

#: names that are never macros, whatever a project defines
_NOT_MACROS = frozenset({"ref", "source", "config"})


def resolve_calls(
    names: Iterable[str],
    resolve: Callable[[str, str | None], str | None],
    dispatch: Callable[[str, str | None], Iterable[str]] | None = None,
    skip: str | None = None,
) -> tuple[str, ...]:
    """The unique_ids of the macros ``names`` (from ``call_names``) call, first call first.
    ``resolve(name, package)``: the macro a bare (package None) or qualified name means;
    ``dispatch(name, namespace)``: what an ``adapter.dispatch`` may call; ``skip``: the
    macro's own unique_id (a dispatching macro names itself)."""
    out: list[str] = []

    def add(unique_id: str | None) -> None:
        if unique_id is not None and unique_id != skip and unique_id not in out:
            out.append(unique_id)

    for name in names:
        if name.startswith("dispatch:"):
            _, namespace, macro = name.split(":", 2)
            add(resolve(macro, None))
            if dispatch is not None:
                for unique_id in dispatch(macro, namespace or None):
                    add(unique_id)
        elif "." in name:
            package, macro = name.split(".", 1)
            add(resolve(macro, package))
        elif name not in _NOT_MACROS:
            add(resolve(name, None))
    return tuple(out)


class MacroResolver:
    """Resolves call names to macro unique_ids as a node or macro of ``package`` sees them
    (its own package, then the root project, then the built-in macros), with
    ``adapter.dispatch`` searched as dagwright's adapter searches it."""

    def __init__(
        self,
        registry: MacroRegistry,
        package: str | None,
        adapter_type: str,
        dispatch_config: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        self.registry = registry
        self.package = package
        self.adapter_type = adapter_type
        self.dispatch_config = dispatch_config

    def resolve(self, name: str, package: str | None) -> str | None:
        if package is None:
            return self.registry.macro_id(name, self.package)
        if name in self.registry.packages.get(package, {}):
            return f"macro.{package}.{name}"
        return None

    def dispatch(self, name: str, namespace: str | None) -> list[str]:
        """The macro ``adapter.dispatch(name, namespace)`` calls (the first one found)."""
        packages: list[str | None] = [None]
        if namespace is not None:
            for entry in self.dispatch_config:
                if isinstance(entry, Mapping) and entry.get("macro_namespace") == namespace:
                    packages = [str(p) for p in entry.get("search_order") or []]
                    break
            else:
                packages = [self.registry.root, namespace] if namespace in self.registry.installed else [None]
        for package in packages:
            for prefix in (self.adapter_type, "default"):
                found = self.resolve(f"{prefix}__{name}", package)
                if found is not None:
                    return [found]
        return []

    def calls(self, names: Iterable[str], skip: str | None = None) -> tuple[str, ...]:
        return resolve_calls(names, self.resolve, self.dispatch, skip)

    def calls_in(self, texts: Iterable[str]) -> tuple[str, ...]:
        """The macros the templates ``texts`` (hooks) call themselves."""
        names: list[str] = []
        for text in texts:
            names += call_names(text)
        return self.calls(names)
