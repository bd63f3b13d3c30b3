"""S3 buckets climb the ladder against moto; lifecycle rules are validated the way S3 documents."""

from __future__ import annotations

import json
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest

from sesl import reconcile
from sesl.context import AwsContext
from sesl.diff import normalize_policy
from sesl.model import Action, DestroyOptions
from sesl.naming import Names
from sesl.resources.base import Env
from sesl.resources.s3_bucket import (
    PUBLIC_ACCESS_BLOCK,
    BucketSpec,
    BucketState,
    S3BucketKind,
    events_lifecycle,
    lifecycle_problems,
)
from sesl.sandbox.shapes.s3 import encryption_rule_defaults, lifecycle_as_stored, policy_as_stored
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
    # More than one DeleteObjects page of 1,000, written straight into moto's S3 (a PutObject call each would
    # take most of the test's time); the bucket is versioned, so each write is a version of its key.
    from moto.s3.models import s3_backends

    backend = s3_backends[ACCOUNT]["aws"]
    for i in range(1205):
        backend.put_object(EVENTS, f"k{i % 3}", b"x")
    versions = {key: len(kept) for key, kept in backend.get_bucket(EVENTS).keys.iterlists()}
    assert versions == {"k0": 402, "k1": 402, "k2": 401}  # (moto's ListObjectVersions copies each of them)
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
    spec = default_spec("dev")
    spec = replace(spec, s3=replace(spec.s3, noncurrent_expiration_days=20))
    env = Env(spec, Names("dev", "us-west-2", ACCOUNT))
    (want, _) = S3BucketKind().desired(env)
    assert any("noncurrent expiration (20 d)" in p for p in S3BucketKind().validate(env, want))


# --- AWS-shaped answers: the kind converges on them and its diff tolerates each ------------------------
def _env() -> Env:
    return Env(default_spec("dev"), Names("dev", "us-west-2", ACCOUNT))


def _aws_state(want: BucketSpec, rules_as_sent: tuple[dict[str, Any], ...] | None = None) -> BucketState:
    """The state read() builds from what AWS answers to what sesl sent (each answer through its shaping)."""
    sent_rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": want.sse_algorithm}}
    encryption = encryption_rule_defaults({"ServerSideEncryptionConfiguration": {"Rules": [sent_rule]}}, {})
    lifecycle = lifecycle_as_stored({"Rules": [dict(r) for r in rules_as_sent or want.lifecycle_rules]}, {})
    policy = policy_as_stored({"Policy": json.dumps(want.policy, indent=2)}, {})["Policy"]
    s3 = SimpleNamespace(get_bucket_encryption=lambda Bucket: encryption)
    return BucketState(
        name=want.name, owned=True, region=want.region, versioning="Enabled",
        sse_algorithm=S3BucketKind._read_sse(s3, want.name),
        public_access_block=dict(PUBLIC_ACCESS_BLOCK), lifecycle_rules=tuple(lifecycle["Rules"]),
        min_transition_size=lifecycle["TransitionDefaultMinimumObjectSize"], policy=normalize_policy(policy),
        tags=dict(want.tags))


def test_the_diff_tolerates_every_aws_shaped_answer() -> None:
    kind = S3BucketKind()
    for want in kind.desired(_env()):
        assert kind.diff(_aws_state(want), want) == []


def test_the_diff_tolerates_the_policy_as_s3_stores_it() -> None:
    kind = S3BucketKind()
    want = kind.desired(_env())[0]
    # An account-id principal is stored as the root ARN: not a change (the bucket policy sesl writes names
    # principals by condition, but an operator's spec may name the account).
    statement = {"Sid": "AllowAccount", "Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": ["s3:GetObject"],
                 "Resource": [f"arn:aws:s3:::{want.name}/*"]}
    with_account = replace(want, policy={**want.policy, "Statement": [*want.policy["Statement"], statement]})
    stored = policy_as_stored({"Policy": json.dumps(with_account.policy)}, {})["Policy"]
    assert stored != json.dumps(with_account.policy) and f"arn:aws:iam::{ACCOUNT}:root" in stored
    assert kind.diff(_aws_state(with_account), with_account) == []
    widened = replace(with_account, policy={**with_account.policy, "Statement": with_account.policy["Statement"][:1]})
    assert [c.aspect for c in kind.diff(_aws_state(with_account), widened)] == ["policy"]


