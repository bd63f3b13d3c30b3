"""`sesl drift`: read-only drift detection made to run from cron."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.markup import escape

from sesl import drift as drift_lib
from sesl.cli.main import Globals
from sesl.context import AwsContext
from sesl.errors import SeslError
from sesl.spec import ENVIRONMENTS, load_spec

EXIT_DRIFT = 2


@click.command()
@click.option("--env", "env_name", required=True, type=click.Choice(ENVIRONMENTS), help="Environment to check.")
@click.option("--target", "targets", multiple=True, metavar="KIND[.NAME]", help="Limit the check (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), help="Also write the JSON report to a file.")
@click.option("--notify", is_flag=True,
              help="Publish a summary to the alert topic when the differences changed since the last one.")
@click.option("--no-metrics", is_flag=True, help="Do not publish the drift and heartbeat metrics.")
@click.pass_obj
def drift(g: Globals, env_name: str, targets: tuple[str, ...], as_json: bool, out_file: str | None, notify: bool,
          no_metrics: bool) -> None:
    """Report what differs from the spec: modified, missing, unowned, orphaned. Takes no lock.

    Exit 0 in sync, 2 drift found, 1 the check itself failed (never reported as "no drift").
    Each run publishes the drifted-aspects metric and a heartbeat (alarmed by sesl), and with
    --notify one SNS message per change of the set of differences (and one when it clears).

    \b
    Example:
      sesl drift --env prod
      sesl drift --env prod --json --out /var/lib/sesl/drift-prod.json --notify
    """
    ctx = AwsContext(load_spec(env_name, g.config), profile=g.profile, region=g.region)
    try:
        ctx.verify_account()
        report = drift_lib.detect(ctx, targets)
    except SeslError as exc:
        if notify:
            ctx.mutations_allowed = True
            drift_lib.notify_failure(ctx, str(exc))
        raise
    ctx.mutations_allowed = True  # only the metric, the notification and its fingerprint are written
    notes = []
    if not no_metrics:
        drift_lib.publish_metrics(ctx, report)
    if notify:
        notes.append(drift_lib.notify(ctx, report))
    document = report.to_json()
    if out_file:
        Path(out_file).write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    if as_json:
        click.echo(json.dumps(document, indent=2, default=str))
    else:
        _render(g, report, notes)
    sys.exit(0 if report.in_sync else EXIT_DRIFT)


def _render(g: Globals, report: drift_lib.DriftReport, notes: list[str]) -> None:
    console = g.console()
    console.print(f"[bold]sesl drift[/bold] env [bold]{report.env}[/bold] · account {report.account} · "
                  f"{report.region} · {report.generated_at}")
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    for category in ("modified", "missing", "unowned", "orphan"):
        items = [d for d in report.differences if d.category == category]
        if items:
            console.print(f"\n[bold]{category.capitalize()}[/bold]")
        for d in items:
            aspect = "" if d.aspect == "resource" else f" ({d.aspect})"
            console.print(f"  {escape(d.address)}{aspect}" + (f" [dim]# {escape(d.note)}[/dim]" if d.note else ""))
            for f in d.fields:
                console.print(f"      {escape(f['path'])}: expected {escape(json.dumps(f['expected'], default=str))}"
                              f", actual {escape(json.dumps(f['actual'], default=str))}")
    if report.ignored:
        console.print("\n[dim]Ignored by rules in the config:[/dim]")
        for item in report.ignored:
            console.print(f"[dim]  {escape(item['address'])} ({item['aspect']}): {escape(item['ignore_reason'])}[/dim]")
    counts = ", ".join(f"{n} {c}" for c, n in report.counts().items() if n)
    console.print("\n[bold]" + (f"Drift: {counts}." if counts else "In sync: no drift.") + "[/bold]")
    for note in notes:
        console.print(f"[dim]{escape(note)}[/dim]")


COMMANDS = (drift,)
