"""dbt's helpers in every template's context: ``modules``, ``exceptions``, ``tojson``/``fromjson``,
``toyaml``/``fromyaml`` and ``try_or_compiler_error``."""

from __future__ import annotations

import datetime as _dt
import itertools
import json
import logging
import re
from collections.abc import Callable
from typing import Any

import yaml

from dagwright.errors import CompilationError
from dagwright.project.warn_error import WarnErrorPolicy

log = logging.getLogger("dagwright")


class Exceptions:
    """dbt's ``exceptions`` namespace. Errors carry no line: ``render_error`` finds the line of
    the model the failing call came from (and the macro file, when raised in a macro)."""

    @staticmethod
    def raise_compiler_error(message: Any, node: Any = None) -> None:
        raise CompilationError(str(message))

    @staticmethod
    def raise_not_implemented(message: Any) -> None:
        raise CompilationError(str(message))

    @staticmethod
    def raise_fail_fast_error(message: Any, node: Any = None) -> None:
        raise CompilationError(str(message))

    @staticmethod
    def raise_contract_error(yaml_columns: Any, sql_columns: Any) -> None:
        raise CompilationError(f"contract error: yaml columns {yaml_columns}, sql columns {sql_columns}")

    @staticmethod
    def column_type_missing(column_names: Any) -> None:
        raise CompilationError(f"data types are missing for columns: {column_names}")

    @staticmethod
    def relation_wrong_type(relation: Any, expected_type: str, model: Any = None) -> None:
        raise CompilationError(
            f"Trying to create {expected_type} {relation}, "
            f"but it currently exists as a {getattr(relation, 'type', None)}."
        )

    @staticmethod
    def missing_relation(relation: Any, model: Any = None) -> None:
        raise CompilationError(f"Relation {relation} not found!")

    @staticmethod
    def warn(message: Any, node: Any = None) -> str:
        log.warning(str(message))
        return ""


class _PromotedWarnings(Exceptions):
    """``exceptions`` where ``warn`` follows --warn-error (dbt's event JinjaLogWarning)."""

    policy: WarnErrorPolicy

    @classmethod
    def warn(cls, message: Any, node: Any = None) -> str:  # type: ignore[override]
        if cls.policy.errors("JinjaLogWarning"):
            raise CompilationError(str(message))
        if not cls.policy.silenced("JinjaLogWarning"):
            log.warning(str(message))
        return ""


def exceptions_for(policy: WarnErrorPolicy | None) -> type[Exceptions]:
    """The ``exceptions`` namespace of a command with this --warn-error policy."""
    if policy is None or not (policy.errors("JinjaLogWarning") or policy.silenced("JinjaLogWarning")):
        return Exceptions
    return type("Exceptions", (_PromotedWarnings,), {"policy": policy})


class Modules:
    datetime = _dt
    re = re
    itertools = itertools
    json = json

    class pytz:
        utc = _dt.timezone.utc


def tojson(value: Any, default: Any = None, sort_keys: bool = False) -> Any:
    try:
        return json.dumps(value, sort_keys=sort_keys)
    except (TypeError, ValueError):
        return default


def fromjson(value: str, default: Any = None) -> Any:
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return default


def fromyaml(value: str, default: Any = None) -> Any:
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError:
        return default


def toyaml(value: Any, default: Any = None, sort_keys: bool = False) -> Any:
    try:
        return yaml.safe_dump(value, sort_keys=sort_keys)
    except yaml.YAMLError:
        return default


def try_or_compiler_error(message_if_exception: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return func(*args, **kwargs)
    except Exception:
        raise CompilationError(str(message_if_exception)) from None
