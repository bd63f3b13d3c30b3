"""validate, diff, apply, destroy: the plan/execute loop from the command line.

Exit codes (Terraform's -detailed-exitcode): 0 nothing to change, 2 changes present (diff),
1 error.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import click
from rich.console import Console

from sesl import graph, lock, reconcile
from sesl.cli.common import (
    check_targets,
    config_source,
    env_option,
    load,
    open_context,
    refuse_defaults_for_prod,
    target_option,
)
from sesl.cli.globals import Globals
from sesl.context import AwsContext
from sesl.errors import RefusedError, SeslError, StalePlanError, ValidationError
from sesl.lock import env_lock
from sesl.model import Action, Change, DestroyOptions, Plan
from sesl.render import concrete_warnings, plan_json, render_plan
from sesl.resources import REGISTRY
from sesl.resources.base import Env
from sesl.saved_plan import check_current, load_plan, save_plan
from sesl.spec import collect_problems, read_config

EXIT_CHANGES = 2
# The config section whose settings make each kind's desired state: a rule a resource breaks is
# fixed there. Kinds made only from names take no settings.
SETTINGS_OF_KIND = {"s3_bucket": "s3", "firehose_stream": "firehose", "log_group": "firehose",
                    "glue_table": "glue", "glue_crawler": "glue", "ses_event_destination": "ses",
                    "athena_workgroup": "athena", "cloudwatch_alarm": "monitoring", "budget": "monitoring"}

json_option = click.option("--json", "as_json", is_flag=True,
                           help="Print the plan as JSON (format_version 2.0, with each change's AWS operations).")
lock_option = click.option("--lock-timeout", default=0.0, show_default=True, metavar="SECONDS",
                           type=click.FloatRange(min=0),
                           help="How long to wait for the env's lock held by another run.")
yes_option = click.option("--yes", "--auto-approve", "yes", is_flag=True, help="Do not ask for confirmation.")


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def confirm(console: Console, question: str, expected: str = "yes") -> None:
    """Ask on stdin; only the exact expected answer goes on (as Terraform accepts only `yes`)."""
    console.print(f"\n{question}\n  Only '{expected}' will be accepted to approve.")
    console.print("\n  Enter a value: ", end="")
    answer = sys.stdin.readline().strip()
    if answer != expected:
        raise RefusedError(f"not confirmed (got {answer!r}, expected {expected!r}): nothing was changed")


parallelism_option = click.option(
    "--parallelism", default=graph.DEFAULT_PARALLELISM, show_default=True, metavar="N", type=click.IntRange(min=1),
    help="How many changes to make at once; each waits for what it depends on (1: one at a time, in plan order).")


def progress_printer(console: Console, clock: Callable[[], float] = time.monotonic) -> Callable[[Change, str], None]:
    """One line when a change starts and one when it is done, with how long it took. Apply calls it from
    one thread (sesl.graph), so lines never interleave."""
    started: dict[tuple[str, str], float] = {}

    def show(change: Change, stage: str) -> None:
        aspect = "" if change.aspect == "resource" else f" ({change.aspect})"
        what = f"{change.action.symbol} {change.address}{aspect}"
        if stage == "start":
            started[(change.address, change.aspect)] = clock()
            console.print(f"  [dim]…[/dim] {what}")
        elif stage == "done":
            took = clock() - started.pop((change.address, change.aspect), clock())
            console.print(f"  [green]✓[/green] {what} [dim]({took:.1f}s)[/dim]")
    return show


def labelled(g: Globals, the_plan: Plan) -> Plan:
    """The plan as the user reads it: which config it came from, warnings without placeholders."""
    return replace(the_plan, config=config_source(g).label,
                   warnings=concrete_warnings(the_plan.warnings, the_plan.env))


@click.command()
@env_option
@click.pass_obj
def validate(g: Globals, env_name: str) -> None:
    """Check the environment's spec and config offline (no AWS call); exit 1 on any problem.

    Every problem is reported in one run: the config's keys first, then the rules AWS documents
    for the resources those settings make. Warnings (settings worth a second look) are listed too.

    \b
    Example:
      sesl validate --env dev
    """
    source = config_source(g)
    spec, problems = collect_problems(env_name, read_config(source.path), source.label)
    # Rules AWS documents for each resource's desired state; the account is a placeholder offline.
    names = spec.names_for(g.region or spec.region, spec.account_id or "000000000000")
    env = Env(spec, names)
    problems += [with_section(p, env_name) for p in reconcile.validate_env(env) if p not in problems]
    for kind, want in reconcile.desired_objects(env, REGISTRY):
        for warning in concrete_warnings(tuple(kind.warnings(env, want)), env_name):
            click.echo(f"warning: {kind.kind}.{want.name}: {warning}", err=True)
    if problems:
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
        raise SeslError(f"{len(problems)} problem(s) in env {env_name} (config: {source.label})")
    click.echo(f"env {env_name}: configuration is valid (config: {source.label})")


@click.command()
@env_option
@target_option
@json_option
@click.option("--adopt", is_flag=True, help="Plan to take over resources with sesl's names that it does not own.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), help="Save the plan for `sesl apply FILE`.")
@click.pass_obj
def diff(g: Globals, env_name: str, targets: tuple[str, ...], as_json: bool, adopt: bool,
         out_file: str | None) -> None:
    """Show what apply would change (read-only). Exit 0 no changes, 2 changes, 1 error.

    \b
    Example:
      sesl diff --env dev
      sesl diff --env prod --json > plan.json
      sesl diff --env prod --out prod.plan; sesl apply prod.plan   # diff exits 2 when there are changes
    """
    ctx = open_context(g, env_name, "diff")
    ctx.verify_account()
    check_targets(ctx, targets)
    the_plan = labelled(g, reconcile.plan(ctx, reconcile.PlanOptions(adopt=adopt, targets=targets)))
    if out_file:
        _save(the_plan, out_file, targets, adopt)
    _show(g, the_plan, as_json)
    if out_file:
        click.echo(f"Saved the plan to {out_file}: `sesl apply {out_file}` applies exactly it.", err=True)
    if the_plan.has_changes:
        sys.exit(EXIT_CHANGES)


def _save(the_plan: Plan, out_file: str, targets: tuple[str, ...], adopt: bool) -> None:
    """Save the plan, creating its directory; a failure is one line."""
    try:
        Path(out_file).parent.mkdir(parents=True, exist_ok=True)
        save_plan(the_plan, out_file, targets, adopt)
    except OSError as exc:
        raise SeslError(f"cannot write {out_file}: {exc.strerror or exc}; choose another --out") from None


def with_section(problem: str, env_name: str) -> str:
    """A resource's problem, with the config section that sets it."""
    section = SETTINGS_OF_KIND.get(problem.split(".", 1)[0])
    return f"{problem} (set under [env.{env_name}.{section}])" if section else problem


