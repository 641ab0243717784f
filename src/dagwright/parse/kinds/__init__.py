"""The kinds of resources a project holds, each parsed by a module of this package, and the
registry of them: ``RESOURCE_KINDS``, in the order dbt parses them (which decides which of
two clashing resources an error names first).

A new kind (unit tests, functions...) is a module with a ``ResourceKind``
(``parse.kinds.base``), added here.
"""

from __future__ import annotations

from dagwright.parse.kinds.analyses import ANALYSES
from dagwright.parse.kinds.base import ResourceKind
from dagwright.parse.kinds.data_tests import DATA_TESTS
from dagwright.parse.kinds.exposures import EXPOSURES
from dagwright.parse.kinds.functions import FUNCTIONS
from dagwright.parse.kinds.groups import GROUPS
from dagwright.parse.kinds.models import MODELS
from dagwright.parse.kinds.python_models import PYTHON_MODELS
from dagwright.parse.kinds.seeds import SEEDS
from dagwright.parse.kinds.semantic import SEMANTIC
from dagwright.parse.kinds.snapshots import SNAPSHOTS
from dagwright.parse.kinds.sources import SOURCES
from dagwright.parse.kinds.unit_tests import UNIT_TESTS

RESOURCE_KINDS: tuple[ResourceKind, ...] = (
    GROUPS,
    EXPOSURES,
    SEEDS,
    FUNCTIONS,
    MODELS,
    PYTHON_MODELS,
    SNAPSHOTS,
    SOURCES,
    ANALYSES,
    DATA_TESTS,
    SEMANTIC,
    UNIT_TESTS,
)