def test_the_diff_tolerates_an_empty_filter_read_back_as_an_empty_prefix() -> None:
    kind = S3BucketKind()
    want = kind.desired(_env())[0]
    sent_with_empty_filter = tuple({**r, "Filter": {}} for r in want.lifecycle_rules)
    have = _aws_state(want, sent_with_empty_filter)
    assert {r["ID"]: r["Filter"] for r in have.lifecycle_rules} == {
        "events-to-standard-ia": {"Prefix": ""}, "expire-delete-markers": {"Prefix": ""}}
    assert kind.diff(have, replace(want, lifecycle_rules=sent_with_empty_filter)) == []
    assert kind.diff(have, want) == []


def test_the_read_takes_only_the_algorithm_from_the_encryption_rule() -> None:
    answer = encryption_rule_defaults({"ServerSideEncryptionConfiguration": {"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "k"}}]}}, {})
    assert S3BucketKind._read_sse(SimpleNamespace(get_bucket_encryption=lambda Bucket: answer), "b") == "aws:kms"


def test_buckets_converge_on_aws_shaped_answers(ctx: AwsContext) -> None:
    climb(ctx, "s3_bucket", [EVENTS, RESULTS])  # plan empty after apply; a second apply makes no mutating call
    s3 = boto("s3")
    # The answers the kind converged on are AWS's, not moto's echo.
    (rule,) = s3.get_bucket_encryption(Bucket=EVENTS)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["BucketKeyEnabled"] is False and rule["BlockedEncryptionTypes"] == {"EncryptionType": ["SSE-C"]}
    text = s3.get_bucket_policy(Bucket=EVENTS)["Policy"]
    assert text.startswith('{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny"')
    assert " " not in text and "\n" not in text


def test_an_unowned_bucket_already_reads_aws_defaults(ctx: AwsContext) -> None:
    boto("s3").create_bucket(Bucket=EVENTS, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    kind = S3BucketKind()
    want = next(w for w in kind.desired(_env()) if w.name == EVENTS)
    have = kind.read(ctx, want)
    assert have is not None and not have.owned
    assert (have.sse_algorithm, have.public_access_block) == ("AES256", PUBLIC_ACCESS_BLOCK)
    aspects = [c.aspect for c in kind.diff(have, want)]
    assert aspects == ["versioning", "lifecycle", "policy", "tags"]  # encryption and public access are AWS's defaults


def test_the_diff_tolerates_members_aws_may_add_to_a_rule_but_not_a_changed_value() -> None:
    # Not established either way (listed as unknown in the report): whether AWS answers
    # NoncurrentVersionExpiration.NewerNoncurrentVersions or Expiration.ExpiredObjectDeleteMarker=false
    # when they were not sent. Rules are compared on the fields sesl sets, so both forms converge.
    kind = S3BucketKind()
    want = kind.desired(_env())[1]
    padded = []
    for rule in want.lifecycle_rules:
        extra = dict(rule)
        if "NoncurrentVersionExpiration" in extra:
            noncurrent = extra["NoncurrentVersionExpiration"]
            extra["NoncurrentVersionExpiration"] = {**noncurrent, "NewerNoncurrentVersions": 0}
        if "Days" in extra.get("Expiration", {}):
            extra["Expiration"] = {**extra["Expiration"], "ExpiredObjectDeleteMarker": False}
        padded.append(extra)
    assert kind.diff(_aws_state(want, tuple(padded)), want) == []
    shorter = tuple({**r, "Expiration": {"Days": 7}} if r["ID"] == "expire-query-results" else r for r in padded)
    (change,) = kind.diff(_aws_state(want, shorter), want)
    assert (change.aspect, [(f.path, f.before, f.after) for f in change.fields]) == (
        "lifecycle", [("Rules[1].Expiration.Days", 7, 30)])  # rules in ID order