def _show(g: Globals, the_plan: Plan, as_json: bool) -> None:
    if as_json:
        click.echo(plan_json(the_plan))
    else:
        render_plan(g.console(), the_plan)


@click.command()
@click.argument("plan_file", required=False, type=click.Path(dir_okay=False))
@click.option("--env", "env_name", metavar="ENV", help="Environment (taken from PLAN_FILE if given).")
@target_option
@yes_option
@click.option("--adopt", is_flag=True, help="Take over resources with sesl's names that it does not own.")
@click.option("--allow-replace", is_flag=True,
              help="Allow -/+ replacements (a replaced stream drops records in flight).")
@lock_option
@parallelism_option
@click.pass_obj
def apply(g: Globals, plan_file: str | None, env_name: str | None, targets: tuple[str, ...], yes: bool, adopt: bool,
          allow_replace: bool, lock_timeout: float, parallelism: int) -> None:
    """Show the plan, ask to confirm, apply it in dependency order, then read back.

    With PLAN_FILE (from `sesl diff --out`), apply exactly that plan, refusing if the live state
    changed since it was made; its targets and --adopt come from the file.

    \b
    Example:
      sesl apply --env dev          # asks: type 'yes'
      sesl apply --env dev --yes    # no question (CI)
      sesl apply prod.plan --yes    # a plan saved by `sesl diff --env prod --out prod.plan`
    """
    saved = load_plan(plan_file) if plan_file else None
    if saved is not None:
        ignored = [flag for flag, given in (("--target", targets), ("--adopt", adopt)) if given]
        if ignored:
            raise SeslError(f"{' and '.join(ignored)} cannot be used with a saved plan: {plan_file} applies the "
                            "targets and adoption it was made with; make a new plan with `sesl diff --out`")
        if env_name and env_name != saved["env"]:
            raise SeslError(f"{plan_file} is a plan for env {saved['env']}, not {env_name}: nothing was changed")
        env_name, targets, adopt = saved["env"], tuple(saved["options"]["targets"]), saved["options"]["adopt"]
    if not env_name:
        raise SeslError("apply needs --env ENV or a saved PLAN_FILE: see `sesl apply --help`")
    ctx = open_context(g, env_name, "apply", changes=True)
    check_targets(ctx, targets)
    options = reconcile.PlanOptions(adopt=adopt, allow_replace=allow_replace, targets=targets)

    def make_plan() -> Plan:
        fresh = reconcile.plan(ctx, options)
        if saved is not None:
            check_current(saved, fresh)
        return labelled(g, fresh)

    _run(g, ctx, options, "apply", yes, lock_timeout, make_plan, parallelism)


