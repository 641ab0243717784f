"""``query-comment`` (dbt_project.yml): the comment put on every statement dagwright sends
through a node's, a hook's or an operation's connection.

As in dbt-core 1.11:

- not set: a default comment, the JSON object ``{"app", "dbt_version", "profile_name",
  "target_name", "node_id"}`` (``connection_name`` where no node runs), with ``app``
  ``"dagwright"`` (it tells who sent the query; the keys are dbt's, so tools reading dbt's
  comments find the node);
- ``null``, ``""`` or ``false``: no comment;
- a string, or a mapping with ``comment``: a Jinja template rendered with the run's context,
  ``connection_name`` and ``node`` (the node's entry in ``graph``, None outside a node);
  ``append: true`` puts it after the statement instead of before; with ``job-label: true`` a
  BigQuery connection also labels its jobs with it (``adapters/bigquery_labels.py``).

A comment holding ``*/`` is an error (it would end the comment early), as in dbt.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from dagwright.errors import CompilationError
from dagwright.parse.nodes import Manifest
from dagwright.rendering.context import RunContext, runtime_context
from dagwright.rendering.jinja import compile_template, render_error, render_template

#: where a rendering error of the comment points
WHERE = "dbt_project.yml (query-comment)"


class _Default:
    """Marks "query-comment not set": the default comment."""


DEFAULT = _Default()


def comment_settings(raw: Any) -> tuple[str | _Default | None, bool, bool]:
    """(template, append, job_label) from dbt_project.yml's ``query-comment`` value: the
    template is DEFAULT when the key is absent or a mapping without ``comment``, None for no
    comment."""
    if raw is DEFAULT:
        return DEFAULT, False, False
    if isinstance(raw, Mapping):
        template = raw.get("comment", DEFAULT)
        append = bool(raw.get("append") or False)
        label = bool(raw.get("job-label", raw.get("job_label")) or False)
        return (template if template is DEFAULT or template else None), append, label
    if not raw:
        return None, False, False
    return str(raw), False, False


class QueryComments:
    """The comment of each connection, by the id it was opened for (``GuardedConnection``'s
    ``node_id``: a node's unique id, else a connection name); computed once per id."""

    def __init__(self, raw: Any, run: RunContext, manifest: Manifest) -> None:
        template, self.append, self.job_label = comment_settings(raw)
        self._run = run
        self._manifest = manifest
        self._default = template is DEFAULT
        self._template = None if template is None or self._default else compile_template(str(template), WHERE)
        self.enabled = template is not None
        self._cache: dict[str, str] = {}
        self._lock = threading.Lock()

    def text_for(self, node_id: str) -> str:
        with self._lock:
            cached = self._cache.get(node_id)
        if cached is not None:
            return cached
        text = self._render(node_id).strip() if self.enabled else ""
        if "*/" in text:
            raise CompilationError(
                f'query comment contains illegal value "*/": {text}',
                path="dbt_project.yml",
                hint="a query comment cannot hold */ (it would end the SQL comment)",
            )
        with self._lock:
            self._cache[node_id] = text
        return text

    def _render(self, node_id: str) -> str:
        is_node = node_id in self._manifest.nodes
        target = self._run.target
        if self._default:
            values: dict[str, Any] = {
                "app": "dagwright",
                "dbt_version": "1.11.0",
                "profile_name": target.get("profile_name"),
                "target_name": target.get("target_name"),
            }
            values["node_id" if is_node else "connection_name"] = node_id
            return json.dumps(values)
        assert self._template is not None
        values = self._run.base_values(None)
        node = self._run.graph(self._manifest)["nodes"].get(node_id) if is_node else None
        values.update(connection_name=node_id, node=node, execute=True)
        ctx = runtime_context(self._run, values, manifest=self._manifest, session=None, parsing=False)
        try:
            return render_template(self._template, ctx)
        except CompilationError:
            raise
        except Exception as exc:
            raise render_error(exc, WHERE, node_id) from None
