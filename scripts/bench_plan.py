"""How much the concurrent reads of planning save: one plan of a converged env with 1 reader vs 8.

Runs against a local sandbox server, applies the env once, then times `reconcile.plan` several times
in each mode and prints the medians and the ratio measured in this one run. On loopback a call takes
a few milliseconds of moto's CPU time, in the same process, so concurrency cannot help there; a real
AWS endpoint answers in tens of milliseconds of network round trip. `--latency-ms` adds that round
trip to every call (a sleep before sending, which frees the CPU as a network wait does), so the
figure shows what the pool saves against AWS.

    .venv/bin/python scripts/bench_plan.py [--rounds 5] [--latency-ms 40]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sesl import reconcile
from sesl.context import AwsContext
from sesl.sandbox import server
from sesl.spec import default_spec


def context(latency: float) -> AwsContext:
    ctx = AwsContext(default_spec("dev"))
    if latency:
        ctx.session.events.register("before-send", lambda **_: time.sleep(latency))
    return ctx


def time_plans(rounds: int, readers: int, latency: float) -> tuple[float, int]:
    reconcile.READ_CONCURRENCY = readers
    samples, calls = [], 0
    for _ in range(rounds):
        ctx = context(latency)
        _ = ctx.account  # identify once, outside the timing
        start = time.perf_counter()
        the_plan = reconcile.plan(ctx)
        samples.append(time.perf_counter() - start)
        assert not the_plan.has_changes, "the env should be converged"
        calls = sum(ctx.log.calls.values())
    return statistics.median(samples), calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--latency-ms", type=float, default=40.0, help="simulated round trip per call")
    args = parser.parse_args()
    with server.running() as endpoint, server.pointed_at(endpoint):
        ctx = AwsContext(default_spec("dev"))
        reconcile.execute(ctx, reconcile.plan(ctx))
        for latency in (0.0, args.latency_ms / 1000):
            sequential, calls = time_plans(args.rounds, 1, latency)
            concurrent, _ = time_plans(args.rounds, 8, latency)
            print(f"plan of a converged dev env, {calls} AWS calls, {latency * 1000:.0f} ms added per call:")
            print(f"  1 reader : {sequential * 1000:8.1f} ms (median of {args.rounds})")
            print(f"  8 readers: {concurrent * 1000:8.1f} ms (median of {args.rounds})")
            print(f"  speed-up : {sequential / concurrent:8.2f}x")


if __name__ == "__main__":
    main()
