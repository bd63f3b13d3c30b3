"""`sesl drift`: read-only drift detection made to run from cron."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.markup import escape

from sesl import drift as drift_lib
from sesl.cli.common import check_targets, config_source, env_option, exclusive, open_context, target_option
from sesl.cli.globals import Globals
from sesl.context import AwsContext
from sesl.errors import SeslError
from sesl.render import concrete_warnings

EXIT_DRIFT = 2


@click.command()
@env_option
@target_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False),
              help="Also write the JSON report to a file (its directory is created).")
@click.option("--notify", is_flag=True,
              help="Publish a summary to the alert topic when the differences changed since the last one.")
@click.option("--no-metrics", is_flag=True, help="Do not publish the drift and heartbeat metrics.")
@click.pass_obj
def drift(g: Globals, env_name: str, targets: tuple[str, ...], as_json: bool, out_file: str | None, notify: bool,
          no_metrics: bool) -> None:
    """Report what differs from the spec: modified, missing, unowned, orphaned, unmet. Takes no lock.

    Exit 0 in sync, 2 drift found, 1 the check itself failed (never reported as "no drift").
    It also reports the CloudTrail coverage of the region; with env.<name>.audit.require_cloudtrail
    a gap is an `unmet` difference (sesl never creates trails: `sesl apply` does not repair it).
    Each run publishes the drifted-aspects metric and a heartbeat (alarmed by sesl), and with
    --notify one SNS message per change of the set of differences (and one when it clears).
    The report is written (--out) before anything is sent or recorded; --notify checks the whole
    env, so it does not combine with --target.

    \b
    Example:
      sesl drift --env prod
      sesl drift --env prod --json --out /var/lib/sesl/drift-prod.json --notify
    """
    exclusive({"--target": targets, "--notify": notify},
              "a notification and its fingerprint cover the whole env")
    ctx = open_context(g, env_name, "drift --notify" if notify else "drift", changes=notify)
    ctx.verify_account()  # a wrong account is refused before anything else, and nothing is sent there
    try:
        check_targets(ctx, targets)
        report = drift_lib.detect(ctx, targets)
    except SeslError as exc:
        if notify:
            ctx.allow_mutations()
            drift_lib.notify_failure(ctx, str(exc))
        raise
    report.config = config_source(g).label
    report.warnings = list(concrete_warnings(tuple(report.warnings), env_name))
    if out_file:
        _write(out_file, report)  # before any write to AWS: a bad path fails the run, nothing recorded
    _publish(ctx, report, notify, no_metrics)
    if out_file and notify:
        _write(out_file, report)  # again, now saying whether it notified
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, default=str))
    else:
        _render(g, report)
    sys.exit(0 if report.in_sync else EXIT_DRIFT)


def _publish(ctx: AwsContext, report: drift_lib.DriftReport, notify: bool, no_metrics: bool) -> None:
    ctx.allow_mutations()  # only the metric, the notification and its fingerprint are written
    if not no_metrics:
        drift_lib.publish_metrics(ctx, report)
    if notify:
        report.notification = drift_lib.notify(ctx, report)


def _write(out_file: str, report: drift_lib.DriftReport) -> None:
    path = Path(out_file)
    text = json.dumps(report.to_json(), indent=2, default=str) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    except OSError as exc:
        raise SeslError(f"cannot write the report to {out_file}: {exc.strerror or exc}; nothing was notified; "
                        "fix the path or its permissions") from None


def _render(g: Globals, report: drift_lib.DriftReport) -> None:
    console = g.console()
    console.print(f"[bold]sesl drift[/bold] env [bold]{report.env}[/bold] · account {report.account} · "
                  f"{report.region} · config {escape(report.config)} · {report.generated_at}")
    addresses = {d.address for d in report.differences}
    for warning in report.warnings:
        if warning.split(": ", 1)[0] in addresses:  # the others are for `sesl validate`
            console.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    for category in drift_lib.CATEGORIES:
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
    _render_cloudtrail(g, report)
    counts = ", ".join(f"{n} {c}" for c, n in report.counts().items() if n)
    console.print("\n[bold]" + (f"Drift: {counts}." if counts else "In sync: no drift.") + "[/bold]")
    if report.notification is not None:
        console.print(escape(report.notification.detail))


def _render_cloudtrail(g: Globals, report: drift_lib.DriftReport) -> None:
    found = report.cloudtrail
    if not found:
        return
    console = g.console()
    required = "required" if found["required"] else "information only, not required"
    console.print(f"\n[bold]CloudTrail[/bold] ({required}): management events {found['management_events']}, "
                  f"S3 data events for {escape(found['bucket'])} {found['s3_data_events']}")
    if found["error"]:
        console.print(f"  [yellow]{escape(found['error'])}[/yellow]")
    for trail in found["trails"]:
        mark = "counted" if trail["counts"] else "not counted"
        why = trail["error"] or ("" if trail["logging"] else "not logging")
        notes = "; ".join([why, *trail["notes"]] if why else trail["notes"])
        console.print(f"  {escape(trail['arn'])}: {mark}" + (f" [dim]# {escape(notes)}[/dim]" if notes else ""))


COMMANDS = (drift,)