@click.command()
@env_option
@target_option
@yes_option
@click.option("--delete-data", is_flag=True, help="Also empty and delete buckets that hold objects.")
@click.option("--delete-saved-queries", is_flag=True, help="Also delete the workgroup's saved queries.")
@click.option("--force-prod", is_flag=True, help="Required with --yes to destroy prod without the typed prompt.")
@lock_option
@parallelism_option
@click.pass_obj
def destroy(g: Globals, env_name: str, targets: tuple[str, ...], yes: bool, delete_data: bool,
            delete_saved_queries: bool, force_prod: bool, lock_timeout: float, parallelism: int) -> None:
    """Delete what sesl owns, in reverse dependency order. Data is kept unless --delete-data.

    The SES configuration sets are never touched (only sesl's event destinations on them).
    Destroying prod asks you to type the environment's name at a terminal; without a terminal it
    needs both --yes and --force-prod, whatever arrives on stdin.

    \b
    Example:
      sesl destroy --env dev --yes
      sesl destroy --env dev --yes --delete-data
    """
    if force_prod and not load(g, env_name).is_prod:
        raise SeslError(f"--force-prod is for destroying prod (or a `production = true` env); env {env_name} needs "
                        "only --yes: nothing was changed")
    ctx = open_context(g, env_name, "destroy", changes=True)
    reconcile.refuse_protected(ctx)  # before the prompt; the library refuses too
    skip_prompt = _destroy_approval(ctx.spec.is_prod, yes, force_prod)
    check_targets(ctx, targets)
    options = reconcile.PlanOptions(targets=targets,
                                    destroy=DestroyOptions(delete_data, delete_saved_queries))
    ctx.destroy_options = options.destroy

    def make_plan() -> Plan:
        return labelled(g, with_data_counts(ctx, reconcile.plan_destroy(ctx, options)))

    _run(g, ctx, options, "destroy", skip_prompt, lock_timeout, make_plan, parallelism)


def _destroy_approval(is_prod: bool, yes: bool, force_prod: bool) -> bool:
    """Whether to skip the prompt. prod: --yes --force-prod, or the typed name at a terminal only."""
    if not is_prod:
        return yes
    if yes and force_prod:
        return True
    if yes:
        raise RefusedError("destroying prod non-interactively needs --force-prod as well as --yes: nothing was changed")
    if not stdin_is_terminal():
        raise RefusedError("destroying prod without a terminal needs --yes --force-prod (the typed name is only "
                           "read from a terminal): nothing was changed")
    return False


def with_data_counts(ctx: AwsContext, the_plan: Plan) -> Plan:
    """A --delete-data plan says what it deletes: objects and versions of each bucket it empties."""
    if not ctx.destroy_options.delete_data:
        return the_plan
    changes = tuple(_with_count(ctx, c) if c.kind == "s3_bucket" and c.action is Action.DELETE else c
                    for c in the_plan.changes)
    return replace(the_plan, changes=changes)


def _with_count(ctx: AwsContext, change: Change) -> Change:
    objects = versions = markers = 0
    pages = ctx.client("s3").get_paginator("list_object_versions").paginate(Bucket=change.name)
    for page in reconcile.aws_call(change.address, lambda: list(pages)):
        listed = page.get("Versions", [])
        objects += sum(1 for v in listed if v.get("IsLatest"))
        versions += len(listed)
        markers += len(page.get("DeleteMarkers", []))
    if not (versions or markers):
        return change
    note = (f"deletes its data: {objects} object(s), {versions} version(s) in all and {markers} delete "
            "marker(s)")
    return replace(change, reason=f"{change.reason}; {note}" if change.reason else note)


