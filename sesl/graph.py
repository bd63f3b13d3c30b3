"""Apply along the dependency graph: each step starts as soon as the steps it depends on are done.

A step (sesl.reconcile.steps: one call of the plan) depends on
- the earlier steps of the same resource (an adoption before the updates it enables, a replace's parts),
- apply: the earlier steps of every kind its kind needs, directly or through what those need
  (`Kind.needs`, followed through the registry): a stream waits for its role, its table and its bucket;
- destroy, and a deletion in any plan: the earlier deletions of every kind that needs its kind, directly or
  not (a bucket waits for the stream writing into it), and, for a kind in `last`, every earlier deletion.
Only earlier steps count: the plan lists kinds in registry order, which a test checks against `needs`, so
the graph has no cycle and one step at a time runs exactly the plan's order.

Running (`run`): at most `parallelism` steps at once; the coordinating thread (the caller's) starts the
steps, in plan order among those ready, and is the only one that reports progress, so progress lines
never interleave. A failed step's dependents (transitively) are never started; independent steps go on.
`between` runs before each start (the lease check): when it raises, or on Ctrl-C, no step is started any
more and the running ones are waited for.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from sesl.errors import SeslError
from sesl.model import Action, Change

DEFAULT_PARALLELISM = 10  # as Terraform's -parallelism


def closure(needs: Mapping[str, Sequence[str]], name: str) -> frozenset[str]:
    """Every kind `name` needs, directly or through what those need."""
    seen: set[str] = set()
    todo = list(needs.get(name, ()))
    while todo:
        kind = todo.pop()
        if kind not in seen:
            seen.add(kind)
            todo.extend(needs.get(kind, ()))
    return frozenset(seen)


def dependencies(steps: Sequence[Sequence[Change]], needs: Mapping[str, Sequence[str]],
                 mode: str = "apply", last: Collection[str] = ()) -> list[frozenset[int]]:
    """For each step, the indexes of the earlier steps it waits for.

    A deletion follows destroy's order whatever the plan (an apply deletes the resources of a stream taken out
    of the config): it waits for the earlier deletions of what needs its kind, and a deletion of a kind in
    `last` for every earlier deletion. A deletion and a creation or update never wait for each other."""
    needed = {kind: closure(needs, kind) for kind in {s[0].kind for s in steps}}
    out: list[frozenset[int]] = []
    for i, step in enumerate(steps):
        mine = step[0]
        deleting = _deletes(mine, mode)
        waits: set[int] = set()
        for j in range(i):
            other = steps[j][0]
            if other.address == mine.address:
                waits.add(j)
            elif deleting != _deletes(other, mode):
                continue
            # deleting: wait for what needs this kind; else for what this kind needs
            elif (deleting and mine.kind in last) or (
                    mine.kind in needed[other.kind] if deleting else other.kind in needed[mine.kind]):
                waits.add(j)
        out.append(frozenset(waits))
    return out


def _deletes(change: Change, mode: str) -> bool:
    return mode == "destroy" or change.action is Action.DELETE


@dataclass
class Outcome:
    """What a run did, by step index (each list in plan order)."""

    done: list[int] = field(default_factory=list)
    failed: dict[int, BaseException] = field(default_factory=dict)
    not_started: list[int] = field(default_factory=list)
    stopped: SeslError | None = None  # what `between` raised
    interrupted: bool = False

    @property
    def complete(self) -> bool:
        return not (self.failed or self.not_started or self.stopped or self.interrupted)


@dataclass
class _Run:
    deps: Sequence[frozenset[int]]
    work: Callable[[int], None]
    parallelism: int
    between: Callable[[], None] | None
    on_start: Callable[[int], None]
    on_done: Callable[[int], None]
    outcome: Outcome = field(default_factory=Outcome)
    waiting: list[int] = field(default_factory=list)
    running: dict[Future[None], int] = field(default_factory=dict)

    def start_ready(self, pool: ThreadPoolExecutor) -> None:
        done = set(self.outcome.done)
        for i in list(self.waiting):
            if len(self.running) >= self.parallelism:
                return
            if not self.deps[i] <= done:
                continue
            if self.between is not None:
                try:
                    self.between()
                except SeslError as exc:
                    self.outcome.stopped = exc
                    return
            self.waiting.remove(i)
            self.on_start(i)
            self.running[pool.submit(self.work, i)] = i

    def collect(self) -> None:
        finished, _ = wait(list(self.running), return_when=FIRST_COMPLETED)
        for future in sorted(finished, key=lambda f: self.running[f]):
            i = self.running.pop(future)
            error = future.exception()
            if error is None:
                self.outcome.done.append(i)
                self.on_done(i)
            else:
                self.outcome.failed[i] = error

    def stopping(self) -> bool:
        return self.outcome.stopped is not None or self.outcome.interrupted


def run(deps: Sequence[frozenset[int]], work: Callable[[int], None], parallelism: int = DEFAULT_PARALLELISM,
        between: Callable[[], None] | None = None, on_start: Callable[[int], None] = lambda i: None,
        on_done: Callable[[int], None] = lambda i: None) -> Outcome:
    """Run `work(i)` for every step i along the graph `deps`; see the module's docstring."""
    if parallelism < 1:
        raise SeslError(f"parallelism must be at least 1, not {parallelism}")
    state = _Run(deps, work, parallelism, between, on_start, on_done, waiting=list(range(len(deps))))
    pool = ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="sesl-apply")
    try:
        while True:
            try:
                if not state.stopping():
                    state.start_ready(pool)
                if not state.running:
                    break
                state.collect()
            except KeyboardInterrupt:
                if state.outcome.interrupted:
                    raise  # a second Ctrl-C: stop waiting
                state.outcome.interrupted = True
    finally:
        pool.shutdown(wait=not state.running, cancel_futures=True)
    state.outcome.done.sort()
    finished = set(state.outcome.done) | set(state.outcome.failed)
    state.outcome.not_started = [i for i in range(len(deps)) if i not in finished]
    return state.outcome


def first_unexpected(outcome: Outcome) -> BaseException | None:
    """A failure that is not sesl's own (a bug): re-raised as it is, after the running steps finished."""
    return next((e for e in outcome.failed.values() if not isinstance(e, SeslError)), None)


def described(outcome: Outcome) -> str:
    """Why the run stopped: each failure's line, or the stop's."""
    lines = [str(outcome.failed[i]) for i in sorted(outcome.failed)]
    if outcome.stopped is not None:
        lines.append(str(outcome.stopped))
    if outcome.interrupted:
        lines.append("interrupted: no step was started after Ctrl-C and the running ones finished")
    return " | ".join(lines)
