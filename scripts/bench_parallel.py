"""Parallel apply and batched reads, with every AWS call behind a fixed latency.

Runs in the in-process sandbox, where each call made through sesl's clients first sleeps --latency
seconds (as a round trip to AWS would take), and prints:
(a) the first apply of dev from empty: wall time one change at a time (--parallelism 1) and at 10, against the
    critical path of the plan's dependency graph (sesl.graph): the longest chain of steps, each weighed by the
    calls it made (measured in the one-at-a-time run) x the latency, and by its measured time;
(b) a converged `diff` (reconcile.plan): AWS calls and wall time with batched reads (Kind.read_many), with one
    read per object (concurrently, as before batches), and with the same reads one by one;
(c) how the cost grows with envs and streams: two envs with five streams each (applied and diffed one env
    after the other, as `sesl apply --env` runs) against one env with the two default streams, in calls and
    wall time (first apply at --parallelism 10, then a converged `diff`).

Usage: python scripts/bench_parallel.py [--latency 0.05]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ["AWS_DEFAULT_REGION"] = "us-west-2"
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull

from moto import mock_aws

from sesl import graph, reconcile
from sesl.context import AwsContext
from sesl.model import Change
from sesl.resources.base import Env
from sesl.sandbox import install
from sesl.sandbox.server import seed_in_process
from sesl.spec import EnvSpec, StreamSettings, default_spec

FIVE_STREAMS = ("newsletter", "transactional", "marketing", "digest", "alerts")


def with_latency(seconds: float) -> None:
    """Every call through sesl's clients sleeps first, in the thread that makes it."""
    accounted = AwsContext._before_call

    def slow(self: AwsContext, model: Any, **kwargs: Any) -> None:
        accounted(self, model, **kwargs)
        time.sleep(seconds)

    AwsContext._before_call = slow  # type: ignore[method-assign]


@contextmanager
def empty_account() -> Iterator[AwsContext]:
    with mock_aws():
        seed_in_process()
        ctx = AwsContext(default_spec("dev"))
        ctx.allow_mutations()
        yield ctx


def spec_with(env: str, streams: Sequence[str]) -> EnvSpec:
    return replace(default_spec(env), streams=[StreamSettings(name=s) for s in streams])


def envs_and_streams(envs: Sequence[str], streams: Sequence[str]) -> dict[str, Any]:
    """First apply, then a converged diff, of each env in turn, in one empty account: calls and wall time summed."""
    specs = [spec_with(env, streams) for env in envs]
    with mock_aws():
        sets = [spec.names_for(spec.region, "0").configuration_set(f) for spec in specs for f in spec.flows]
        seed_in_process(envs=list(envs), sets=sets)
        applied = {"calls": 0, "wall_s": 0.0}
        diffed = {"calls": 0, "wall_s": 0.0}
        for spec in specs:
            ctx = AwsContext(spec)
            ctx.allow_mutations()
            started = time.perf_counter()
            reconcile.execute(ctx, reconcile.plan(ctx), parallelism=10)
            applied["wall_s"] += time.perf_counter() - started
            applied["calls"] += calls(ctx)
            ctx.log.clear()
            started = time.perf_counter()
            assert reconcile.plan(ctx).changes == ()
            diffed["wall_s"] += time.perf_counter() - started
            diffed["calls"] += calls(ctx)
    return {"envs": len(envs), "streams_per_env": len(streams), "first_apply": _rounded(applied),
            "converged_diff": _rounded(diffed)}


def _rounded(figures: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()}


def bench_growth() -> dict[str, Any]:
    small = envs_and_streams(["dev"], FIVE_STREAMS[:2])
    large = envs_and_streams(["dev", "staging"], FIVE_STREAMS)
    ratios = {f"{what}_{figure}_ratio": round(large[what][figure] / small[what][figure], 2)
              for what in ("first_apply", "converged_diff") for figure in ("calls", "wall_s")}
    return {"one_env_two_streams": small, "two_envs_five_streams": large, **ratios,
            "objects_ratio": round(_objects(["dev", "staging"], FIVE_STREAMS) / _objects(["dev"], FIVE_STREAMS[:2]),
                                   2)}


def _objects(envs: Sequence[str], streams: Sequence[str]) -> int:
    """Resources the envs want: what the calls should grow with."""
    total = 0
    for env in envs:
        spec = spec_with(env, streams)
        made = Env(spec, spec.names_for(spec.region, "123456789012"))
        total += len(reconcile.desired_objects(made, reconcile.KINDS.values()))
    return total


def calls(ctx: AwsContext) -> int:
    return sum(ctx.log.calls.values())


