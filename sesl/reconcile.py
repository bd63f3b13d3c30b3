"""plan / apply / destroy over the registry, in dependency order.

Planning reads the live state (read-only calls, independent reads concurrently) and diffs it
against the desired state; the resulting Plan is deterministic (registry order, then desired
order). Each change carries exactly what apply writes and the AWS operations it calls, from the
kind's declared aspects (sesl.resources.base.Aspect):
- an ignored difference is folded into what is written (its live value), so no apply reverts it; when
  it cannot be kept, the change that would overwrite it is refused at plan time;
- the aspects a kind writes with one whole-resource call are written by one call per resource;
- what AWS cannot change in place is refused at plan time, with the reason and the way out.
Apply executes a Plan step by step along its dependency graph (sesl.graph), several steps at once, allowing
each step only its declared operations; a failure stops what depends on it and says what was applied, what
failed and what was not started. Nothing is remembered between runs: re-running after any failure
converges.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import botocore.exceptions

from sesl import aws_errors, graph, model_check, retired
from sesl.context import AwsContext
from sesl.errors import ApplyError, AwsCallError, RefusedError, SeslError, ValidationError
from sesl.fold import FoldError
from sesl.ignore import apply_ignore_rules
from sesl.model import Action, Change, DestroyOptions, Plan
from sesl.resources import REGISTRY
from sesl.resources.base import Env, Kind
from sesl.ui import reporter

READ_CONCURRENCY = 8
EXIT_INTERRUPTED = 130  # as the shell's, for SIGINT (sesl.cli.main)

Progress = Callable[[Change, str], None]


@dataclass(frozen=True)
class PlanOptions:
    adopt: bool = False
    allow_replace: bool = False
    targets: tuple[str, ...] = ()
    destroy: DestroyOptions = field(default_factory=DestroyOptions)


def describe_client_error(address: str, exc: botocore.exceptions.ClientError) -> str:
    code, message = aws_errors.error_code(exc) or "?", aws_errors.error_message(exc)
    hint = ""
    if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
        hint = "; grant the caller this permission (see docs/iam.md) or use another profile"
    elif code in ("ExpiredToken", "ExpiredTokenException", "RequestExpired"):
        hint = "; the credentials expired: refresh them (e.g. `aws sso login`)"
    elif code in ("InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch"):
        hint = "; the credentials are not valid for this account/endpoint"
    return f"{address}: {exc.operation_name} failed: {code}: {message}{hint}"


def aws_call(address: str, fn: Callable[[], Any]) -> Any:
    """Run one resource's AWS work, turning botocore failures into one actionable line."""
    try:
        return fn()
    except botocore.exceptions.ClientError as exc:
        raise AwsCallError(describe_client_error(address, exc)) from exc
    except botocore.exceptions.NoCredentialsError as exc:
        raise SeslError(aws_errors.NO_CREDENTIALS) from exc
    except botocore.exceptions.EndpointConnectionError as exc:
        # The same line as the start-of-run check gives (sesl.aws_errors), met mid-run.
        raise AwsCallError(f"{address}: {aws_errors.unreachable(exc.kwargs.get('endpoint_url'))}") from None
    except botocore.exceptions.BotoCoreError as exc:
        raise AwsCallError(f"{address}: {exc}") from exc


def make_env(ctx: AwsContext) -> Env:
    return Env(ctx.spec, ctx.names)


def selected_kinds(targets: Sequence[str]) -> list[Kind[Any, Any]]:
    if not targets:
        return list(REGISTRY)
    known = {k.kind for k in REGISTRY}
    unknown = sorted({t.split(".", 1)[0] for t in targets} - known)
    if unknown:
        raise SeslError(f"unknown --target kind(s) {', '.join(unknown)}: known kinds are {', '.join(sorted(known))}")
    return [k for k in REGISTRY if any(t.split(".", 1)[0] == k.kind for t in targets)]


def _name_selected(kind: Kind[Any, Any], name: str, targets: Sequence[str]) -> bool:
    if not targets:
        return True
    return any(t == kind.kind or t == f"{kind.kind}.{name}" for t in targets)


Pair = tuple[Kind[Any, Any], Any]  # a kind and one of its desired objects


def desired_objects(env: Env, kinds: Iterable[Kind[Any, Any]], targets: Sequence[str] = ()) -> list[Pair]:
    return [(kind, want) for kind in kinds for want in kind.desired(env)
            if _name_selected(kind, want.name, targets)]


