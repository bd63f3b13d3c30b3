"""`sesl validate` rejects each documented invalid setting, offline, with its reason and key path."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sesl.cli.main import cli
from tests.conftest import boto


@pytest.mark.parametrize(("toml", "reason"), [
    ("[env.dev.firehose]\nbuffer_size_mib = 5\n", "below the 64 MiB minimum with record format conversion"),
    ("[env.dev.firehose]\nbuffer_size_mib = 200\n",
     "buffer_size_mib: 200 is above the maximum 128 (botocore firehose SizeInMBs)"),
    ("[env.dev.firehose]\nbuffer_interval_seconds = 1000\n", "buffer_interval_seconds: 1000 is above the maximum 900"),
    ('[env.dev.firehose]\nparquet_compression = "ZSTD"\n',
     "parquet_compression: 'ZSTD' is not one of UNCOMPRESSED, GZIP, SNAPPY"),
    ("[env.dev.firehose]\nlog_retention_days = 15\n", "log_retention_days: must be one of"),
    ('[env.dev.glue]\ncrawler_schedule = "cron(0 0 * * SUN *)"\n', "exactly one of day-of-month and day-of-week"),
    ("[env.dev.glue]\nprojection_year_min = 2030\nprojection_year_max = 2026\n", "must not exceed"),
    ("[env.dev.athena]\nbytes_scanned_cutoff = 1000\n",
     "1000 is below the minimum 10000000 (botocore athena BytesScannedCutoffValue)"),
    ('[env.dev.athena]\nengine_version = "Athena engine version 1"\n', "engine version"),
    ('[env.dev.ses]\nevent_types = ["open"]\n', "'open' is not one of SEND, REJECT"),
    ("[env.dev.monitoring]\nalarm_period_seconds = 45\n", "must be 10, 20, 30 or a multiple of 60"),
    ("[env.dev.monitoring]\ndatapoints_to_alarm = 5\n", "5 must not exceed EvaluationPeriods (3)"),
    ("[env.dev.s3]\nia_transition_days = 10\n", "must be between 30"),
    ("[env.dev.s3]\nnoncurrent_expiration_days = 20\n", "noncurrent_expiration_days: must be between 31 and 36500"),
])
def test_validate_rejects_with_the_reason(tmp_path: Path, toml: str, reason: str) -> None:
    config = tmp_path / "sesl.toml"
    config.write_text(toml)
    result = CliRunner().invoke(cli, ["--config", str(config), "validate", "--env", "dev"])
    assert result.exit_code == 1
    assert reason in result.output, result.output
    assert "Traceback" not in result.output


def test_validate_accepts_the_defaults_of_both_environments() -> None:
    for env in ("dev", "prod"):
        result = CliRunner().invoke(cli, ["validate", "--env", env])
        assert (result.exit_code, result.stdout.strip()) == (
            0, f"env {env}: configuration is valid (config: built-in defaults)")


# Issue 10 item 5: each is accepted by botocore's model and rejected by AWS; one line names the key.
DOCUMENTED_RULES = [
    ("[env.dev.firehose]\nbuffer_interval_seconds = 0\n",
     "error: env.dev.firehose.buffer_interval_seconds: 0 s is outside the 60-900 s the S3 backup allows (zero "
     "buffering is not available for the S3 backup); the raw backup (backup_enabled) uses this interval too"),
    ('[env.dev.glue]\ncrawler_schedule = "cron(61 25 ? * SUN *)"\n',
     "error: env.dev.glue.crawler_schedule: schedule 'cron(61 25 ? * SUN *)': minutes '61': 61 is outside 0-59; "
     "hours '25': 25 is outside 0-23"),
]


@pytest.mark.parametrize(("toml", "line"), DOCUMENTED_RULES, ids=["zero-buffering-backup", "cron-ranges"])
def test_validate_gives_one_line_naming_the_key(tmp_path: Path, toml: str, line: str) -> None:
    config = tmp_path / "sesl.toml"
    config.write_text(toml)
    result = CliRunner().invoke(cli, ["--config", str(config), "validate", "--env", "dev"])
    assert result.exit_code == 1
    errors = [e for e in result.stderr.splitlines() if e.startswith("error: ")]
    assert errors == [line, f"error: 1 problem(s) in env dev (config: {config})"], result.stderr


@pytest.mark.parametrize(("toml", "line"), DOCUMENTED_RULES, ids=["zero-buffering-backup", "cron-ranges"])
@pytest.mark.parametrize("command", [["diff", "--env", "dev"], ["apply", "--env", "dev", "--yes"]],
                         ids=lambda c: c[0])
def test_diff_and_apply_refuse_before_any_write(aws: None, tmp_path: Path, toml: str, line: str,
                                                command: list[str]) -> None:
    config = tmp_path / "sesl.toml"
    config.write_text(toml)
    result = CliRunner().invoke(cli, ["--no-color", "--config", str(config), *command])
    assert result.exit_code == 1
    assert line.removeprefix("error: ") in result.stderr
    assert "Traceback" not in result.output
    assert boto("s3").list_buckets()["Buckets"] == []  # not even the lock was written


def test_zero_buffering_is_valid_without_the_raw_backup(tmp_path: Path) -> None:
    config = tmp_path / "sesl.toml"
    config.write_text("[env.dev.firehose]\nbuffer_interval_seconds = 0\nbackup_enabled = false\n")
    result = CliRunner().invoke(cli, ["--config", str(config), "validate", "--env", "dev"])
    assert result.exit_code == 0, result.stderr
