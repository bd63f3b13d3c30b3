"""`sesl compact`: rewrite a closed day's small Parquet files as one, with Athena (sesl/compaction.py)."""

from __future__ import annotations

import datetime as dt
import json
from functools import partial

import click

from sesl.cli.common import check_streams, config_source, env_option, open_context
from sesl.cli.globals import Globals
from sesl.compaction import CompactionReport, compact_day
from sesl.model import FORMAT_VERSION
from sesl.reconcile import aws_call


@click.command()
@env_option
@click.option("--stream", "--flow", "flows", multiple=True, metavar="NAME",
              help="Which stream's table (default: every one of the env).")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), help="The UTC day to compact (default: yesterday).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def compact(g: Globals, env_name: str, flows: tuple[str, ...], day: dt.datetime | None, as_json: bool) -> None:
    """Compact a closed day's Parquet files into one per partition, with Athena UNLOAD.

    Firehose writes a file per buffer interval, mostly Parquet footer at newsletter volume (see
    `sesl cost`). The originals stay recoverable as noncurrent versions until the bucket's lifecycle
    expires them. Run it daily from cron, after midnight UTC plus the buffer interval.

    \b
    Example:
      sesl compact --env prod                       # yesterday, every flow
      sesl compact --env prod --flow newsletter --day 2026-11-28
    """
    ctx = open_context(g, env_name, "compact", changes=True)
    check_streams(ctx.spec, flows)
    ctx.verify_account()
    target = day.date() if day else dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    reports = [aws_call(f"compact {flow} {target}", partial(compact_day, ctx, flow, target))
               for flow in (flows or ctx.spec.flows)]
    if as_json:
        click.echo(json.dumps({"format_version": FORMAT_VERSION, "env": env_name, "config": config_source(g).label,
                               "day": target.isoformat(),
                               "flows": [_as_json(r) for r in reports]}, indent=2))
        return
    for report in reports:
        click.echo(_line(report))


def _as_json(r: CompactionReport) -> dict[str, object]:
    return {"flow": r.flow, "rows": None if r.rows < 0 else r.rows, "files_before": r.files_before,
            "bytes_before": r.bytes_before, "files_after": r.files_after, "bytes_after": r.bytes_after,
            "recoverable_versions": r.kept_versions}


def _line(r: CompactionReport) -> str:
    if r.rows < 0:
        return f"{r.flow} {r.day}: {r.files_before} file(s): nothing to compact"
    return (f"{r.flow} {r.day}: {r.rows:,} rows; {r.files_before:,} files ({r.bytes_before:,} bytes) -> "
            f"{r.files_after} ({r.bytes_after:,} bytes); the {r.kept_versions:,} originals are kept as noncurrent "
            "versions until the lifecycle expires them")


COMMANDS = (compact,)
