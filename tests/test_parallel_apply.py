"""Parallel apply along the dependency graph: the same end state as one change at a time, no step before
what it needs is done, a failure stops only its dependents, and the report stays in plan order."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner
from moto import mock_aws

from sesl import graph, reconcile
from sesl.cli.main import cli
from sesl.context import AwsContext, is_read
from sesl.errors import ApplyError, AwsCallError, LockError
from sesl.model import Action, Change, Plan
from sesl.resources.base import Env, Kind
from sesl.sandbox.server import seed_in_process
from sesl.spec import default_spec

# -- a fake graph: a <- b <- c (c needs b needs a), and d needing nothing -----------------------------------------


@dataclass(frozen=True)
class Item:
    name: str
    owned: bool = True


class Journal:
    """What the fake kinds did, in the order it happened, across threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: list[tuple[str, str]] = []
        self.fail: set[str] = set()
        self.barrier: threading.Barrier | None = None  # addresses in `meet` wait here for each other
        self.meet: set[str] = set()

    def note(self, event: str, address: str) -> None:
        with self.lock:
            self.events.append((event, address))

    def position(self, event: str, address: str) -> int:
        return self.events.index((event, address))


class Fake(Kind[Item, Item]):
    journal: ClassVar[Journal] = Journal()
    CREATE = DELETE = ()

    def desired(self, env: Env) -> list[Item]:
        return []

    def read(self, ctx: AwsContext, want: Item) -> Item | None:
        return None

    def diff(self, have: Item, want: Item) -> list[Change]:
        return []

    def create(self, ctx: AwsContext, want: Item) -> None:
        self.work(f"{self.kind}.{want.name}")

    def delete(self, ctx: AwsContext, have: Item) -> None:
        self.work(f"{self.kind}.{have.name}")

    def work(self, address: str) -> None:
        self.journal.note("start", address)
        if address in self.journal.meet and self.journal.barrier is not None:
            self.journal.barrier.wait()  # proves these run at the same time: alone, it would time out
        if address in self.journal.fail:
            raise AwsCallError(f"{address}: CreateThing failed: LimitExceeded: too many")
        self.journal.note("end", address)


def fake(name: str, needs: tuple[str, ...]) -> type[Fake]:
    return type(f"Fake_{name}", (Fake,), {"kind": name, "needs": needs})


NEEDS = {"fa": (), "fb": ("fa",), "fc": ("fb",), "fd": ()}


@pytest.fixture
def journal(monkeypatch: pytest.MonkeyPatch) -> Iterator[Journal]:
    record = Journal()
    monkeypatch.setattr(Fake, "journal", record)
    for name, needs in NEEDS.items():
        monkeypatch.setitem(reconcile.KINDS, name, fake(name, needs)())
    yield record


class OpenCtx:
    """What execute needs of a context, without AWS: the write gate and the per-thread declared operations."""

    def __init__(self) -> None:
        self.real = AwsContext(default_spec("dev"), session=object())
        self.spec = self.real.spec

    def allow_mutations(self) -> None: ...

    def only(self, operations: frozenset[str], what: str) -> Any:
        return self.real.only(operations, what)


def change(address: str, action: Action = Action.CREATE) -> Change:
    kind, name = address.split(".")
    item = Item(name)
    return Change(kind, name, action, "resource", want=item, have=item, call=action.value)


APPLY = ["fa.1", "fa.2", "fb.1", "fc.1", "fd.1"]  # plan order: registry order, then desired order


def plan_of(addresses: list[str], mode: str = "apply") -> Plan:
    action = Action.DELETE if mode == "destroy" else Action.CREATE
    return Plan("dev", "123456789012", "us-west-2", tuple(change(a, action) for a in addresses), mode=mode)


def execute(the_plan: Plan, parallelism: int, **kwargs: Any) -> reconcile.ApplyReport:
    return reconcile.execute(OpenCtx(), the_plan, parallelism=parallelism, **kwargs)  # type: ignore[arg-type]


def test_a_step_waits_for_the_kinds_it_needs_transitively_and_its_own_earlier_steps() -> None:
    planned = [[change(a)] for a in APPLY] + [[change("fa.1", Action.UPDATE)]]
    assert graph.dependencies(planned, NEEDS) == [
        frozenset(), frozenset(), frozenset({0, 1}), frozenset({0, 1, 2}), frozenset(), frozenset({0})]


