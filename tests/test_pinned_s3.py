"""The buckets pinned: policy, lifecycle rules, each lifecycle check on both sides, the name rule, and
destroy's keep rule for every kind of content (objects, noncurrent versions, only delete markers)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from sesl.context import AwsContext
from sesl.model import DestroyOptions
from sesl.naming import Names
from sesl.resources.base import Env
from sesl.resources.s3_bucket import (
    BucketSpec,
    BucketState,
    S3BucketKind,
    bucket_policy,
    count_versions,
    empty_bucket,
    events_lifecycle,
    lifecycle_problems,
    normalize_rules,
    results_lifecycle,
)
from sesl.spec import default_spec
from tests.conftest import boto

N = Names("dev", "us-west-2", "123456789012")
ENV = Env(default_spec("dev"), N)


def test_the_bucket_policy_exactly() -> None:
    resources = ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]
    assert bucket_policy("b", "123456789012") == {"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": resources, "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "DenyPrincipalsOutsideAccount", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": resources, "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "123456789012"},
                                              "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}]}


def test_the_events_lifecycle_follows_the_settings() -> None:
    spec = default_spec("dev")
    env = Env(replace(spec, s3=replace(spec.s3, ia_transition_days=45, noncurrent_expiration_days=120,
                                       abort_multipart_days=3)), N)
    assert events_lifecycle(env) == (
        {"ID": "events-to-standard-ia", "Status": "Enabled", "Filter": {"Prefix": ""},
         "Transitions": [{"Days": 45, "StorageClass": "STANDARD_IA"}],
         "NoncurrentVersionTransitions": [{"NoncurrentDays": 30, "StorageClass": "STANDARD_IA"}],
         "NoncurrentVersionExpiration": {"NoncurrentDays": 120},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 3}},
        {"ID": "expire-delete-markers", "Status": "Enabled", "Filter": {"Prefix": ""},
         "Expiration": {"ExpiredObjectDeleteMarker": True}})


def test_the_results_lifecycle_follows_the_settings() -> None:
    spec = default_spec("dev")
    env = Env(replace(spec, s3=replace(spec.s3, results_retention_days=7)), N)
    assert results_lifecycle(env) == (
        {"ID": "expire-query-results", "Status": "Enabled", "Filter": {"Prefix": ""},
         "Expiration": {"Days": 7}, "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}},
        {"ID": "expire-delete-markers", "Status": "Enabled", "Filter": {"Prefix": ""},
         "Expiration": {"ExpiredObjectDeleteMarker": True}})


def test_desired_buckets() -> None:
    events, results = S3BucketKind().desired(Env(replace(default_spec("dev"), tags={"team": "x"}), N))
    owner = {"team": "x", "sesl:managed-by": "sesl", "sesl:env": "dev"}
    assert (events.name, events.region, events.purpose, events.versioning, events.sse_algorithm) == (
        "daily-system-design-email-events-dev", "us-west-2", "events", "Enabled", "AES256")
    assert events.tags == {**owner, "sesl:purpose": "email-events"}
    assert events.policy == bucket_policy(events.name, "123456789012")
    assert events.lifecycle_rules == events_lifecycle(ENV)
    assert (results.purpose, results.tags["sesl:purpose"]) == ("athena-results", "athena-results")
    assert results.name == N.results_bucket and results.lifecycle_rules == results_lifecycle(ENV)
    assert results.policy == bucket_policy(N.results_bucket, "123456789012")


# -- lifecycle checks on both sides ------------------------------------------------------------------------------

def _rule(**members: Any) -> dict[str, Any]:
    return {"ID": "r", "Filter": {"Prefix": ""}, **members}


@pytest.mark.parametrize("storage", ["STANDARD_IA", "ONEZONE_IA"])
@pytest.mark.parametrize(("days", "ok"), [(29, False), (30, True)])
def test_a_transition_to_ia_needs_30_days(storage: str, days: int, ok: bool) -> None:
    got = lifecycle_problems((_rule(Transitions=[{"Days": days, "StorageClass": storage}]),))
    assert got == ([] if ok else [f"lifecycle rule r: transition to {storage} needs at least 30 days"])
    got = lifecycle_problems((_rule(NoncurrentVersionTransitions=[{"NoncurrentDays": days, "StorageClass": storage}]),))
    assert got == ([] if ok else ["lifecycle rule r: noncurrent transition to IA needs at least 30 days"])


def test_other_storage_classes_take_fewer_days() -> None:
    assert lifecycle_problems((_rule(Transitions=[{"Days": 1, "StorageClass": "GLACIER"}],
                                     NoncurrentVersionTransitions=[{"NoncurrentDays": 1,
                                                                    "StorageClass": "GLACIER"}]),)) == []


@pytest.mark.parametrize(("length", "ok"), [(255, True), (256, False)])
def test_a_rule_id_is_at_most_255(length: int, ok: bool) -> None:
    rid = "i" * length
    got = lifecycle_problems(({"ID": rid, "Filter": {"Prefix": ""}},))
    assert got == ([] if ok else [f"lifecycle rule {rid}: ID longer than 255 characters"])


def test_a_rule_without_id_is_named_by_a_question_mark() -> None:
    assert lifecycle_problems(({"Filter": {}},)) == [
        "lifecycle rule ?: Filter must hold exactly one of Prefix, Tag, ObjectSizeGreaterThan, ObjectSizeLessThan, "
        "And"]


@pytest.mark.parametrize("expiration", [{"ExpiredObjectDeleteMarker": True, "Days": 40},
                                        {"ExpiredObjectDeleteMarker": True, "Date": "2030-01-01"}])
def test_the_delete_marker_rule_cannot_have_days_or_a_date(expiration: dict[str, Any]) -> None:
    got = lifecycle_problems((_rule(Expiration=expiration),))
    assert "lifecycle rule r: ExpiredObjectDeleteMarker cannot be combined with Days/Date" in got
    assert lifecycle_problems((_rule(Expiration={"ExpiredObjectDeleteMarker": True}),)) == []
    assert lifecycle_problems((_rule(Expiration={"ExpiredObjectDeleteMarker": False, "Days": 40}),)) == []


@pytest.mark.parametrize(("days", "ok"), [(30, False), (31, True)])
def test_expiration_comes_after_the_last_transition(days: int, ok: bool) -> None:
    rule = _rule(Transitions=[{"Days": 30, "StorageClass": "STANDARD_IA"}, {"Days": 10, "StorageClass": "GLACIER"}],
                 Expiration={"Days": days})
    got = lifecycle_problems((rule,))
    assert got == ([] if ok else [f"lifecycle rule r: expiration ({days} d) must come after the last transition "
                                  "(30 d)"])


@pytest.mark.parametrize(("days", "ok"), [(0, False), (1, True)])
def test_expiration_without_transitions_needs_a_day(days: int, ok: bool) -> None:
    got = lifecycle_problems((_rule(Expiration={"Days": days}),))
    assert got == ([] if ok else [f"lifecycle rule r: expiration ({days} d) must come after the last transition "
                                  "(0 d)"])


@pytest.mark.parametrize(("days", "ok"), [(30, False), (31, True)])
def test_noncurrent_expiration_comes_after_the_noncurrent_transition(days: int, ok: bool) -> None:
    rule = _rule(NoncurrentVersionTransitions=[{"NoncurrentDays": 30, "StorageClass": "STANDARD_IA"}],
                 NoncurrentVersionExpiration={"NoncurrentDays": days})
    got = lifecycle_problems((rule,))
    assert got == ([] if ok else [f"lifecycle rule r: noncurrent expiration ({days} d) must come after the "
                                  "noncurrent transition (30 d)"])


@pytest.mark.parametrize(("days", "ok"), [(0, False), (1, True)])
def test_noncurrent_expiration_alone_needs_a_day(days: int, ok: bool) -> None:
    got = lifecycle_problems((_rule(NoncurrentVersionExpiration={"NoncurrentDays": days}),))
    assert got == ([] if ok else [f"lifecycle rule r: noncurrent expiration ({days} d) must come after the "
                                  "noncurrent transition (0 d)"])


@pytest.mark.parametrize(("filter_", "ok"), [({"Prefix": ""}, True), ({}, False), ({"Prefix": "a", "Tag": {}}, False)])
def test_a_filter_holds_exactly_one_member(filter_: dict[str, Any], ok: bool) -> None:
    got = lifecycle_problems(({"ID": "r", "Filter": filter_},))
    assert got == ([] if ok else ["lifecycle rule r: Filter must hold exactly one of Prefix, Tag, "
                                  "ObjectSizeGreaterThan, ObjectSizeLessThan, And"])


def test_sesls_own_lifecycles_pass_at_the_lowest_settings() -> None:
    spec = default_spec("dev")
    low = replace(spec.s3, ia_transition_days=30, noncurrent_expiration_days=31, results_retention_days=1)
    env = Env(replace(spec, s3=low), N)
    assert [S3BucketKind().validate(env, b) for b in S3BucketKind().desired(env)] == [[], []]


# -- names and rules as AWS answers them -------------------------------------------------------------------------

def _bucket(name: str) -> BucketSpec:
    return BucketSpec(name, "us-west-2", "events", (), {}, {})




def test_normalize_rules_treats_every_empty_filter_alike_and_sorts_by_id() -> None:
    a = {"ID": "b", "Status": "Enabled", "Filter": {}}
    b = {"ID": "a", "Status": "Enabled", "Prefix": "", "Transitions": [], "NoncurrentVersionExpiration": None}
    c = {"ID": "c", "Status": "Enabled", "Filter": {"Prefix": "x/"}}
    d = {"ID": "d", "Status": "Enabled", "Filter": {"Prefix": ""}}
    assert normalize_rules([a, b, c, d]) == [
        {"ID": "a", "Status": "Enabled", "Filter": {"Prefix": ""}},
        {"ID": "b", "Status": "Enabled", "Filter": {"Prefix": ""}},
        {"ID": "c", "Status": "Enabled", "Filter": {"Prefix": "x/"}},
        {"ID": "d", "Status": "Enabled", "Filter": {"Prefix": ""}}]
    assert normalize_rules(None) == []
    legacy = {"ID": "e", "Prefix": "logs/"}
    assert normalize_rules([legacy]) == [{"ID": "e", "Prefix": "logs/"}]


# -- destroy: what is kept ---------------------------------------------------------------------------------------

BUCKET = "pinned-keep-bucket"


def _state() -> BucketState:
    return BucketState(BUCKET, True, "us-west-2", "Enabled", "AES256", None, (), None, None, {})


@pytest.fixture
def bucket(ctx: AwsContext) -> Any:
    s3 = boto("s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return s3


def test_an_empty_bucket_is_deleted(ctx: AwsContext, bucket: Any) -> None:
    assert count_versions(ctx, BUCKET) == (0, 0)
    assert S3BucketKind().keep_reason(ctx, _state(), DestroyOptions()) is None


def test_a_bucket_with_objects_is_kept_unless_data_is_deleted(ctx: AwsContext, bucket: Any) -> None:
    bucket.put_object(Bucket=BUCKET, Key="a", Body=b"1")
    bucket.put_object(Bucket=BUCKET, Key="a", Body=b"2")
    assert count_versions(ctx, BUCKET) == (2, 0)
    assert S3BucketKind().keep_reason(ctx, _state(), DestroyOptions()) == (
        "holds 2 object version(s) and 0 delete marker(s): kept (--delete-data deletes it with its data)")
    assert S3BucketKind().keep_reason(ctx, _state(), DestroyOptions(delete_data=True)) is None


def test_a_bucket_holding_only_delete_markers_is_kept(ctx: AwsContext, bucket: Any) -> None:
    bucket.put_object(Bucket=BUCKET, Key="a", Body=b"1")
    version = bucket.list_object_versions(Bucket=BUCKET)["Versions"][0]["VersionId"]
    bucket.delete_object(Bucket=BUCKET, Key="a")  # a delete marker on top
    bucket.delete_object(Bucket=BUCKET, Key="a", VersionId=version)  # the data gone, the marker left
    assert count_versions(ctx, BUCKET) == (0, 1)
    assert S3BucketKind().keep_reason(ctx, _state(), DestroyOptions()) == (
        "holds 0 object version(s) and 1 delete marker(s): kept (--delete-data deletes it with its data)")
    assert S3BucketKind().keep_reason(ctx, _state(), DestroyOptions(delete_data=True)) is None


def test_empty_bucket_deletes_versions_and_markers_and_counts_them(ctx: AwsContext, bucket: Any) -> None:
    ctx.allow_mutations()
    for key in ("a", "b"):
        bucket.put_object(Bucket=BUCKET, Key=key, Body=b"1")
    bucket.delete_object(Bucket=BUCKET, Key="a")
    assert count_versions(ctx, BUCKET) == (2, 1)
    assert empty_bucket(ctx, BUCKET) == 3
    assert count_versions(ctx, BUCKET) == (0, 0)
