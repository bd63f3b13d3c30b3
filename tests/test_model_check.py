"""Every value sesl sends is checked against botocore's service model: both sides of each kind of rule, on real
sesl operations, and every request of every kind is clean with the defaults."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import pytest

from sesl import model_check
from sesl.model_check import check, python_pattern
from sesl.naming import Names
from sesl.reconcile import desired_objects, model_problems, validate_env
from sesl.resources import REGISTRY
from sesl.resources.base import Env, Kind, Request, create_requests
from sesl.resources.firehose_stream import FirehoseStreamKind
from sesl.spec import VpcSettings, default_spec

ENV = Env(default_spec("dev"), Names("dev", "us-west-2", "123456789012"))


def stream_request() -> dict[str, Any]:
    (want,) = [w for w in FirehoseStreamKind().desired(ENV) if w.flow == "newsletter"]
    return copy.deepcopy(FirehoseStreamKind().requests(want)[0].params)


def firehose(edit: Any) -> list[str]:
    params = stream_request()
    edit(params)
    return check("firehose", "CreateDeliveryStream", params)


def hints(params: dict[str, Any]) -> dict[str, Any]:
    return params["ExtendedS3DestinationConfiguration"]["BufferingHints"]  # type: ignore[no-any-return]


def test_sesl_own_stream_request_is_clean() -> None:
    assert check("firehose", "CreateDeliveryStream", stream_request()) == []


@pytest.mark.parametrize(("interval", "problem"), [
    (-1, "CreateDeliveryStream.ExtendedS3DestinationConfiguration.BufferingHints.IntervalInSeconds: -1 is below the "
         "minimum 0 (botocore firehose IntervalInSeconds min)"),
    (0, None), (900, None),
    (901, "CreateDeliveryStream.ExtendedS3DestinationConfiguration.BufferingHints.IntervalInSeconds: 901 is above "
          "the maximum 900 (botocore firehose IntervalInSeconds max)"),
])
def test_integer_min_and_max(interval: int, problem: str | None) -> None:
    assert firehose(lambda p: hints(p).update(IntervalInSeconds=interval)) == ([problem] if problem else [])


@pytest.mark.parametrize(("cutoff", "ok"), [(9_999_999, False), (10_000_000, True)])
def test_long_min_of_the_athena_cutoff(cutoff: int, ok: bool) -> None:
    params = {"Name": "email-analytics-dev", "Configuration": {"BytesScannedCutoffPerQuery": cutoff}}
    expected = [] if ok else ["CreateWorkGroup.Configuration.BytesScannedCutoffPerQuery: 9999999 is below the "
                              "minimum 10000000 (botocore athena BytesScannedCutoffValue min)"]
    assert check("athena", "CreateWorkGroup", params) == expected


def test_required_member_missing() -> None:
    assert firehose(lambda p: p.pop("DeliveryStreamName")) == [
        "CreateDeliveryStream.DeliveryStreamName: is required but missing (botocore firehose "
        "CreateDeliveryStreamInput required)"]


def test_unknown_member() -> None:
    found = firehose(lambda p: p["ExtendedS3DestinationConfiguration"].update(BufferingHint={}))
    assert len(found) == 1
    assert found[0].startswith("CreateDeliveryStream.ExtendedS3DestinationConfiguration.BufferingHint: is not a "
                               "member (known: RoleARN, BucketARN,")


@pytest.mark.parametrize("value", ["60", True, 60.5])
def test_wrong_type(value: Any) -> None:
    found = firehose(lambda p: hints(p).update(IntervalInSeconds=value))
    assert found == [f"CreateDeliveryStream.ExtendedS3DestinationConfiguration.BufferingHints.IntervalInSeconds: "
                     f"{value!r} is {type(value).__name__}, not integer (botocore firehose IntervalInSeconds)"]


def test_enum() -> None:
    assert firehose(lambda p: p["ExtendedS3DestinationConfiguration"].update(CompressionFormat="GZIP")) == []
    assert firehose(lambda p: p["ExtendedS3DestinationConfiguration"].update(CompressionFormat="BROTLI")) == [
        "CreateDeliveryStream.ExtendedS3DestinationConfiguration.CompressionFormat: 'BROTLI' is not one of "
        "UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY (botocore firehose CompressionFormat enum)"]


def alarm(**changes: Any) -> list[str]:
    params = {"AlarmName": "a", "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanThreshold", **changes}
    return check("cloudwatch", "PutMetricAlarm", params)


def test_list_length_and_enum_on_an_alarm() -> None:
    topic = "arn:aws:sns:us-west-2:123456789012:t"
    assert alarm(AlarmActions=[topic] * 5) == []
    assert alarm(AlarmActions=[topic] * 6) == [
        "PutMetricAlarm.AlarmActions: 6 items is above the maximum length 5 (botocore cloudwatch ResourceList max)"]
    assert alarm(ComparisonOperator="GreaterThan") == [
        "PutMetricAlarm.ComparisonOperator: 'GreaterThan' is not one of GreaterThanOrEqualToThreshold, "
        "GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold, "
        "LessThanLowerOrGreaterThanUpperThreshold, LessThanLowerThreshold, GreaterThanUpperThreshold "
        "(botocore cloudwatch ComparisonOperator enum)"]
    assert alarm(EvaluationPeriods=0) == [
        "PutMetricAlarm.EvaluationPeriods: 0 is below the minimum 1 (botocore cloudwatch EvaluationPeriods min)"]


def test_string_length_and_map_size_on_a_crawler() -> None:
    base = {"Role": "r", "Targets": {}}
    assert check("glue", "CreateCrawler", {**base, "Name": "n" * 255}) == []
    assert check("glue", "CreateCrawler", {**base, "Name": "n" * 256}) == [
        "CreateCrawler.Name: '" + "n" * 57 + "...': 256 characters is above the maximum length 255 (botocore glue "
        "NameString max)"]
    tags = {f"k{i}": "v" for i in range(51)}
    assert check("glue", "CreateCrawler", {**base, "Name": "n", "Tags": dict(list(tags.items())[:50])}) == []
    assert check("glue", "CreateCrawler", {**base, "Name": "n", "Tags": tags}) == [
        "CreateCrawler.Tags: 51 entries is above the maximum length 50 (botocore glue TagsMap max)"]


def test_the_model_has_no_rule_for_a_cron_schedule() -> None:
    # Why sesl.glue_rules exists: botocore's CronExpression has no pattern, so this passes the model.
    assert check("glue", "CreateCrawler", {"Name": "n", "Role": "r", "Targets": {},
                                           "Schedule": "cron(61 25 ? * SUN *)"}) == []


@pytest.mark.parametrize(("name", "ok"), [("email-events-newsletter-dev", True), ("bad name!", False)])
def test_pattern_is_matched_whole(name: str, ok: bool) -> None:
    found = firehose(lambda p: p.update(DeliveryStreamName=name))
    assert found == ([] if ok else [
        "CreateDeliveryStream.DeliveryStreamName: 'bad name!' does not match [a-zA-Z0-9_.-]+ (botocore firehose "
        "DeliveryStreamName pattern)"])


@pytest.mark.parametrize(("key", "ok"), [("sesl:env", True), ("clé", True), ("aws:env", False), ("a*b", False)])
def test_java_unicode_classes_in_a_pattern(key: str, ok: bool) -> None:
    # TagKey: ^(?!aws:)[\p{L}\p{Z}\p{N}_.:\/=+\-@%]*$ -- \p{L} takes any letter, which Python's re cannot express.
    found = firehose(lambda p: p.update(Tags=[{"Key": key, "Value": "v"}]))
    assert (found == []) is ok, found


@pytest.mark.parametrize(("name", "ok"), [("crawler \U0001F600", True), ("tab\tok", True), ("bell\x07", False)])
def test_java_surrogate_pairs_in_a_pattern(name: str, ok: bool) -> None:
    # NameString: [\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*: the pair is U+10000-U+10FFFF.
    found = check("glue", "CreateCrawler", {"Name": name, "Role": "r", "Targets": {}})
    assert (found == []) is ok, found


def test_pattern_translation() -> None:
    assert python_pattern(r"[\u0020-\uD7FF\uD800\uDC00-\uDBFF\uDFFF]*") == r"[\u0020-\uD7FF\U00010000-\U0010FFFF]*"
    assert python_pattern(r"\d++x\z") == r"\d++x\Z"  # possessive quantifiers are read by the regex module
    assert python_pattern("[a-") is None


def test_a_pattern_that_cannot_be_translated_is_skipped_and_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_check, "_compiled", lambda java: None)
    assert check("firehose", "CreateDeliveryStream", {**stream_request(), "DeliveryStreamName": "bad name!"}) == []
    assert ("DeliveryStreamName", "[a-zA-Z0-9_.-]+") in model_check.SKIPPED
    model_check.SKIPPED.clear()


def test_value_problem_and_enum_of_a_named_shape() -> None:
    assert model_check.value_problem("firehose", "SizeInMBs", 128) is None
    assert model_check.value_problem("firehose", "SizeInMBs", 129) == "129 is above the maximum 128"
    assert model_check.enum("firehose", "ParquetCompression") == ("UNCOMPRESSED", "GZIP", "SNAPPY")


# --- what sesl sends ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("env", ["dev", "prod"])
def test_every_request_of_every_kind_is_clean_and_every_pattern_is_read(env: str) -> None:
    spec = default_spec(env)
    environment = Env(spec, Names(env, spec.region, "000000000000"))
    assert validate_env(environment) == []
    requests = [r for kind, want in desired_objects(environment, REGISTRY) for r in kind.requests(want)]
    assert {(r.service, r.operation) for r in requests} >= {
        ("firehose", "CreateDeliveryStream"), ("firehose", "UpdateDestination"), ("glue", "CreateTable"),
        ("glue", "UpdateTable"), ("glue", "CreateCrawler"), ("athena", "CreateWorkGroup"),
        ("athena", "UpdateWorkGroup"), ("cloudwatch", "PutMetricAlarm"), ("s3", "PutBucketLifecycleConfiguration"),
        ("iam", "CreateRole"), ("iam", "PutRolePolicy"), ("budgets", "CreateBudget"), ("logs", "PutRetentionPolicy"),
        ("sns", "CreateTopic"), ("sesv2", "CreateConfigurationSetEventDestination"), ("cloudwatch", "PutDashboard"),
        ("glue", "CreateDatabase"), ("athena", "CreateNamedQuery")}
    assert not model_check.SKIPPED


def test_every_kind_states_its_requests() -> None:
    # The VPC endpoints exist only with a VPC configured.
    vpc = VpcSettings(id="vpc-0123abcd", route_table_ids=["rtb-0123abcd"])
    env = Env(replace(ENV.spec, vpc=vpc), ENV.names)
    assert [k.kind for k in REGISTRY if not any(k.requests(w) for w in k.desired(env))] == []


def test_a_value_an_update_sends_again_is_reported_once() -> None:
    kind = FirehoseStreamKind()
    want = kind.desired(ENV)[0]
    want.destination["BufferingHints"]["SizeInMBs"] = 129
    assert [r.operation for r in kind.requests(want)] == ["CreateDeliveryStream", "UpdateDestination"]
    assert model_problems(kind, want) == [
        "CreateDeliveryStream.ExtendedS3DestinationConfiguration.BufferingHints.SizeInMBs: 129 is above the maximum "
        "128 (botocore firehose SizeInMBs max)"]


class Recorder:
    """A client that records each call as the Request it would be."""

    def __init__(self, service: str, calls: list[Request]) -> None:
        self.service, self.calls = service, calls

    def __getattr__(self, method: str) -> Any:
        def call(**params: Any) -> dict[str, Any]:
            operation = "".join(part.title() for part in method.split("_"))
            self.calls.append(Request(self.service, operation, params))
            return {}
        return call


class RecordingContext:
    def __init__(self) -> None:
        self.calls: list[Request] = []

    def client(self, service: str, region: str | None = None) -> Recorder:
        return Recorder(service, self.calls)


# Kinds whose create() is a plain sequence of calls (no waits or reads in between).
PLAIN = ["s3_bucket", "iam_role", "log_group", "sns_topic", "glue_database", "glue_table", "cloudwatch_alarm",
         "cloudwatch_dashboard", "budget", "athena_workgroup", "glue_crawler", "ses_event_destination"]


@pytest.mark.parametrize("kind", [k for k in REGISTRY if k.kind in PLAIN], ids=lambda k: k.kind)
def test_create_sends_exactly_what_requests_states(kind: Kind) -> None:
    for want in kind.desired(ENV):
        ctx = RecordingContext()
        kind.create(ctx, want)  # type: ignore[arg-type]
        assert ctx.calls == create_requests(kind.requests(want)), kind.kind
