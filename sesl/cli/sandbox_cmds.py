"""`sesl sandbox` (an embedded AWS emulator) and `sesl demo` (the whole story on a fresh one)."""

from __future__ import annotations

import os
import time

import click

from sesl.cli.main import Globals
from sesl.sandbox import server, shapes


@click.command()
@click.option("--port", default=5000, show_default=True, help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--moto-echo", is_flag=True,
              help="Answer as moto does (echo what was sent) instead of the way AWS answers; see docs/sandbox.md.")
@click.option("--faults", type=click.FloatRange(0, 1), default=None, metavar="RATE",
              help="Answer this share of requests with AWS's throttling/5xx errors (docs/sandbox.md).")
@click.pass_obj
def sandbox(g: Globals, port: int, moto_echo: bool, faults: float | None) -> None:
    """Run an embedded AWS emulator (moto) on 127.0.0.1 in the foreground, until Ctrl-C.

    It is seeded with the SES configuration sets the design treats as pre-existing, and fills the
    calls moto lacks. Its answers are shaped the way AWS answers (values normalised, members AWS adds),
    so a diff that settles here settles on AWS too (docs/sandbox.md). Point other commands at it with the
    line it prints.

    \b
    Example:
      sesl sandbox --port 5000 &
      export AWS_ENDPOINT_URL=http://127.0.0.1:5000 AWS_ACCESS_KEY_ID=sandbox \\
             AWS_SECRET_ACCESS_KEY=sandbox AWS_DEFAULT_REGION=us-west-2
      sesl apply --env dev --yes
    """
    if moto_echo:
        os.environ[shapes.ENV_SWITCH] = "0"
    os.environ.update({} if faults is None else {"SESL_SANDBOX_FAULTS": str(faults)})
    with server.running(port=port) as endpoint:
        exports = " ".join(f"{k}={v}" for k, v in server.environment(endpoint).items())
        click.echo(f"sandbox listening on {endpoint} (Ctrl-C stops it; its state is lost)")
        click.echo(f"export {exports}", color=False)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            click.echo("sandbox stopped")


@click.command()
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 90),
              help="Days of generated SES traffic to replay through the streams.")
@click.option("--events-per-day", default=2400, show_default=True, type=click.IntRange(12, 100_000),
              help="Events a day per stream (the design's volume by default).")
@click.pass_obj
def demo(g: Globals, days: int, events_per_day: int) -> None:
    """Run the whole story on a fresh sandbox, in one process, printing as it goes.

    validate -> diff (everything to create) -> apply -> a month of SES events through Firehose into
    Parquet -> verify -> the advertiser reports -> compaction -> drift, an out-of-band change, repair
    -> cost -> destroy. About two minutes at the default volume.

    \b
    Example:
      sesl demo
      sesl demo --days 7 --events-per-day 300    # a quicker run
    """
    from sesl.demo import run_demo

    run_demo(g, days, events_per_day)


COMMANDS = (sandbox, demo)
