"""Python models on Spark (``method: session`` and ``method: connect``).

The session is the run's SparkSession (a Spark Connect session over Connect), ``dbt.ref`` and
``dbt.source`` return ``session.table(...)``, and the model returns a Spark DataFrame (a
pandas DataFrame, or a pandas-on-Spark one, is turned into one). The returned DataFrame is
registered as a temporary view, which the engine's SQL then reads: ``create table
<name>__dbt_tmp ... as select * from`` it (a table, published by the rename swap), or, for an
incremental run, the view is the staged relation itself (``<name>__dbt_tmp``, as Spark's SQL
incrementals stage rows) and the strategy's ``insert``/``merge`` is the publish.

The model's code runs under the worker's job group (classic) or tag (Connect), as a SQL
statement does (spark_connection.py), so a stop cancels the Spark jobs it starts; Python
between two Spark calls runs on until the next one.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from dagwright.adapters.python_runtime import PythonModelError

T = TypeVar("T")


def _library_folders() -> tuple[str, ...]:
    import importlib.util
    import os

    import pyspark

    folders = [os.path.dirname(pyspark.__file__) + os.sep]
    # py4j comes with classic PySpark only (a Connect-only client has none): found, not imported
    spec = importlib.util.find_spec("py4j")
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        folders.append(location + os.sep)
    return tuple(folders)


class SparkPythonRuntime:
    registers_staged = True

    def __init__(
        self,
        session: Any,
        statement_scope: Callable[[], AbstractContextManager[None]],
        describe: Callable[[BaseException], str],
    ) -> None:
        self.session = session
        self.library_folders = _library_folders()
        #: the worker connection's job group (tag) for the model's code
        self._scope = statement_scope
        #: a Spark error's short message, secrets scrubbed
        self._describe = describe

    def read(self, name: str) -> Any:
        return self.session.table(name)

    def call(self, code: Callable[[], T]) -> T:
        with self._scope():
            return code()

    def frame(self, returned: Any) -> Any:
        from pyspark.sql import DataFrame

        if isinstance(returned, DataFrame):
            return returned
        module = type(returned).__module__
        if module.startswith("pyspark.pandas"):
            return returned.to_spark()
        if module.split(".")[0] == "pandas" and type(returned).__name__ == "DataFrame":
            return self.session.createDataFrame(returned)
        raise PythonModelError(
            f"Python model returned {type(returned).__name__}: return a Spark DataFrame (or a pandas DataFrame)"
        )

    def register(self, name: str, frame: Any) -> str:
        frame.createOrReplaceTempView(name)
        return "`" + name.replace("`", "``") + "`"

    def unregister(self, name: str) -> None:
        try:
            self.session.catalog.dropTempView(name)
        except Exception:
            pass

    def error_text(self, exc: BaseException) -> str:
        return f"{type(exc).__name__}: {self._describe(exc)}"
