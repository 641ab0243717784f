"""Python models on DuckDB, as dbt-duckdb runs them: the worker's cursor is the session,
``dbt.ref`` returns a DuckDB relation, and what the model returns — a DuckDB relation, a
pandas or polars DataFrame or a pyarrow Table — is registered on the cursor."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from dagwright.adapters.python_runtime import PythonModelError

T = TypeVar("T")


class DuckDBPythonRuntime:
    registers_staged = False
    library_folders: tuple[str, ...] = ()  # DuckDB's Python API is compiled: no frames of its own

    def __init__(self, cursor: Any) -> None:
        #: this worker's cursor, so what the model reads and makes is in the node's transaction
        self.session = cursor

    def read(self, name: str) -> Any:
        return self.session.query(f"select * from {name}")

    def call(self, code: Callable[[], T]) -> T:
        return code()  # the guard's cancel interrupts the cursor: nothing to set up

    def frame(self, returned: Any) -> Any:
        """A DuckDB relation, a pandas DataFrame or a pyarrow Table as they are; a polars
        DataFrame (or LazyFrame) as Arrow."""
        module = type(returned).__module__.split(".")[0]
        if module in ("duckdb", "pandas", "pyarrow"):
            return returned
        if module == "polars":
            collected = returned.collect() if hasattr(returned, "collect") else returned
            return collected.to_arrow()
        raise PythonModelError(
            f"Python model returned {type(returned).__name__}: return a DuckDB relation, a pandas or polars "
            "DataFrame or a pyarrow Table"
        )

    def register(self, name: str, frame: Any) -> str:
        self.session.register(name, frame)
        return '"' + name.replace('"', '""') + '"'

    def unregister(self, name: str) -> None:
        try:
            self.session.unregister(name)
        except Exception:
            pass

    def error_text(self, exc: BaseException) -> str:
        return "".join(traceback.format_exception_only(type(exc), exc)).rstrip("\n")
