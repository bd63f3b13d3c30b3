"""`sesl demo`: the newcomer's whole story on a fresh sandbox, in one process.

Each step runs the real CLI in-process and checks its exit code, so the demo fails loudly
(exit 1) if any part of the story stops working.
"""

from __future__ import annotations

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


def put_event_object(demo: Demo) -> str:
    s3 = boto3.client("s3", region_name=demo.names.region)
    key = "newsletter/year=2026/month=01/day=15/example.parquet"
    s3.put_object(Bucket=demo.names.events_bucket, Key=key, Body=b"PAR1 demo data PAR1")
    return f"put s3://{demo.names.events_bucket}/{key} so the bucket holds data"


def story(demo: Demo) -> None:
    demo.run("1. validate the spec offline", ["validate", "--env", ENV], 0)
    demo.run("2. diff: everything is to be created", ["diff", "--env", ENV], 2)
    demo.run("3. apply", ["apply", "--env", ENV, "--yes"], 0)
    demo.run("4. diff: nothing to do", ["diff", "--env", ENV], 0)
    demo.note("5. an out-of-band change", lambda: out_of_band_versioning(demo))
    demo.run("6. diff names exactly that aspect", ["diff", "--env", ENV], 2)
    demo.run("7. apply repairs it", ["apply", "--env", ENV, "--yes"], 0)
    demo.run("8. diff: in line again", ["diff", "--env", ENV], 0)
    demo.note("9. data arrives", lambda: put_event_object(demo))
    demo.run("10. destroy keeps the bucket that holds data", ["destroy", "--env", ENV, "--yes"], 0)
    demo.run("11. destroy --delete-data removes it too", ["destroy", "--env", ENV, "--yes", "--delete-data"], 0)


def run_demo(g: Globals) -> None:
    console = g.console()
    with server.running() as endpoint, server.pointed_at(endpoint):
        console.print(f"[bold]sesl demo[/bold] on a fresh sandbox at {endpoint} (account {server.SANDBOX_ACCOUNT})\n")
        demo = Demo(console, g.no_color, Names(ENV, "us-west-2", server.SANDBOX_ACCOUNT))
        story(demo)
    failed = [title for title, ok in demo.results if not ok]
    if failed:
        console.print(f"[red]demo: {len(failed)} step(s) did not go as expected: {', '.join(failed)}[/red]")
        sys.exit(1)
    console.print(f"[bold green]demo complete: all {len(demo.results)} steps went as expected[/bold green]")