def validate_env(env: Env) -> list[str]:
    """Every rule AWS documents for the desired state, checked offline: each kind's rules, and every
    request it sends against botocore's service model (sesl.model_check)."""
    problems: list[str] = []
    for kind, want in desired_objects(env, REGISTRY):
        problems += [f"{kind.kind}.{want.name}: {p}" for p in [*kind.validate(env, want), *model_problems(kind, want)]]
    return problems


def model_problems(kind: Kind[Any, Any], want: Any) -> list[str]:
    """botocore's model over every request of one desired object; a value an update sends again (the same member
    breaking the same shape rule) is reported once, for the create."""
    found: list[str] = []
    seen: set[str] = set()
    for request in kind.requests(want):
        for problem in model_check.check(request.service, request.operation, request.params):
            path, _, rest = problem.partition(": ")
            same = f"{path.rsplit('.', 1)[-1]}: {rest}"
            if same not in seen:
                seen.add(same)
                found.append(problem)
    return found


def read_all(ctx: AwsContext, pairs: Sequence[tuple[Kind[Any, Any], Any]]) -> list[Any]:
    """The observed state of each pair, in order. A kind that reads in batches (Kind.read_many) is one task
    for all its objects; any other kind is one task per object; up to READ_CONCURRENCY tasks run at once."""
    tasks: list[tuple[Kind[Any, Any], list[int]]] = []
    batched: dict[str, list[int]] = {}
    for i, (kind, _) in enumerate(pairs):
        if not kind.reads_in_batches:
            tasks.append((kind, [i]))
        elif kind.kind in batched:
            batched[kind.kind].append(i)
        else:
            batched[kind.kind] = [i]
            tasks.append((kind, batched[kind.kind]))

    def one(task: tuple[Kind[Any, Any], list[int]]) -> list[Any]:
        kind, at = task
        wants = [pairs[i][1] for i in at]
        address = f"{kind.kind}.{wants[0].name}" if len(wants) == 1 else kind.kind
        if len(wants) == 1:
            return [aws_call(address, lambda: kind.read(ctx, wants[0]))]
        return list(aws_call(address, lambda: kind.read_many(ctx, wants)))

    observed: list[Any] = [None] * len(pairs)
    with ThreadPoolExecutor(max_workers=READ_CONCURRENCY) as pool:
        for (_, at), found in zip(tasks, pool.map(one, tasks), strict=True):
            for i, have in zip(at, found, strict=True):
                observed[i] = have
    return observed


def _changes_for(kind: Kind[Any, Any], want: Any, have: Any, options: PlanOptions) -> list[Change]:
    if have is None:
        return [Change(kind.kind, want.name, Action.CREATE, "resource", kind.create_fields(want),
                       want=want, have=None)]
    if not have.owned:
        if not options.adopt:
            return [Change(kind.kind, want.name, Action.CONFLICT, "ownership",
                           reason=f"exists but is not owned by sesl ({kind.ownership}); "
                                  "re-run with --adopt to take it over", want=want, have=have)]
        return [Change(kind.kind, want.name, Action.ADOPT, "ownership",
                       reason="taken over with --adopt", want=want, have=have), *kind.diff(have, want)]
    changes = kind.diff(have, want)
    replaces = [c for c in changes if c.action is Action.REPLACE]
    return replaces[:1] if replaces else changes


def _observed_warnings(ctx: AwsContext, pairs: Sequence[tuple[Kind[Any, Any], Any]],
                       observed: Sequence[Any]) -> list[str]:
    out: list[str] = []
    for (kind, want), have in zip(pairs, observed, strict=True):
        address = f"{kind.kind}.{want.name}"
        out += [f"{address}: {w}" for w in aws_call(address, partial(kind.observed_warnings, ctx, want, have))]
    return out


def _dependency_notes(kinds: Sequence[Kind[Any, Any]], targets: Sequence[str]) -> list[str]:
    if not targets:
        return []
    chosen = {k.kind for k in kinds}
    notes = []
    for kind in kinds:
        missing = [n for n in kind.needs if n not in chosen]
        if missing:
            notes.append(f"--target {kind.kind} depends on {', '.join(missing)}, which this run does not "
                         "touch: make sure they are in place")
    return notes


