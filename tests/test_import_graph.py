"""The command line and the demo import one way: sesl.cli.main imports the command modules, they and the
demo never import main back, and the demo does not import the command line at all. Every import counts,
inside functions and under TYPE_CHECKING too, since any of them can run when the other module loads."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import sesl

ROOT = Path(sesl.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in ROOT.rglob("*.py")}


def _resolve(name: str) -> str | None:
    """The sesl module `name` loads: itself, or the package it is a name in."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imported(module: str) -> Iterator[str]:
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            target = _resolve(name) if name.split(".")[0] == "sesl" else None
            if target and target != module:
                yield target


GRAPH = {module: set(imported(module)) for module in MODULES}


def cycle_through(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """A chain of imports from `start` back to `start`, or None (depth-first search)."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def guarded() -> list[str]:
    return sorted(m for m in MODULES if m.startswith("sesl.cli") or m == "sesl.demo")


def test_the_graph_sees_imports_in_functions_and_relative_ones() -> None:
    # main registers the command modules inside a function; the demo command loads the demo in one.
    assert {"sesl.cli.plan_cmds", "sesl.cli.sandbox_cmds", "sesl.cli.globals"} <= GRAPH["sesl.cli.main"]
    assert "sesl.demo" in GRAPH["sesl.cli.sandbox_cmds"]
    assert "sesl.cli.main" in GRAPH["sesl.__main__"]


def test_the_search_finds_a_cycle_when_there_is_one() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert cycle_through("a", graph) == ["a", "b", "c", "a"]
    assert cycle_through("d", graph) is None


def test_no_import_cycle_runs_through_the_cli_or_the_demo() -> None:
    assert "sesl.cli.main" in guarded() and "sesl.demo" in guarded()
    cycles = {m: cycle_through(m, GRAPH) for m in guarded()}
    assert {m: c for m, c in cycles.items() if c} == {}


def test_only_the_entry_points_import_main_and_the_demo_imports_no_cli() -> None:
    importers = sorted(m for m, targets in GRAPH.items() if "sesl.cli.main" in targets)
    assert importers == ["sesl.__main__"]
    assert sorted(t for t in GRAPH["sesl.demo"] if t.startswith("sesl.cli")) == []
