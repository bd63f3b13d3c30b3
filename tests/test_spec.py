"""The env spec: embedded defaults, TOML overrides, every problem reported with its key path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sesl.errors import ConfigError
from sesl.spec import collect_problems, default_spec, describe_settings, load_spec, read_config


def test_defaults_reproduce_the_design() -> None:
    spec = default_spec("prod")
    assert (spec.env, spec.region) == ("prod", "us-west-2")
    assert spec.firehose.buffer_interval_seconds == 60
    assert spec.athena.bytes_scanned_cutoff == 1024**3
    assert spec.ses.event_types == ["SEND", "DELIVERY", "BOUNCE", "COMPLAINT", "OPEN", "CLICK"]


def test_overrides_apply_per_environment_only() -> None:
    config = {"env": {"dev": {"account_id": "111122223333", "firehose": {"log_retention_days": 30}},
                      "prod": {"alert_email": "ops@example.com"}}}
    dev, problems = collect_problems("dev", config)
    assert problems == []
    assert dev.account_id == "111122223333" and dev.firehose.log_retention_days == 30
    assert dev.alert_email is None
    assert dev.firehose.buffer_interval_seconds == 60  # untouched settings keep their defaults


def test_every_problem_is_reported_with_its_key_path_in_one_run() -> None:
    config = {"bogus": 1, "env": {"Staging": {}, "dev": {
        "acount_id": "1", "region": 5, "account_id": "12",
        "firehose": {"log_retention_days": 15, "buffer_interval_seconds": 901},
        "athena": {"bytes_scanned_cutoff": 1000},
        "monitoring": {"datapoints_to_alarm": 4, "evaluation_periods": 3, "alarm_period_seconds": 45},
        "ses": {"event_types": ["SEND", "open"]},
        "ignore": [{"path": "s3_bucket.*"}],
    }}}
    _, problems = collect_problems("dev", config)
    text = "\n".join(problems)
    for expected in ["bogus: unknown top-level key", "env.Staging: environment name 'Staging' is not valid",
                     "env.dev.acount_id: unknown key", "env.dev.region: must be str",
                     "env.dev.account_id: must be a 12-digit account id",
                     "env.dev.firehose.log_retention_days: must be one of",
                     "env.dev.firehose.buffer_interval_seconds: 901 is above the maximum 900 (botocore firehose "
                     "IntervalInSeconds)",
                     "env.dev.athena.bytes_scanned_cutoff: 1000 is below the minimum 10000000",
                     "env.dev.ses.event_types: 'open' is not one of SEND,", "env.dev.ignore[0]: needs",
                     "env.dev.monitoring.datapoints_to_alarm: 4 must not exceed EvaluationPeriods (3)",
                     "env.dev.monitoring.alarm_period_seconds: must be 10, 20, 30 or a multiple of 60"]:
        assert expected in text, f"missing: {expected}\n{text}"


def test_a_setting_that_breaks_a_cross_rule_is_reported_once_and_not_used() -> None:
    spec, problems = collect_problems("dev", {"env": {"dev": {"monitoring": {"datapoints_to_alarm": 4}}}})
    assert problems == ["env.dev.monitoring.datapoints_to_alarm: 4 must not exceed EvaluationPeriods (3)"]
    assert spec.monitoring.datapoints_to_alarm == 3  # back at its default: the alarms do not repeat the problem
    spec, problems = collect_problems("dev", {"env": {"dev": {"firehose": {"buffer_interval_seconds": 59}}}})
    assert [p.split(":")[0] for p in problems] == ["env.dev.firehose.buffer_interval_seconds"]
    assert spec.firehose.buffer_interval_seconds == 60
    spec, problems = collect_problems("dev", {"env": {"dev": {"firehose": {"buffer_interval_seconds": 60}}}})
    assert problems == []


def test_booleans_are_not_numbers_and_numbers_are_not_strings() -> None:
    _, problems = collect_problems("dev", {"env": {"dev": {"s3": {"results_retention_days": True},
                                                          "alert_email": 3}}})
    assert any("results_retention_days: must be int" in p for p in problems)
    assert any("alert_email: must be" in p for p in problems)


def test_ignore_rules_parse_dates(tmp_path: Path) -> None:
    path = tmp_path / "sesl.toml"
    path.write_text('[[env.dev.ignore]]\npath = "s3_bucket.*.tags"\nreason = "team tags"\nexpires = 2027-01-31\n')
    spec = load_spec("dev", path)
    assert spec.ignore[0].expires == dt.date(2027, 1, 31)


def test_bad_toml_and_missing_file_are_one_line_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[env.dev\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_config(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        read_config(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="environment name 'QA' is not valid"):
        default_spec("QA")


def test_every_setting_is_described() -> None:
    rows = describe_settings()
    assert ("env.<name>.firehose.buffer_interval_seconds", "60",
            "Firehose buffering interval (60-900 with the raw backup)") in rows
    assert all(doc for _, _, doc in rows), [key for key, _, doc in rows if not doc]
