"""S3 buckets climb the ladder against moto; lifecycle rules are validated the way S3 documents."""

from __future__ import annotations

import json

import pytest

from sesl import reconcile
from sesl.context import AwsContext
from sesl.model import Action, DestroyOptions
from sesl.naming import Names
from sesl.resources.base import Env
from sesl.resources.s3_bucket import S3BucketKind, events_lifecycle, lifecycle_problems
from sesl.spec import default_spec
from tests.conftest import ACCOUNT, boto
from tests.ladder import climb, drift_then_repair, plan_for

EVENTS = "daily-system-design-email-events-dev"
RESULTS = "daily-system-design-athena-results-dev"


def test_buckets_climb_the_ladder(ctx: AwsContext) -> None:
    climb(ctx, "s3_bucket", [EVENTS, RESULTS])
    s3 = boto("s3")
    assert s3.get_bucket_location(Bucket=EVENTS)["LocationConstraint"] == "us-west-2"
    assert s3.get_bucket_versioning(Bucket=RESULTS)["Status"] == "Enabled"
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=RESULTS)["Rules"]}
    # Retention that really deletes on a versioned bucket: noncurrent versions and delete markers too.
    assert rules["expire-query-results"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 1
    assert rules["expire-delete-markers"]["Expiration"]["ExpiredObjectDeleteMarker"] is True
    policy = json.loads(s3.get_bucket_policy(Bucket=EVENTS)["Policy"])
    tls = next(s for s in policy["Statement"] if s["Sid"] == "DenyInsecureTransport")
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


@pytest.mark.parametrize(("aspect", "edit"), [
    ("versioning", lambda s3: s3.put_bucket_versioning(Bucket=EVENTS, VersioningConfiguration={"Status": "Suspended"})),
    ("encryption", lambda s3: s3.put_bucket_encryption(Bucket=EVENTS, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]})),
    ("public_access_block", lambda s3: s3.put_public_access_block(Bucket=EVENTS, PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})),
    ("lifecycle", lambda s3: s3.put_bucket_lifecycle_configuration(Bucket=EVENTS, LifecycleConfiguration={
        "Rules": [{"ID": "x", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 5}}]})),
    ("policy", lambda s3: s3.delete_bucket_policy(Bucket=EVENTS)),
    ("tags", lambda s3: s3.put_bucket_tagging(Bucket=EVENTS, Tagging={"TagSet": [
        {"Key": "sesl:managed-by", "Value": "sesl"}, {"Key": "sesl:env", "Value": "dev"}]})),
])
def test_an_out_of_band_change_shows_exactly_its_aspect(ctx: AwsContext, aspect: str, edit: object) -> None:
    climb(ctx, "s3_bucket", [EVENTS, RESULTS])
    drift_then_repair(ctx, "s3_bucket", EVENTS, aspect, lambda: edit(boto("s3")))  # type: ignore[operator]


def test_versioning_drift_names_old_and_new_value(ctx: AwsContext) -> None:
    climb(ctx, "s3_bucket", [EVENTS, RESULTS])
    boto("s3").put_bucket_versioning(Bucket=EVENTS, VersioningConfiguration={"Status": "Suspended"})
    (change,) = plan_for(ctx, ["s3_bucket"])
    assert [(f.path, f.before, f.after) for f in change.fields] == [("Status", "Suspended", "Enabled")]


def test_unowned_bucket_is_a_conflict_until_adopted(ctx: AwsContext) -> None:
    boto("s3").create_bucket(Bucket=EVENTS, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    changes = plan_for(ctx, [f"s3_bucket.{EVENTS}"])
    assert [c.action for c in changes] == [Action.CONFLICT]
    with pytest.raises(Exception, match="not sesl's"):
        reconcile.execute(ctx, reconcile.plan(ctx, reconcile.PlanOptions(targets=(f"s3_bucket.{EVENTS}",))))
    assert boto("s3").get_bucket_versioning(Bucket=EVENTS).get("Status") is None  # untouched
    adopted = reconcile.plan(ctx, reconcile.PlanOptions(adopt=True, targets=(f"s3_bucket.{EVENTS}",)))
    assert adopted.changes[0].action is Action.ADOPT
    reconcile.execute(ctx, adopted)
    assert plan_for(ctx, [f"s3_bucket.{EVENTS}"]) == []


def test_destroy_keeps_a_bucket_with_versions_and_reports_counts(ctx: AwsContext) -> None:
    climb(ctx, "s3_bucket", [EVENTS, RESULTS])
    s3 = boto("s3")
    s3.put_object(Bucket=EVENTS, Key="a", Body=b"1")
    s3.delete_object(Bucket=EVENTS, Key="a")  # leaves one version and one delete marker
    plan = reconcile.plan_destroy(ctx, reconcile.PlanOptions(targets=("s3_bucket",)))
    by_name = {c.name: c for c in plan.changes}
    assert by_name[EVENTS].action is Action.KEEP
    assert "1 object version(s) and 1 delete marker(s)" in by_name[EVENTS].reason
    assert by_name[RESULTS].action is Action.DELETE
    reconcile.execute(ctx, plan)
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [EVENTS]


def test_destroy_with_delete_data_empties_every_version_in_pages(ctx: AwsContext) -> None:
    climb(ctx, "s3_bucket", [EVENTS, RESULTS])
    s3 = boto("s3")
    for i in range(1205):  # more than one DeleteObjects page of 1,000
        s3.put_object(Bucket=EVENTS, Key=f"k{i % 3}", Body=b"x")
    options = reconcile.PlanOptions(targets=("s3_bucket",), destroy=DestroyOptions(delete_data=True))
    ctx.destroy_options = options.destroy
    plan = reconcile.plan_destroy(ctx, options)
    assert {c.action for c in plan.changes} == {Action.DELETE}
    reconcile.execute(ctx, plan)
    assert s3.list_buckets()["Buckets"] == []


def test_lifecycle_rules_follow_s3_constraints() -> None:
    env = Env(default_spec("dev"), Names("dev", "us-west-2", ACCOUNT))
    assert lifecycle_problems(events_lifecycle(env)) == []
    too_early = ({"ID": "r", "Filter": {"Prefix": ""}, "Transitions": [{"Days": 10, "StorageClass": "STANDARD_IA"}]},)
    assert "at least 30 days" in lifecycle_problems(too_early)[0]
    marker_and_days = ({"ID": "r", "Filter": {"Prefix": ""},
                        "Expiration": {"Days": 3, "ExpiredObjectDeleteMarker": True}},)
    assert "cannot be combined" in lifecycle_problems(marker_and_days)[0]
    expire_before_transition = ({"ID": "r", "Filter": {"Prefix": ""}, "Expiration": {"Days": 20},
                                 "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}]},)
    assert "must come after" in lifecycle_problems(expire_before_transition)[0]
    two_filters = ({"ID": "r", "Filter": {"Prefix": "", "ObjectSizeGreaterThan": 1}, "Expiration": {"Days": 3}},)
    assert "exactly one" in lifecycle_problems(two_filters)[0]


def test_noncurrent_expiration_must_follow_the_noncurrent_transition() -> None:
    from dataclasses import replace

    spec = default_spec("dev")
    spec = replace(spec, s3=replace(spec.s3, noncurrent_expiration_days=20))
    env = Env(spec, Names("dev", "us-west-2", ACCOUNT))
    (want, _) = S3BucketKind().desired(env)
    assert any("noncurrent expiration (20 d)" in p for p in S3BucketKind().validate(env, want))
