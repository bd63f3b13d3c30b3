"""The CLI contract (issue 10) and the traps of issue 13: exit codes, one-line errors, the config
that cannot go missing, prod destroy, drift ordering, input checks, sandbox failures, output."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest
from click.testing import CliRunner, Result

from sesl.aws_errors import EXPIRED, INVALID, NO_CREDENTIALS, explain
from sesl.cli import exit_codes, plan_cmds
from sesl.cli.main import cli, hoist_global_options
from sesl.context import AwsContext
from sesl.drift import FINGERPRINT_TAG
from sesl.model import Action, Change, Plan
from sesl.render import concrete_warnings, warnings_for_changes
from sesl.spec import ConfigSource, default_spec, find_config
from tests.conftest import ACCOUNT, boto
from tests.ladder import applied, converge

EVENTS = "daily-system-design-email-events-dev"
TOPIC_ARN = f"arn:aws:sns:us-west-2:{ACCOUNT}:email-events-alerts-dev"
AWS_COMMANDS = [["diff", "--env", "dev"], ["apply", "--env", "dev", "--yes"], ["destroy", "--env", "dev", "--yes"],
                ["drift", "--env", "dev"], ["verify", "--env", "dev"], ["query", "top-links", "--env", "dev"],
                ["unlock", "--env", "dev"]]
ENV_COMMANDS = ["validate", "diff", "apply", "destroy", "drift", "verify", "query", "cost", "unlock", "compact"]


@pytest.fixture(autouse=True)
def _away_from_any_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test runs in an empty directory, so no sesl.toml of the machine is found."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("SESL_CONFIG", raising=False)


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--no-color", *args], input=stdin)


def one_error_line(result: Result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


# -- (a) exit codes and one-line errors --------------------------------------------------------------------------

def test_every_command_has_published_exit_codes() -> None:
    assert sorted(exit_codes.BY_COMMAND) == sorted(cli.list_commands(None))  # type: ignore[arg-type]
    for codes in exit_codes.BY_COMMAND.values():
        assert set(codes) <= set(exit_codes.MEANING)


@pytest.mark.parametrize("command", ENV_COMMANDS)
def test_an_unknown_env_is_one_line_and_exit_1(command: str) -> None:
    result = run(command, "--env", "staging")
    assert result.exit_code == 1
    assert one_error_line(result) == ("error: unknown environment 'staging': with no config file only the built-in "
                                      "dev and prod exist; define it under [env.staging] in a sesl.toml (or pass "
                                      "--config PATH)")


@pytest.mark.parametrize("command", ENV_COMMANDS)
def test_a_missing_env_is_one_line_and_exit_1(command: str) -> None:
    result = run(command)
    assert result.exit_code == 1
    if command == "apply":  # apply also takes a saved plan instead
        assert one_error_line(result) == "error: apply needs --env ENV or a saved PLAN_FILE: see `sesl apply --help`"
        return
    assert one_error_line(result) == f"error: sesl {command}: missing option '--env' (see `sesl {command} --help`)"


def test_an_unknown_option_and_command_are_exit_1() -> None:
    option = run("diff", "--env", "dev", "--bogus")
    assert (option.exit_code, one_error_line(option)) == (
        1, "error: sesl diff: no such option '--bogus'. Did you mean '--out'? (see `sesl diff --help`)")
    command = run("plan")
    assert command.exit_code == 1 and one_error_line(command).startswith("error: sesl: no such command 'plan'")


@pytest.mark.parametrize("command", ENV_COMMANDS)
def test_a_config_that_is_a_directory_is_one_line_and_exit_1(command: str, tmp_path: Path) -> None:
    result = run("--config", str(tmp_path), command, "--env", "dev")
    assert result.exit_code == 1
    assert one_error_line(result) == (f"error: config file {tmp_path} (from --config) is a directory: point it at "
                                      "the TOML file")


def test_an_unreadable_or_missing_config_is_one_line(tmp_path: Path) -> None:
    missing = run("--config", str(tmp_path / "nope.toml"), "validate", "--env", "dev")
    assert (missing.exit_code, one_error_line(missing)) == (
        1, f"error: config file {tmp_path / 'nope.toml'} (from --config) does not exist: fix the path or create "
           "the file")
    locked = tmp_path / "locked.toml"
    locked.write_text("[env.dev]\n")
    locked.chmod(0)
    try:
        unreadable = run("--config", str(locked), "validate", "--env", "dev")
        if unreadable.exit_code == 1:  # root reads anything
            assert one_error_line(unreadable) == (f"error: config file {locked.resolve()} cannot be read "
                                                  "(permission denied): fix its permissions")
    finally:
        locked.chmod(0o600)


def test_help_version_and_no_command_exit_0() -> None:
    assert run("--help").exit_code == 0
    assert run("--version").exit_code == 0
    bare = CliRunner().invoke(cli, [])
    assert bare.exit_code == 0 and "Usage: sesl" in bare.stdout


def test_interrupted_is_exit_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_: Any, **__: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("sesl.cli.cost_cmds.estimate", interrupted)
    result = run("cost", "--env", "dev")
    assert result.exit_code == 130 and one_error_line(result).startswith("error: interrupted")


def test_global_options_may_follow_the_subcommand(tmp_path: Path) -> None:
    assert hoist_global_options(["diff", "--env", "dev", "--no-color", "--region", "eu-west-1"]) == [
        "--no-color", "--region", "eu-west-1", "diff", "--env", "dev"]
    assert hoist_global_options(["--debug", "query", "x", "--config=a.toml", "--", "--no-color"]) == [
        "--debug", "--config=a.toml", "query", "x", "--", "--no-color"]
    assert hoist_global_options(["--profile", "p"]) == ["--profile", "p"]
    config = tmp_path / "c.toml"
    config.write_text("[env.dev.firehose]\nlog_retention_days = 15\n")
    result = run("validate", "--env", "dev", "--config", str(config))
    assert result.exit_code == 1 and "env.dev.firehose.log_retention_days: must be one of" in result.stderr


@pytest.mark.parametrize("args", AWS_COMMANDS, ids=lambda a: a[0])
def test_an_unreachable_endpoint_fails_within_seconds_with_the_same_line(args: list[str],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    began = time.monotonic()
    result = run(*args)
    assert time.monotonic() - began < 5
    assert result.exit_code == 1
    assert one_error_line(result) == ("error: cannot reach AWS_ENDPOINT_URL=http://127.0.0.1:9: start the sandbox "
                                      "(`sesl sandbox`), or unset AWS_ENDPOINT_URL to use AWS")


@pytest.mark.parametrize("args", AWS_COMMANDS, ids=lambda a: a[0])
def test_no_credentials_is_the_same_line_from_every_command(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = run(*args)
    assert result.exit_code == 1
    assert one_error_line(result) == f"error: {NO_CREDENTIALS}"


class _Refusing:
    def __init__(self, code: str) -> None:
        self.code = code

    def get_caller_identity(self) -> Any:
        raise botocore.exceptions.ClientError({"Error": {"Code": self.code, "Message": "no"}}, "GetCallerIdentity")


@pytest.mark.parametrize(("code", "line"), [("ExpiredToken", EXPIRED), ("InvalidClientTokenId", INVALID)])
@pytest.mark.parametrize("args", AWS_COMMANDS, ids=lambda a: a[0])
def test_expired_and_invalid_credentials_are_the_same_line_from_every_command(
        args: list[str], code: str, line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AwsContext, "client", lambda self, service, region=None, quick=False: _Refusing(code))
    result = run(*args)
    assert result.exit_code == 1
    assert one_error_line(result) == f"error: {line}"


@pytest.mark.parametrize("args", [a for a in AWS_COMMANDS if a[0] not in ("verify", "unlock")], ids=lambda a: a[0])
def test_a_wrong_account_is_the_same_line_and_nothing_is_written(args: list[str], aws: None, tmp_path: Path) -> None:
    config = tmp_path / "sesl.toml"
    config.write_text('[env.dev]\naccount_id = "111111111111"\n')
    result = run("--config", str(config), *args)
    assert result.exit_code == 1
    assert one_error_line(result) == ("error: credentials are for account 123456789012 but env dev is pinned to "
                                      "111111111111: switch profile (--profile) or fix env.dev.account_id")
    assert boto("s3").list_buckets()["Buckets"] == []


def test_explain_leaves_other_errors_alone() -> None:
    other = botocore.exceptions.ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetBucketPolicy")
    assert explain(other) is None
    assert explain(ValueError("x")) is None
    assert explain(botocore.exceptions.NoCredentialsError()) == NO_CREDENTIALS


# -- (b) the config cannot go missing silently -------------------------------------------------------------------

def test_the_config_is_found_by_flag_then_variable_then_upward(tmp_path: Path) -> None:
    top = tmp_path / "repo"
    deep = top / "a" / "b"
    deep.mkdir(parents=True)
    (top / "sesl.toml").write_text("")
    other = tmp_path / "other.toml"
    other.write_text("")
    assert find_config(cwd=deep, environ={}) == ConfigSource((top / "sesl.toml").resolve(), "found", deep.resolve())
    assert find_config(cwd=deep, environ={"SESL_CONFIG": str(other)}).path == other.resolve()
    assert find_config(other, cwd=deep, environ={"SESL_CONFIG": "/nope"}).how == "--config"
    assert find_config(other, no_config=True, cwd=deep).path is None
    nothing = find_config(cwd=tmp_path, environ={})
    assert (nothing.path, nothing.label) == (None, "built-in defaults")


def test_a_missing_sesl_config_variable_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SESL_CONFIG", str(tmp_path / "gone.toml"))
    result = run("validate", "--env", "dev")
    assert (result.exit_code, one_error_line(result)) == (
        1, f"error: config file {tmp_path / 'gone.toml'} (from $SESL_CONFIG) does not exist: fix the path or "
           "create the file")


def test_a_run_from_a_subdirectory_uses_the_config_above_and_says_so(aws: None, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "work" / "sesl.toml"
    config.write_text("[env.dev.monitoring]\nmonthly_budget_usd = 50\n")
    sub = tmp_path / "work" / "deploy"
    sub.mkdir()
    monkeypatch.chdir(sub)
    result = run("diff", "--env", "dev", "--json", "--target", "budget")
    assert result.exit_code == 2, result.output
    doc = json.loads(result.stdout)
    assert doc["config"] == str(config.resolve())
    assert {"path": "BudgetLimit", "before": None, "after": "50.00 USD per month"} in doc["changes"][0]["fields"]
    human = run("diff", "--env", "dev", "--target", "budget")
    assert f"· config {config.resolve()}" in human.stdout.splitlines()[0]


def test_changing_prod_without_a_config_is_refused_unless_defaults_are_intended(aws: None) -> None:
    refused = run("apply", "--env", "prod", "--yes")
    assert refused.exit_code == 1
    line = one_error_line(refused)
    assert line.startswith("error: no config file found for env prod (no --config, no $SESL_CONFIG, no sesl.toml in ")
    assert line.endswith("`sesl apply` would use the built-in defaults; pass --config PATH, or --no-config if the "
                         "defaults are intended")
    assert boto("s3").list_buckets()["Buckets"] == []
    for args in (["destroy", "--env", "prod", "--yes", "--force-prod"], ["drift", "--env", "prod", "--notify"]):
        assert run(*args).exit_code == 1
    assert run("diff", "--env", "prod").exit_code == 2  # reading prod on the defaults is harmless
    assert run("--no-config", "apply", "--env", "prod", "--yes").exit_code == 0
    assert len(boto("s3").list_buckets()["Buckets"]) == 2


def test_no_config_and_config_exclude_each_other(tmp_path: Path) -> None:
    result = run("--config", str(tmp_path / "x.toml"), "--no-config", "validate", "--env", "dev")
    assert result.exit_code == 1
    assert one_error_line(result) == ("error: sesl: --config and --no-config exclude each other: pass one (see "
                                      "`sesl --help`)")


def test_every_json_document_says_which_config(ctx: AwsContext) -> None:
    applied(ctx)
    drift = json.loads(run("drift", "--env", "dev", "--json", "--no-metrics").stdout)
    assert (drift["format_version"], drift["config"]) == ("1.0", "built-in defaults")
    cost = json.loads(run("cost", "--env", "dev", "--json").stdout)
    assert (cost["format_version"], cost["config"]) == ("1.0", "built-in defaults")
    verify = run("verify", "--env", "dev", "--json", "--wait", "5")
    body = json.loads(verify.stdout)
    assert (body["format_version"], body["env"], body["config"]) == ("1.0", "dev", "built-in defaults")


# -- (c) prod destroy ---------------------------------------------------------------------------------------------

def test_prod_destroy_takes_the_typed_name_only_from_a_terminal(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    applied = run("--no-config", "apply", "--env", "prod", "--yes")
    assert applied.exit_code == 0, applied.output
    monkeypatch.setattr(plan_cmds, "stdin_is_terminal", lambda: False)
    piped = run("--no-config", "destroy", "--env", "prod", stdin="prod\n")
    assert piped.exit_code == 1 and "needs --yes --force-prod" in piped.stderr
    yes_only = run("--no-config", "destroy", "--env", "prod", "--yes", stdin="prod\n")
    assert yes_only.exit_code == 1 and "needs --force-prod as well as --yes" in yes_only.stderr
    assert len(boto("s3").list_buckets()["Buckets"]) == 2
    monkeypatch.setattr(plan_cmds, "stdin_is_terminal", lambda: True)
    wrong = run("--no-config", "destroy", "--env", "prod", stdin="yes\n")
    assert wrong.exit_code == 1 and "expected 'prod'" in wrong.stderr
    typed = run("--no-config", "destroy", "--env", "prod", stdin="prod\n")
    assert typed.exit_code == 0, typed.output
    assert boto("s3").list_buckets()["Buckets"] == []


# -- (d) drift: report first, then the notification and its record ------------------------------------------------

def _fingerprint_tag() -> str | None:
    tags = boto("sns").list_tags_for_resource(ResourceArn=TOPIC_ARN)["Tags"]
    return next((t["Value"] for t in tags if t["Key"] == FINGERPRINT_TAG), None)


def _drifted(ctx: AwsContext) -> None:
    applied(ctx)
    boto("s3").put_bucket_versioning(Bucket=EVENTS, VersioningConfiguration={"Status": "Suspended"})


def test_drift_creates_the_report_directory(ctx: AwsContext, tmp_path: Path) -> None:
    _drifted(ctx)
    out = tmp_path / "var" / "lib" / "sesl" / "drift-dev.json"
    result = run("drift", "--env", "dev", "--notify", "--out", str(out))
    assert result.exit_code == 2, result.output
    doc = json.loads(out.read_text())
    assert doc["notification"]["requested"] is True and doc["notification"]["sent"] is True
    assert _fingerprint_tag() == doc["fingerprint"]


def test_drift_that_cannot_write_its_report_notifies_and_records_nothing(ctx: AwsContext, tmp_path: Path) -> None:
    _drifted(ctx)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run("drift", "--env", "dev", "--notify", "--out", str(blocker / "drift.json"))
    assert result.exit_code == 1
    assert one_error_line(result).startswith(f"error: cannot write the report to {blocker / 'drift.json'}: ")
    assert "nothing was notified" in result.stderr
    assert _fingerprint_tag() is None
    retry = run("drift", "--env", "dev", "--notify", "--json")
    assert retry.exit_code == 2
    assert json.loads(retry.stdout)["notification"]["sent"] is True  # the next run is not silent


def test_drift_json_says_whether_it_notified(ctx: AwsContext) -> None:
    applied(ctx)
    quiet = json.loads(run("drift", "--env", "dev", "--json").stdout)
    assert quiet["notification"] == {"requested": False}
    clean = json.loads(run("drift", "--env", "dev", "--json", "--notify").stdout)
    assert clean["notification"] == {"requested": True, "sent": False,
                                     "detail": "not notified: in sync, and no drift was notified before"}
    boto("s3").put_bucket_versioning(Bucket=EVENTS, VersioningConfiguration={"Status": "Suspended"})
    sent = json.loads(run("drift", "--env", "dev", "--json", "--notify").stdout)
    assert sent["notification"]["sent"] is True
    again = json.loads(run("drift", "--env", "dev", "--json", "--notify").stdout)
    assert again["notification"]["detail"] == "not notified: same differences as the last notification"
    human = run("drift", "--env", "dev", "--notify")
    assert human.stdout.strip().splitlines()[-1] == "not notified: same differences as the last notification"


def test_a_targeted_drift_neither_notifies_nor_touches_the_fingerprint(ctx: AwsContext) -> None:
    _drifted(ctx)
    refused = run("drift", "--env", "dev", "--target", "s3_bucket", "--notify")
    assert (refused.exit_code, one_error_line(refused)) == (
        1, "error: --target and --notify exclude each other: pass one (a notification and its fingerprint cover "
           "the whole env)")
    full = run("drift", "--env", "dev", "--notify", "--json")
    assert json.loads(full.stdout)["notification"]["sent"] is True
    before = _fingerprint_tag()
    targeted = run("drift", "--env", "dev", "--target", "s3_bucket", "--json")
    assert targeted.exit_code == 2 and json.loads(targeted.stdout)["targets"] == ["s3_bucket"]
    assert _fingerprint_tag() == before
    again = json.loads(run("drift", "--env", "dev", "--notify", "--json").stdout)
    assert again["notification"]["sent"] is False


# -- (e) input checks ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("option", "value"), [("--events-per-day", "-5"), ("--avg-event-bytes", "0"),
                                               ("--queries-per-day", "-1"), ("--avg-scan-mb", "-0.5")])
def test_cost_refuses_negative_numbers(option: str, value: str) -> None:
    result = run("cost", "--env", "prod", option, value)
    assert result.exit_code == 1
    assert one_error_line(result).startswith(
        f"error: sesl cost: invalid value for '{option}': {value} is not in the range")


@pytest.mark.parametrize("value", ["abc", "-3", "0", "1.5", "99999"])
def test_query_refuses_a_parameter_that_is_not_days(value: str) -> None:
    result = run("query", "daily-engagement", "--env", "dev", "--param", value)
    assert (result.exit_code, one_error_line(result)) == (
        1, f"error: --param {value!r}: must be a whole number of days from 1 to 36500")


def test_query_refuses_json_with_csv_and_two_params() -> None:
    both = run("query", "top-links", "--env", "dev", "--json", "--csv")
    assert (both.exit_code, one_error_line(both)) == (1, "error: --json and --csv exclude each other: pass one")
    two = run("query", "top-links", "--env", "dev", "--param", "3", "--param", "4")
    assert (two.exit_code, one_error_line(two)) == (1, "error: top-links takes one --param (days), got 2")


def test_apply_of_a_saved_plan_refuses_flags_it_would_ignore(ctx: AwsContext, tmp_path: Path) -> None:
    plan_file = tmp_path / "dev.plan"
    assert run("diff", "--env", "dev", "--out", str(plan_file), "--target", "log_group").exit_code == 2
    for flags in (["--target", "s3_bucket"], ["--adopt"]):
        result = run("apply", str(plan_file), "--yes", *flags)
        assert result.exit_code == 1
        assert one_error_line(result) == (
            f"error: {flags[0]} cannot be used with a saved plan: {plan_file} applies the targets and adoption "
            "it was made with; make a new plan with `sesl diff --out`")
    assert boto("logs").describe_log_groups()["logGroups"] == []


def test_diff_out_creates_its_directory(ctx: AwsContext, tmp_path: Path) -> None:
    plan_file = tmp_path / "plans" / "dev.plan"
    assert run("diff", "--env", "dev", "--out", str(plan_file), "--target", "log_group").exit_code == 2
    assert json.loads(plan_file.read_text())["kind"] == "sesl-plan"


# -- (f) the sandbox ----------------------------------------------------------------------------------------------

def test_a_busy_port_is_one_line_at_once() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        began = time.monotonic()
        result = run("sandbox", "--port", str(port))
    assert time.monotonic() - began < 2
    assert (result.exit_code, one_error_line(result)) == (
        1, f"error: port {port} on 127.0.0.1 is in use: pass another --port, or --port 0 to pick a free one")


def test_the_default_port_is_not_one_common_systems_take() -> None:
    from sesl.cli.sandbox_cmds import DEFAULT_PORT

    assert DEFAULT_PORT == 4747
    assert DEFAULT_PORT not in (5000, 7000, 8000, 8080, 4566, 3000)


def test_a_missing_sandbox_extra_names_the_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "moto.server", None)
    for command in ("sandbox", "demo"):
        result = run(command, *(["--port", "0"] if command == "sandbox" else []))
        assert (result.exit_code, one_error_line(result)) == (
            1, "error: the sandbox needs the extra: pip install 'sesl[sandbox]'")


# -- (g) output ---------------------------------------------------------------------------------------------------

def test_warnings_are_said_in_validate_and_only_with_a_change_in_a_plan(ctx: AwsContext) -> None:
    validate = run("validate", "--env", "dev")
    assert "warning: sns_topic.email-events-alerts-dev: no env.dev.alert_email: alarms and budget alerts publish" \
        in validate.stderr
    assert "env.<name>" not in validate.output
    applied(ctx)
    clean = run("diff", "--env", "dev")
    assert clean.exit_code == 0 and "warning" not in clean.output
    doc = json.loads(run("diff", "--env", "dev", "--json").stdout)
    assert any(w.startswith("sns_topic.email-events-alerts-dev: no env.dev.alert_email: alarms and budget alerts "
                            "publish to the topic") for w in doc["warnings"])
    drift = run("drift", "--env", "dev", "--no-metrics")
    assert "warning" not in drift.output


def test_warnings_for_changes_keeps_run_notes_and_the_changed_resources() -> None:
    plan = Plan("dev", ACCOUNT, "us-west-2", (Change("budget", "b", Action.UPDATE),),
                warnings=("budget.b: no env.dev.alert_email", "sns_topic.t: no env.dev.alert_email",
                          "ignore rule 'x' expired on 2026-01-01: its differences are shown again"))
    assert warnings_for_changes(plan) == ["budget.b: no env.dev.alert_email",
                                          "ignore rule 'x' expired on 2026-01-01: its differences are shown again"]
    assert concrete_warnings(("no env.<name>.alert_email",), "prod") == ("no env.prod.alert_email",)


def test_a_replacement_is_counted() -> None:
    plan = Plan("dev", ACCOUNT, "us-west-2", (Change("firehose_stream", "s", Action.REPLACE),
                                              Change("log_group", "l", Action.CREATE)))
    assert plan_cmds.completion_counts(plan, 2) == "2 change(s): 1 added, 0 changed, 1 replaced, 0 destroyed."


def test_non_terminal_output_is_not_cut(ctx: AwsContext) -> None:
    applied(ctx)
    result = run("verify", "--env", "dev", "--wait", "5")
    assert "…" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) > 80


def test_a_delete_data_plan_counts_what_it_deletes(ctx: AwsContext) -> None:
    converge(ctx, ["s3_bucket"])
    s3 = boto("s3")
    for body in (b"1", b"2"):
        s3.put_object(Bucket=EVENTS, Key="newsletter/a.parquet", Body=body)
    s3.put_object(Bucket=EVENTS, Key="newsletter/b.parquet", Body=b"3")
    s3.delete_object(Bucket=EVENTS, Key="newsletter/b.parquet")
    result = run("destroy", "--env", "dev", "--yes", "--delete-data", "--target", "s3_bucket")
    assert result.exit_code == 0, result.output
    assert (f"- s3_bucket.{EVENTS} # deletes its data: 1 object(s), 3 version(s) in all and 1 delete marker(s)"
            in result.stdout)


def test_an_empty_query_result_says_0_rows_and_csv_keeps_its_header(ctx: AwsContext) -> None:
    converge(ctx, ["s3_bucket", "athena_workgroup", "glue_database", "glue_table"])
    table = run("query", "top-links", "--env", "dev")
    assert table.exit_code == 0, table.output
    lines = table.stdout.strip().splitlines()
    assert lines[0] == "top_links · newsletter · env dev: 0 rows"
    assert lines[1].startswith("0 row(s); scanned 0 bytes; cost $0.000048")  # the cost on the same stream
    csv_out = run("query", "top-links", "--env", "dev", "--csv")
    assert csv_out.stdout.splitlines() == ["link,campaign,advertiser,total_clicks,unique_clicks"]
    assert csv_out.stderr.startswith("0 row(s);")


def test_every_saved_query_declares_the_columns_of_its_result() -> None:
    from sesl.queries import QUERIES, template

    for query in QUERIES:
        final_select = template(query.name).rsplit("SELECT", 1)[1]
        assert query.columns, query.name
        for column in query.columns:
            assert f"AS {column}" in final_select or f"{column}," in final_select, (query.name, column)


def test_a_progress_without_a_total_shows_no_count() -> None:
    import io

    from rich.console import Console

    from sesl.cli.console_reporter import ConsoleReporter

    out = io.StringIO()
    reporter = ConsoleReporter(Console(file=out, force_terminal=True, width=100))
    with reporter.progress("query q1", None) as advance:
        advance(1)
    assert "None" not in out.getvalue()


def test_validate_reports_config_and_resource_problems_in_one_run(tmp_path: Path) -> None:
    config = tmp_path / "sesl.toml"
    config.write_text("[env.dev.firehose]\nlog_retention_days = 15\nbuffer_size_mib = 5\n")
    result = run("--config", str(config), "validate", "--env", "dev")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors[0].startswith("error: env.dev.firehose.log_retention_days: must be one of")
    assert any("below the 64 MiB minimum" in e and e.endswith("(set under [env.dev.firehose])") for e in errors)
    assert errors[-1] == f"error: {len(errors) - 1} problem(s) in env dev (config: {config.resolve()})"


def test_apply_of_an_invalid_spec_writes_nothing_not_even_the_lock(aws: None, tmp_path: Path) -> None:
    config = tmp_path / "sesl.toml"
    config.write_text("[env.dev.firehose]\nbuffer_size_mib = 5\n")
    result = run("--config", str(config), "apply", "--env", "dev", "--yes")
    assert result.exit_code == 1
    assert one_error_line(result).startswith("error: 2 invalid setting(s): firehose_stream.")
    assert boto("ssm").describe_parameters()["Parameters"] == []
    assert boto("s3").list_buckets()["Buckets"] == []


def test_an_invalid_config_names_its_file_and_the_command_that_lists_problems(tmp_path: Path) -> None:
    config = tmp_path / "sesl.toml"
    config.write_text("[env.dev.firehose]\nlog_retention_days = 15\n")
    result = run("--config", str(config), "diff", "--env", "dev")
    assert result.exit_code == 1
    line = one_error_line(result)
    assert line.startswith(f"error: 1 problem(s) in {config.resolve()}: env.dev.firehose.log_retention_days: must "
                           "be one of 1, 3, 5")
    assert line.endswith("; `sesl validate --env dev` lists them")


def test_force_prod_with_another_env_is_refused() -> None:
    result = run("destroy", "--env", "dev", "--yes", "--force-prod")
    assert (result.exit_code, one_error_line(result)) == (
        1, "error: --force-prod is for destroying prod (or a `production = true` env); env dev needs only --yes: "
           "nothing was changed")


def test_aws_out_of_reach_is_said_within_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    """No AWS_ENDPOINT_URL: botocore's own endpoint, here made unreachable, fails the first call quickly."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")
    began = time.monotonic()
    result = run("diff", "--env", "dev")
    assert time.monotonic() - began < 8
    assert (result.exit_code, one_error_line(result)) == (
        1, "error: cannot reach http://127.0.0.1:9/: check the network connection (or set AWS_ENDPOINT_URL to use "
           "the sandbox)")


