"""BigQuery job labels from the query comment (``query-comment: {job-label: true}``), as
dbt-bigquery derives them: a comment that is a JSON object gives one label per key, anything
else one label ``query_comment``; keys and values lower-cased, every character but ``a-z``,
``0-9``, ``_`` and ``-`` replaced by ``_``, cut to 63 characters (BigQuery's limit)."""

from __future__ import annotations

import json
import re

_NOT_IN_LABELS = re.compile(r"[^a-z0-9_-]")
_MAX_LENGTH = 63


def label_value(text: str) -> str:
    return _NOT_IN_LABELS.sub("_", text.strip().lower())[:_MAX_LENGTH]


def labels_from_comment(comment: str) -> dict[str, str]:
    try:
        parsed = json.loads(comment)
    except (TypeError, ValueError):
        parsed = None
    if not isinstance(parsed, dict):
        return {"query_comment": label_value(comment)}
    return {label_value(str(key)): label_value(str(value)) for key, value in parsed.items()}
