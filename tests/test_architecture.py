"""The shape docs/architecture.md describes, checked on the source: stages import only their
own and lower stages (shared value modules excepted), no module imports itself back through
others, and no module grows past the size where it should be split.

Imports under ``if TYPE_CHECKING:`` and inside functions count: a type or a lazy import is a
dependency of the design all the same."""

from __future__ import annotations

import ast
import graphlib
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "dagwright"

#: bottom to top; a module may import its own stage and the stages before it
STAGES = (
    "project",
    "adapters",
    "rendering",
    "parse",
    "graph",
    "materialize",
    "execute",
    "artifacts",
    "report",
    "top",  # session, tasks, api, about, cli (and cli_logging, cli_options): what commands start from
)
TOP = {"session", "flags", "tasks", "api", "about", "cli", "cli_logging", "cli_options", "__main__", "launch"}
#: values and utilities every stage needs; they import only each other
SHARED = {
    "dagwright",
    "dagwright.errors",
    "dagwright.guard",
    "dagwright.parse.nodes",
    "dagwright.adapters.base",
    "dagwright.adapters.sql",
    "dagwright.execute.results",
    "dagwright.artifacts.files",
    "dagwright.early_signals",
}
MAX_LINES = 600


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in SRC.rglob("*.py")}


def imports(name: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            candidates = [f"{target}.{alias.name}" for alias in node.names] + [target]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        for candidate in candidates:
            # the most specific known module the import names
            while candidate and candidate not in known:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != name:
                yield candidate
                break


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: set(imports(name, path, known)) for name, path in known.items()}


def stage_of(name: str) -> str:
    part = name.split(".")[1] if "." in name else "top"
    return "top" if part in TOP else part


def test_stages_import_only_downward() -> None:
    wrong = []
    for name, targets in sorted(import_graph().items()):
        for target in sorted(targets):
            if name in SHARED:
                if target not in SHARED:
                    wrong.append(f"{name} (shared) -> {target}")
                continue
            if target in SHARED:
                continue
            if STAGES.index(stage_of(target)) > STAGES.index(stage_of(name)):
                wrong.append(f"{name} ({stage_of(name)}) -> {target} ({stage_of(target)})")
    assert not wrong, "imports against the stages of docs/architecture.md:\n" + "\n".join(wrong)


def test_no_import_circles() -> None:
    graph = import_graph()
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        raise AssertionError(f"import circle: {' -> '.join(exc.args[1])}") from None


def test_no_module_past_the_size_to_split() -> None:
    large = {
        name: n
        for name, path in modules().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not large, f"modules past {MAX_LINES} lines (split them along their seams): {large}"


def test_every_stage_is_known() -> None:
    unknown = {stage_of(n) for n in modules() if n not in SHARED} - set(STAGES)
    assert not unknown, f"packages without a stage in docs/architecture.md: {unknown}"
