"""validate, diff, apply, destroy: the plan/execute loop from the command line.

Exit codes (Terraform's -detailed-exitcode): 0 nothing to change, 2 changes present (diff),
1 error.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
from rich.console import Console

from sesl import reconcile
from sesl.cli.main import Globals
from sesl.context import AwsContext
from sesl.errors import RefusedError, SeslError
from sesl.model import Action, Change, DestroyOptions, Plan
from sesl.naming import Names
from sesl.render import plan_json, render_plan
from sesl.resources.base import Env
from sesl.spec import ENVIRONMENTS, EnvSpec, collect_problems, load_spec, read_config

EXIT_CHANGES = 2

env_option = click.option("--env", "env_name", required=True, type=click.Choice(ENVIRONMENTS),
                          help="Environment to act on.")
target_option = click.option("--target", "targets", multiple=True, metavar="KIND[.NAME]",
                             help="Limit to a kind or one resource (repeatable).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON (format_version 1.0).")
yes_option = click.option("--yes", "--auto-approve", "yes", is_flag=True, help="Do not ask for confirmation.")


def load(g: Globals, env_name: str) -> EnvSpec:
    return load_spec(env_name, g.config)


def context(g: Globals, env_name: str) -> AwsContext:
    return AwsContext(load(g, env_name), profile=g.profile, region=g.region)


def confirm(console: Console, question: str, expected: str = "yes") -> None:
    """Ask on stdin; only the exact expected answer goes on (as Terraform accepts only `yes`)."""
    console.print(f"\n{question}\n  Only '{expected}' will be accepted to approve.")
    console.print("\n  Enter a value: ", end="")
    answer = sys.stdin.readline().strip()
    if answer != expected:
        raise RefusedError(f"not confirmed (got {answer!r}, expected {expected!r}): nothing was changed")


def progress_printer(console: Console) -> Callable[[Change, str], None]:
    def show(change: Change, stage: str) -> None:
        if stage == "done":
            aspect = "" if change.aspect == "resource" else f" ({change.aspect})"
            console.print(f"  [green]✓[/green] {change.action.symbol} {change.address}{aspect}")
    return show


@click.command()
@env_option
@click.pass_obj
def validate(g: Globals, env_name: str) -> None:
    """Check the environment's spec and config offline (no AWS call); exit 1 on any problem.

    \b
    Example:
      sesl validate --env dev
    """
    spec, problems = collect_problems(env_name, read_config(g.config))
    if not problems:
        # Rules AWS documents for each resource's desired state; the account is a placeholder offline.
        names = Names(spec.env, g.region or spec.region, spec.account_id or "000000000000")
        problems = reconcile.validate_env(Env(spec, names))
    if problems:
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
        raise SeslError(f"{len(problems)} problem(s) in env {env_name}")
    click.echo(f"env {env_name}: configuration is valid")


@click.command()
@env_option
@target_option
@json_option
@click.option("--adopt", is_flag=True, help="Plan to take over resources with sesl's names that it does not own.")
@click.pass_obj
def diff(g: Globals, env_name: str, targets: tuple[str, ...], as_json: bool, adopt: bool) -> None:
    """Show what apply would change (read-only). Exit 0 no changes, 2 changes, 1 error.

    \b
    Example:
      sesl diff --env dev
      sesl diff --env prod --json > plan.json
    """
    ctx = context(g, env_name)
    ctx.verify_account()
    the_plan = reconcile.plan(ctx, reconcile.PlanOptions(adopt=adopt, targets=targets))
    _show(g, the_plan, as_json)
    if the_plan.has_changes:
        sys.exit(EXIT_CHANGES)


def _show(g: Globals, the_plan: Plan, as_json: bool) -> None:
    if as_json:
        click.echo(plan_json(the_plan))
    else:
        render_plan(g.console(), the_plan)


@click.command()
@env_option
@target_option
@yes_option
@click.option("--adopt", is_flag=True, help="Take over resources with sesl's names that it does not own.")
@click.option("--allow-replace", is_flag=True,
              help="Allow -/+ replacements (a replaced stream drops records in flight).")
@click.pass_obj
def apply(g: Globals, env_name: str, targets: tuple[str, ...], yes: bool, adopt: bool, allow_replace: bool) -> None:
    """Show the plan, ask to confirm, apply it in dependency order, then read back.

    \b
    Example:
      sesl apply --env dev          # asks: type 'yes'
      sesl apply --env dev --yes    # no question (CI)
    """
    ctx = context(g, env_name)
    ctx.verify_account()
    options = reconcile.PlanOptions(adopt=adopt, allow_replace=allow_replace, targets=targets)
    _run(g, ctx, options, "apply", yes, lambda: reconcile.plan(ctx, options))


@click.command()
@env_option
@target_option
@yes_option
@click.option("--delete-data", is_flag=True, help="Also empty and delete buckets that hold objects.")
@click.option("--delete-saved-queries", is_flag=True, help="Also delete the workgroup's saved queries.")
@click.option("--force-prod", is_flag=True, help="Required with --yes to destroy prod without the typed prompt.")
@click.pass_obj
def destroy(g: Globals, env_name: str, targets: tuple[str, ...], yes: bool, delete_data: bool,
            delete_saved_queries: bool, force_prod: bool) -> None:
    """Delete what sesl owns, in reverse dependency order. Data is kept unless --delete-data.

    The SES configuration sets are never touched (only sesl's event destinations on them).
    Destroying prod asks you to type the environment's name; without a terminal it needs
    both --yes and --force-prod.

    \b
    Example:
      sesl destroy --env dev --yes
      sesl destroy --env dev --yes --delete-data
    """
    ctx = context(g, env_name)
    if ctx.spec.protect:
        raise RefusedError(f"env {env_name} is protected (env.{env_name}.protect = true): nothing was changed")
    ctx.verify_account()
    options = reconcile.PlanOptions(targets=targets,
                                    destroy=DestroyOptions(delete_data, delete_saved_queries))
    ctx.destroy_options = options.destroy
    if ctx.spec.is_prod and yes and not force_prod:
        raise RefusedError("destroying prod non-interactively needs --force-prod as well as --yes: nothing was changed")
    skip_prompt = yes and (not ctx.spec.is_prod or force_prod)
    _run(g, ctx, options, "destroy", skip_prompt, lambda: reconcile.plan_destroy(ctx, options))


def _run(g: Globals, ctx: AwsContext, options: reconcile.PlanOptions, mode: str, yes: bool,
         make_plan: Callable[[], Plan]) -> None:
    console = g.console()
    the_plan = make_plan()
    render_plan(console, the_plan)
    execute_plan(console, ctx, the_plan, options, mode, yes)


def execute_plan(console: Console, ctx: AwsContext, the_plan: Plan, options: reconcile.PlanOptions,
                 mode: str, yes: bool) -> None:
    if not the_plan.actionable:
        if any(c.action is Action.CONFLICT for c in the_plan.changes):
            raise SeslError("resources exist with sesl's names but are not sesl's: nothing was changed; "
                            "re-run with --adopt to take them over")
        return
    if not yes:
        if mode == "destroy" and ctx.spec.is_prod:
            confirm(console, "Destroy sesl's resources in PROD? Type the environment's name to confirm.",
                    expected=ctx.spec.env)
        else:
            confirm(console, f"Do you want to {mode} these changes in {ctx.spec.env}?")
    console.print()
    report = reconcile.execute(ctx, the_plan, progress_printer(console), allow_replace=options.allow_replace)
    reconcile.read_back(ctx, options, mode)
    s = the_plan.summary()
    verb = "Destroy" if mode == "destroy" else "Apply"
    console.print(f"\n[bold green]{verb} complete![/bold green] {len(report.done)} change(s): {s['add']} added, "
                  f"{s['change']} changed, {s['destroy']} destroyed"
                  + (f", {s['keep']} kept" if s["keep"] else "") + ". Read-back matches.")


COMMANDS = (validate, diff, apply, destroy)
