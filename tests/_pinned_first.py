"""A pytest plugin for mutation runs (scripts/mutation.sh): the tests/test_pinned_* tests run first.

mutmut hands pytest a mutant's covering tests as a set, in no particular order, and stops at the first failure
(-x): the pinned unit-level tests fail in milliseconds where a moto-backed test takes seconds, so running them
first is what keeps a killed mutant cheap. The order changes nothing else: every covering test of a surviving
mutant still runs.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.path.name.startswith("test_pinned_"))  # stable: the rest keep their order