def plan(ctx: AwsContext, options: PlanOptions | None = None) -> Plan:
    options = options or PlanOptions()
    env = make_env(ctx)
    problems = validate_env(env)
    if problems:
        raise ValidationError(f"{len(problems)} invalid setting(s): " + " | ".join(problems))
    kinds = selected_kinds(options.targets)
    pairs = desired_objects(env, kinds, options.targets)
    observed = read_all(ctx, pairs)
    changes: list[Change] = []
    for (kind, want), have in zip(pairs, observed, strict=True):
        changes += _changes_for(kind, want, have, options)
    changes += _retired_changes(ctx, env, kinds, options)
    kept, ignored, warnings = apply_ignore_rules(changes, ctx.spec.ignore, dt.date.today())
    kept = declared_changes(kept, ignored)
    warnings += [f"{kind.kind}.{want.name}: {w}" for kind, want in pairs for w in kind.warnings(env, want)]
    warnings += _observed_warnings(ctx, pairs, observed)
    warnings += _dependency_notes(kinds, options.targets)
    return Plan(ctx.spec.env, ctx.account, ctx.region, tuple(kept), tuple(warnings), tuple(ignored))


KINDS: dict[str, Kind[Any, Any]] = {k.kind: k for k in REGISTRY}


def _declare(change: Change) -> Change:
    """The change with the operations apply calls for it and the call that writes it; an update AWS
    cannot make in place becomes a refusal, with the kind's reason and the way out."""
    kind = KINDS[change.kind]
    call = change.action.value
    if change.action is Action.UPDATE:
        aspect = kind.aspect(change.aspect)
        if aspect.refuse:
            reason = f"{change.reason}; {aspect.refuse}" if change.reason else aspect.refuse
            return replace(change, action=Action.REFUSE, reason=reason)
        call = "whole" if aspect.whole else change.aspect
    elif change.action is Action.ADOPT and (not kind.ADOPT_ASPECT or kind.aspect(kind.ADOPT_ASPECT).whole):
        call = "whole"
    return replace(change, operations=kind.operations(change.action, change.aspect), call=call)


def declared_changes(kept: Sequence[Change], ignored: Sequence[tuple[Change, str]]) -> list[Change]:
    """Declared changes whose written values keep every ignored difference (or that are refused)."""
    out = [_declare(c) for c in kept]
    for address in dict.fromkeys(c.address for c, _ in ignored):
        out = _keep_ignored(out, address, [c for c, _ in ignored if c.address == address])
    return out


def _keep_ignored(changes: list[Change], address: str, ignored: Sequence[Change]) -> list[Change]:
    mine = [c for c in changes if c.address == address and c.action in (Action.UPDATE, Action.ADOPT)]
    if not mine:
        return changes
    kind, want, have = KINDS[mine[0].kind], mine[0].want, mine[0].have
    written = {c.aspect for c in mine if c.action is Action.UPDATE}
    written |= {also for aspect in list(written) for also in kind.aspect(aspect).also_writes}
    whole_written = any(c.call == "whole" for c in mine)
    # An aspect AWS cannot change in place is never written, so ignoring it needs nothing kept.
    overwritten = [c for c in ignored if not kind.aspect(c.aspect).refuse
                   and ((kind.aspect(c.aspect).whole and whole_written) or c.aspect in written)]
    lost: dict[str, list[str]] = {}  # aspect -> ignored paths that apply would overwrite
    for change in overwritten:
        fold = kind.aspect(change.aspect).fold
        try:
            if fold is None:
                raise FoldError("no fold declared")
            want = fold(want, have, change.fields)
        except FoldError:
            lost.setdefault(change.aspect, []).extend(f.path for f in change.fields)
    # Proof, not trust: what is written must no longer differ from the live state at any ignored field.
    still = {(c.aspect, f.path) for c in kind.diff(have, want) for f in c.fields}
    for change in overwritten:
        for f in change.fields:
            if (change.aspect, f.path) in still and f.path not in lost.get(change.aspect, []):
                lost.setdefault(change.aspect, []).append(f.path)
    if not lost:
        return [replace(c, want=want) if c in mine else c for c in changes]
    labels = [f"{aspect}.{path}" for aspect, paths in lost.items() for path in paths]
    whole_lost = any(kind.aspect(aspect).whole for aspect in lost)

    def overwrites(change: Change) -> bool:
        aspects = {change.aspect, *kind.aspect(change.aspect).also_writes}
        return bool(aspects & set(lost)) or (whole_lost and change.call == "whole")

    return [_refused(c, labels) if c in mine and c.action is Action.UPDATE and overwrites(c) else c
            for c in changes]


def _refused(change: Change, lost: Sequence[str]) -> Change:
    return replace(change, action=Action.REFUSE, operations=(), call="",
                   reason=f"applying it would overwrite the ignored {', '.join(lost)}, which sesl cannot keep in "
                          "the same call: ignore the whole aspect (or resource), or remove the ignore rule")


