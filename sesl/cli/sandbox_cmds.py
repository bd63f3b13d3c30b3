"""`sesl sandbox` (an embedded AWS emulator) and `sesl demo` (the whole story on a fresh one)."""

from __future__ import annotations

import errno
import importlib
import os
import socket
import time
from types import ModuleType

import click

from sesl.cli.globals import Globals
from sesl.errors import ConfigError, SeslError
from sesl.sandbox import shapes  # stdlib only at import: safe without the sandbox extra

# Not 5000 (AirPlay on macOS) nor 4566 (LocalStack) nor 8000/8080: a port common systems leave free.
DEFAULT_PORT = 4747
HOST = "127.0.0.1"
# What the `sandbox` extra installs (pyproject.toml): the emulator and its data path (Parquet, SQL).
SANDBOX_MODULES = ("moto.server", "werkzeug", "pyarrow", "duckdb", "sqlglot")


def check_port_free(port: int, host: str = HOST) -> None:
    """A busy port is one line and exit 1 at once, not the emulator's message and a hang."""
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds: TIME_WAIT is free
        try:
            probe.bind((host, port))
        except OSError as exc:
            what = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be used ({exc.strerror})"
            raise SeslError(f"port {port} on {host} {what}: pass another --port, or --port 0 to pick a free "
                            "one") from None


def sandbox_server() -> ModuleType:
    """sesl.sandbox.server, or the install line when the sandbox extra is missing."""
    for module in SANDBOX_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:
            raise SeslError("the sandbox needs the extra: pip install 'sesl[sandbox]'") from None
    from sesl.sandbox import server

    return server


@click.command()
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535),
              help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--moto-echo", is_flag=True,
              help="Answer as moto does (echo what was sent) instead of the way AWS answers; see docs/sandbox.md.")
@click.option("--faults", type=click.FloatRange(0, 1), default=None, metavar="RATE",
              help="Answer this share of requests with AWS's throttling/5xx errors (docs/sandbox.md).")
@click.pass_obj
def sandbox(g: Globals, port: int, moto_echo: bool, faults: float | None) -> None:
    """Run an embedded AWS emulator (moto) on 127.0.0.1 in the foreground, until Ctrl-C.

    It is seeded with the SES configuration sets the design treats as pre-existing (of dev, prod and
    every environment of the config found here), and fills the
    calls moto lacks. Its answers are shaped the way AWS answers (values normalised, members AWS adds),
    so a diff that settles here settles on AWS too (docs/sandbox.md). Point other commands at it with the
    line it prints.

    \b
    Example:
      sesl sandbox &
      export AWS_ENDPOINT_URL=http://127.0.0.1:4747 AWS_ACCESS_KEY_ID=sandbox \\
             AWS_SECRET_ACCESS_KEY=sandbox AWS_DEFAULT_REGION=us-west-2
      sesl apply --env dev --yes
    """
    check_port_free(port)
    if moto_echo:
        os.environ[shapes.ENV_SWITCH] = "0"
    os.environ.update({} if faults is None else {"SESL_SANDBOX_FAULTS": str(faults)})
    server = sandbox_server()
    envs = _config_envs(g)
    with server.running(port=port, envs=envs, sets=_config_sets(g, envs, server.SANDBOX_ACCOUNT)) as endpoint:
        exports = " ".join(f"{k}={v}" for k, v in server.environment(endpoint).items())
        click.echo(f"sandbox listening on {endpoint} (Ctrl-C stops it; its state is lost)")
        click.echo(f"export {exports}", color=False)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            click.echo("sandbox stopped")


def _config_envs(g: Globals) -> list[str]:
    """The environments of the config this directory uses, whose configuration sets the sandbox seeds;
    a config that cannot be read only costs those (the sandbox still starts)."""
    from sesl.cli.common import config_source
    from sesl.spec import defined_envs, env_name_problem, read_config

    try:
        return [env for env in defined_envs(read_config(config_source(g).path)) if not env_name_problem(env)]
    except ConfigError as exc:
        click.echo(f"warning: {exc}; seeding the configuration sets of dev and prod only", err=True)
        return []


def _config_sets(g: Globals, envs: list[str], account: str) -> list[str]:
    """The configuration sets of the streams each env of the config lists (those with a problem are left out:
    `sesl validate` reports it)."""
    from sesl.cli.common import config_source
    from sesl.spec import collect_problems, read_config

    sets: list[str] = []
    try:
        source = config_source(g)
        config = read_config(source.path)
        for env in envs:
            spec, _ = collect_problems(env, config, source.label)
            names = spec.names_for(spec.region, account)
            sets += [names.configuration_set(flow) for flow in spec.flows]
    except ConfigError:
        pass  # _config_envs said so already
    return sets


@click.command()
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 90),
              help="Days of generated SES traffic to replay through the streams.")
@click.option("--events-per-day", default=2400, show_default=True, type=click.IntRange(12, 100_000),
              help="Events a day per stream (the design's volume by default).")
@click.pass_context
def demo(ctx: click.Context, days: int, events_per_day: int) -> None:
    """Run the whole story on a fresh sandbox, in one process, printing as it goes.

    validate -> diff (everything to create) -> apply -> a month of SES events through Firehose into
    Parquet -> verify -> the advertiser reports -> compaction -> drift, an out-of-band change, repair
    -> cost -> destroy. About two minutes at the default volume.

    \b
    Example:
      sesl demo
      sesl demo --days 7 --events-per-day 300    # a quicker run
    """
    sandbox_server()
    from sesl.demo import run_demo

    g: Globals = ctx.obj
    group = ctx.find_root().command  # the `sesl` group, found without importing sesl.cli.main

    def run_cli(args: list[str]) -> int:
        return invoke(group, (["--no-color"] if g.no_color else []) + args)

    run_demo(g.console(), run_cli, days, events_per_day)


def invoke(group: click.Command, argv: list[str]) -> int:
    """Run `sesl ARGV...` in this process, as the shell would, and answer its exit code."""
    try:
        result = group.main(args=argv, prog_name="sesl", standalone_mode=False)
    except SystemExit as exc:
        return int(exc.code or 0)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    return int(result) if isinstance(result, int) else 0


COMMANDS = (sandbox, demo)
