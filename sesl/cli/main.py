"""The `sesl` command group: global options, error handling, and the subcommands' registration.

Every failure becomes one line on stderr (`error: ...`) and a non-zero exit; `--debug` shows
the traceback instead.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from sesl.errors import SeslError
from sesl.ui import set_reporter


@dataclass
class Globals:
    profile: str | None
    region: str | None
    config: Path | None
    debug: bool
    no_color: bool

    def console(self, stderr: bool = False) -> Console:
        return Console(stderr=stderr, no_color=self.no_color, highlight=False, soft_wrap=True)


class SeslGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        debug = "--debug" in sys.argv or bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except SeslError as exc:
            if debug:
                raise
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("error: interrupted; run the command again: sesl converges from whatever state "
                       "it finds", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            if debug:
                raise
            click.echo(f"error: unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)",
                       err=True)
            ctx.exit(1)


@click.group(cls=SeslGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--profile", envvar="AWS_PROFILE", help="AWS profile (default: the standard credential chain).")
@click.option("--region", help="Override the environment's region.")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path),
              help="Config file (TOML). Default: ./sesl.toml when it exists.")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.option("--no-color", is_flag=True, envvar="NO_COLOR", help="Plain output without colours.")
@click.version_option(package_name="sesl")
@click.pass_context
def cli(ctx: click.Context, profile: str | None, region: str | None, config: Path | None, debug: bool,
        no_color: bool) -> None:
    """sesl keeps the SES email-event data lake (S3, IAM, Firehose, Glue, Athena, monitoring) in line.

    \b
    Example:
      sesl diff --env dev          # what would change (exit 2 when something would)
      sesl apply --env dev --yes   # make it so
    """
    g = Globals(profile, region, config, debug, no_color)
    ctx.obj = g
    from sesl.cli.console_reporter import ConsoleReporter

    set_reporter(ConsoleReporter(g.console(stderr=True)))


def _register() -> None:
    from sesl.cli import compact_cmds, cost_cmds, drift_cmds, plan_cmds, query_cmds, sandbox_cmds, verify_cmds

    for module in (plan_cmds, drift_cmds, sandbox_cmds, query_cmds, verify_cmds, cost_cmds, compact_cmds):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    cli(prog_name="sesl")