def _run(g: Globals, ctx: AwsContext, options: reconcile.PlanOptions, mode: str, yes: bool, lock_timeout: float,
         make_plan: Callable[[], Plan], parallelism: int = graph.DEFAULT_PARALLELISM) -> None:
    """Validate, plan and show (no write), refuse what cannot be applied, confirm; then take the env's lock
    only when there is something to do, plan again under it, execute exactly that plan, read back."""
    console = g.console()
    if mode == "apply":  # the spec is valid before anything else
        problems = reconcile.validate_env(reconcile.make_env(ctx))
        if problems:
            raise ValidationError(f"{len(problems)} invalid setting(s): " + " | ".join(problems)
                                  + f"; nothing was changed; `sesl validate --env {ctx.spec.env}` lists them")
    ctx.verify_account()
    shown = make_plan()
    render_plan(console, shown)
    reconcile.refuse_unappliable(shown, options.allow_replace)
    if not shown.actionable:
        return  # nothing to do: no lock taken, nothing written
    if not yes:
        _confirm(console, ctx, mode)
    ctx.allow_mutations()  # the first write is the lock's
    with env_lock(ctx, mode, lock_timeout) as lease:
        the_plan = _replan(console, shown, make_plan(), yes)
        if the_plan.actionable:
            execute_plan(console, ctx, the_plan, options, mode, lease.check, parallelism)


def _confirm(console: Console, ctx: AwsContext, mode: str) -> None:
    if mode == "destroy" and ctx.spec.is_prod:
        confirm(console, "Destroy sesl's resources in PROD? Type the environment's name to confirm.",
                expected=ctx.spec.env)
    else:
        confirm(console, f"Do you want to {mode} these changes in {ctx.spec.env}?")


def _replan(console: Console, shown: Plan, fresh: Plan, yes: bool) -> Plan:
    """The plan made under the lock. Someone may have changed the env between the plan shown and the lock
    (another apply that held it, a console edit): a confirmed plan that is no longer the live one is
    refused; with --yes nobody read it, so the fresh plan is shown and applied."""
    if fresh.fingerprint() == shown.fingerprint():
        return fresh
    if not yes:
        raise StalePlanError("the live state changed after the plan was shown (another run or an edit made "
                             "meanwhile): nothing was changed; run the command again to see the new plan")
    console.print("\n[yellow]The live state changed while waiting for the lock: this is the plan now applied.[/yellow]")
    render_plan(console, fresh)
    return fresh  # execute refuses it, before any write, if it holds what cannot be applied


@click.command()
@env_option
@click.option("--force", is_flag=True, help="Remove the lock even if it has not expired.")
@click.pass_obj
def unlock(g: Globals, env_name: str, force: bool) -> None:
    """Show who holds the env's apply/destroy lock; remove it if it is stale (or with --force).

    A lock is stale once past its expiry (a run that died). Remove a live lock only when you are
    sure its run is gone: two applies at once would race.

    \b
    Example:
      sesl unlock --env prod
      sesl unlock --env prod --force
    """
    ctx = open_context(g, env_name, "unlock")
    holder = lock.read_lock(ctx)
    if holder is None:
        click.echo(f"env {env_name} is not locked")
        return
    click.echo(f"env {env_name} is locked by {lock.describe(holder)}")
    if not (force or lock.is_stale(holder)):
        raise SeslError("the lock has not expired: wait for that run, or pass --force if it is gone")
    refuse_defaults_for_prod(g, ctx.spec, "unlock")
    ctx.allow_mutations()
    lock.remove(ctx)
    click.echo("lock removed")


def execute_plan(console: Console, ctx: AwsContext, the_plan: Plan, options: reconcile.PlanOptions,
                 mode: str, between: Callable[[], None] | None = None,
                 parallelism: int = graph.DEFAULT_PARALLELISM) -> None:
    console.print()
    report = reconcile.execute(ctx, the_plan, progress_printer(console), allow_replace=options.allow_replace,
                               between=between, parallelism=parallelism)
    reconcile.read_back(ctx, options, mode)
    verb = "Destroy" if mode == "destroy" else "Apply"
    console.print(f"\n[bold green]{verb} complete![/bold green] {completion_counts(the_plan, len(report.done))}"
                  " Read-back matches.")


def completion_counts(the_plan: Plan, done: int) -> str:
    s = the_plan.summary()
    parts = [f"{s['add']} added", f"{s['change']} changed"]
    if s["replace"]:
        parts.append(f"{s['replace']} replaced")
    parts.append(f"{s['destroy']} destroyed")
    if s["keep"]:
        parts.append(f"{s['keep']} kept")
    return f"{done} change(s): {', '.join(parts)}."


COMMANDS = (validate, diff, apply, destroy, unlock)