# Each command in each state that gives each of its published exit codes (0, 1, 2; 130 below).
EXIT_CASES: list[tuple[str, list[str], int]] = [
    ("validate", ["validate", "--env", "dev"], 0),
    ("validate", ["validate", "--env", "qa"], 1),
    ("diff", ["diff", "--env", "dev", "--target", "log_group"], 0),
    ("diff", ["diff", "--env", "dev", "--target", "sns_topic"], 2),
    ("diff", ["diff", "--env", "dev", "--target", "nope"], 1),
    ("apply", ["apply", "--env", "dev", "--yes", "--target", "log_group"], 0),
    ("apply", ["apply", "--env", "dev", "--target", "sns_topic"], 1),  # not confirmed
    ("destroy", ["destroy", "--env", "dev", "--yes", "--target", "sns_topic"], 0),
    ("destroy", ["destroy", "--env", "prod", "--yes"], 1),
    ("drift", ["drift", "--env", "dev", "--target", "log_group", "--no-metrics"], 0),
    ("drift", ["drift", "--env", "dev", "--target", "sns_topic", "--no-metrics"], 2),
    ("drift", ["drift", "--env", "dev", "--target", "nope"], 1),
    ("query", ["query", "--list", "--env", "dev"], 0),
    ("query", ["query", "nope", "--env", "dev"], 1),
    ("cost", ["cost", "--env", "dev"], 0),
    ("cost", ["cost", "--env", "dev", "--avg-scan-mb", "-1"], 1),
    ("verify", ["verify", "--env", "dev", "--wait", "1"], 1),  # nothing applied: the first step fails
    ("unlock", ["unlock", "--env", "dev"], 0),
    ("unlock", ["unlock", "--env", "qa"], 1),
    ("sandbox", ["sandbox", "--port", "70000"], 1),
    ("compact", ["compact", "--env", "dev", "--day", "2026-11-01"], 0),  # no files that day: nothing to compact
    ("compact", ["compact", "--env", "dev", "--day", "yesterday"], 1),
    ("demo", ["demo", "--nope"], 1),
]


