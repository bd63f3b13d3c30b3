"""The test suite's own speed: runs it once as CI does (pytest -n 2) and prints where the time goes.

Prints the wall time and the CPU time of the run (the CPU time is steadier on a shared machine), the test
count and outcome, the 10 slowest tests (setup + call + teardown, each test's own fixtures included), and the
10 test files that take longest in total. The slowest single test bounds the wall time on 2 workers.

Usage: python scripts/bench_suite.py [--workers 2] [--top 10] [--log FILE] [-- extra pytest arguments, e.g. a file]
"""

from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DURATION = re.compile(r"^\s*(?P<seconds>\d+(?:\.\d+)?)s (?P<phase>setup|call|teardown)\s+(?P<test>\S+)")
SUMMARY = re.compile(r"^=*\s*(?P<text>\d+ (?:passed|failed|error).*?) in [\d.]+s")


def parse_durations(lines: Sequence[str]) -> dict[str, float]:
    """Seconds per test id, its setup, call and teardown added up."""
    per_test: dict[str, float] = defaultdict(float)
    for line in lines:
        match = DURATION.match(line)
        if match:
            per_test[match.group("test")] += float(match.group("seconds"))
    return dict(per_test)


def per_file(per_test: dict[str, float]) -> dict[str, float]:
    files: dict[str, float] = defaultdict(float)
    for test, seconds in per_test.items():
        files[test.split("::", 1)[0]] += seconds
    return dict(files)


def summary(lines: Sequence[str]) -> str:
    return next((m.group("text") for m in map(SUMMARY.match, reversed(lines)) if m), "no summary line")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", default="2", help="pytest-xdist workers (-n); 0 runs in this process")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--log", type=Path, help="also write pytest's whole output to this file")
    parser.add_argument("pytest_args", nargs="*", help="passed on to pytest (after --)")
    args = parser.parse_args(argv)
    # pyproject.toml's addopts hold -q: a second -q would drop the summary line this reads.
    distribute = ["--dist", "worksteal"] if args.workers != "0" else []  # as scripts/test.sh
    command = [sys.executable, "-m", "pytest", "-n", args.workers, *distribute, "-p", "no:cacheprovider",
               "--durations=0", "--durations-min=0", *args.pytest_args]
    print("$", " ".join(command[1:]), flush=True)
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = done.stdout.splitlines()
    if args.log:
        args.log.write_text(done.stdout + done.stderr, encoding="utf-8")
    per_test = parse_durations(lines)
    print(f"wall time: {wall:.1f} s   CPU time (user + system, all workers): {usage.ru_utime + usage.ru_stime:.1f} s")
    print(f"result: {summary(lines)} (exit {done.returncode}); summed test time {sum(per_test.values()):.1f} s")
    print(f"\n{args.top} slowest tests (setup + call + teardown):")
    for test, seconds in sorted(per_test.items(), key=lambda kv: -kv[1])[:args.top]:
        print(f"  {seconds:7.2f} s  {test}")
    print(f"\n{args.top} slowest files (their tests added up):")
    for path, seconds in sorted(per_file(per_test).items(), key=lambda kv: -kv[1])[:args.top]:
        print(f"  {seconds:7.2f} s  {path}")
    if done.returncode not in (0, 5):
        print("\n" + "\n".join(lines[-40:]) + done.stderr[-2000:], file=sys.stderr)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
