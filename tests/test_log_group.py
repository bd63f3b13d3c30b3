"""Log groups climb the ladder; retention, streams and tags drift are reported and repaired."""

from __future__ import annotations

from dataclasses import replace

from sesl.context import AwsContext
from sesl.naming import Names
from sesl.resources.base import Env
from sesl.resources.log_group import LogGroupKind
from sesl.spec import default_spec
from tests.conftest import ACCOUNT, boto
from tests.ladder import climb, drift_then_repair

NEWSLETTER = "/aws/kinesisfirehose/email-events-newsletter-dev"
TRANSACTIONAL = "/aws/kinesisfirehose/email-events-transactional-dev"


def test_log_groups_climb_the_ladder_with_their_streams(ctx: AwsContext) -> None:
    climb(ctx, "log_group", [NEWSLETTER, TRANSACTIONAL])
    logs = boto("logs")
    group = logs.describe_log_groups(logGroupNamePrefix=NEWSLETTER)["logGroups"][0]
    assert group["retentionInDays"] == 14
    streams = {s["logStreamName"] for s in logs.describe_log_streams(logGroupName=NEWSLETTER)["logStreams"]}
    assert streams == {"DestinationDelivery", "BackupDelivery"}


def test_retention_drift(ctx: AwsContext) -> None:
    climb(ctx, "log_group", [NEWSLETTER, TRANSACTIONAL])
    change = drift_then_repair(ctx, "log_group", NEWSLETTER, "retention",
                               lambda: boto("logs").put_retention_policy(logGroupName=NEWSLETTER, retentionInDays=3))
    assert (change.fields[0].before, change.fields[0].after) == (3, 14)


def test_a_deleted_log_stream_is_recreated(ctx: AwsContext) -> None:
    climb(ctx, "log_group", [NEWSLETTER, TRANSACTIONAL])
    drift_then_repair(ctx, "log_group", TRANSACTIONAL, "log_streams", lambda: boto("logs").delete_log_stream(
        logGroupName=TRANSACTIONAL, logStreamName="DestinationDelivery"))


def test_tag_drift(aws: None) -> None:
    ctx = AwsContext(replace(default_spec("dev"), tags={"team": "data"}))
    climb(ctx, "log_group", [NEWSLETTER, TRANSACTIONAL])
    arn = f"arn:aws:logs:us-west-2:{ACCOUNT}:log-group:{NEWSLETTER}"
    change = drift_then_repair(ctx, "log_group", NEWSLETTER, "tags", lambda: boto("logs").tag_resource(
        resourceArn=arn, tags={"team": "web"}))
    assert [(f.path, f.before, f.after) for f in change.fields] == [("tags.team", "web", "data")]


def test_retention_must_be_a_value_cloudwatch_accepts() -> None:
    env = Env(default_spec("dev"), Names("dev", "us-west-2", ACCOUNT))
    kind = LogGroupKind()
    want = kind.desired(env)[0]
    assert kind.validate(env, want) == []
    assert "not one CloudWatch Logs accepts" in kind.validate(env, replace(want, retention_days=15))[0]
    assert "log group name" in kind.validate(env, replace(want, name="/aws/bad name"))[0]
    assert "without ':'" in kind.validate(env, replace(want, streams=("a:b",)))[0]
