"""Python models (``models/**/*.py`` with ``def model(dbt, session)``) as nodes.

Parsed as dbt parses them: a ``ref`` to one resolves, ``ls``/selection/the manifest list it
with dbt's unique_id and ``language: python``, and its own ``dbt.ref``/``dbt.source``/
``dbt.config`` calls give its dependencies and config. The keys read with
``dbt.config.get``/``dbt.config.meta_get`` go into its config as dbt puts them there
(``config_keys_used``/``config_keys_defaults``, ``meta_keys_used``/``meta_keys_defaults``), for
the compiled code's ``dbt`` object (execute/python_compile.py). They run on DuckDB and
Spark (materialize/python_model.py); other engines refuse them (parse/unsupported.py).

As in dbt, the file is read with Python's ``ast``, never run: the calls ``dbt.ref(...)``,
``dbt.source(...)``, ``dbt.config(...)``, ``dbt.config.get(...)`` and
``dbt.config.meta_get(...)`` are found anywhere in it and their arguments must be literals.
A Python model is a table unless its properties or ``dbt.config`` say otherwise.
"""

from __future__ import annotations

import ast
from typing import Any

from dagwright.errors import ProjectError
from dagwright.parse.checksums import text_checksum
from dagwright.parse.kinds.base import ParsedResources, ProjectScope, ResourceKind, decode
from dagwright.parse.nodes import Node, RefCall, SourceCall, evolve, new_node
from dagwright.project.config import merge_config
from dagwright.project.files import ProjectFile, ProjectFiles
from dagwright.project.properties import Patch, Properties

#: the macro dbt records as every Python model's dependency (it writes the compiled code's tail)
PY_SCRIPT_MACRO = "macro.dbt.py_script_postfix"

#: the ``dbt.*`` calls read from a Python model (as dotted names)
_CALLS = frozenset({"dbt.ref", "dbt.source", "dbt.config", "dbt.config.get", "dbt.config.meta_get"})


def _dotted(node: ast.expr) -> str | None:
    """``dbt.config.get`` for an attribute chain on a plain name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


class _Calls(ast.NodeVisitor):
    """Every ``dbt.*`` call of _CALLS in a module, with its literal arguments."""

    def __init__(self, rel: str) -> None:
        self.rel = rel
        self.found: list[tuple[str, list[Any], dict[str, Any], int]] = []

    def _literal(self, node: ast.expr, call: str) -> Any:
        try:
            return ast.literal_eval(node)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            raise ProjectError(
                f"the arguments of {call}() must be literal values (a string, number, list or dict)",
                path=self.rel,
                line=getattr(node, "lineno", None),
                hint="dbt reads Python models without running them, as dagwright does",
            ) from None

    def visit_Call(self, node: ast.Call) -> None:
        name = _dotted(node.func)
        if name in _CALLS:
            args = [self._literal(a, name) for a in node.args]
            kwargs = {str(k.arg): self._literal(k.value, name) for k in node.keywords}
            self.found.append((name, args, kwargs, node.lineno))
        self.generic_visit(node)


def _check_model_function(tree: ast.Module, rel: str) -> None:
    """dbt's rules: one ``def model(dbt, session)`` that ends returning one value."""
    defs = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "model"]
    if len(defs) != 1:
        raise ProjectError(
            f"a Python model defines exactly one function 'model', this file defines {len(defs)}",
            path=rel,
            hint="write 'def model(dbt, session):' returning one data frame",
        )
    func = defs[0]
    problems = []
    names = [a.arg for a in func.args.args]
    if names and names[0] != "dbt":
        problems.append("its first argument must be 'dbt'")
    if len(names) != 2:
        problems.append("it takes two arguments, 'dbt' and a session")
    last = func.body[-1]
    if not isinstance(last, ast.Return) or isinstance(last.value, ast.Tuple):
        problems.append("it must end by returning one data frame")
    if problems:
        raise ProjectError(f"function 'model': {'; '.join(problems)}", path=rel, line=func.lineno)


