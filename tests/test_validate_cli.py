"""`sesl validate` rejects each documented invalid setting, offline, with its reason and key path."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sesl.cli.main import cli


@pytest.mark.parametrize(("toml", "reason"), [
    ("[env.dev.firehose]\nbuffer_size_mib = 5\n", "below the 64 MiB minimum with record format conversion"),
    ("[env.dev.firehose]\nbuffer_size_mib = 200\n", "outside 1-128"),
    ("[env.dev.firehose]\nbuffer_interval_seconds = 1000\n", "must be between 0 and 900"),
    ('[env.dev.firehose]\nparquet_compression = "ZSTD"\n', "ParquetSerDe.Compression: 'ZSTD'"),
    ("[env.dev.firehose]\nlog_retention_days = 15\n", "log_retention_days: must be one of"),
    ('[env.dev.glue]\ncrawler_schedule = "cron(0 0 * * SUN *)"\n', "exactly one of day-of-month and day-of-week"),
    ("[env.dev.glue]\nprojection_year_min = 2030\nprojection_year_max = 2026\n", "must not exceed"),
    ("[env.dev.athena]\nbytes_scanned_cutoff = 1000\n", "must be between 10000000"),
    ('[env.dev.athena]\nengine_version = "Athena engine version 1"\n', "engine version"),
    ('[env.dev.ses]\nevent_types = ["open"]\n', "must be one of"),
    ("[env.dev.monitoring]\nalarm_period_seconds = 45\n", "must be 10, 20, 30 or a multiple of 60"),
    ("[env.dev.monitoring]\ndatapoints_to_alarm = 5\n", "must not exceed evaluation_periods"),
    ("[env.dev.s3]\nia_transition_days = 10\n", "must be between 30"),
    ("[env.dev.s3]\nnoncurrent_expiration_days = 20\n", "noncurrent expiration (20 d) must come after"),
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
