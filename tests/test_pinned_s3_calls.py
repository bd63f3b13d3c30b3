"""The buckets' calls pinned against a recording client (mutation survivors of sesl/resources/s3_bucket.py):
what read() makes of each answer and each not-found code, the exact requests of a create and of each update,
the plan's fields, the location rule on both sides, and destroy's keep rule for every kind of bucket content
(objects, only old versions behind a delete marker, only delete markers, empty) with how emptying deletes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import botocore.exceptions
import pytest

from sesl.context import AwsContext
from sesl.diff import normalize_policy
from sesl.errors import AwsCallError, SeslError
from sesl.model import Action, DestroyOptions, FieldChange
from sesl.naming import Names
from sesl.resources import s3_bucket
from sesl.resources.base import Env, Request
from sesl.resources.s3_bucket import (
    MIN_TRANSITION_SIZE,
    PUBLIC_ACCESS_BLOCK,
    BucketSpec,
    BucketState,
    S3BucketKind,
    count_versions,
    empty_bucket,
    location_problems,
)
from sesl.spec import default_spec
from sesl.ui import Reporter, set_reporter
from tests.conftest import boto
from tests.fake_aws import FakeClient, client_error

KIND = S3BucketKind()
N = Names("dev", "us-west-2", "123456789012")
ENV = Env(default_spec("dev"), N)
EVENTS, RESULTS = KIND.desired(ENV)
BUCKET = "b1"


FakeS3 = FakeClient  # a paginator's pages must each be given: emptying reads every page


def fake_ctx(s3: FakeS3, delete_data: bool = False) -> AwsContext:
    ctx = SimpleNamespace(client=lambda service: {"s3": s3}[service], spec=default_spec("dev"),
                          destroy_options=DestroyOptions(delete_data=delete_data))
    return ctx  # type: ignore[return-value]


def state(**changes: Any) -> BucketState:
    base = BucketState(BUCKET, True, "us-west-2", "Enabled", "AES256", dict(PUBLIC_ACCESS_BLOCK),
                       EVENTS.lifecycle_rules, MIN_TRANSITION_SIZE, normalize_policy(EVENTS.policy), dict(EVENTS.tags))
    return replace(base, **changes)


# -- read --------------------------------------------------------------------------------------------------------

FULL_ANSWERS: dict[str, Any] = {
    "get_bucket_tagging": {"TagSet": [{"Key": "sesl:managed-by", "Value": "sesl"},
                                      {"Key": "sesl:env", "Value": "dev"}]},
    "get_bucket_lifecycle_configuration": {"Rules": [{"ID": "r"}],
                                           "TransitionDefaultMinimumObjectSize": "varies_by_storage_class"},
    "get_bucket_location": {"LocationConstraint": "us-west-2"},
    "get_bucket_versioning": {"Status": "Suspended"},
    "get_bucket_encryption": {"ServerSideEncryptionConfiguration": {"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}, "BucketKeyEnabled": True}]}},
    "get_public_access_block": {"PublicAccessBlockConfiguration": {"BlockPublicAcls": False}},
    "get_bucket_policy": {"Policy": '{"Version":"2012-10-17","Statement":[]}'},
}


def test_read_takes_each_aspect_from_its_answer() -> None:
    s3 = FakeS3(**FULL_ANSWERS)
    have = KIND.read(fake_ctx(s3), replace(EVENTS, name=BUCKET))
    assert have == BucketState(
        name=BUCKET, owned=True, region="us-west-2", versioning="Suspended", sse_algorithm="aws:kms",
        public_access_block={"BlockPublicAcls": False}, lifecycle_rules=({"ID": "r"},),
        min_transition_size="varies_by_storage_class",
        policy=normalize_policy('{"Version":"2012-10-17","Statement":[]}'),
        tags={"sesl:managed-by": "sesl", "sesl:env": "dev"})
    # Every read names the bucket.
    assert {op: params for op, params in s3.calls} == {op: {"Bucket": BUCKET} for op in [
        "head_bucket", *FULL_ANSWERS]}


def test_read_makes_each_missing_configuration_unset() -> None:
    s3 = FakeS3(
        get_bucket_tagging=client_error("NoSuchTagSet"),
        get_bucket_lifecycle_configuration=client_error("NoSuchLifecycleConfiguration"),
        get_bucket_location={"LocationConstraint": None},  # us-east-1 answers no constraint
        get_bucket_versioning={},  # never versioned: no Status
        get_bucket_encryption=client_error("ServerSideEncryptionConfigurationNotFoundError"),
        get_public_access_block=client_error("NoSuchPublicAccessBlockConfiguration"),
        get_bucket_policy=client_error("NoSuchBucketPolicy"),
    )
    have = KIND.read(fake_ctx(s3), replace(EVENTS, name=BUCKET))
    assert have == BucketState(BUCKET, False, "us-east-1", None, None, None, (), None, normalize_policy(None), {})


@pytest.mark.parametrize("aspect", ["get_bucket_tagging", "get_bucket_lifecycle_configuration",
                                    "get_bucket_encryption", "get_public_access_block", "get_bucket_policy"])
def test_read_raises_any_other_error_of_an_aspect(aspect: str) -> None:
    s3 = FakeS3(**{**FULL_ANSWERS, aspect: client_error("AccessDenied")})
    with pytest.raises(botocore.exceptions.ClientError, match="AccessDenied"):
        KIND.read(fake_ctx(s3), EVENTS)


def test_read_takes_the_first_encryption_rule_and_none_from_no_rule() -> None:
    two = {"ServerSideEncryptionConfiguration": {"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms:dsse"}},
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}}
    assert S3BucketKind._read_sse(FakeS3(get_bucket_encryption=two), BUCKET) == "aws:kms:dsse"
    empty: dict[str, Any] = {"ServerSideEncryptionConfiguration": {"Rules": []}}
    assert S3BucketKind._read_sse(FakeS3(get_bucket_encryption=empty), BUCKET) is None
    assert S3BucketKind._read_sse(FakeS3(get_bucket_encryption={}), BUCKET) is None


@pytest.mark.parametrize("code", ["404", "NoSuchBucket", "NotFound"])
def test_a_missing_bucket_reads_as_none(code: str) -> None:
    s3 = FakeS3(head_bucket=client_error(code))
    assert KIND.read(fake_ctx(s3), EVENTS) is None
    assert [op for op, _ in s3.calls] == ["head_bucket"]


@pytest.mark.parametrize("code", ["403", "AccessDenied"])
def test_a_bucket_of_another_account_is_an_error_naming_the_keys_to_rename_it(code: str) -> None:
    s3 = FakeS3(head_bucket=client_error(code))
    with pytest.raises(SeslError) as caught:
        KIND.read(fake_ctx(s3), EVENTS)
    assert str(caught.value) == (
        f"bucket {EVENTS.name} exists but this account cannot read it (owned by another account, or access "
        "denied): bucket names are global; name this env's buckets under [env.dev.names] (events_bucket, "
        "results_bucket)")
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_another_head_error_is_raised_as_it_is() -> None:
    s3 = FakeS3(head_bucket=client_error("SlowDown"))
    with pytest.raises(botocore.exceptions.ClientError, match="SlowDown"):
        KIND.read(fake_ctx(s3), EVENTS)


# -- location ----------------------------------------------------------------------------------------------------

def test_us_east_1_takes_no_location_constraint_or_its_own() -> None:
    assert location_problems({}, "us-east-1") == []
    assert location_problems({"CreateBucketConfiguration": {}}, "us-east-1") == []
    assert location_problems({"CreateBucketConfiguration": {"LocationConstraint": "us-east-1"}}, "us-east-1") == []
    assert location_problems({"CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}}, "us-east-1") == [
        "CreateBucketConfiguration.LocationConstraint 'eu-west-1' must be left out in us-east-1"]


def test_elsewhere_the_location_constraint_is_the_clients_region() -> None:
    good = {"CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}}
    assert location_problems(good, "eu-west-1") == []
    assert location_problems(good, "eu-west-2") == [
        "CreateBucketConfiguration.LocationConstraint must be 'eu-west-2', the client's region, not 'eu-west-1'"]
    assert location_problems({}, "eu-west-2") == [
        "CreateBucketConfiguration.LocationConstraint must be 'eu-west-2', the client's region, not None"]


def test_validate_checks_the_create_request_against_the_envs_region() -> None:
    assert KIND.validate(ENV, EVENTS) == []
    east = Env(default_spec("dev"), Names("dev", "us-east-1", "123456789012"))
    assert KIND.validate(east, replace(EVENTS, region="us-east-1")) == []
    assert KIND.validate(east, EVENTS) == [
        "CreateBucketConfiguration.LocationConstraint 'us-west-2' must be left out in us-east-1"]
    # And the lifecycle rules with it.
    bad = ({"ID": "r", "Filter": {"Prefix": ""}, "Transitions": [{"Days": 1, "StorageClass": "STANDARD_IA"}]},)
    assert KIND.validate(ENV, replace(EVENTS, lifecycle_rules=bad)) == [
        "lifecycle rule r: transition to STANDARD_IA needs at least 30 days"]


# -- requests, create, updates -------------------------------------------------------------------------------------

def _configure(want: BucketSpec) -> list[Request]:
    bucket = {"Bucket": want.name}
    return [
        Request("s3", "PutBucketTagging", {**bucket, "Tagging": {"TagSet": [
            {"Key": k, "Value": v} for k, v in sorted(want.tags.items())]}}),
        Request("s3", "PutPublicAccessBlock", {**bucket, "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True}}),
        Request("s3", "PutBucketEncryption", {**bucket, "ServerSideEncryptionConfiguration": {
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}}),
        Request("s3", "PutBucketVersioning", {**bucket, "VersioningConfiguration": {"Status": "Enabled"}}),
        Request("s3", "PutBucketLifecycleConfiguration", {
            **bucket, "TransitionDefaultMinimumObjectSize": "all_storage_classes_128K",
            "LifecycleConfiguration": {"Rules": list(want.lifecycle_rules)}}),
        Request("s3", "PutBucketPolicy", {**bucket, "Policy": json.dumps(want.policy)}),
    ]


def test_the_create_requests_exactly() -> None:
    assert KIND.requests(EVENTS) == [
        Request("s3", "CreateBucket", {"Bucket": EVENTS.name,
                                       "CreateBucketConfiguration": {"LocationConstraint": "us-west-2"}}),
        *_configure(EVENTS)]
    east = replace(RESULTS, region="us-east-1")
    assert KIND.requests(east) == [Request("s3", "CreateBucket", {"Bucket": RESULTS.name}), *_configure(east)]
    assert all(r.stage == "create" for r in KIND.requests(EVENTS))


def _tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def _sent(s3: FakeS3) -> list[tuple[str, dict[str, Any]]]:
    return s3.calls


def _as_calls(requests: list[Request]) -> list[tuple[str, dict[str, Any]]]:
    return [(botocore.xform_name(r.operation), r.params) for r in requests]


def test_create_sends_the_bucket_then_each_configuration() -> None:
    s3 = FakeS3()
    KIND.create(fake_ctx(s3), EVENTS)
    assert _sent(s3) == _as_calls(KIND.requests(EVENTS))


def test_a_create_the_owner_sent_again_goes_on_configuring() -> None:
    s3 = FakeS3(create_bucket=client_error("BucketAlreadyOwnedByYou"))
    KIND.create(fake_ctx(s3), EVENTS)
    assert _sent(s3) == _as_calls(KIND.requests(EVENTS))


def test_a_bucket_another_account_owns_stops_the_create() -> None:
    s3 = FakeS3(create_bucket=client_error("BucketAlreadyExists"))
    with pytest.raises(botocore.exceptions.ClientError, match="BucketAlreadyExists"):
        KIND.create(fake_ctx(s3), EVENTS)
    assert [op for op, _ in s3.calls] == ["create_bucket"]


def test_each_update_sends_its_one_call() -> None:
    want = replace(EVENTS, name=BUCKET, versioning="Suspended", sse_algorithm="aws:kms")
    s3 = FakeS3()
    ctx = fake_ctx(s3)
    have = state()
    KIND.update_versioning(ctx, want, have)
    KIND.update_encryption(ctx, want, have)
    KIND.update_public_access_block(ctx, want, have)
    KIND.update_lifecycle(ctx, want, have)
    KIND.update_policy(ctx, want, have)
    assert s3.calls == [
        ("put_bucket_versioning", {"Bucket": BUCKET, "VersioningConfiguration": {"Status": "Suspended"}}),
        ("put_bucket_encryption", {"Bucket": BUCKET, "ServerSideEncryptionConfiguration": {
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]}}),
        ("put_public_access_block", {"Bucket": BUCKET, "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True}}),
        ("put_bucket_lifecycle_configuration", {
            "Bucket": BUCKET, "TransitionDefaultMinimumObjectSize": "all_storage_classes_128K",
            "LifecycleConfiguration": {"Rules": list(EVENTS.lifecycle_rules)}}),
        ("put_bucket_policy", {"Bucket": BUCKET, "Policy": json.dumps(EVENTS.policy)}),
    ]


def test_the_tags_update_keeps_others_tags_and_sets_sesls() -> None:
    want = replace(EVENTS, name=BUCKET)
    s3 = FakeS3()
    KIND.update_tags(fake_ctx(s3), want, state(tags={"team": "data", "sesl:env": "old"}))
    KIND.update_tags(fake_ctx(s3), want, None)
    assert s3.named("put_bucket_tagging") == [
        {"Bucket": BUCKET, "Tagging": {"TagSet": _tag_list({"team": "data", **EVENTS.tags})}},
        {"Bucket": BUCKET, "Tagging": {"TagSet": _tag_list(EVENTS.tags)}}]


# -- plan --------------------------------------------------------------------------------------------------------

def test_create_fields_name_what_a_new_bucket_gets() -> None:
    assert KIND.create_fields(RESULTS) == (
        FieldChange("region", None, "us-west-2"), FieldChange("versioning", None, "Enabled"),
        FieldChange("encryption", None, "AES256"), FieldChange("public_access_block", None, "all four blocked"),
        FieldChange("lifecycle", None, ["expire-query-results", "expire-delete-markers"]),
        FieldChange("policy", None, ["DenyInsecureTransport", "DenyPrincipalsOutsideAccount"]))


def test_a_bucket_in_another_region_is_one_location_change_and_nothing_else() -> None:
    want = replace(EVENTS, name=BUCKET)
    have = state(region="eu-west-1", versioning=None, tags={})
    (change,) = KIND.diff(have, want)
    assert (change.action, change.aspect, change.fields) == (
        Action.UPDATE, "location", (FieldChange("region", "eu-west-1", "us-west-2"),))
    assert change.have is have and change.want is want


def test_the_diff_names_each_aspects_fields() -> None:
    want = replace(EVENTS, name=BUCKET)
    assert KIND.diff(state(), want) == []
    have = state(versioning="Suspended", sse_algorithm="aws:kms", public_access_block=None,
                 lifecycle_rules=(), policy=None, tags={**EVENTS.tags, "sesl:env": "prod"})
    changes = KIND.diff(have, want)
    # Each change carries the observed state: the tags update merges into it, the apply reads it.
    assert all(c.have is have and c.want is want for c in changes)
    got = {c.aspect: c.fields for c in changes}
    assert list(got) == ["versioning", "encryption", "public_access_block", "lifecycle", "policy", "tags"]
    assert got["versioning"] == (FieldChange("Status", "Suspended", "Enabled"),)
    assert got["encryption"] == (FieldChange("SSEAlgorithm", "aws:kms", "AES256"),)
    assert got["public_access_block"] == tuple(FieldChange(k, None, True) for k in PUBLIC_ACCESS_BLOCK)
    assert got["lifecycle"][0].path.startswith("Rules")
    assert got["policy"] == (FieldChange("Policy", None, normalize_policy(EVENTS.policy)),)
    assert got["tags"] == (FieldChange("tags.sesl:env", "prod", "dev"),)


@pytest.mark.parametrize(("size", "changed"), [(None, False), ("all_storage_classes_128K", False),
                                               ("varies_by_storage_class", True)])
def test_the_minimum_transition_size_is_set_back_only_when_another(size: str | None, changed: bool) -> None:
    changes = KIND.diff(state(min_transition_size=size), replace(EVENTS, name=BUCKET))
    assert [(c.aspect, c.fields) for c in changes] == ([("lifecycle", (FieldChange(
        "TransitionDefaultMinimumObjectSize", size, "all_storage_classes_128K"),))] if changed else [])


def test_a_rule_read_back_with_an_empty_filter_and_a_legacy_prefix_is_the_rule_sesl_sent() -> None:
    # AWS may answer the empty filter as {} or {"Prefix": ""}, alone or next to the legacy top-level Prefix.
    sent = {"ID": "r", "Status": "Enabled", "Filter": {"Prefix": ""}}
    for read in ({"ID": "r", "Status": "Enabled", "Filter": {"Prefix": ""}, "Prefix": ""},
                 {"ID": "r", "Status": "Enabled", "Filter": {}, "Prefix": ""},
                 {"ID": "r", "Status": "Enabled", "Prefix": ""},
                 {"ID": "r", "Status": "Enabled"}):
        assert s3_bucket.normalize_rules([read]) == [sent]
    # A real prefix, in the filter or legacy, stays as it is.
    assert s3_bucket.normalize_rules([{"ID": "r", "Filter": {"Prefix": "a/"}, "Prefix": ""}]) == [
        {"ID": "r", "Filter": {"Prefix": "a/"}, "Prefix": ""}]


def test_rules_without_an_id_sort_first() -> None:
    rules = [{"ID": "W"}, {"ID": "M"}, {"Status": "Enabled"}]
    assert [r.get("ID") for r in s3_bucket.normalize_rules(rules)] == [None, "M", "W"]


def test_a_rule_without_a_filter_is_a_problem() -> None:
    assert s3_bucket.lifecycle_problems(({"ID": "r", "Prefix": ""},)) == [
        "lifecycle rule r: Filter must hold exactly one of Prefix, Tag, ObjectSizeGreaterThan, ObjectSizeLessThan, "
        "And"]


# -- destroy: the keep rule for every kind of content ---------------------------------------------------------------

KEEP_BUCKET = "pinned-keep-calls"


@pytest.fixture
def versioned(ctx: AwsContext) -> Any:
    s3 = boto("s3")
    s3.create_bucket(Bucket=KEEP_BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    s3.put_bucket_versioning(Bucket=KEEP_BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return s3


def _keep(ctx: AwsContext, delete_data: bool = False) -> str | None:
    return KIND.keep_reason(ctx, state(name=KEEP_BUCKET), DestroyOptions(delete_data=delete_data))


def test_a_bucket_holding_only_old_versions_behind_a_marker_is_kept(ctx: AwsContext, versioned: Any) -> None:
    # The listing of current objects is empty, but the data is still there as a noncurrent version.
    versioned.put_object(Bucket=KEEP_BUCKET, Key="a", Body=b"1")
    versioned.delete_object(Bucket=KEEP_BUCKET, Key="a")
    assert versioned.list_objects_v2(Bucket=KEEP_BUCKET)["KeyCount"] == 0
    assert count_versions(ctx, KEEP_BUCKET) == (1, 1)
    assert _keep(ctx) == ("holds 1 object version(s) and 1 delete marker(s): kept "
                          "(--delete-data deletes it with its data)")
    assert _keep(ctx, delete_data=True) is None


def test_a_bucket_with_one_object_is_kept(ctx: AwsContext, versioned: Any) -> None:
    versioned.put_object(Bucket=KEEP_BUCKET, Key="a", Body=b"1")
    assert _keep(ctx) == ("holds 1 object version(s) and 0 delete marker(s): kept "
                          "(--delete-data deletes it with its data)")
    assert _keep(ctx, delete_data=True) is None


def test_an_empty_bucket_is_not_kept_either_way(ctx: AwsContext, versioned: Any) -> None:
    assert _keep(ctx) is None and _keep(ctx, delete_data=True) is None


def test_versions_and_markers_are_counted_over_every_page() -> None:
    s3 = FakeS3(paginate_list_object_versions=[
        {"Versions": [{}, {}], "DeleteMarkers": [{}]}, {"Versions": [{}]}, {"DeleteMarkers": [{}, {}]}, {}])
    assert count_versions(fake_ctx(s3), BUCKET) == (3, 3)
    assert s3.named("paginate_list_object_versions") == [{"Bucket": BUCKET}]


# -- destroy: delete and emptying -----------------------------------------------------------------------------------

def test_delete_without_data_deletes_only_the_bucket() -> None:
    s3 = FakeS3()
    KIND.delete(fake_ctx(s3), state())
    assert s3.calls == [("delete_bucket", {"Bucket": BUCKET})]


def test_delete_with_data_empties_the_bucket_first(monkeypatch: pytest.MonkeyPatch) -> None:
    emptied: list[str] = []

    def empty(ctx: AwsContext, bucket: str) -> int:
        emptied.append(bucket)
        return 0
    monkeypatch.setattr(s3_bucket, "empty_bucket", empty)
    s3 = FakeS3()
    KIND.delete(fake_ctx(s3, delete_data=True), state())
    assert (emptied, s3.calls) == ([BUCKET], [("delete_bucket", {"Bucket": BUCKET})])


def test_a_bucket_that_got_objects_after_the_plan_is_kept_with_a_message() -> None:
    s3 = FakeS3(delete_bucket=client_error("BucketNotEmpty"))
    with pytest.raises(SeslError) as caught:
        KIND.delete(fake_ctx(s3), state())
    assert str(caught.value) == (f"bucket {BUCKET} received objects after the plan was made: kept; run destroy "
                                 "again (with --delete-data to delete them)")
    assert caught.value.__suppress_context__
    s3 = FakeS3(delete_bucket=client_error("AccessDenied"))
    with pytest.raises(botocore.exceptions.ClientError, match="AccessDenied"):
        KIND.delete(fake_ctx(s3), state())


def _versions(count: int, prefix: str = "k") -> list[dict[str, Any]]:
    return [{"Key": f"{prefix}{i}", "VersionId": f"v{i}", "IsLatest": True, "ETag": "e"} for i in range(count)]


class Listing:
    """ListObjectVersions over a bucket that DeleteObjects empties."""

    def __init__(self, versions: list[dict[str, Any]], markers: list[dict[str, Any]]) -> None:
        self.versions, self.markers = versions, markers

    def list(self, **params: Any) -> dict[str, Any]:
        limit = params["MaxKeys"]
        versions = self.versions[:limit]
        markers = self.markers[:limit - len(versions)]
        # S3 leaves a member out of the answer when it has none.
        return {**({"Versions": versions} if versions else {}), **({"DeleteMarkers": markers} if markers else {})}

    def delete(self, **params: Any) -> dict[str, Any]:
        gone = {(o["Key"], o["VersionId"]) for o in params["Delete"]["Objects"]}
        self.versions = [v for v in self.versions if (v["Key"], v["VersionId"]) not in gone]
        self.markers = [m for m in self.markers if (m["Key"], m["VersionId"]) not in gone]
        return {}


class Progress(Reporter):
    def __init__(self) -> None:
        self.bars: list[tuple[str, float | None]] = []
        self.advanced: list[float] = []

    @contextmanager
    def progress(self, description: str, total: float | None = None) -> Iterator[Callable[[float], None]]:
        self.bars.append((description, total))
        yield self.advanced.append


@pytest.fixture
def progress() -> Iterator[Progress]:
    recording = Progress()
    set_reporter(recording)
    yield recording
    set_reporter(Reporter())


def _emptying(listing: Listing, **answers: Any) -> FakeS3:
    count = (len(listing.versions), len(listing.markers))
    return FakeS3(**{"list_object_versions": listing.list, "delete_objects": listing.delete,
                     "paginate_list_object_versions": [{"Versions": [{}] * count[0],
                                                        "DeleteMarkers": [{}] * count[1]}], **answers})


def test_emptying_deletes_at_most_1000_versions_and_markers_a_call(progress: Progress) -> None:
    listing = Listing(_versions(1500), _versions(600, "m"))
    s3 = _emptying(listing, list_multipart_uploads={"Uploads": [{"Key": "u", "UploadId": "i1"},
                                                                {"Key": "w", "UploadId": "i2"}]})
    assert empty_bucket(fake_ctx(s3), BUCKET) == 2100
    deletes = s3.named("delete_objects")
    assert [len(d["Delete"]["Objects"]) for d in deletes] == [1000, 1000, 100]
    assert all(d["Bucket"] == BUCKET and d["Delete"]["Quiet"] is True for d in deletes)
    # Only the key and version go into DeleteObjects; the markers follow the versions.
    assert deletes[0]["Delete"]["Objects"][0] == {"Key": "k0", "VersionId": "v0"}
    assert deletes[1]["Delete"]["Objects"][500] == {"Key": "m0", "VersionId": "v0"}
    assert s3.named("list_object_versions") == [{"Bucket": BUCKET, "MaxKeys": 1000}] * 4
    assert s3.named("abort_multipart_upload") == [{"Bucket": BUCKET, "Key": "u", "UploadId": "i1"},
                                                  {"Bucket": BUCKET, "Key": "w", "UploadId": "i2"}]
    assert s3.named("list_multipart_uploads") == [{"Bucket": BUCKET}]
    assert progress.bars == [(f"emptying {BUCKET}", 2100)]
    assert progress.advanced == [1000, 1000, 100]


def test_emptying_takes_no_more_than_1000_of_a_long_answer() -> None:
    # A page may hold up to MaxKeys versions and as many markers: the batch is cut at DeleteObjects' limit.
    listing = Listing(_versions(1000), _versions(5, "m"))
    s3 = _emptying(listing, list_object_versions=lambda **p: {"Versions": listing.versions,
                                                              "DeleteMarkers": listing.markers})
    assert empty_bucket(fake_ctx(s3), BUCKET) == 1005
    assert [len(d["Delete"]["Objects"]) for d in s3.named("delete_objects")] == [1000, 5]


def test_emptying_an_empty_bucket_deletes_nothing() -> None:
    s3 = _emptying(Listing([], []))
    assert empty_bucket(fake_ctx(s3), BUCKET) == 0
    assert s3.named("delete_objects") == [] and s3.named("abort_multipart_upload") == []


def test_a_failed_deletion_stops_emptying_with_the_first_failure() -> None:
    errors = [{"Key": "k1", "Code": "AccessDenied", "Message": "Access Denied"}, {"Key": "k2", "Code": "X"}]
    listing = Listing(_versions(2), [])

    def failing(**params: Any) -> dict[str, Any]:
        listing.delete(**params)  # emptied all the same: an emptying that went on would end, not loop
        return {"Errors": errors}
    s3 = _emptying(listing, delete_objects=failing)
    with pytest.raises(AwsCallError) as caught:
        empty_bucket(fake_ctx(s3), BUCKET)
    assert str(caught.value) == f"emptying {BUCKET}: 2 deletion(s) failed, first k1: AccessDenied: Access Denied"


def test_emptying_stops_at_its_time_limit_saying_how_far_it_got(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([100.0, 100.0, 110.0, 110.5])  # the start, then one reading before each batch
    monkeypatch.setattr(s3_bucket, "time", SimpleNamespace(monotonic=lambda: next(clock)))
    s3 = _emptying(Listing(_versions(2500), []))
    with pytest.raises(AwsCallError) as caught:
        empty_bucket(fake_ctx(s3), BUCKET, time_limit=10.0)
    # 100 and 110 are within the limit (deadline 110), 110.5 is past it.
    assert str(caught.value) == (f"emptying {BUCKET} hit its time limit after deleting 2000 version(s); run destroy "
                                 "again to continue")
    assert len(s3.named("delete_objects")) == 2


def test_the_default_time_limit_is_half_an_hour(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([0.0, 1800.0, 1800.1])
    monkeypatch.setattr(s3_bucket, "time", SimpleNamespace(monotonic=lambda: next(clock)))
    s3 = _emptying(Listing(_versions(1001), []))
    with pytest.raises(AwsCallError, match="after deleting 1000 version"):
        empty_bucket(fake_ctx(s3), BUCKET)