def first_apply(parallelism: int) -> dict[str, Any]:
    """Apply dev from empty; per step (in the one-at-a-time run) the calls it made and its time."""
    with empty_account() as ctx:
        the_plan = reconcile.plan(ctx)
        per_change: dict[tuple[str, str], tuple[int, float]] = {}
        marks: dict[tuple[str, str], tuple[int, float]] = {}

        def progress(change: Change, stage: str) -> None:
            key = (change.address, change.aspect)
            if stage == "start":
                marks[key] = (calls(ctx), time.perf_counter())
            else:
                n, t = marks[key]
                per_change[key] = (calls(ctx) - n, time.perf_counter() - t)

        ctx.log.clear()
        started = time.perf_counter()
        reconcile.execute(ctx, the_plan, progress, parallelism=parallelism)
        wall = time.perf_counter() - started
        return {"plan": the_plan, "wall": wall, "calls": calls(ctx), "per_change": per_change}


def critical_path(steps: Sequence[Sequence[Change]], weight: Callable[[Sequence[Change]], float]) -> float:
    deps = graph.dependencies(steps, {name: kind.needs for name, kind in reconcile.KINDS.items()})
    finish: list[float] = []
    for i, step in enumerate(steps):
        finish.append(max((finish[j] for j in deps[i]), default=0.0) + weight(step))
    return max(finish, default=0.0)


def bench_apply(latency: float) -> dict[str, Any]:
    alone = first_apply(1)
    together = first_apply(10)
    steps = reconcile.steps(list(alone["plan"].actionable))
    measured = alone["per_change"]

    def step_calls(step: Sequence[Change]) -> float:
        return float(measured[(step[0].address, step[0].aspect)][0])

    def step_time(step: Sequence[Change]) -> float:
        return float(measured[(step[0].address, step[0].aspect)][1])

    return {
        "steps": len(steps),
        "calls": alone["calls"],
        "wall_s_parallelism_1": round(alone["wall"], 2),
        "wall_s_parallelism_10": round(together["wall"], 2),
        "critical_path_s_calls_x_latency": round(critical_path(steps, step_calls) * latency, 2),
        "critical_path_s_measured_step_times": round(critical_path(steps, step_time), 2),
        "longest_chain_calls": int(critical_path(steps, step_calls)),
    }


def timed_calls(ctx: AwsContext, fn: Callable[[], Any], runs: int = 3) -> dict[str, Any]:
    """The calls of one run and the best wall time of `runs` (the machine's other load is noise)."""
    walls = []
    for _ in range(runs):
        ctx.log.clear()
        started = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - started)
    return {"calls": calls(ctx), "wall_s": round(min(walls), 2)}


@contextmanager
def one_read_per_object() -> Iterator[None]:
    """Planning as before batches: every kind read one object per task."""
    batching = {type(k) for k in reconcile.KINDS.values() if k.reads_in_batches}
    for cls in batching:
        cls.reads_in_batches = property(lambda self: False)  # type: ignore[assignment,method-assign]
    try:
        yield
    finally:
        for cls in batching:
            del cls.reads_in_batches


def bench_diff() -> dict[str, Any]:
    with empty_account() as ctx:
        reconcile.execute(ctx, reconcile.plan(ctx), parallelism=10)
        pairs = reconcile.desired_objects(reconcile.make_env(ctx), reconcile.KINDS.values())
        batched = timed_calls(ctx, lambda: reconcile.read_all(ctx, pairs))
        with one_read_per_object():
            per_object = timed_calls(ctx, lambda: reconcile.read_all(ctx, pairs))
            diff_per_object = timed_calls(ctx, lambda: reconcile.plan(ctx))
        diff_batched = timed_calls(ctx, lambda: reconcile.plan(ctx))
        one_by_one = timed_calls(ctx, lambda: [kind.read(ctx, want) for kind, want in pairs], runs=1)
        left = reconcile.plan(ctx).changes
    return {"objects": len(pairs), "converged": left == (),
            "diff_batched_reads": diff_batched, "diff_one_read_per_object": diff_per_object,
            "reads_batched": batched, "reads_one_per_object_concurrently": per_object,
            "reads_one_by_one": one_by_one}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds each AWS call waits first")
    args = parser.parse_args()
    install()
    reconcile.READ_BACK_WAITS = ()
    with_latency(args.latency)
    print(json.dumps({
        "latency_s": args.latency,
        "a_first_apply_from_empty": bench_apply(args.latency),
        "b_converged_diff": bench_diff(),
        "c_envs_and_streams": bench_growth(),
    }, indent=2))


if __name__ == "__main__":
    main()