def refuse_protected(ctx: AwsContext) -> None:
    """A protected env is never destroyed, whoever asks (env.<name>.protect)."""
    if ctx.spec.protect:
        raise RefusedError(f"env {ctx.spec.env} is protected (env.{ctx.spec.env}.protect = true): nothing was "
                           f"changed; set it to false in the config to destroy the env")


def plan_destroy(ctx: AwsContext, options: PlanOptions | None = None) -> Plan:
    refuse_protected(ctx)
    options = options or PlanOptions()
    env = make_env(ctx)
    kinds = list(reversed(selected_kinds(options.targets)))
    pairs = desired_objects(env, kinds, options.targets)
    changes = _deletions(ctx, pairs, read_all(ctx, pairs), options, foreign=True)
    changes += _retired_changes(ctx, env, kinds, options)
    return Plan(ctx.spec.env, ctx.account, ctx.region, tuple(changes), mode="destroy")


def _retired_changes(ctx: AwsContext, env: Env, kinds: Sequence[Kind[Any, Any]], options: PlanOptions) -> list[Change]:
    """The deletions of the resources of streams taken out of the config (sesl.retired); what is not sesl's is
    not theirs, and is left out."""
    found = aws_call(f"glue_table (streams no longer in env.{env.spec.env}.streams)",
                     partial(retired.retired_pairs, ctx, env, kinds))
    pairs = [(kind, want) for kind, want in found if _name_selected(kind, want.name, options.targets)]
    return _deletions(ctx, pairs, read_all(ctx, pairs), options, foreign=False)


def _deletions(ctx: AwsContext, pairs: Sequence[Pair], observed: Sequence[Any], options: PlanOptions,
               foreign: bool) -> list[Change]:
    """A delete, or a keep with its reason, for each pair that exists; one not sesl's is a keep (`foreign`) or
    left out."""
    changes: list[Change] = []
    for (kind, want), have in zip(pairs, observed, strict=True):
        if have is None or (not have.owned and not foreign):
            continue
        if not have.owned:
            changes.append(Change(kind.kind, want.name, Action.KEEP, "ownership",
                                  reason="not owned by sesl: left alone", want=want, have=have))
            continue
        why = aws_call(f"{kind.kind}.{want.name}", partial(kind.keep_reason, ctx, have, options.destroy))
        action = Action.KEEP if why else Action.DELETE
        changes.append(_declare(Change(kind.kind, want.name, action, "resource", reason=why or "", want=want,
                                       have=have)))
    return changes


@dataclass
class ApplyReport:
    done: list[Change] = field(default_factory=list)


def steps(changes: Sequence[Change]) -> list[list[Change]]:
    """The calls apply makes, in plan order: each change alone, except that the changes of one resource
    written by its whole-resource call share one step (one call), placed where the first of them is."""
    out: list[list[Change]] = []
    whole: dict[str, list[Change]] = {}
    for change in changes:
        if change.call != "whole":
            out.append([change])
        elif change.address in whole:
            whole[change.address].append(change)
        else:
            whole[change.address] = [change]
            out.append(whole[change.address])
    return out


def refuse_unappliable(the_plan: Plan, allow_replace: bool) -> None:
    """Refuse, before anything is written, a plan with changes apply cannot or may not make."""
    refused = [c for c in the_plan.changes if c.action is Action.REFUSE]
    if refused:
        raise RefusedError(f"{'; '.join(f'{_label(c)}: {c.reason}' for c in refused)}; nothing was changed")
    # A replace of a resource in a failed state (aspect "failed", e.g. a Firehose stream in CREATING_FAILED)
    # drops nothing, since it delivers nothing: only the other replaces need --allow-replace.
    replaces = [c.address for c in the_plan.changes if c.action is Action.REPLACE and c.aspect != "failed"]
    if replaces and not allow_replace:
        raise RefusedError(f"{', '.join(replaces)} must be replaced (deleted and created again), which drops "
                           "records in flight; nothing was changed; re-run with --allow-replace to do it")
    conflicts = [c for c in the_plan.changes if c.action is Action.CONFLICT]
    if conflicts:
        raise SeslError(f"{len(conflicts)} resource(s) exist but are not sesl's: "
                        f"{', '.join(c.address for c in conflicts)}; nothing was changed; re-run with --adopt "
                        "to take them over")


