"""``config`` as a template sees it: ``config(...)`` in a model (recorded by the caller), and
``config.get`` / ``config.require`` / ``config.set`` over the node's resolved config."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dagwright.errors import CompilationError


class ConfigObject:
    """``config(...)`` in a model, plus ``config.get`` / ``config.require``."""

    def __init__(self, values: Mapping[str, Any], on_call: Callable[[dict[str, Any]], None] | None) -> None:
        self._values = values
        self._on_call = on_call

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        values: dict[str, Any] = {}
        for arg in args:
            if isinstance(arg, Mapping):
                values.update(arg)
        values.update(kwargs)
        if self._on_call is not None:
            self._on_call(values)
        return ""

    def get(self, key: str, default: Any = None, validator: Any = None) -> Any:
        value = self._values.get(key)
        return default if value is None else value

    def require(self, key: str, validator: Any = None) -> Any:
        if key not in self._values or self._values[key] is None:
            raise CompilationError(f"config '{key}' is required but was not set")
        return self._values[key]

    def set(self, key: str, value: Any) -> str:
        if self._on_call is not None:
            self._on_call({key: value})
        return ""

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        return self._values.get(key)
