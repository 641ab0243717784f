"""``ephemeral``: no relation; its SQL is injected as a CTE into the models that use it."""

from __future__ import annotations

from collections.abc import Sequence


def _skip_space_and_comments(sql: str, i: int) -> int:
    n = len(sql)
    while i < n:
        if sql[i].isspace():
            i += 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end == -1 else end + 1
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end == -1 else end + 2
        else:
            break
    return i


def _leading_word(sql: str, i: int) -> tuple[str, int]:
    j = i
    while j < len(sql) and (sql[j].isalnum() or sql[j] == "_"):
        j += 1
    return sql[i:j].lower(), j


def inject_ctes(sql: str, ctes: Sequence[tuple[str, str]]) -> str:
    """Put ``ctes`` (name, sql), dependencies first, in front of ``sql``.

    When the model already starts with ``WITH`` (after comments), the CTEs join that list;
    otherwise a new ``with`` clause is added. Only the leading keyword is inspected, with
    comments skipped, so no SQL is rewritten.
    """
    if not ctes:
        return sql
    rendered = ", ".join(f"{name} as (\n{body}\n)" for name, body in ctes)
    start = _skip_space_and_comments(sql, 0)
    word, end = _leading_word(sql, start)
    if word == "with":
        after = _skip_space_and_comments(sql, end)
        next_word, next_end = _leading_word(sql, after)
        if next_word == "recursive":
            return f"{sql[:next_end]} {rendered}, {sql[next_end:].lstrip()}"
        return f"{sql[:end]} {rendered}, {sql[end:].lstrip()}"
    return f"with {rendered}\n{sql}"