def _run_step(ctx: AwsContext, step: Sequence[Change]) -> None:
    """One call of the plan, allowed exactly the operations its changes declared."""
    first = step[0]
    kind = KINDS[first.kind]
    operations = frozenset(op for c in step for op in c.operations)
    # A step of several changes shares the resource's whole-resource call: running its first change (an
    # update by update_whole, or an adoption written by it) writes them all.
    with ctx.only(operations, f"{first.address} ({', '.join(c.aspect for c in step)})"):
        kind.apply(ctx, first)


def execute(ctx: AwsContext, the_plan: Plan, progress: Progress | None = None,
            allow_replace: bool = False, between: Callable[[], None] | None = None,
            parallelism: int = 1) -> ApplyReport:
    """Apply every actionable change along the dependency graph, up to `parallelism` steps at once
    (sesl.graph; 1 runs the plan's order); on failure the failed step's dependents are not started, the
    independent steps finish, and the error says what was applied, what failed and what was not started.
    `between` runs before each step starts (the lease check): raising there starts nothing more."""
    if the_plan.mode == "destroy":
        refuse_protected(ctx)
    refuse_unappliable(the_plan, allow_replace)
    ctx.allow_mutations()
    todo = list(the_plan.actionable)
    planned = steps(todo)
    deps = graph.dependencies(planned, {name: kind.needs for name, kind in KINDS.items()}, the_plan.mode,
                              retired.LAST)

    def work(i: int) -> None:
        step = planned[i]
        aws_call(f"{step[0].address} ({', '.join(c.aspect for c in step)})", partial(_run_step, ctx, step))

    def tell(stage: str) -> Callable[[int], None]:
        def told(i: int) -> None:
            for change in planned[i]:
                if progress:
                    progress(change, stage)
        return told

    outcome = graph.run(deps, work, parallelism, between, tell("start"), tell("done"))
    unexpected = graph.first_unexpected(outcome)
    if unexpected is not None:
        raise unexpected
    report = ApplyReport([c for i in outcome.done for c in planned[i]])
    if not outcome.complete:
        raise _apply_error(todo, report, planned, outcome)
    return report


def _apply_error(todo: Sequence[Change], report: ApplyReport, planned: Sequence[Sequence[Change]],
                 outcome: graph.Outcome) -> ApplyError:
    failed = [_label(c) for i in sorted(outcome.failed) for c in planned[i]]
    not_started = [_label(c) for i in outcome.not_started for c in planned[i]]
    error = ApplyError(
        f"{graph.described(outcome)} -- applied {len(report.done)} of {len(todo)} change(s)"
        f"{': ' + ', '.join(_label(c) for c in report.done) if report.done else ''}"
        f"{'; failed: ' + ', '.join(failed) if failed else ''}"
        f"{'; not started: ' + ', '.join(not_started) if not_started else ''}; fix the cause and run the command "
        "again to finish")
    if outcome.interrupted:
        error.exit_code = EXIT_INTERRUPTED
    cause = outcome.stopped or next(iter(outcome.failed.values()), None)
    error.__cause__ = cause
    return error


def _label(change: Change) -> str:
    return f"{change.action.symbol} {change.address} ({change.aspect})"


# Seconds to wait before each re-read when the read-back still differs. Some reads are eventually
# consistent by design: IAM ("changes ... are eventually consistent", IAM user guide, troubleshoot
# general: "Changes that I make are not always immediately visible"), SNS subscriptions and tag reads
# through the Resource Groups Tagging API. A difference that outlives about a minute is real.
READ_BACK_WAITS: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


def read_back(ctx: AwsContext, options: PlanOptions, mode: str,
              waits: Sequence[float] | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
    """After apply/destroy, read the live state again: anything still to do after the bounded re-reads
    is an error."""
    left = _still_to_do(ctx, options, mode)
    for delay in READ_BACK_WAITS if waits is None else waits:
        if not left:
            return
        reporter().info(f"read-back still differs ({', '.join(_label(c) for c in left)}); AWS reads are "
                        f"eventually consistent: reading again in {delay:g}s")
        sleep(delay)
        left = _still_to_do(ctx, options, mode)
    if left:
        raise ApplyError("read-back after " + mode + " still differs: "
                         + ", ".join(_label(c) for c in left) + "; run `sesl diff` to see the details")


def _still_to_do(ctx: AwsContext, options: PlanOptions, mode: str) -> list[Change]:
    again = plan(ctx, options) if mode == "apply" else plan_destroy(ctx, options)
    return [c for c in again.changes if c.action is not Action.KEEP]
