"""`sesl demo`: the newcomer's whole story on a fresh sandbox, in one process.

Each step runs the real CLI in-process and checks its exit code, so the demo fails loudly
(exit 1) if any part of the story stops working. The CLI is handed in (`RunCli`, from
sesl.cli.sandbox_cmds): this module does not import the command line that runs it.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import boto3
from rich.console import Console

from sesl.naming import Names
from sesl.sandbox import server

ENV = "dev"

# Runs `sesl ARGS...` in this process and answers its exit code.
RunCli = Callable[[list[str]], int]


@dataclass
class Demo:
    console: Console
    run_cli: RunCli
    names: Names
    days: int = 30  # of traffic
    events_per_day: int = 2400  # per stream: the design's volume
    results: list[tuple[str, bool]] = field(default_factory=list)

    def run(self, title: str, args: list[str], expect: int) -> None:
        self.console.rule(f"[bold]{title}[/bold]  [dim]$ sesl {' '.join(args)}[/dim]")
        code = self.run_cli(args)
        ok = code == expect
        self.results.append((title, ok))
        mark = "[green]as expected[/green]" if ok else f"[red]expected exit {expect}[/red]"
        self.console.print(f"[dim]exit {code}[/dim] {mark}\n")

    def note(self, title: str, action: Callable[[], str]) -> None:
        self.console.rule(f"[bold]{title}[/bold]")
        self.console.print(action() + "\n")

    def client(self, service: str) -> object:
        return boto3.client(service, region_name=self.names.region)


def out_of_band_versioning(demo: Demo) -> str:
    s3 = boto3.client("s3", region_name=demo.names.region)
    s3.put_bucket_versioning(Bucket=demo.names.events_bucket, VersioningConfiguration={"Status": "Suspended"})
    return f"boto3: versioning of {demo.names.events_bucket} set to Suspended behind sesl's back"


def month_of_traffic(demo: Demo) -> str:
    """A month of both flows (sesl.traffic: every hard case) replayed through the streams, hour by hour,
    each hour's records arriving at that hour, so they land in the partitions of their arrival day."""
    from sesl import traffic
    from sesl.context import AwsContext
    from sesl.events import put_records, to_record
    from sesl.sandbox.gaps.firehose_delivery import flush_all, replayed_arrivals
    from sesl.spec import default_spec

    ctx = AwsContext(default_spec(ENV))
    ctx.allow_mutations()  # the sandbox, whose account the demo made
    where = {flow: traffic.Where(demo.names.account, demo.names.region, demo.names.configuration_set(flow))
             for flow in ("newsletter", "transactional")}
    today = dt.datetime.now(dt.UTC).date()
    month = traffic.month(today, where, demo.events_per_day, demo.days)
    hours = sorted({hour for arrivals in month.values() for hour, _ in traffic.by_hour(arrivals)})
    grouped = {flow: dict(traffic.by_hour(arrivals)) for flow, arrivals in month.items()}
    for hour in hours:
        with replayed_arrivals(hour.timestamp):
            for flow, arrivals in grouped.items():
                if hour in arrivals:
                    put_records(ctx, demo.names.stream(flow), [to_record(a.event) for a in arrivals[hour]])
            flush_all()
    counts = {flow: len(arrivals) for flow, arrivals in month.items()}
    return "\n".join([
        f"{demo.days} days of traffic ({demo.events_per_day:,} events a day per stream), replayed hour by hour through "
        "PutRecordBatch: " + ", ".join(f"{n:,} {flow} records" for flow, n in counts.items()),
        "The sandbox's Firehose converts each hour's records to GZIP Parquet with the Glue schema under "
        "<flow>/year=/month=/day=/ of their arrival, and keeps a raw GZIP copy under raw/.",
        "In the month: messages to several recipients (a proof copy To one editor, CC two, one of them "
        "bouncing), repeated opens and clicks, opens days after the send, an issue sent across midnight UTC, "
        "machine opens, tagged links with capitalised tag keys, soft bounces, complaints, duplicate records."])


def out_of_band_cutoff(demo: Demo) -> str:
    boto3.client("athena", region_name=demo.names.region).update_work_group(
        WorkGroup=demo.names.workgroup, ConfigurationUpdates={"BytesScannedCutoffPerQuery": 100 * 1024**3})
    return f"boto3: {demo.names.workgroup}'s scan cut-off raised to 100 GiB behind sesl's back"


def story(demo: Demo) -> None:
    # Two days back: yesterday is not closed until a quarter past midnight UTC (sesl.compaction.closed).
    closed_day = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=2)).isoformat()
    demo.run("1. validate the spec offline", ["validate", "--env", ENV], 0)
    demo.run("2. diff: everything is to be created", ["diff", "--env", ENV], 2)
    demo.run("3. apply", ["apply", "--env", ENV, "--yes"], 0)
    demo.run("4. diff: nothing to do", ["diff", "--env", ENV], 0)
    demo.note("5. a month of SES events arrives through Firehose", lambda: month_of_traffic(demo))
    demo.run("6. verify the event path end to end", ["verify", "--env", ENV, "--wait", "30"], 0)
    for number, query in enumerate(REPORTS, start=7):
        demo.run(f"{number}. advertiser report: {query}", ["query", query, "--env", ENV], 0)
    demo.run("12. compact a closed day's small Parquet files", ["compact", "--env", ENV, "--day", closed_day], 0)
    demo.run("13. the numbers after compaction", ["query", "daily-engagement", "--env", ENV, "--param", "3"], 0)
    demo.run("14. drift from cron: in sync", ["drift", "--env", ENV, "--notify"], 0)
    demo.note("15. out-of-band changes", lambda: out_of_band_versioning(demo) + "\n" + out_of_band_cutoff(demo))
    demo.run("16. diff names exactly those aspects", ["diff", "--env", ENV], 2)
    demo.run("17. drift exits 2 and notifies once", ["drift", "--env", ENV, "--notify"], 2)
    demo.run("18. apply repairs them", ["apply", "--env", ENV, "--yes"], 0)
    demo.run("19. drift: back in sync, said once", ["drift", "--env", ENV, "--notify"], 0)
    demo.run("20. what it costs a month, and which buffer interval to use", ["cost", "--env", ENV], 0)
    demo.run("21. destroy keeps the bucket that holds data", ["destroy", "--env", ENV, "--yes"], 0)
    demo.run("22. destroy --delete-data removes it too", ["destroy", "--env", ENV, "--yes", "--delete-data"], 0)


REPORTS = ("daily-engagement", "weekly-trends", "top-links", "bounce-complaint-rates", "subscriber-growth")
RULE_WIDTH = 100  # the step rules of a log are as wide as a terminal's, not as the log's unlimited width


def run_demo(console: Console, run_cli: RunCli, days: int = 30, events_per_day: int = 2400) -> None:
    if not console.is_terminal:
        console.width = RULE_WIDTH
    with server.running() as endpoint, server.pointed_at(endpoint):
        console.print(f"[bold]sesl demo[/bold] on a fresh sandbox at {endpoint} (account {server.SANDBOX_ACCOUNT})\n")
        demo = Demo(console, run_cli, Names(ENV, "us-west-2", server.SANDBOX_ACCOUNT), days, events_per_day)
        story(demo)
    failed = [title for title, ok in demo.results if not ok]
    if failed:
        console.print(f"[red]demo: {len(failed)} step(s) did not go as expected: {', '.join(failed)}[/red]")
        sys.exit(1)
    console.print(f"[bold green]demo complete: all {len(demo.results)} steps went as expected[/bold green]")
