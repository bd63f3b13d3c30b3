"""A test run from inside a project: a directory holding its own sesl.toml, and the CLI invoked in-process."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sesl.cli.main import cli


def enter_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str) -> Path:
    """Work in `tmp_path` with `config` as its sesl.toml, whatever config the developer's shell points at."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SESL_CONFIG", raising=False)
    (tmp_path / "sesl.toml").write_text(config, encoding="utf-8")
    return tmp_path


def run(*args: str) -> Result:
    """`sesl --no-color ARGS` in-process."""
    return CliRunner().invoke(cli, ["--no-color", *args])
