"""The macro names dbt's block tags define, without Jinja (``parse.materializations``, which
every command imports, reads them; importing Jinja costs a tenth of a warm parse).

``{% test name %}`` defines ``test_<name>``, ``{% snapshot name %}`` a macro of
``SNAPSHOT_MACRO_PREFIX`` + name (never a user's macro name), and ``{% materialization name,
adapter %}`` ``materialization_<name>_<adapter>``, as dbt names it. The extensions that parse
the tags are in ``rendering.environment``.
"""

from __future__ import annotations

TEST_MACRO_PREFIX = "test_"
SNAPSHOT_MACRO_PREFIX = "__dbt_snapshot__"
MATERIALIZATION_MACRO_PREFIX = "materialization_"
