"""The `sesl` command group: global options, error handling, and the subcommands' registration.

Every failure becomes one line on stderr (`error: ...`) and exit 1, usage errors included; exit 2
is kept for "changes present" (`diff`, `drift`) and 130 for Ctrl-C. `--debug` shows the traceback
instead.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from sesl.aws_errors import explain
from sesl.cli.globals import Globals
from sesl.errors import SeslError
from sesl.ui import set_reporter

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130
# The group's options that take a value; the flags are --debug, --no-color and --no-config.
GLOBAL_VALUE_OPTIONS = ("--profile", "--region", "--config")
GLOBAL_FLAGS = ("--debug", "--no-color", "--no-config")


def hoist_global_options(args: Sequence[str]) -> list[str]:
    """Move global options written after the subcommand to before it, so that
    `sesl diff --env dev --no-color` means what it says."""
    args = list(args)
    head: list[str] = []
    i = 0
    while i < len(args) and args[i].startswith("-"):  # global options before the subcommand
        step = 2 if args[i] in GLOBAL_VALUE_OPTIONS else 1
        head += args[i:i + step]
        i += step
    if i >= len(args):
        return head
    head.append(args[i])
    rest, moved = args[i + 1:], []
    tail: list[str] = []
    j = 0
    while j < len(rest):
        arg = rest[j]
        if arg == "--":
            tail += rest[j:]
            break
        name = arg.split("=", 1)[0]
        if name in GLOBAL_FLAGS:
            moved.append(arg)
        elif name in GLOBAL_VALUE_OPTIONS:
            if "=" in arg:
                moved.append(arg)
            else:
                moved += rest[j:j + 2]
                j += 1
        else:
            tail.append(arg)
        j += 1
    return [*head[:-1], *moved, head[-1], *tail]


def _one_line(exc: click.ClickException) -> str:
    message = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError) and ctx is not None:
        message = message[:1].lower() + message[1:].rstrip(".")
        return f"{ctx.command_path}: {message} (see `{ctx.command_path} --help`)"
    return message


class SeslGroup(click.Group):
    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        argv = hoist_global_options(sys.argv[1:] if args is None else args)
        if not standalone_mode:
            return super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            result = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
            sys.exit(0)
        except click.ClickException as exc:
            click.echo(f"error: {_one_line(exc)}", err=True)
            sys.exit(EXIT_ERROR)
        except click.Abort:
            click.echo("error: interrupted; nothing more was done", err=True)
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(result if isinstance(result, int) else 0)

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
            ctx.exit(EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            if debug:
                raise
            click.echo(f"error: {explain(exc) or _unexpected(exc)}", err=True)
            ctx.exit(EXIT_ERROR)


def _unexpected(exc: BaseException) -> str:
    return f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)"


@click.group(name="sesl", cls=SeslGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--profile", envvar="AWS_PROFILE", help="AWS profile (default: the standard credential chain).")
@click.option("--region", help="Override the environment's region.")
@click.option("--config", type=click.Path(path_type=Path),
              help="Config file (TOML). Default: $SESL_CONFIG, else the nearest sesl.toml from the current "
                   "directory upward.")
@click.option("--no-config", is_flag=True,
              help="Use the built-in defaults on purpose, ignoring any config file (needed to change prod "
                   "without one).")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.option("--no-color", is_flag=True, envvar="NO_COLOR", help="Plain output without colours.")
@click.version_option(package_name="sesl")
@click.pass_context
def cli(ctx: click.Context, profile: str | None, region: str | None, config: Path | None, no_config: bool,
        debug: bool, no_color: bool) -> None:
    """sesl keeps the SES email-event data lake (S3, IAM, Firehose, Glue, Athena, monitoring) in line.

    Global options may come before or after the subcommand.

    \b
    Example:
      sesl diff --env dev          # what would change (exit 2 when something would)
      sesl apply --env dev --yes   # make it so
    """
    if config is not None and no_config:
        raise click.UsageError("--config and --no-config exclude each other: pass one", ctx)
    g = Globals(profile, region, config, debug, no_color, no_config)
    ctx.obj = g
    if not ctx.resilient_parsing:
        from sesl.cli.common import config_source

        config_source(g)  # a --config or $SESL_CONFIG that is not a file fails every command alike
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
