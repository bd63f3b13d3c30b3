"""`sesl verify`: the end-to-end smoke test of a live environment."""

from __future__ import annotations

import json
import sys

import click
from rich.table import Table

from sesl.cli.common import config_source, env_option, open_context
from sesl.cli.globals import Globals
from sesl.errors import SeslError
from sesl.model import FORMAT_VERSION
from sesl.verify import DEFAULT_WAIT_SECONDS, FAIL, INFO, PASS, report_json, run_verify

_STYLE = {PASS: "green", FAIL: "bold red", INFO: "cyan"}


@click.command()
@env_option
@click.option("--direct", is_flag=True, help="Put synthetic records into the streams instead of sending e-mail.")
@click.option("--wait", "wait_seconds", default=DEFAULT_WAIT_SECONDS, show_default=True, type=click.FloatRange(min=0),
              help="Seconds to wait for each stream to deliver.")
@click.option("--json", "as_json", is_flag=True, help="Print the checklist as JSON.")
@click.pass_obj
def verify(g: Globals, env_name: str, direct: bool, wait_seconds: float, as_json: bool) -> None:
    """Prove the environment works end to end: stream -> S3 -> partition -> Athena.

    On AWS it sends e-mail through each configuration set to the SES mailbox simulator (set
    env.<name>.ses.sender to a verified identity), or with --direct puts synthetic records into the
    streams. It waits for the objects under today's partition (UTC), checks nothing landed under
    errors/, and counts the test events through the workgroup. It also reports whether a logging
    CloudTrail trail records the region (info; a failing step with env.<name>.audit.require_cloudtrail).
    Steps the sandbox cannot show are listed as not checked, with the reason. Exit 0 only if no step
    failed.

    \b
    Example:
      sesl verify --env dev
      sesl verify --env prod --direct --wait 600
    """
    ctx = open_context(g, env_name, "verify")
    report = run_verify(ctx, direct=direct, wait_seconds=wait_seconds)
    if as_json:
        document = {"format_version": FORMAT_VERSION, "env": env_name, "config": config_source(g).label,
                    **report_json(report)}
        click.echo(json.dumps(document, indent=2))
    else:
        table = Table(title=f"sesl verify · env {env_name} · token {report.token}")
        for column in ("step", "result", "detail", "time"):
            table.add_column(column)
        for step in report.steps:
            style = _STYLE.get(step.status, "yellow")
            table.add_row(step.name, f"[{style}]{step.status}[/{style}]", step.detail, f"{step.seconds:.1f} s")
        console = g.console()
        console.print(table)
        for line in report.left_behind:
            console.print(f"[dim]left behind: {line}[/dim]")
    if not report.ok:
        names = ", ".join(s.name for s in report.failed)
        raise SeslError(f"verify failed at: {names}")
    sys.exit(0)


COMMANDS = (verify,)
