"""What a kind of target (a profile output's ``type:``) may add to what every target has.

Every target has ``type``, ``threads``, ``schema`` and ``database`` (``project.profile`` reads
them, and whatever the type takes ``schema`` from ``dataset`` and ``database`` from ``dbname``
when they are not set). A ``ProfileType`` adds one engine's rules: aliases of its own,
defaults, and checks of its keys while the profile loads. A type without rules of its own gets
the defaults here: the schema is required.

The keys an engine needs to connect are checked by its adapter when it is created
(``adapters/<engine>.py``): parse and ls never connect, so a target they do not use may lack them.
"""

from __future__ import annotations

from typing import Any, Protocol

from dagwright.errors import ProfileError


class TargetProblems(Protocol):
    """How a type reports a problem in the target being loaded: ``where`` names it
    ("target 'dev' of profile 'jaffle'"); ``error`` points at one of its keys (or at the
    target); ``ignored`` notes what the target sets that changes no outcome but is not used
    (an item of the command's "ignored: ..." warning line: key names, never values);
    ``shown`` is a value as an error may print it (masked when it is a secret)."""

    where: str

    def error(self, message: str, key: str | None = None, hint: str | None = None) -> ProfileError: ...

    def ignored(self, item: str) -> None: ...

    def shown(self, key: str, value: Any) -> str: ...


class CommonFields:
    """The target's ``schema`` and ``database`` as read so far (None: not set); a type may fill them in."""

    __slots__ = ("database", "schema")

    def __init__(self, schema: Any, database: Any) -> None:
        self.schema = schema
        self.database = database


class ProfileType:
    """One type's rules (these defaults: a type without rules of its own)."""

    #: keys read as ``database`` when the target sets neither it nor ``dbname``, in order
    database_aliases: tuple[str, ...] = ()

    def complete(self, values: dict[str, Any], fields: CommonFields, problems: TargetProblems) -> None:
        """Fill in the type's defaults and check its keys; ``values`` are the target's own keys
        (its credentials), which may be changed here."""
        if fields.schema is None:
            raise problems.error(
                f"{problems.where} has no `schema`", hint="add `schema:` naming the schema models are built in"
            )
