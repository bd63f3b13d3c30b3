"""`sesl demo`: the newcomer's whole story on a fresh sandbox, in one process.

Each step runs the real CLI in-process and checks its exit code, so the demo fails loudly
(exit 1) if any part of the story stops working.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import boto3
import click
from rich.console import Console

from sesl.cli.main import Globals
from sesl.naming import Names
from sesl.sandbox import server

ENV = "dev"


@dataclass
class Demo:
    console: Console
    no_color: bool
    names: Names
    results: list[tuple[str, bool]] = field(default_factory=list)

    def run(self, title: str, args: list[str], expect: int) -> None:
        self.console.rule(f"[bold]{title}[/bold]  [dim]$ sesl {' '.join(args)}[/dim]")
        code = invoke(args, self.no_color)
        ok = code == expect
        self.results.append((title, ok))
        mark = "[green]as expected[/green]" if ok else f"[red]expected exit {expect}[/red]"
        self.console.print(f"[dim]exit {code}[/dim] {mark}\n")

    def note(self, title: str, action: Callable[[], str]) -> None:
        self.console.rule(f"[bold]{title}[/bold]")
        self.console.print(action() + "\n")

    def client(self, service: str) -> object:
        return boto3.client(service, region_name=self.names.region)


def invoke(args: list[str], no_color: bool) -> int:
    from sesl.cli.main import cli

    argv = (["--no-color"] if no_color else []) + args
    try:
        result = cli.main(args=argv, prog_name="sesl", standalone_mode=False)
    except SystemExit as exc:
        return int(exc.code or 0)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    return int(result) if isinstance(result, int) else 0


def out_of_band_versioning(demo: Demo) -> str:
    s3 = boto3.client("s3", region_name=demo.names.region)
    s3.put_bucket_versioning(Bucket=demo.names.events_bucket, VersioningConfiguration={"Status": "Suspended"})
    return f"boto3: versioning of {demo.names.events_bucket} set to Suspended behind sesl's back"


def records_through_firehose(demo: Demo) -> str:
    """SES-shaped records put to the newsletter stream, and what arrives in the events bucket."""
    from sesl.context import AwsContext
    from sesl.events import put_records, ses_event, to_record
    from sesl.spec import default_spec

    ctx = AwsContext(default_spec(ENV))
    ctx.mutations_allowed = True
    now = dt.datetime.now(dt.UTC)
    events = [ses_event(kind, message_id=f"demo-{i}", sent=now, recipient="reader@example.com",
                        account=demo.names.account, region=demo.names.region,
                        configuration_set=demo.names.configuration_set("newsletter"))
              for i, kind in enumerate(("Send", "Delivery", "Open", "Click"))]
    stream = demo.names.stream("newsletter")
    sent = put_records(ctx, stream, [to_record(e) for e in events])
    s3 = boto3.client("s3", region_name=demo.names.region)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=demo.names.events_bucket,
                                                  Prefix=demo.names.data_prefix("newsletter")).get("Contents", [])]
    lines = [f"PutRecordBatch: {sent} SES records (Send, Delivery, Open, Click) into {stream}",
             f"objects now in s3://{demo.names.events_bucket}/:", *(f"  {k}" for k in keys),
             "On AWS they arrive as Parquet (GZIP) under newsletter/year=YYYY/month=MM/day=DD/ after the 60 s "
             "buffer, plus a raw JSON copy under raw/; the emulator stores each call raw, at once, under its own "
             "key layout (the prefix's expressions unevaluated, then YYYY/MM/DD/HH/)."]
    return "\n".join(lines)


def out_of_band_cutoff(demo: Demo) -> str:
    boto3.client("athena", region_name=demo.names.region).update_work_group(
        WorkGroup=demo.names.workgroup, ConfigurationUpdates={"BytesScannedCutoffPerQuery": 100 * 1024**3})
    return f"boto3: {demo.names.workgroup}'s scan cut-off raised to 100 GiB behind sesl's back"


def story(demo: Demo) -> None:
    demo.run("1. validate the spec offline", ["validate", "--env", ENV], 0)
    demo.run("2. diff: everything is to be created", ["diff", "--env", ENV], 2)
    demo.run("3. apply", ["apply", "--env", ENV, "--yes"], 0)
    demo.run("4. diff: nothing to do", ["diff", "--env", ENV], 0)
    demo.note("5. SES events arrive through Firehose", lambda: records_through_firehose(demo))
    demo.run("6. verify the event path end to end", ["verify", "--env", ENV, "--wait", "30"], 0)
    demo.run("7. an advertiser query through the workgroup", ["query", "daily-engagement", "--env", ENV], 0)
    demo.run("8. drift from cron: in sync", ["drift", "--env", ENV, "--notify"], 0)
    demo.note("9. out-of-band changes", lambda: out_of_band_versioning(demo) + "\n" + out_of_band_cutoff(demo))
    demo.run("10. diff names exactly those aspects", ["diff", "--env", ENV], 2)
    demo.run("11. drift exits 2 and notifies once", ["drift", "--env", ENV, "--notify"], 2)
    demo.run("12. apply repairs them", ["apply", "--env", ENV, "--yes"], 0)
    demo.run("13. drift: back in sync, said once", ["drift", "--env", ENV, "--notify"], 0)
    demo.run("14. what it costs a month", ["cost", "--env", ENV], 0)
    demo.run("15. destroy keeps the bucket that holds data", ["destroy", "--env", ENV, "--yes"], 0)
    demo.run("16. destroy --delete-data removes it too", ["destroy", "--env", ENV, "--yes", "--delete-data"], 0)


RULE_WIDTH = 100  # the step rules of a log are as wide as a terminal's, not as the log's unlimited width


def run_demo(g: Globals) -> None:
    console = g.console()
    if not console.is_terminal:
        console.width = RULE_WIDTH
    with server.running() as endpoint, server.pointed_at(endpoint):
        console.print(f"[bold]sesl demo[/bold] on a fresh sandbox at {endpoint} (account {server.SANDBOX_ACCOUNT})\n")
        demo = Demo(console, g.no_color, Names(ENV, "us-west-2", server.SANDBOX_ACCOUNT))
        story(demo)
    failed = [title for title, ok in demo.results if not ok]
    if failed:
        console.print(f"[red]demo: {len(failed)} step(s) did not go as expected: {', '.join(failed)}[/red]")
        sys.exit(1)
    console.print(f"[bold green]demo complete: all {len(demo.results)} steps went as expected[/bold green]")
