"""The generated docs are current, every command documents itself with an example, the README's
two set-up commands are the ones CI runs."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from sesl.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import gen_docs  # noqa: E402


def test_cli_reference_is_current() -> None:
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == gen_docs.cli_reference(), \
        "run: .venv/bin/python scripts/gen_docs.py"


def test_configuration_reference_is_current() -> None:
    assert (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8") == gen_docs.configuration_reference(), \
        "run: .venv/bin/python scripts/gen_docs.py"


def test_every_command_has_help_with_an_example() -> None:
    root = click.Context(cli, info_name="sesl")
    for name in cli.list_commands(root):
        command = cli.get_command(root, name)
        assert command is not None and command.help, name
        assert "Example" in command.help, f"sesl {name} --help has no example"


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "./scripts/test.sh" in readme
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"pip install -e '\.\[sandbox\]' && \.venv/bin/sesl demo", readme)


def test_every_kind_has_a_docs_page() -> None:
    from sesl.resources import REGISTRY

    missing = [k.kind for k in REGISTRY if not (ROOT / "docs" / "resources" / f"{k.kind}.md").exists()]
    assert missing == []


def test_schema_page_is_generated_from_the_schema_module() -> None:
    from sesl.schema import markdown

    assert (ROOT / "docs" / "schema.md").read_text(encoding="utf-8") == markdown(), \
        "regenerate: python -c 'from sesl.schema import markdown; print(markdown(), end=\"\")' > docs/schema.md"


def test_each_page_section_is_the_real_help_output() -> None:
    from click.testing import CliRunner

    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    root = click.Context(cli, info_name="sesl")
    for name in ["", *cli.list_commands(root)]:
        args = [name, "--help"] if name else ["--help"]
        shown = CliRunner().invoke(cli, args, prog_name="sesl", terminal_width=100, max_content_width=100)
        assert shown.exit_code == 0
        heading = f"## sesl {name}".rstrip()
        assert f"{heading}\n\n```\n{shown.stdout}```" in page, f"docs/cli.md differs from `sesl {name} --help`"
    assert "sesl sesl" not in page


def test_sandbox_reference_is_current() -> None:
    assert (ROOT / "docs" / "sandbox.md").read_text(encoding="utf-8") == gen_docs.sandbox_reference(), \
        "run: .venv/bin/python scripts/gen_docs.py"
