"""plan / apply / destroy over the registry, in dependency order.

Planning reads the live state (read-only calls, independent reads concurrently) and diffs it
against the desired state; the resulting Plan is deterministic (registry order, then desired
order). Apply executes a Plan change by change; a failure stops and says what was and was not
done. Nothing is remembered between runs: re-running after any failure converges.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import botocore.exceptions

from sesl import aws_errors, model_check
from sesl.context import AwsContext
from sesl.errors import ApplyError, AwsCallError, RefusedError, SeslError, ValidationError
from sesl.ignore import apply_ignore_rules
from sesl.model import Action, Change, DestroyOptions, Plan
from sesl.resources import REGISTRY
from sesl.resources.base import Env, Kind
from sesl.ui import reporter

READ_CONCURRENCY = 8

Progress = Callable[[Change, str], None]


@dataclass(frozen=True)
class PlanOptions:
    adopt: bool = False
    allow_replace: bool = False
    targets: tuple[str, ...] = ()
    destroy: DestroyOptions = field(default_factory=DestroyOptions)


def describe_client_error(address: str, exc: botocore.exceptions.ClientError) -> str:
    error = exc.response.get("Error", {})
    code, message = error.get("Code", "?"), error.get("Message", "")
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


def selected_kinds(targets: Sequence[str]) -> list[Kind]:
    if not targets:
        return list(REGISTRY)
    known = {k.kind for k in REGISTRY}
    unknown = sorted({t.split(".", 1)[0] for t in targets} - known)
    if unknown:
        raise SeslError(f"unknown --target kind(s) {', '.join(unknown)}: known kinds are {', '.join(sorted(known))}")
    return [k for k in REGISTRY if any(t.split(".", 1)[0] == k.kind for t in targets)]


def _name_selected(kind: Kind, name: str, targets: Sequence[str]) -> bool:
    if not targets:
        return True
    return any(t == kind.kind or t == f"{kind.kind}.{name}" for t in targets)


def desired_objects(env: Env, kinds: Iterable[Kind], targets: Sequence[str] = ()) -> list[tuple[Kind, Any]]:
    return [(kind, want) for kind in kinds for want in kind.desired(env)
            if _name_selected(kind, want.name, targets)]


def validate_env(env: Env) -> list[str]:
    """Every rule AWS documents for the desired state, checked offline: each kind's rules, and every
    request it sends against botocore's service model (sesl.model_check)."""
    problems: list[str] = []
    for kind, want in desired_objects(env, REGISTRY):
        problems += [f"{kind.kind}.{want.name}: {p}" for p in [*kind.validate(env, want), *model_problems(kind, want)]]
    return problems


def model_problems(kind: Kind, want: Any) -> list[str]:
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


def read_all(ctx: AwsContext, pairs: Sequence[tuple[Kind, Any]]) -> list[Any]:
    def one(pair: tuple[Kind, Any]) -> Any:
        kind, want = pair
        return aws_call(f"{kind.kind}.{want.name}", lambda: kind.read(ctx, want))

    with ThreadPoolExecutor(max_workers=READ_CONCURRENCY) as pool:
        return list(pool.map(one, pairs))


def _changes_for(kind: Kind, want: Any, have: Any, options: PlanOptions) -> list[Change]:
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


def _observed_warnings(ctx: AwsContext, pairs: Sequence[tuple[Kind, Any]], observed: Sequence[Any]) -> list[str]:
    out: list[str] = []
    for (kind, want), have in zip(pairs, observed, strict=True):
        address = f"{kind.kind}.{want.name}"
        out += [f"{address}: {w}" for w in aws_call(address, partial(kind.observed_warnings, ctx, want, have))]
    return out


def _dependency_notes(kinds: Sequence[Kind], targets: Sequence[str]) -> list[str]:
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
    kept, ignored, warnings = apply_ignore_rules(changes, ctx.spec.ignore, dt.date.today())
    warnings += [f"{kind.kind}.{want.name}: {w}" for kind, want in pairs for w in kind.warnings(env, want)]
    warnings += _observed_warnings(ctx, pairs, observed)
    warnings += _dependency_notes(kinds, options.targets)
    return Plan(ctx.spec.env, ctx.account, ctx.region, tuple(kept), tuple(warnings), tuple(ignored))


def plan_destroy(ctx: AwsContext, options: PlanOptions | None = None) -> Plan:
    options = options or PlanOptions()
    env = make_env(ctx)
    kinds = list(reversed(selected_kinds(options.targets)))
    pairs = desired_objects(env, kinds, options.targets)
    observed = read_all(ctx, pairs)
    changes: list[Change] = []
    for (kind, want), have in zip(pairs, observed, strict=True):
        if have is None:
            continue
        if not have.owned:
            changes.append(Change(kind.kind, want.name, Action.KEEP, "ownership",
                                  reason="not owned by sesl: left alone", want=want, have=have))
            continue
        why = aws_call(f"{kind.kind}.{want.name}", partial(kind.keep_reason, ctx, have, options.destroy))
        action = Action.KEEP if why else Action.DELETE
        changes.append(Change(kind.kind, want.name, action, "resource", reason=why or "", want=want, have=have))
    return Plan(ctx.spec.env, ctx.account, ctx.region, tuple(changes), mode="destroy")


@dataclass
class ApplyReport:
    done: list[Change] = field(default_factory=list)


def execute(ctx: AwsContext, the_plan: Plan, progress: Progress | None = None,
            allow_replace: bool = False) -> ApplyReport:
    """Apply every actionable change in order; on failure stop and say what was and was not done."""
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
    ctx.allow_mutations()
    kinds = {k.kind: k for k in REGISTRY}
    report = ApplyReport()
    todo = list(the_plan.actionable)
    for index, change in enumerate(todo):
        if progress:
            progress(change, "start")
        try:
            aws_call(f"{change.address} ({change.aspect})", partial(kinds[change.kind].apply, ctx, change))
        except SeslError as exc:
            not_done = todo[index:]
            raise ApplyError(
                f"{exc} -- applied {len(report.done)} of {len(todo)} change(s)"
                f"{': ' + ', '.join(_label(c) for c in report.done) if report.done else ''}; not applied: "
                f"{', '.join(_label(c) for c in not_done)}; fix the cause and run the command again "
                "to finish") from exc
        report.done.append(change)
        if progress:
            progress(change, "done")
    return report


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