def test_destroy_waits_for_every_kind_that_needs_its_kind() -> None:
    order = ["fd.1", "fc.1", "fb.1", "fa.1", "fa.2"]  # destroy lists the registry backwards
    planned = [[change(a, Action.DELETE)] for a in order]
    assert graph.dependencies(planned, NEEDS, "destroy") == [
        frozenset(), frozenset(), frozenset({1}), frozenset({1, 2}), frozenset({1, 2})]


def test_no_step_starts_before_what_it_needs_has_finished(journal: Journal) -> None:
    journal.meet, journal.barrier = {"fa.1", "fa.2", "fd.1"}, threading.Barrier(3, timeout=5)
    report = execute(plan_of(APPLY), parallelism=10)
    deps = {"fb.1": ["fa.1", "fa.2"], "fc.1": ["fa.1", "fa.2", "fb.1"]}
    for address, needed in deps.items():
        for before in needed:
            assert journal.position("end", before) < journal.position("start", address), (address, before)
    # The three independent steps ran at once (the barrier let them through together); the report is in plan order.
    assert [c.address for c in report.done] == APPLY


def test_one_at_a_time_is_the_plan_order(journal: Journal) -> None:
    execute(plan_of(APPLY), parallelism=1)
    assert journal.events == [(e, a) for a in APPLY for e in ("start", "end")]


def test_destroy_in_parallel_deletes_dependents_first(journal: Journal) -> None:
    order = ["fd.1", "fc.1", "fb.1", "fa.1", "fa.2"]
    execute(plan_of(order, "destroy"), parallelism=10)
    assert journal.position("end", "fc.1") < journal.position("start", "fb.1")
    for base in ("fa.1", "fa.2"):
        assert journal.position("end", "fb.1") < journal.position("start", base)


def test_a_failure_stops_its_dependents_and_lets_independent_steps_finish(journal: Journal) -> None:
    journal.fail = {"fa.2"}
    with pytest.raises(ApplyError) as info:
        execute(plan_of(APPLY), parallelism=10)
    assert str(info.value) == (
        "fa.2: CreateThing failed: LimitExceeded: too many -- applied 2 of 5 change(s): + fa.1 (resource), "
        "+ fd.1 (resource); failed: + fa.2 (resource); not started: + fb.1 (resource), + fc.1 (resource); "
        "fix the cause and run the command again to finish")
    assert ("start", "fb.1") not in journal.events and ("start", "fc.1") not in journal.events


def test_two_failures_are_both_said_one_line_each(journal: Journal) -> None:
    journal.fail = {"fa.1", "fd.1"}
    with pytest.raises(ApplyError, match=r"^fa\.1: CreateThing failed: LimitExceeded: too many \| fd\.1: CreateThing "
                                         r"failed: LimitExceeded: too many -- applied 1 of 5 change\(s\): \+ fa\.2 "
                                         r"\(resource\); failed: \+ fa\.1 \(resource\), \+ fd\.1 \(resource\); "
                                         r"not started: \+ fb\.1 \(resource\), \+ fc\.1 \(resource\);"):
        execute(plan_of(APPLY), parallelism=1)


def test_the_lease_check_runs_before_each_start_and_a_lost_lease_starts_nothing_more(journal: Journal) -> None:
    checks: list[int] = []

    def between() -> None:
        checks.append(1)
        if len(checks) == 3:
            raise LockError("env dev's lock is now held by someone else")

    with pytest.raises(ApplyError) as info:
        execute(plan_of(APPLY), parallelism=1, between=between)
    assert len(checks) == 3
    assert str(info.value).startswith("env dev's lock is now held by someone else -- applied 2 of 5 change(s)")
    assert [a for e, a in journal.events if e == "start"] == ["fa.1", "fa.2"]


def test_ctrl_c_starts_nothing_more_waits_for_the_running_and_reports(journal: Journal) -> None:
    calls: list[int] = []

    def between() -> None:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(ApplyError) as info:
        execute(plan_of(APPLY), parallelism=1, between=between)
    assert info.value.exit_code == 130
    assert str(info.value).startswith("interrupted: no step was started after Ctrl-C and the running ones finished "
                                      "-- applied 1 of 5 change(s): + fa.1 (resource); not started: + fa.2")


