"""Any number of environments, from the config (issue 12, item 1): envs beyond dev and prod work end to
end with their own names, bucket names can be overridden and everything follows, env names are checked
against every name derived from them, and the per-env profile and region are used."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from sesl import drift, naming
from sesl.cli.main import Globals
from sesl.cli.sandbox_cmds import _config_envs
from sesl.context import AwsContext
from sesl.errors import ConfigError, SeslError
from sesl.naming import Names, bucket_name_problem, derived_names, name_problems
from sesl.sandbox.server import configuration_sets, seed_in_process
from sesl.spec import collect_problems, load_spec
from tests.conftest import ACCOUNT, boto
from tests.project import enter_project, run

CONFIG = """
[env.staging]
[env.staging.names]
events_bucket = "acme-ses-events-{env}"
results_bucket = "acme-athena-results-staging"

[env.pr-123]
"""


@pytest.fixture(autouse=True)
def _in_a_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test runs in a directory whose sesl.toml defines staging and pr-123 (and no developer's config)."""
    return enter_project(tmp_path, monkeypatch, CONFIG)


def one_error_line(result: Result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def buckets() -> set[str]:
    return {b["Name"] for b in boto("s3").list_buckets()["Buckets"]}


# -- end to end in the sandbox ------------------------------------------------------------------------------------

@pytest.mark.parametrize("env", ["staging", "pr-123"])
def test_an_env_defined_only_in_the_config_applies_diffs_clean_and_destroys(aws: None, env: str) -> None:
    seed_in_process(envs=[env])  # the SES configuration sets exist before sesl runs, as the design says
    assert run("apply", "--env", "dev", "--yes", "--target", "s3_bucket").exit_code == 0
    dev_buckets = buckets()
    applied = run("apply", "--env", env, "--yes")
    assert applied.exit_code == 0, applied.output
    clean = run("diff", "--env", env)
    assert clean.exit_code == 0, clean.output
    names = load_spec(env, Path("sesl.toml").resolve()).names_for("us-west-2", ACCOUNT)
    assert names.events_bucket not in dev_buckets and names.results_bucket not in dev_buckets
    assert buckets() == dev_buckets | {names.events_bucket, names.results_bucket}
    glue_env = env.replace("-", "_")
    assert boto("glue").get_database(Name=f"email_events_db_{glue_env}")["Database"]["Name"] == \
        f"email_events_db_{glue_env}"
    assert boto("athena").get_work_group(WorkGroup=f"email-analytics-{env}")
    if env == "staging":
        the_bucket_override_is_used_everywhere()
    else:
        assert names.events_bucket == "daily-system-design-email-events-pr-123"
        assert boto("firehose").describe_delivery_stream(DeliveryStreamName="email-events-newsletter-pr-123")
    destroyed = run("destroy", "--env", env, "--yes", "--delete-data")
    assert destroyed.exit_code == 0, destroyed.output
    assert buckets() == dev_buckets  # dev's buckets untouched
    with_aws = AwsContext(load_spec(env, Path("sesl.toml").resolve()))
    assert drift.find_orphans(with_aws, wanted=set()) == []  # nothing tagged with the env is left


def the_bucket_override_is_used_everywhere() -> None:
    events, results = "acme-ses-events-staging", "acme-athena-results-staging"
    assert {events, results} <= buckets()
    assert [b for b in buckets() if b.endswith("-staging") and b.startswith("daily-system-design-")] == []
    stream = boto("firehose").describe_delivery_stream(DeliveryStreamName="email-events-newsletter-staging")
    destination = stream["DeliveryStreamDescription"]["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert destination["BucketARN"] == f"arn:aws:s3:::{events}"
    workgroup = boto("athena").get_work_group(WorkGroup="email-analytics-staging")["WorkGroup"]
    assert workgroup["Configuration"]["ResultConfiguration"]["OutputLocation"] == f"s3://{results}/query-results/"
    table = boto("glue").get_table(DatabaseName="email_events_db_staging", Name="newsletter_events")["Table"]
    assert table["StorageDescriptor"]["Location"] == f"s3://{events}/newsletter/"
    assert table["Parameters"]["storage.location.template"].startswith(f"s3://{events}/newsletter/")
    crawler = boto("glue").get_crawler(Name="email-events-raw-schema-staging")["Crawler"]
    assert [t["Path"] for t in crawler["Targets"]["S3Targets"]] == [
        f"s3://{events}/raw/email-events-newsletter-staging/", f"s3://{events}/raw/email-events-transactional-staging/"]
    policy = json.loads(boto("s3").get_bucket_policy(Bucket=events)["Policy"])
    assert {r for s in policy["Statement"] for r in _list(s["Resource"])} == {f"arn:aws:s3:::{events}",
                                                                              f"arn:aws:s3:::{events}/*"}
    role_policy = boto("iam").get_role_policy(RoleName="email-events-firehose-staging",
                                              PolicyName=_only_policy("email-events-firehose-staging"))
    resources = {r for s in role_policy["PolicyDocument"]["Statement"] for r in _list(s["Resource"])}
    assert f"arn:aws:s3:::{events}" in resources and f"arn:aws:s3:::{events}/*" in resources
    assert [r for r in resources if "daily-system-design" in r] == []


def _list(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def _only_policy(role: str) -> str:
    (name,) = boto("iam").list_role_policies(RoleName=role)["PolicyNames"]
    return str(name)


# -- names ----------------------------------------------------------------------------------------------------------

def test_glue_and_athena_names_turn_the_hyphen_into_an_underscore() -> None:
    names = Names("pr-123", "us-west-2", ACCOUNT)
    assert (names.database, names.raw_database) == ("email_events_db_pr_123", "email_events_raw_pr_123")
    assert names.stream("newsletter") == "email-events-newsletter-pr-123"  # Firehose keeps the hyphen
    assert names.events_bucket == "daily-system-design-email-events-pr-123"
    assert name_problems(names) == []


def test_the_lock_parameter_checked_is_the_one_the_lock_uses() -> None:
    names = Names("pr-123", "us-west-2", ACCOUNT)
    assert names.lock_parameter == naming.lock_parameter("pr-123") == "/sesl/pr-123/lock"


def test_every_derived_name_is_checked_and_the_longest_default_env_name_is_28() -> None:
    assert name_problems(Names("a" * 28, "us-west-2", ACCOUNT)) == []
    assert [what for what, _, _ in name_problems(Names("a" * 29, "us-west-2", ACCOUNT))] == ["results_bucket"]
    named = Names("a" * 30, "us-west-2", ACCOUNT, "ev-{env}", "res-{env}")
    assert name_problems(named) == []
    assert [what for what, _, _ in name_problems(Names("a" * 31, "us-west-2", ACCOUNT, "ev-{env}", "res-{env}"))] \
        == ["SES configuration set"]
    whats = {what for what, _, _ in derived_names(named)}
    assert {"Firehose stream", "Glue database", "SNS topic", "budget", "SSM lock parameter",
            "CloudWatch dashboard", "Athena workgroup", "SES event destination"} <= whats


@pytest.mark.parametrize(("bucket", "problem"), [
    ("ab", "is 2 characters, S3 allows 3-63"),
    ("a" * 64, "is 64 characters, S3 allows 3-63"),
    ("Acme_events", "has 'A_': S3 allows only lowercase letters, digits, dots and hyphens"),
    ("-acme", "must begin and end with a letter or digit"),
    ("acme..events", "has two adjacent dots"),
    ("192.168.5.4", "is formatted as an IP address"),
    ("xn--acme", "uses 'xn--', which S3 reserves"),
    ("acme-s3alias", "uses '-s3alias', which S3 reserves"),
    ("acme--x-s3", "uses '--x-s3', which S3 reserves"),
])
def test_bucket_names_follow_the_s3_naming_rules(bucket: str, problem: str) -> None:
    assert bucket_name_problem(bucket) == f"{problem} (S3 user guide, bucketnamingrules)"


@pytest.mark.parametrize("bucket", ["abc", "a" * 63, "acme.events-1", "s3alias-acme"])
def test_bucket_names_within_the_s3_rules_pass(bucket: str) -> None:
    assert bucket_name_problem(bucket) is None


# -- errors: one line, exit 1 ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("env", ["Staging", "pr_123", "pr--123", "-pr", "pr-", "pr.123"])
def test_a_bad_env_name_is_one_line(env: str) -> None:
    assert one_error_line(run("diff", "--env", env)) == (
        f"error: environment name {env!r} is not valid: use lowercase letters and digits with single hyphens "
        "inside (such as staging or pr-123); it becomes part of S3 bucket, SNS topic and SES configuration set names")


def test_an_env_the_config_does_not_define_is_one_line_naming_the_file_and_its_envs(tmp_path: Path) -> None:
    config = (tmp_path / "sesl.toml").resolve()
    assert one_error_line(run("apply", "--env", "pr-456", "--yes")) == (
        f"error: unknown environment 'pr-456': {config} defines staging, pr-123 (dev and prod are built in); add "
        f"an [env.pr-456] section to {config} or pick one of those")
    assert one_error_line(run("--no-config", "diff", "--env", "staging")) == (
        "error: unknown environment 'staging': with no config file only the built-in dev and prod exist; define "
        "it under [env.staging] in a sesl.toml (or pass --config PATH)")


def test_an_env_name_too_long_for_a_derived_name_is_one_line(tmp_path: Path) -> None:
    env = "a" * 29
    (tmp_path / "sesl.toml").write_text(f"[env.{env}]\n", encoding="utf-8")
    line = one_error_line(run("diff", "--env", env))
    assert line == (f"error: 1 problem(s) in {(tmp_path / 'sesl.toml').resolve()}: env name {env!r} is too long: "
                    f"its results bucket name 'daily-system-design-athena-results-{env}' is 64 characters, S3 "
                    f"allows 3-63 (S3 user guide, bucketnamingrules); use a shorter env name or set "
                    f"env.{env}.names.results_bucket; `sesl validate --env {env}` lists them")
    (tmp_path / "sesl.toml").write_text(f"[env.{env[:28]}]\n", encoding="utf-8")
    assert run("validate", "--env", env[:28]).exit_code == 0


def test_a_bad_bucket_override_and_a_shared_bucket_are_reported_by_key() -> None:
    config = {"env": {"staging": {"names": {"events_bucket": "Acme_{env}",
                                            "results_bucket": "daily-system-design-email-events-dev"}}}}
    _, problems = collect_problems("staging", config, "sesl.toml")
    assert problems == [
        "env.staging.names.results_bucket: bucket 'daily-system-design-email-events-dev' is also "
        "env.dev.names.events_bucket's; give each environment its own buckets",
        "env.staging.names.events_bucket: bucket name 'Acme_staging' has 'A_': S3 allows only lowercase letters, "
        "digits, dots and hyphens (S3 user guide, bucketnamingrules); choose another name"]
    same = {"env": {"qa": {"names": {"events_bucket": "acme-{env}", "results_bucket": "acme-{env}"}}}}
    assert collect_problems("qa", same, "sesl.toml")[1] == [
        "env.qa.names.results_bucket: bucket 'acme-qa' is also env.qa.names.events_bucket's; give each environment "
        "its own buckets",
        "env.qa.names: events_bucket and results_bucket are both 'acme-qa': give them different names"]


def test_validate_reports_a_bad_override_with_the_file(tmp_path: Path) -> None:
    (tmp_path / "sesl.toml").write_text('[env.qa.names]\nevents_bucket = "x"\n', encoding="utf-8")
    result = run("validate", "--env", "qa")
    assert result.exit_code == 1
    assert "error: env.qa.names.events_bucket: bucket name 'x' is 1 characters, S3 allows 3-63" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == \
        f"error: 1 problem(s) in env qa (config: {(tmp_path / 'sesl.toml').resolve()})"


# -- profile, region, production ------------------------------------------------------------------------------------

@pytest.fixture
def profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    aws_config = tmp_path / "aws-config"
    aws_config.write_text("[profile acme-staging]\nregion = us-east-1\n[profile operator]\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws_config))


def test_the_env_profile_and_region_are_used_and_the_command_line_wins(profiles: None) -> None:
    config = {"env": {"staging": {"profile": "acme-staging", "region": "eu-west-1"}}}
    spec, problems = collect_problems("staging", config, "sesl.toml")
    assert problems == []
    from_config = AwsContext(spec)
    assert (from_config.session.profile_name, from_config.region) == ("acme-staging", "eu-west-1")
    assert from_config.session.region_name == "eu-west-1"
    flags = AwsContext(spec, profile="operator", region="ap-southeast-2")
    assert (flags.session.profile_name, flags.region) == ("operator", "ap-southeast-2")
    dev = AwsContext(collect_problems("dev", config, "sesl.toml")[0])
    assert (dev.profile, dev.region) == (None, "us-west-2")


def test_a_missing_env_profile_says_where_it_came_from(profiles: None) -> None:
    spec, _ = collect_problems("staging", {"env": {"staging": {"profile": "nobody"}}}, "sesl.toml")
    with pytest.raises(SeslError, match=r"^AWS profile 'nobody' \(from env.staging.profile\) is not configured"):
        AwsContext(spec)
    with pytest.raises(SeslError, match=r"^AWS profile 'gone' \(from --profile\) is not configured"):
        AwsContext(spec, profile="gone")


def test_the_cli_uses_the_env_profile_and_says_so_when_it_is_missing(tmp_path: Path) -> None:
    (tmp_path / "sesl.toml").write_text('[env.staging]\nprofile = "acme-staging"\n', encoding="utf-8")
    assert one_error_line(run("diff", "--env", "staging")) == (
        "error: AWS profile 'acme-staging' (from env.staging.profile) is not configured: check ~/.aws/config or "
        "pass another --profile")
    assert one_error_line(run("--profile", "operator", "diff", "--env", "staging")) == (
        "error: AWS profile 'operator' (from --profile) is not configured: check ~/.aws/config or pass another "
        "--profile")


@pytest.mark.parametrize(("region", "ok"), [("eu-west-1", True), ("us-gov-west-1", True), ("eu-west", False),
                                             ("EU-WEST-1", False), ("euwest1", False)])
def test_the_env_region_must_look_like_a_region(region: str, ok: bool) -> None:
    _, problems = collect_problems("staging", {"env": {"staging": {"region": region}}}, "sesl.toml")
    assert problems == ([] if ok else [f"env.staging.region: must be an AWS region name, got {region!r}"])


def test_production_gives_an_env_the_protections_of_prod(tmp_path: Path) -> None:
    (tmp_path / "sesl.toml").write_text("[env.live]\nproduction = true\n[env.qa]\n", encoding="utf-8")
    assert load_spec("live", tmp_path / "sesl.toml").is_prod
    assert not load_spec("qa", tmp_path / "sesl.toml").is_prod
    assert one_error_line(run("destroy", "--env", "qa", "--yes", "--force-prod")) == (
        "error: --force-prod is for destroying prod (or a `production = true` env); env qa needs only --yes: "
        "nothing was changed")
    _, problems = collect_problems("prod", {"env": {"prod": {"production": False}}}, "sesl.toml")
    assert problems == ["env.prod.production: prod always has prod's protections; remove the key"]


def test_destroying_a_production_env_without_force_prod_is_refused(aws: None, tmp_path: Path) -> None:
    (tmp_path / "sesl.toml").write_text("[env.live]\nproduction = true\n", encoding="utf-8")
    assert one_error_line(run("destroy", "--env", "live", "--yes")) == (
        "error: destroying prod non-interactively needs --force-prod as well as --yes: nothing was changed")


# -- the sandbox seeds the configuration sets of the config's envs --------------------------------------------------

def test_the_sandbox_seeds_the_configuration_sets_of_the_configs_envs(tmp_path: Path) -> None:
    g = Globals(None, None, None, False, True)
    assert _config_envs(g) == ["staging", "pr-123"]
    sets = configuration_sets("us-west-2", ["staging", "pr-123", "dev"])
    assert sets == ["daily-system-design-newsletter-dev", "daily-system-design-transactional-dev",
                    "daily-system-design-newsletter-prod", "daily-system-design-transactional-prod",
                    "daily-system-design-newsletter-staging", "daily-system-design-transactional-staging",
                    "daily-system-design-newsletter-pr-123", "daily-system-design-transactional-pr-123"]
    (tmp_path / "sesl.toml").write_text("[env.dev\n", encoding="utf-8")
    assert _config_envs(Globals(None, None, None, False, True)) == []  # a broken config costs only its envs


def test_load_spec_refuses_an_unknown_env_before_anything_else(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^unknown environment 'qa': .* defines staging, pr-123"):
        load_spec("qa", tmp_path / "sesl.toml")
