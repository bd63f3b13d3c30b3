"""Log groups climb the ladder; retention, streams and tags drift are reported and repaired."""

from __future__ import annotations

from dataclasses import replace

from sesl.context import AwsContext
from sesl.naming import Names
from sesl.reconcile import model_problems
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
    assert "'/aws/bad name' does not match" in model_problems(kind, replace(want, name="/aws/bad name"))[0]
    assert "CreateLogStream.logStreamName: 'a:b' does not match [^:*]*" in model_problems(
        kind, replace(want, streams=("a:b",)))[0]


# --- what AWS answers (sesl.sandbox.shapes.logs) ------------------------------------------------------------------
def test_the_sandbox_answers_with_the_log_group_class() -> None:
    from sesl.sandbox import shapes

    echoed = {"logGroups": [{"logGroupName": "a", "arn": "arn:aws:logs:us-west-2:1:log-group:a:*"},
                            {"logGroupName": "b", "logGroupClass": "INFREQUENT_ACCESS"}]}
    assert shapes.shape("logs", "DescribeLogGroups", echoed, {}) == {"logGroups": [
        {"logGroupClass": "STANDARD", "logGroupName": "a", "arn": "arn:aws:logs:us-west-2:1:log-group:a:*"},
        {"logGroupName": "b", "logGroupClass": "INFREQUENT_ACCESS"}]}


def test_the_ladder_reads_the_aws_shaped_group(ctx: AwsContext) -> None:
    climb(ctx, "log_group", [NEWSLETTER, TRANSACTIONAL])
    group = boto("logs").describe_log_groups(logGroupNamePrefix=NEWSLETTER)["logGroups"][0]
    assert group["logGroupClass"] == "STANDARD"
    assert group["arn"] == f"arn:aws:logs:us-west-2:{ACCOUNT}:log-group:{NEWSLETTER}:*"
    assert group["logGroupArn"] == f"arn:aws:logs:us-west-2:{ACCOUNT}:log-group:{NEWSLETTER}"
    (have,) = [LogGroupKind().read(ctx, w) for w in LogGroupKind().desired(Env(ctx.spec, ctx.names))
               if w.name == NEWSLETTER]
    assert have is not None and have.arn == group["logGroupArn"]


def test_the_arn_is_read_from_either_member(ctx: AwsContext) -> None:
    from botocore.stub import Stubber

    kind = LogGroupKind()
    want = next(w for w in kind.desired(Env(ctx.spec, ctx.names)) if w.name == NEWSLETTER)
    arn = f"arn:aws:logs:us-west-2:{ACCOUNT}:log-group:{NEWSLETTER}"
    logs = ctx.client("logs")
    for group in ({"logGroupName": NEWSLETTER, "arn": arn + ":*"},  # only the ARN with ":*"
                  {"logGroupName": NEWSLETTER, "arn": arn + ":*", "logGroupArn": arn, "logGroupClass": "STANDARD",
                   "storedBytes": 0, "metricFilterCount": 0, "retentionInDays": 14}):
        with Stubber(logs) as stub:
            stub.add_response("describe_log_groups", {"logGroups": [group]}, {"logGroupNamePrefix": NEWSLETTER})
            stub.add_response("list_tags_for_resource", {"tags": want.tags}, {"resourceArn": arn})
            stub.add_response("describe_log_streams", {"logStreams": [{"logStreamName": s} for s in want.streams]},
                              {"logGroupName": NEWSLETTER})
            have = kind.read(ctx, want)
            stub.assert_no_pending_responses()
        assert have is not None and have.arn == arn
        expected = [] if "retentionInDays" in group else ["retention"]  # absent: the events never expire
        assert [c.aspect for c in kind.diff(have, want)] == expected


def test_a_group_that_never_expires_is_retention_drift(ctx: AwsContext) -> None:
    climb(ctx, "log_group", [NEWSLETTER, TRANSACTIONAL])
    change = drift_then_repair(ctx, "log_group", NEWSLETTER, "retention",
                               lambda: boto("logs").delete_retention_policy(logGroupName=NEWSLETTER))
    assert (change.fields[0].before, change.fields[0].after) == (None, 14)