def test_progress_comes_from_one_thread_start_before_done(journal: Journal) -> None:
    seen: list[tuple[str, str, int]] = []
    execute(plan_of(APPLY), parallelism=10,
            progress=lambda c, stage: seen.append((stage, c.address, threading.get_ident())))
    assert {t for _, _, t in seen} == {threading.get_ident()}
    for address in APPLY:
        assert seen.index(("start", address, threading.get_ident())) < seen.index(
            ("done", address, threading.get_ident()))
    assert len(seen) == 2 * len(APPLY)


def test_each_worker_allows_only_its_own_step_operations() -> None:
    ctx = AwsContext(default_spec("dev"), session=object())
    seen: dict[str, frozenset[str] | None] = {}
    barrier = threading.Barrier(2, timeout=5)

    def work(i: int) -> None:
        with ctx.only(frozenset({f"svc:Op{i}"}), f"step {i}"):
            barrier.wait()  # both inside their own block at once
            seen[str(i)] = ctx._declared.operations

    graph.run([frozenset(), frozenset()], work, parallelism=2)
    assert seen == {"0": frozenset({"svc:Op0"}), "1": frozenset({"svc:Op1"})}


def test_parallelism_below_one_is_refused() -> None:
    with pytest.raises(Exception, match="parallelism must be at least 1, not 0"):
        graph.run([frozenset()], lambda i: None, parallelism=0)


# -- the same end state in the sandbox -------------------------------------------------------------------------------

# Chains (bucket -> role -> stream, database -> table -> stream) and independent branches (log group, topic ->
# alarms); the whole env converges the same way in test_chaos and test_convergence, through the CLI's default of 10.
GRAPH = ("s3_bucket", "iam_role", "glue_database", "glue_table", "log_group", "firehose_stream", "sns_topic",
         "cloudwatch_alarm")


def converge_from_empty(parallelism: int) -> tuple[list[str], Counter[str]]:
    """Apply dev from an empty account; the addresses that exist after, and the mutating calls made."""
    options = reconcile.PlanOptions(targets=GRAPH)
    with mock_aws():
        seed_in_process()
        ctx = AwsContext(default_spec("dev"))
        first = reconcile.plan(ctx, options)
        assert len(first.actionable) > 15, "the account is not empty"
        ctx.log.clear()
        reconcile.execute(ctx, first, parallelism=parallelism)
        writes = Counter({k: v for k, v in ctx.log.calls.items() if not is_read(k.split(":", 1)[1])})
        assert reconcile.plan(ctx, options).changes == ()
        pairs = reconcile.desired_objects(reconcile.make_env(ctx), reconcile.selected_kinds(GRAPH))
        present = [f"{k.kind}.{w.name}" for (k, w), have in zip(pairs, reconcile.read_all(ctx, pairs), strict=True)
                   if have is not None]
    return present, writes


def test_parallel_apply_converges_to_the_same_state_as_one_at_a_time() -> None:
    alone, alone_writes = converge_from_empty(1)
    together, together_writes = converge_from_empty(10)
    assert together == alone
    assert together_writes == alone_writes
    assert len(alone) == len(reconcile.desired_objects(_offline_env(), reconcile.selected_kinds(GRAPH)))


def _offline_env() -> Env:
    spec = default_spec("dev")
    return Env(spec, spec.names_for("us-west-2", "123456789012"))


# -- the CLI ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["0", "-1", "many"])
def test_a_bad_parallelism_is_a_usage_error_that_exits_1(value: str) -> None:
    result = CliRunner().invoke(cli, ["apply", "--env", "dev", "--yes", "--parallelism", value])
    assert result.exit_code == 1
    assert "--parallelism" in result.output


def test_apply_and_destroy_take_parallelism(aws: None) -> None:
    runner = CliRunner()
    applied = runner.invoke(cli, ["apply", "--env", "dev", "--yes", "--parallelism", "4", "--target", "s3_bucket"])
    assert applied.exit_code == 0, applied.output
    assert applied.output.count("✓ + s3_bucket.") == 2 and applied.output.count("… + s3_bucket.") == 2
    destroyed = runner.invoke(cli, ["destroy", "--env", "dev", "--yes", "--parallelism", "1", "--target", "s3_bucket"])
    assert destroyed.exit_code == 0, destroyed.output
    assert destroyed.output.count("✓ - s3_bucket.") == 2