def read_calls(text: str, rel: str) -> tuple[list[RefCall], list[SourceCall], dict[str, Any]]:
    """(refs, sources, config set by ``dbt.config``) of a Python model's text."""
    if "{{" in text or "{%" in text:
        raise ProjectError("a Python model cannot hold Jinja ('{{' or '{%')", path=rel)
    try:
        tree = ast.parse(text, filename=rel)
    except SyntaxError as exc:
        raise ProjectError(f"Python syntax error: {exc.msg}", path=rel, line=exc.lineno) from None
    if not tree.body:
        return [], [], {}
    _check_model_function(tree, rel)
    visitor = _Calls(rel)
    visitor.visit(tree)
    refs: list[RefCall] = []
    sources: list[SourceCall] = []
    config: dict[str, Any] = {}
    read: dict[str, list[Any]] = {}  # config_keys_used, config_keys_defaults, meta_...: as dbt records them
    for name, args, kwargs, line in visitor.found:
        if name == "dbt.ref":
            version = kwargs.get("v", kwargs.get("version"))
            if len(args) == 1:
                refs.append(RefCall(str(args[0]), None, version, line))
            elif len(args) == 2:
                refs.append(RefCall(str(args[1]), str(args[0]), version, line))
            else:
                raise ProjectError("dbt.ref() takes one or two arguments", path=rel, line=line)
        elif name == "dbt.source":
            if len(args) != 2:
                raise ProjectError("dbt.source() takes two arguments", path=rel, line=line)
            sources.append(SourceCall(str(args[0]), str(args[1]), line))
        elif name == "dbt.config":
            for arg in args:
                if isinstance(arg, dict):
                    config.update(arg)
            config.update(kwargs)
        elif not 1 <= len(args) <= 2:  # dbt.config.get / meta_get: a key and a default
            raise ProjectError(f"{name}() takes a key and an optional default", path=rel, line=line)
        else:
            prefix = "config" if name == "dbt.config.get" else "meta"
            read.setdefault(f"{prefix}_keys_used", []).append(args[0])
            read.setdefault(f"{prefix}_keys_defaults", []).append(args[1] if len(args) == 2 else None)
    if read:  # dbt sets all four once any key is read
        for key in ("config_keys_used", "config_keys_defaults", "meta_keys_used", "meta_keys_defaults"):
            config[key] = read.get(key, [])
    return refs, sources, config


def parse_python_model(scope: ProjectScope, file: ProjectFile, patch: Patch | None) -> Node:
    """The node of one Python model, configured as dbt configures it."""
    project = scope.project
    raw_bytes = scope.read_bytes(file)
    rel = file.original_file_path
    text = decode(raw_bytes, rel)
    name = file.stem
    fqn = (project.name, *file.folders, name)
    unique_id = f"model.{project.name}.{name}"
    # dbt: a Python model is a table unless its properties say otherwise, whatever the folder says
    config = merge_config(project.models.resolve(fqn), {"materialized": "table"})
    if patch is not None:
        config = merge_config(config, patch.config)
    refs, sources, in_file = read_calls(text, rel)
    config = merge_config(config, in_file)
    if scope.root is not None:
        config = merge_config(config, scope.root.models.resolve(fqn))
    node = new_node(
        unique_id=unique_id,
        resource_type="model",
        package_name=project.name,
        name=name,
        path=file.relative,
        original_file_path=rel,
        fqn=fqn,
        raw_code=text.strip(),
        config=config,
        database=scope.target_database,
        schema=scope.target_schema,
        alias=name,
        checksum=text_checksum(text.strip()),
        language="python",
    )
    node = scope.apply_patch(node, patch)
    node = evolve(node, refs=tuple(refs), sources=tuple(sources), depends_on_macros=(PY_SCRIPT_MACRO,))
    return scope.finish(node, config)


def parse_python_models(scope: ProjectScope, files: ProjectFiles, props: Properties, out: ParsedResources) -> None:
    for file in files.python_models:
        out.add(parse_python_model(scope, file, props.patches.get(("model", file.stem))))


PYTHON_MODELS = ResourceKind("python model", parse_python_models)
