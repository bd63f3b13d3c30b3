"""Operating sesl: drift from cron, saved plans, targets, ignore rules, locking, destroy of everything."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sesl import drift, lock, reconcile
from sesl.cli.main import cli
from sesl.context import AwsContext
from sesl.errors import LockError
from sesl.ignore import apply_ignore_rules
from sesl.model import Action, Change, FieldChange
from sesl.naming import lock_parameter
from sesl.spec import IgnoreRule
from tests.conftest import ACCOUNT, boto
from tests.ladder import applied, converge

EVENTS = "daily-system-design-email-events-dev"
TOPIC_ARN = f"arn:aws:sns:us-west-2:{ACCOUNT}:email-events-alerts-dev"


def run(*args: str, config: Path | None = None) -> Any:
    prefix = ["--no-color"] + (["--config", str(config)] if config else [])
    return CliRunner().invoke(cli, [*prefix, *args])


def _metric_sum(name: str) -> float:
    stats = boto("cloudwatch").get_metric_statistics(
        Namespace="sesl", MetricName=name, Dimensions=[{"Name": "Env", "Value": "dev"}],
        StartTime=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1), EndTime=dt.datetime.now(dt.UTC)
        + dt.timedelta(minutes=5), Period=3600, Statistics=["Sum"])["Datapoints"]
    return sum(p["Sum"] for p in stats)


def _fingerprint_tag() -> str | None:
    tags = {t["Key"]: t["Value"] for t in boto("sns").list_tags_for_resource(ResourceArn=TOPIC_ARN)["Tags"]}
    return tags.get(drift.FINGERPRINT_TAG)


def test_drift_from_cron_notifies_once_per_change_and_publishes_metrics(ctx: AwsContext, tmp_path: Path,
                                                                        monkeypatch: Any) -> None:
    applied(ctx)
    published: list[str] = []
    from moto.sns.models import SNSBackend

    original = SNSBackend.publish

    def record(self: Any, message: str, *args: Any, **kwargs: Any) -> Any:
        published.append(message)
        return original(self, message, *args, **kwargs)

    monkeypatch.setattr(SNSBackend, "publish", record)
    clean = run("drift", "--env", "dev", "--json", "--notify")
    assert clean.exit_code == 0, clean.output
    assert json.loads(clean.output)["in_sync"] is True and published == []

    boto("s3").put_bucket_versioning(Bucket=EVENTS, VersioningConfiguration={"Status": "Suspended"})
    out = tmp_path / "drift.json"
    first = run("drift", "--env", "dev", "--json", "--notify", "--out", str(out))
    assert first.exit_code == 2
    report = json.loads(out.read_text())
    assert report["summary"]["modified"] == 1
    (item,) = report["drift"]
    assert (item["address"], item["aspect"]) == (f"s3_bucket.{EVENTS}", "versioning")
    assert item["fields"] == [{"path": "Status", "expected": "Enabled", "actual": "Suspended"}]
    assert len(published) == 1 and f"s3_bucket.{EVENTS} (versioning)" in published[0]

    again = run("drift", "--env", "dev", "--notify")
    assert again.exit_code == 2 and "same differences" in again.output
    assert len(published) == 1  # not one per run

    converge(ctx)
    cleared = run("drift", "--env", "dev", "--notify")
    assert cleared.exit_code == 0 and "In sync" in cleared.output
    assert len(published) == 2 and "no differences any more" in published[1]
    assert _fingerprint_tag() == drift.CLEAN
    assert _metric_sum("DriftCheckRuns") == 4.0
    assert _metric_sum("DriftedAspects") == 2.0


def test_drift_reports_missing_unowned_and_orphans(ctx: AwsContext) -> None:
    converge(ctx, ["s3_bucket", "iam_role", "log_group"])
    boto("logs").delete_log_group(logGroupName="/aws/kinesisfirehose/email-events-newsletter-dev")
    boto("iam").create_role(RoleName="email-events-old-dev", AssumeRolePolicyDocument="{}", Tags=[
        {"Key": "sesl:managed-by", "Value": "sesl"}, {"Key": "sesl:env", "Value": "dev"}])
    report = drift.detect(ctx)
    by_category = {(d.category, d.address) for d in report.differences}
    assert ("missing", "log_group./aws/kinesisfirehose/email-events-newsletter-dev") in by_category
    assert ("orphan", f"arn:aws:iam::{ACCOUNT}:role/email-events-old-dev") in by_category
    assert not any(d.category == "orphan" and "email-events-firehose-dev" in d.address for d in report.differences)


def test_a_failed_check_exits_1_and_is_never_no_drift(ctx: AwsContext, tmp_path: Path) -> None:
    config = tmp_path / "sesl.toml"
    config.write_text('[env.dev]\naccount_id = "111111111111"\n')
    result = run("drift", "--env", "dev", "--json", config=config)
    assert result.exit_code == 1
    assert "in_sync" not in result.output and "credentials are for account" in result.output


def test_a_saved_plan_applies_exactly_and_a_stale_one_is_refused(ctx: AwsContext, tmp_path: Path) -> None:
    plan_file = tmp_path / "dev.plan"
    saved = run("diff", "--env", "dev", "--target", "s3_bucket", "--out", str(plan_file))
    assert saved.exit_code == 2
    boto("s3").create_bucket(Bucket="daily-system-design-athena-results-dev",
                             CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    stale = run("apply", str(plan_file), "--yes")
    assert stale.exit_code == 1
    assert "saved plan is stale" in stale.output
    assert "s3_bucket.daily-system-design-athena-results-dev (resource) no longer needed" in stale.output
    assert "s3_bucket.daily-system-design-athena-results-dev (ownership) is new" in stale.output
    boto("s3").delete_bucket(Bucket="daily-system-design-athena-results-dev")
    applied = run("apply", str(plan_file), "--yes")
    assert applied.exit_code == 0, applied.output
    assert reconcile.plan(ctx, reconcile.PlanOptions(targets=("s3_bucket",))).changes == ()
    wrong_env = run("apply", str(plan_file), "--env", "prod", "--yes")
    assert wrong_env.exit_code == 1 and "not prod" in wrong_env.output


def test_a_target_limits_every_command_and_names_unmet_needs(ctx: AwsContext) -> None:
    result = run("apply", "--env", "dev", "--yes", "--target", "log_group")
    assert result.exit_code == 0, result.output
    assert boto("s3").list_buckets()["Buckets"] == []
    assert len(boto("logs").describe_log_groups()["logGroups"]) == 2
    streams = run("diff", "--env", "dev", "--target", "firehose_stream")
    expected = "--target firehose_stream depends on s3_bucket, iam_role, glue_table, log_group, which this run"
    assert expected \
        in streams.output
    one = run("diff", "--env", "dev", "--json", "--target", f"s3_bucket.{EVENTS}")
    assert [c["address"] for c in json.loads(one.output)["changes"]] == [f"s3_bucket.{EVENTS}"]
    gone = run("destroy", "--env", "dev", "--yes", "--target", "log_group")
    assert gone.exit_code == 0 and boto("logs").describe_log_groups()["logGroups"] == []
    unknown = run("diff", "--env", "dev", "--target", "nope")
    assert unknown.exit_code == 1 and "error: --target nope: no kind 'nope'; the kinds are athena_named_query" \
        in unknown.output
    typo = run("diff", "--env", "dev", "--target", "s3_bucket.nosuchname")
    assert typo.exit_code == 1
    assert typo.output.startswith("error: --target s3_bucket.nosuchname: env dev has no s3_bucket named "
                                  "'nosuchname'; its s3_bucket names are daily-system-design-email-events-dev")


def test_an_ignore_rule_silences_exactly_its_path(ctx: AwsContext, tmp_path: Path) -> None:
    converge(ctx, ["s3_bucket"])
    boto("s3").put_bucket_versioning(Bucket=EVENTS, VersioningConfiguration={"Status": "Suspended"})
    boto("s3").delete_bucket_policy(Bucket="daily-system-design-athena-results-dev")
    config = tmp_path / "sesl.toml"
    config.write_text(f'[[env.dev.ignore]]\npath = "s3_bucket.{EVENTS}.versioning"\nreason = "being migrated"\n')
    result = run("diff", "--env", "dev", "--json", "--target", "s3_bucket", config=config)
    doc = json.loads(result.output)
    assert [(c["name"], c["aspect"]) for c in doc["changes"]] == [("daily-system-design-athena-results-dev", "policy")]
    assert [(c["name"], c["aspect"], c["ignore_reason"]) for c in doc["ignored"]] == [
        (EVENTS, "versioning", "being migrated")]
    expired = tmp_path / "expired.toml"
    expired.write_text(f'[[env.dev.ignore]]\npath = "s3_bucket.{EVENTS}.versioning"\nreason = "x"\n'
                       "expires = 2020-01-01\n")
    doc = json.loads(run("diff", "--env", "dev", "--json", "--target", "s3_bucket", config=expired).output)
    assert len(doc["changes"]) == 2 and "expired on 2020-01-01" in doc["warnings"][0]


def test_ignore_rules_at_field_level_and_never_for_creates() -> None:
    change = Change("iam_role", "r", Action.UPDATE, "tags", (FieldChange("tags.team", "a", "b"),
                                                              FieldChange("tags.sesl:env", "x", "dev")))
    create = Change("iam_role", "r2", Action.CREATE)
    kept, ignored, _ = apply_ignore_rules([change, create], [IgnoreRule("iam_role.*.tags.tags.team", "why")],
                                          dt.date(2026, 1, 1))
    assert [f.path for f in kept[0].fields] == ["tags.sesl:env"] and kept[1] is create
    assert [f.path for f in ignored[0][0].fields] == ["tags.team"]
    kept, ignored, _ = apply_ignore_rules([create], [IgnoreRule("iam_role.*", "why")], dt.date(2026, 1, 1))
    assert kept == [create] and ignored == []


def test_the_lock_blocks_a_second_holder_names_the_owner_and_can_be_broken(ctx: AwsContext) -> None:
    ctx.allow_mutations()
    other = AwsContext(ctx.spec)
    other.allow_mutations()
    holder = lock.acquire(ctx, "apply")
    with pytest.raises(LockError, match=r"locked by .+ pid \d+ \(apply\) since .+ unlock --env dev"):
        lock.acquire(other, "destroy", timeout=0)
    assert "is locked by" in run("unlock", "--env", "dev").output
    assert run("unlock", "--env", "dev").exit_code == 1  # not stale
    forced = run("unlock", "--env", "dev", "--force")
    assert forced.exit_code == 0 and "lock removed" in forced.output
    lock.release(ctx, holder)  # no longer ours: nothing to do, and no error
    stale = lock.acquire(other, "apply", ttl=-1)
    taken = lock.acquire(ctx, "apply")  # the stale lock is removed and taken
    assert taken["id"] != stale["id"]
    lock.release(ctx, taken)
    assert lock.read_lock(ctx) is None


def test_two_applies_at_once_end_in_one_correct_state(ctx: AwsContext, monkeypatch: Any) -> None:
    monkeypatch.setattr(lock, "POLL_SECONDS", 0.05)
    results: list[int] = []

    def apply() -> None:
        results.append(run("apply", "--env", "dev", "--yes", "--lock-timeout", "120",
                           "--target", "s3_bucket", "--target", "log_group").exit_code)

    threads = [threading.Thread(target=apply) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [0, 0]
    assert reconcile.plan(ctx, reconcile.PlanOptions(targets=("s3_bucket", "log_group"))).changes == ()
    assert lock.read_lock(ctx) is None


def test_destroy_leaves_nothing_of_sesls_but_a_data_bucket_with_its_counts(ctx: AwsContext) -> None:
    assert run("apply", "--env", "dev", "--yes").exit_code == 0
    boto("s3").put_object(Bucket=EVENTS, Key="newsletter/x", Body=b"1")
    result = run("destroy", "--env", "dev", "--yes")
    assert result.exit_code == 0, result.output
    assert f"= s3_bucket.{EVENTS} # holds 1 object version(s)" in result.output
    leftovers = drift.find_orphans(ctx, wanted=set())
    assert [d.address for d in leftovers] == [f"arn:aws:s3:::{EVENTS}"]
    assert boto("sesv2").get_configuration_set(ConfigurationSetName="daily-system-design-newsletter-dev")
    assert run("destroy", "--env", "dev", "--yes", "--delete-data").exit_code == 0
    assert drift.find_orphans(ctx, wanted=set()) == []
    assert boto("budgets").describe_budgets(AccountId=ACCOUNT).get("Budgets", []) == []


def test_a_lock_left_by_a_killed_run_on_this_host_is_taken_over_at_once(ctx: AwsContext) -> None:
    import subprocess
    import sys

    ctx.allow_mutations()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = lock._holder("apply", 3600)
    left["pid"] = int(dead.stdout)  # that process has exited: its run was killed
    boto("ssm").put_parameter(Name=lock_parameter("dev"), Value=json.dumps(left), Type="String")
    assert lock.holder_gone(left) and lock.is_stale(left)
    holder = lock.acquire(ctx, "apply")
    assert lock.read_lock(ctx)["id"] == holder["id"] != left["id"]
    lock.release(ctx, holder)


def test_a_live_holder_or_one_on_another_host_is_not_taken_over(ctx: AwsContext) -> None:
    import os

    alive = lock._holder("apply", 3600)
    assert not lock.holder_gone(alive) and not lock.is_stale(alive)  # this very process
    elsewhere = {**alive, "host": "another-host", "pid": 2**22 + 7}
    assert not lock.holder_gone(elsewhere) and not lock.is_stale(elsewhere)
    assert alive["pid"] == os.getpid()
