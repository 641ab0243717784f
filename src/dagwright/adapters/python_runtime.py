"""What a Python model needs of an engine: its ``PythonRuntime``, which a worker's connection
hands out (``python_runtime()``, an optional capability of the connection).

materialize/python_model.py runs ``model(dbt, session)`` with the runtime's ``session``,
``dbt.ref``/``dbt.source`` reading through ``read``, and writes what the model returned
by registering it (``register``) and selecting from it with the engine's SQL, so the table is
built and published by the engine's publishing strategy like a SQL model's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from dagwright.adapters.base import DatabaseError

T = TypeVar("T")


class PythonModelError(DatabaseError):
    """The model's code raised, or returned what cannot become a table: the node's own failure."""


class PythonRuntime(Protocol):
    #: the ``session`` argument of ``model(dbt, session)``
    session: Any
    #: True where a registered frame is itself a temporary relation the incremental SQL can
    #: read under the staged relation's name (Spark: a temporary view, as its SQL stages rows);
    #: False: the rows are copied into a temporary table (DuckDB)
    registers_staged: bool
    #: folders of the engine's client library: its frames are left out of a model's traceback
    #: (the model's own lines and the error's message are what the user acts on)
    library_folders: tuple[str, ...]

    def read(self, name: str) -> Any:
        """The rows of the relation rendered as ``name``, as the engine's frame (``dbt.ref``)."""
        ...

    def call(self, code: Callable[[], T]) -> T:
        """Run the model's code where a cancel of this connection reaches the queries it sends."""
        ...

    def frame(self, returned: Any) -> Any:
        """What the model returned, as a frame ``register`` takes; ``PythonModelError`` if it
        cannot be one."""
        ...

    def register(self, name: str, frame: Any) -> str:
        """Make ``frame`` readable by SQL as ``name``; returns how SQL names it."""
        ...

    def unregister(self, name: str) -> None: ...

    def error_text(self, exc: BaseException) -> str:
        """The last line of a traceback for ``exc``: its type and message, short."""
        ...
