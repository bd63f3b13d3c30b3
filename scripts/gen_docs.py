"""Regenerate docs/cli.md and docs/configuration.md from the code (a test checks they are current).

    .venv/bin/python scripts/gen_docs.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sesl.cli import exit_codes  # noqa: E402
from sesl.cli.main import cli  # noqa: E402
from sesl.sandbox.reference import sandbox_reference  # noqa: E402
from sesl.spec import describe_settings  # noqa: E402


def cli_reference() -> str:
    lines = ["# CLI reference", "", "Generated from the commands' help by `scripts/gen_docs.py`; "
             "a test keeps it current.", "", "Global options (`--profile`, `--region`, `--config`, `--no-config`, "
             "`--debug`, `--no-color`) may come before or after the subcommand.", "", *exit_code_tables()]
    # A fixed width, so the output does not depend on the terminal that runs the script or the tests.
    # make_context applies the group's context settings (-h as well as --help) the way the CLI does.
    root = cli.make_context("sesl", [], resilient_parsing=True, terminal_width=100, max_content_width=100)
    lines += ["## sesl", "", "```", cli.get_help(root), "```", ""]
    for name in sorted(cli.list_commands(root)):
        command = cli.get_command(root, name)
        assert command is not None
        sub = command.make_context(name, [], parent=root, resilient_parsing=True)
        lines += [f"## sesl {name}", "", "```", command.get_help(sub), "```", ""]
    return "\n".join(lines)


def exit_code_tables() -> list[str]:
    lines = ["## Exit codes", "", "| code | meaning |", "| --- | --- |"]
    lines += [f"| {code} | {meaning} |" for code, meaning in exit_codes.MEANING.items()]
    lines += ["", "| command | exit codes |", "| --- | --- |"]
    lines += [f"| `sesl {name}` | {', '.join(map(str, codes))} |" for name, codes in exit_codes.BY_COMMAND.items()]
    return [*lines, ""]


def configuration_reference() -> str:
    lines = ["# Configuration", "", "A config file overrides the built-in defaults per "
             "environment, under `[env.dev]` / `[env.prod]` and their sections. sesl uses `--config PATH`, else "
             "the file named by `SESL_CONFIG`, else the nearest `sesl.toml` in the current directory or above; "
             "`--no-config` uses the defaults on purpose. Generated from "
             "`sesl/spec.py` by `scripts/gen_docs.py`; a test keeps it current.", "",
             "| key | default | meaning |", "| --- | --- | --- |"]
    lines += [f"| `{key}` | `{default}` | {doc} |" for key, default, doc in describe_settings()]
    lines += ["", "Ignore rules are an array of tables:", "", "```toml", "[[env.dev.ignore]]",
              'path = "kind.name.aspect[.field]"   # shell-style wildcards allowed',
              'reason = "why this difference is accepted"', "expires = 2027-01-31              # optional",
              "```", ""]
    return "\n".join(lines)


def write() -> None:
    (ROOT / "docs" / "cli.md").write_text(cli_reference(), encoding="utf-8")
    (ROOT / "docs" / "configuration.md").write_text(configuration_reference(), encoding="utf-8")
    (ROOT / "docs" / "sandbox.md").write_text(sandbox_reference(), encoding="utf-8")


if __name__ == "__main__":
    write()
