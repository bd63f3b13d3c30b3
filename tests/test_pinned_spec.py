"""The spec's checks pinned on both sides of every limit, with their exact messages and key paths."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from sesl.errors import ConfigError
from sesl.spec import (
    ConfigSource,
    between,
    collect_problems,
    default_spec,
    each,
    find_config,
    load_spec,
    matches,
    one_of,
    read_config,
    setting,
)


def problems_of(section: dict[str, Any], env: str = "dev") -> list[str]:
    return collect_problems(env, {"env": {env: section}})[1]


def setting_at(path: str, value: Any) -> dict[str, Any]:
    *tables, key = path.split(".")
    section: dict[str, Any] = {key: value}
    for table in reversed(tables):
        section = {table: section}
    return section


# (key path, lowest valid, highest valid, message for a value out of range); the range is from AWS's documentation
RANGES = [
    ("s3.ia_transition_days", 30, 36500),
    ("s3.noncurrent_expiration_days", 31, 36500),
    ("s3.abort_multipart_days", 1, 36500),
    ("s3.results_retention_days", 1, 36500),
    ("firehose.buffer_interval_seconds", 0, 900),
    ("glue.projection_year_min", 1970, 9999),
    ("glue.projection_year_max", 1970, 9999),
    ("athena.bytes_scanned_cutoff", 10_000_000, 2**63 - 1),
    ("monitoring.freshness_threshold_seconds", 60, 86400),
    ("monitoring.evaluation_periods", 1, 100),
    ("monitoring.datapoints_to_alarm", 1, 100),
    ("monitoring.drift_heartbeat_hours", 2, 168),
]


def _alone(path: str, value: Any) -> list[str]:
    """Problems of one setting, with the settings it is cross-checked against moved out of the way."""
    section = setting_at(path, value)
    if path == "monitoring.datapoints_to_alarm":
        section["monitoring"].update(evaluation_periods=100, alarm_period_seconds=60)
    if path == "monitoring.evaluation_periods":
        section["monitoring"].update(datapoints_to_alarm=1, alarm_period_seconds=60)
    if path == "glue.projection_year_min":
        section["glue"]["projection_year_max"] = 9999
    if path == "glue.projection_year_max":
        section["glue"]["projection_year_min"] = 1970
    return problems_of(section)






@pytest.mark.parametrize(("path", "low", "high", "below", "above"), [
    ("monitoring.bounce_rate_threshold", 0.0, 1.0, -0.001, 1.001),
    ("monitoring.complaint_rate_threshold", 0.0, 1.0, -0.001, 1.001),
    ("monitoring.monthly_budget_usd", 0.01, 1_000_000, 0.009, 1_000_000.01),
    ("monitoring.budget_alert_percent", 1.0, 1000.0, 0.99, 1000.01),
])
def test_each_float_range_accepts_its_ends_and_refuses_past_them(path: str, low: float, high: float, below: float,
                                                                  above: float) -> None:
    assert problems_of(setting_at(path, low)) == []
    assert problems_of(setting_at(path, high)) == []
    assert problems_of(setting_at(path, below)) == [f"env.dev.{path}: must be between {low} and {high}, got {below}"]
    assert problems_of(setting_at(path, above)) == [f"env.dev.{path}: must be between {low} and {high}, got {above}"]


def test_an_int_is_a_float_but_a_bool_is_neither() -> None:
    assert problems_of(setting_at("monitoring.monthly_budget_usd", 30)) == []
    assert problems_of(setting_at("monitoring.monthly_budget_usd", True)) == [
        "env.dev.monitoring.monthly_budget_usd: must be float, got bool True"]
    assert problems_of(setting_at("s3.ia_transition_days", 30.0)) == [
        "env.dev.s3.ia_transition_days: must be int, got float 30.0"]
    assert problems_of(setting_at("s3.ia_transition_days", "30")) == [
        "env.dev.s3.ia_transition_days: must be int, got str '30'"]


@pytest.mark.parametrize("days", [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                                  2557, 2922, 3288, 3653])
def test_every_log_retention_aws_accepts_is_accepted(days: int) -> None:
    assert problems_of(setting_at("firehose.log_retention_days", days)) == []


@pytest.mark.parametrize("days", [0, 2, 15, 366, 3654])
def test_other_log_retentions_are_refused(days: int) -> None:
    assert problems_of(setting_at("firehose.log_retention_days", days)) == [
        f"env.dev.firehose.log_retention_days: must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, "
        f"545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653; got {days}"]




@pytest.mark.parametrize(("key", "value", "ok"), [
    ("account_id", "123456789012", True), ("account_id", "12345678901", False),
    ("account_id", "1234567890123", False), ("account_id", "12345678901a", False),
    ("region", "us-west-2", True), ("region", "ap-southeast-1", True), ("region", "us-gov-west-1", True),
    ("region", "uswest2", False), ("region", "US-WEST-2", False), ("region", "us-west-2a", False),
    ("alert_email", "ops@example.com", True), ("alert_email", "ops@example", False),
    ("alert_email", "ops example@x.com", False), ("alert_email", "a@b@c.com", False),
])
def test_the_patterns(key: str, value: str, ok: bool) -> None:
    what = {"account_id": "a 12-digit account id", "region": "an AWS region name",
            "alert_email": "an e-mail address"}[key]
    assert problems_of({key: value}) == ([] if ok else [f"env.dev.{key}: must be {what}, got {value!r}"])


def test_a_null_like_optional_is_left_to_its_default() -> None:
    spec, problems = collect_problems("dev", {"env": {"dev": {"tags": {"team": "x"}}}})
    assert problems == []
    assert spec.tags == {"team": "x"}
    assert problems_of({"tags": {"team": 1}}) == ["env.dev.tags: must be dict[str, str], got dict {'team': 1}"]


# -- cross checks ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("low", "high", "ok"), [(2030, 2030, True), (2030, 2031, True), (2031, 2030, False)])
def test_the_year_projection_may_be_one_year(low: int, high: int, ok: bool) -> None:
    got = problems_of({"glue": {"projection_year_min": low, "projection_year_max": high}})
    assert got == ([] if ok else ["env.dev.glue.projection_year_min: must not exceed projection_year_max"])




@pytest.mark.parametrize(("period", "ok"), [(10, True), (20, True), (30, True), (60, True), (120, True),
                                            (3600, True), (15, False), (40, False), (90, False), (0, True)])
def test_the_alarm_period_is_10_20_30_or_a_multiple_of_60(period: int, ok: bool) -> None:
    got = problems_of({"monitoring": {"alarm_period_seconds": period, "evaluation_periods": 1,
                                      "datapoints_to_alarm": 1}})
    assert got == ([] if ok else [f"env.dev.monitoring.alarm_period_seconds: must be 10, 20, 30 or a multiple of 60, "
                                  f"got {period}"])




def test_evaluation_periods_over_100_is_refused_before_the_product() -> None:
    assert "env.dev.monitoring.evaluation_periods: must be between 1 and 100, got 1441" in problems_of(
        {"monitoring": {"evaluation_periods": 1441}})


# -- structure ---------------------------------------------------------------------------------------------------

def test_unknown_keys_are_named_with_the_known_ones() -> None:
    assert problems_of({"s3": {"ia_days": 30}}) == [
        "env.dev.s3.ia_days: unknown key (known: ia_transition_days, noncurrent_expiration_days, "
        "abort_multipart_days, results_retention_days)"]
    top = problems_of({"env": "prod"})
    assert len(top) == 1 and top[0].startswith("env.dev.env: unknown key (known: region, account_id, ")
    assert ", env," not in top[0]


def test_a_section_must_be_a_table() -> None:
    assert problems_of({"s3": 5}) == ["env.dev.s3: must be a table"]
    assert collect_problems("dev", {"env": {"dev": 5}})[1] == ["env.dev: must be a table"]
    assert collect_problems("dev", {"env": 5})[1] == ["env: must be a table of environments"]
    assert collect_problems("dev", {"x": 1, "env": 5})[1] == [
        "x: unknown top-level key (settings go under [env.<name>])", "env: must be a table of environments"]




def test_a_setting_overrides_only_itself() -> None:
    spec, problems = collect_problems("prod", {"env": {"prod": {"s3": {"ia_transition_days": 45}}}})
    assert problems == []
    assert (spec.env, spec.s3.ia_transition_days, spec.s3.noncurrent_expiration_days) == ("prod", 45, 90)
    assert spec.is_prod and not default_spec("dev").is_prod


def test_ignore_rules_are_read_with_their_dates() -> None:
    spec, problems = collect_problems("dev", {"env": {"dev": {"ignore": [
        {"path": "a.b", "reason": "r1"}, {"path": "c.*", "reason": "r2", "expires": dt.date(2027, 1, 31)}]}}})
    assert problems == []
    assert [(r.path, r.reason, r.expires) for r in spec.ignore] == [("a.b", "r1", None),
                                                                    ("c.*", "r2", dt.date(2027, 1, 31))]


@pytest.mark.parametrize(("rule", "expected"), [
    ({"path": "a"}, "env.dev.ignore[0]: needs a string `path` and a non-empty `reason`"),
    ({"path": "a", "reason": ""}, "env.dev.ignore[0]: needs a string `path` and a non-empty `reason`"),
    ({"path": 1, "reason": "r"}, "env.dev.ignore[0]: needs a string `path` and a non-empty `reason`"),
    ("a", "env.dev.ignore[0]: needs a string `path` and a non-empty `reason`"),
    ({"path": "a", "reason": "r", "until": 1, "by": 2}, "env.dev.ignore[0]: unknown key(s) by, until"),
    ({"path": "a", "reason": "r", "expires": "2027-01-31"},
     "env.dev.ignore[0].expires: must be a TOML date such as 2027-01-31"),
])
def test_a_bad_ignore_rule_is_named(rule: Any, expected: str) -> None:
    assert problems_of({"ignore": [{"path": "ok", "reason": "fine"}, rule]}) == [expected.replace("[0]", "[1]")]


def test_ignore_must_be_an_array() -> None:
    assert problems_of({"ignore": {"path": "a"}}) == [
        "env.dev.ignore: must be an array of tables ([[env.<name>.ignore]])"]


def test_a_rule_with_an_unknown_key_or_bad_date_is_still_kept_without_the_date() -> None:
    spec, _ = collect_problems("dev", {"env": {"dev": {"ignore": [
        {"path": "a", "reason": "r", "expires": "soon", "x": 1}]}}})
    assert [(r.path, r.reason, r.expires) for r in spec.ignore] == [("a", "r", None)]


# -- files -------------------------------------------------------------------------------------------------------

def test_load_spec_names_the_count_the_file_and_the_command(tmp_path: Path) -> None:
    path = tmp_path / "sesl.toml"
    path.write_text("[env.dev]\naccount_id = \"1\"\nregion = \"x\"\n")
    with pytest.raises(ConfigError) as caught:
        load_spec("dev", path)
    assert str(caught.value) == (
        f"2 problem(s) in {path}: env.dev.account_id: must be a 12-digit account id, got '1' | env.dev.region: must "
        "be an AWS region name, got 'x'; `sesl validate --env dev` lists them")
    assert load_spec("dev", None) == default_spec("dev")


def test_read_config_errors(tmp_path: Path) -> None:
    assert read_config(None) == {}
    with pytest.raises(ConfigError, match=r"^config file .* is a directory: point it at the TOML file$"):
        read_config(tmp_path)
    binary = tmp_path / "b.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError, match=r"^config file .* is not UTF-8 text: is it the TOML file\?$"):
        read_config(binary)
    bad = tmp_path / "bad.toml"
    bad.write_text("[env.dev\n")
    with pytest.raises(ConfigError, match=rf"^{bad}: not valid TOML: "):
        read_config(bad)


def test_find_config_order(tmp_path: Path) -> None:
    (tmp_path / "sesl.toml").write_text("")
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    other = tmp_path / "other.toml"
    other.write_text("")
    assert find_config(no_config=True, explicit=other) == ConfigSource(None, "--no-config")
    assert find_config(explicit=other, environ={"SESL_CONFIG": "x"}) == ConfigSource(other.resolve(), "--config")
    assert find_config(cwd=sub, environ={"SESL_CONFIG": str(other)}) == ConfigSource(other.resolve(),
                                                                                      "$SESL_CONFIG")
    assert find_config(cwd=sub, environ={"SESL_CONFIG": ""}) == ConfigSource(
        (tmp_path / "sesl.toml").resolve(), "found", sub.resolve())
    (sub / "sesl.toml").mkdir()  # a directory named sesl.toml is not a config
    assert find_config(cwd=sub, environ={}).path == (tmp_path / "sesl.toml").resolve()


def test_find_config_errors_name_where_the_path_came_from(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        find_config(explicit=tmp_path)
    assert str(caught.value) == (f"config file {tmp_path} (from --config) is a directory: point it at the TOML file")
    missing = tmp_path / "none.toml"
    with pytest.raises(ConfigError) as caught:
        find_config(environ={"SESL_CONFIG": str(missing)})
    assert str(caught.value) == (
        f"config file {missing} (from $SESL_CONFIG) does not exist: fix the path or create the file")


def test_config_source_label_and_intent() -> None:
    assert ConfigSource(None, "--no-config").label == "built-in defaults"
    assert ConfigSource(None, "--no-config").defaults_intended
    assert not ConfigSource(None, "not found").defaults_intended
    assert ConfigSource(Path("/x/sesl.toml"), "found").label == "/x/sesl.toml"




def test_defaults_are_fresh_per_spec() -> None:
    a, b = default_spec("dev"), default_spec("dev")
    assert a.ses.event_types == b.ses.event_types and a.ses.event_types is not b.ses.event_types
    assert a.tags is not b.tags


# -- the check builders, called at run time (the settings call them when the module loads) -----------------------

def test_between_accepts_its_ends_only() -> None:
    check = between(1, 5)
    assert (check(1), check(5), check(3)) == (None, None, None)
    assert check(0) == "must be between 1 and 5, got 0"
    assert check(6) == "must be between 1 and 5, got 6"


def test_one_of_names_every_allowed_value() -> None:
    check = one_of((1, "a"))
    assert (check(1), check("a")) == (None, None)
    assert check(2) == "must be one of 1, a; got 2"


def test_matches_the_whole_text_of_the_value() -> None:
    check = matches(r"\d{2}", "two digits")
    assert (check("12"), check(12)) == (None, None)
    assert check("123") == "must be two digits, got '123'"
    assert check(None) == "must be two digits, got None"


def test_each_joins_the_problems_of_every_item() -> None:
    check = each(one_of(("A", "B")))
    assert (check([]), check(["A", "B"])) == (None, None)
    assert check(["A", "x", "y"]) == "must be one of A, B; got x; must be one of A, B; got y"


def test_setting_keeps_its_default_check_and_doc() -> None:
    check = between(0, 1)
    scalar = setting(5, check, "five")
    assert (scalar.default, dict(scalar.metadata)) == (5, {"check": check, "doc": "five"})
    listed = setting(["a"], None, "a list")
    made = listed.default_factory()
    assert made == ["a"] and dict(listed.metadata) == {"check": None, "doc": "a list"}
    assert made is not listed.default_factory()


def test_an_optional_setting_names_both_types() -> None:
    assert problems_of({"alert_email": 3}) == ["env.dev.alert_email: must be str | None, got int 3"]


def test_a_bad_ignore_rule_does_not_hide_the_next_one() -> None:
    rules = [{"path": "a"}, {"path": "b", "reason": "r"}]
    spec, problems = collect_problems("dev", {"env": {"dev": {"ignore": rules}}})
    assert problems == ["env.dev.ignore[0]: needs a string `path` and a non-empty `reason`"]
    assert [(r.path, r.reason) for r in spec.ignore] == [("b", "r")]


def test_find_config_without_any_config_says_where_it_looked(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    found = find_config(cwd=empty, environ={})
    if found.path is None:  # no sesl.toml above the temporary directory
        assert found == ConfigSource(None, "not found", empty.resolve())
    assert found.how in ("not found", "found")
    assert found.searched_from == empty.resolve()


def test_an_unreadable_config_says_to_fix_its_permissions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "sesl.toml"
    path.write_text("")

    def denied(self: Path, encoding: str | None = None) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_text", denied)
    with pytest.raises(ConfigError) as caught:
        read_config(path)
    assert str(caught.value) == f"config file {path} cannot be read (permission denied): fix its permissions"


def test_keys_after_a_bad_table_or_the_ignore_list_are_still_checked() -> None:
    assert problems_of({"s3": 5, "region": "x"}) == [
        "env.dev.s3: must be a table", "env.dev.region: must be an AWS region name, got 'x'"]
    assert problems_of({"ignore": [], "region": "x"}) == ["env.dev.region: must be an AWS region name, got 'x'"]




def test_a_setting_without_check_or_doc() -> None:
    assert dict(setting(5).metadata) == {"check": None, "doc": ""}
