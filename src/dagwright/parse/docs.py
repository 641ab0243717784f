"""``{% docs %}`` blocks and the project's on-run-start / on-run-end operations.

Docs blocks live in ``.md`` files under the docs paths (by default every resource folder,
as in dbt); ``doc('name')`` in a description is replaced by the block's text. The
project's run hooks become ``Operation`` values with dbt's unique_ids.
"""

from __future__ import annotations

import re
from pathlib import Path

from dagwright.errors import ProjectError
from dagwright.parse.checksums import file_checksum
from dagwright.parse.nodes import DocBlock, Operation
from dagwright.project.config import ProjectConfig
from dagwright.project.files import ProjectFile, find_files
from dagwright.project.yamlio import load_yaml_file

_DOCS_BLOCK = re.compile(
    r"{%-?\s*docs\s+([A-Za-z_][\w]*)\s*-?%}(.*?){%-?\s*enddocs\s*-?%}",
    re.S,
)

#: the built-in overview page every dbt manifest lists (dagwright's own text)
OVERVIEW = DocBlock(
    unique_id="doc.dbt.__overview__",
    name="__overview__",
    package_name="dbt",
    path="overview.md",
    original_file_path="docs/overview.md",
    block_contents="### Welcome!\n\nThe documentation of this project's models, sources and tests.",
)


def docs_paths(project: ProjectConfig) -> tuple[str, ...]:
    """dbt's docs-paths: the setting if given, else every resource folder."""
    try:
        data = load_yaml_file(project.path)
    except Exception:
        data = None
    value = data.get("docs-paths") if isinstance(data, dict) else None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value:
        return tuple(str(v) for v in value)
    paths = (
        *project.model_paths,
        *project.seed_paths,
        *project.snapshot_paths,
        *project.analysis_paths,
        *project.macro_paths,
        *project.test_paths,
    )
    return tuple(dict.fromkeys(paths))


def docs_files(project: ProjectConfig) -> list[ProjectFile]:
    """The .md files that may hold {% docs %} blocks."""
    return list(find_files(project.root, docs_paths(project), (".md",)))


def load_docs(project: ProjectConfig) -> dict[str, DocBlock]:
    docs: dict[str, DocBlock] = {}
    for file in docs_files(project):
        text = file.path.read_text(encoding="utf-8")
        for match in _DOCS_BLOCK.finditer(text):
            name = match.group(1)
            unique_id = f"doc.{project.name}.{name}"
            if unique_id in docs:
                raise ProjectError(
                    f"docs block '{name}' is defined twice: in {docs[unique_id].original_file_path} "
                    f"and in {file.original_file_path}",
                    path=file.original_file_path,
                    line=text.count("\n", 0, match.start()) + 1,
                )
            docs[unique_id] = DocBlock(
                unique_id=unique_id,
                name=name,
                package_name=project.name,
                path=file.relative,
                original_file_path=file.original_file_path,
                block_contents=match.group(2).strip(),
            )
    return docs


def project_operations(project: ProjectConfig) -> tuple[Operation, ...]:
    """The project's on-run-start hooks, then its on-run-end hooks, as dbt names them."""
    out = []
    # dbt's checksum of a hook is its file's: dbt_project.yml, stripped
    checksum = (
        file_checksum(Path(project.root) / "dbt_project.yml") if project.on_run_start or project.on_run_end else ""
    )
    for hook_type, hooks in (("on-run-start", project.on_run_start), ("on-run-end", project.on_run_end)):
        for index, sql in enumerate(hooks):
            name = f"{project.name}-{hook_type}-{index}"
            out.append(
                Operation(
                    unique_id=f"operation.{project.name}.{name}",
                    name=name,
                    package_name=project.name,
                    hook_type=hook_type,
                    index=index,
                    raw_code=str(sql),
                    checksum=checksum,
                )
            )
    return tuple(out)
