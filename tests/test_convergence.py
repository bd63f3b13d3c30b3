"""Every kind converges through the CLI against the AWS-shaped sandbox (issue: converge on real AWS).

For each kind, with what it needs applied first: `apply` from empty exits 0 -> `diff` exits 0 -> a
second `apply` makes no mutating call (the env lock aside) -> `drift` exits 0. The sandbox's answers
are shaped the way AWS answers (docs/sandbox.md), so a kind whose diff compares what it sent with
what it reads back never gets past the second rung.
"""

from __future__ import annotations

import graphlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sesl.cli.main import cli
from sesl.context import AwsContext
from sesl.resources import REGISTRY, kind_named

LOCK_CALLS = {"ssm:PutParameter", "ssm:DeleteParameter"}


def _needed(kind: str) -> list[str]:
    """The kind and everything it needs, transitively, in dependency order."""
    wanted, todo = set(), [kind]
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo += list(kind_named(name).needs)
    graph = {k.kind: set(k.needs) & wanted for k in REGISTRY if k.kind in wanted}
    return list(graphlib.TopologicalSorter(graph).static_order())


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["--no-color", *args])


@pytest.fixture
def contexts(monkeypatch: pytest.MonkeyPatch) -> list[AwsContext]:
    """Every AwsContext the CLI makes, to read its call log afterwards."""
    made: list[AwsContext] = []
    original = AwsContext.__init__

    def record(self: AwsContext, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(AwsContext, "__init__", record)
    return made


@pytest.mark.parametrize("kind", [k.kind for k in REGISTRY])
def test_each_kind_converges_through_the_cli(aws: None, contexts: list[AwsContext], kind: str,
                                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no sesl.toml of the developer's
    targets = [arg for name in _needed(kind) for arg in ("--target", name)]
    first = _run("apply", "--env", "dev", "--yes", *targets)
    assert first.exit_code == 0, first.output
    clean = _run("diff", "--env", "dev", "--target", kind)
    assert clean.exit_code == 0, f"diff after apply is not clean:\n{clean.output}"
    again = _run("apply", "--env", "dev", "--yes", "--target", kind)
    assert again.exit_code == 0, again.output
    writes = [call for call in contexts[-1].log.mutating if call not in LOCK_CALLS]
    assert writes == [], f"a converged apply of {kind} wrote: {writes}"
    drift = _run("drift", "--env", "dev", "--target", kind)
    assert drift.exit_code == 0, f"drift after apply:\n{drift.output}"
