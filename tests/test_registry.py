"""The registry's order respects every kind's declared needs; kinds are unique and complete."""

from __future__ import annotations

import graphlib

from sesl.resources import REGISTRY


def test_registry_order_is_a_topological_order_of_needs() -> None:
    position = {k.kind: i for i, k in enumerate(REGISTRY)}
    sorter = graphlib.TopologicalSorter({k.kind: set(k.needs) for k in REGISTRY})
    sorter.prepare()  # raises CycleError on a dependency cycle
    for kind in REGISTRY:
        for need in kind.needs:
            assert need in position, f"{kind.kind} needs {need}, which is not registered"
            assert position[need] < position[kind.kind], f"{kind.kind} is registered before its need {need}"


def test_kind_names_are_unique() -> None:
    names = [k.kind for k in REGISTRY]
    assert len(names) == len(set(names))