@pytest.mark.parametrize(("command", "args", "code"), EXIT_CASES, ids=lambda v: str(v) if isinstance(v, int) else None)
def test_each_command_exits_with_its_published_codes(command: str, args: list[str], code: int, aws: None) -> None:
    converge(AwsContext(default_spec("dev")), ["log_group", "s3_bucket"])
    assert code in exit_codes.BY_COMMAND[command]
    result = run(*args, stdin="no\n")
    assert result.exit_code == code, result.output


def test_every_published_code_of_every_command_is_exercised() -> None:
    seen = {(command, code) for command, _, code in EXIT_CASES}
    seen |= {(command, 130) for command in exit_codes.BY_COMMAND}  # test_every_command_exits_130_when_interrupted
    # test_the_sandbox_stops_with_0; tests/test_cli_e2e.py's demo test; tests/test_verify.py's converged verify
    seen |= {("sandbox", 0), ("demo", 0), ("verify", 0)}
    assert seen == {(command, code) for command, codes in exit_codes.BY_COMMAND.items() for code in codes}


@pytest.mark.parametrize("command", sorted(exit_codes.BY_COMMAND))
def test_every_command_exits_130_when_interrupted(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_: Any, **__: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("sesl.cli.common.find_config", interrupted)
    result = run(command, *([] if command in ("sandbox", "demo") else ["--env", "dev"]))
    assert result.exit_code == 130 and one_error_line(result).startswith("error: interrupted")


def test_the_sandbox_stops_with_0(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(_: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("sesl.cli.sandbox_cmds.time.sleep", interrupted)
    result = run("sandbox", "--port", "0")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("sandbox listening on http://127.0.0.1:")
    assert result.stdout.splitlines()[-1] == "sandbox stopped"


def test_compact_without_its_bucket_is_one_line(aws: None) -> None:
    result = run("--no-config", "compact", "--env", "prod", "--day", "2026-11-01")
    assert result.exit_code == 1
    assert one_error_line(result).startswith("error: compact newsletter 2026-11-01: ")
    assert "NoSuchBucket" in result.stderr and "unexpected" not in result.stderr
