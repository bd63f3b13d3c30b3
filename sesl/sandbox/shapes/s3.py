"""S3: what the bucket configuration reads (encryption, policy, lifecycle, ...) really return.

Besides reshaping answers, `install()` gives every new bucket the configuration AWS gives it, which moto
leaves unset:
- default encryption SSE-S3 (AES256): "Amazon S3 now applies server-side encryption with Amazon S3
  managed keys (SSE-S3) as the base level of encryption for every bucket" since 5 January 2023 (S3 user
  guide, default-bucket-encryption / bucket-encryption; GetBucketEncryption API reference: "By default, all
  buckets have a default encryption configuration that uses ... SSE-S3"). So GetBucketEncryption never
  answers ServerSideEncryptionConfigurationNotFoundError for a bucket, and DeleteBucketEncryption "resets
  the default encryption for the bucket as ... SSE-S3" (DeleteBucketEncryption API reference);
- all four Block Public Access settings on: "all Block Public Access settings are enabled by default for
  new buckets" since April 2023 (S3 user guide, create-bucket-faq / access-control-block-public-access).
Both only while the shaping layer is on (SESL_SANDBOX_SHAPES), checked at each CreateBucket.

Checked and found alike in moto 5.2.5 (no shaping needed): GetBucketVersioning answers no `Status` before
versioning was ever set and `MFADelete` only "if the bucket has been configured with MFA delete"
(GetBucketVersioning API reference); GetBucketTagging answers the error NoSuchTagSet for a bucket without
tags (GetBucketTagging API reference) and the set as sent otherwise (awscli/examples/s3api/get-bucket-tagging.rst);
GetPublicAccessBlock answers the four settings as set (awscli/examples/s3api/get-public-access-block.rst).
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from typing import Any

from sesl.sandbox.shapes import Response, enabled, shaping

# SSE-C is blocked on every new general purpose bucket since April 2026 (S3 user guide,
# blocking-unblocking-s3-c-encryption-gpb; default-s3-c-encryption-setting-faq).
BLOCKED_BY_DEFAULT = {"EncryptionType": ["SSE-C"]}
DEFAULT_ENCRYPTION = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": "false"}

_ACCOUNT_ID = re.compile(r"[0-9]{12}")
# The element order S3 answers a bucket policy in, whatever order it was sent in (published live reads:
# go-to-k/cdk-real-drift tests/corpus/AWS__S3__BucketPolicy.*.json, sent alphabetically, read back so).
_DOCUMENT_ORDER = ("Version", "Id", "Statement")
_STATEMENT_ORDER = ("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
                    "NotResource", "Condition")


@shaping("s3", "GetBucketEncryption",
         what="each rule carries `BucketKeyEnabled: false` and `BlockedEncryptionTypes: {EncryptionType: "
              "[SSE-C]}` although neither was sent",
         source="GetBucketEncryption API reference (\"also returns the BucketKeyEnabled and BlockedEncryptionTypes "
                "statuses\"); S3 user guide blocking-unblocking-s3-c-encryption-gpb (SSE-C blocked on new buckets "
                "since April 2026); published live reads go-to-k/cdk-real-drift tests/corpus/"
                "AWS__S3__Bucket.Data666C94C7.json (AES256 sent, both members read back)")
def encryption_rule_defaults(response: Response, request: Response) -> Response:
    config = dict(response.get("ServerSideEncryptionConfiguration", {}))
    config["Rules"] = [{"BucketKeyEnabled": False, "BlockedEncryptionTypes": BLOCKED_BY_DEFAULT, **rule}
                       for rule in config.get("Rules", [])]
    return {**response, "ServerSideEncryptionConfiguration": config}


def _principal(value: Any) -> Any:
    """`{"AWS": "<account id>"}` is kept as the account's root ARN."""
    if not isinstance(value, dict):
        return value
    out = dict(value)
    if "AWS" in out:
        ids = out["AWS"] if isinstance(out["AWS"], list) else [out["AWS"]]
        arns = [f"arn:aws:iam::{v}:root" if isinstance(v, str) and _ACCOUNT_ID.fullmatch(v) else v for v in ids]
        out["AWS"] = arns if isinstance(out["AWS"], list) else arns[0]
    return out


def _ordered(document: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    known = {k: document[k] for k in order if k in document}
    return {**known, **{k: v for k, v in document.items() if k not in known}}


def canonical_policy(text: str) -> str:
    """A bucket policy the way S3 stores it: elements in S3's order, account ids as root ARNs, compact."""
    document = json.loads(text)
    statements = document.get("Statement", [])
    as_list = statements if isinstance(statements, list) else [statements]
    shaped = []
    for statement in as_list:
        rewritten = {k: _principal(v) if k in ("Principal", "NotPrincipal") else v for k, v in statement.items()}
        shaped.append(_ordered(rewritten, _STATEMENT_ORDER))
    document["Statement"] = shaped if isinstance(statements, list) else shaped[0]
    return json.dumps(_ordered(document, _DOCUMENT_ORDER), separators=(",", ":"))


@shaping("s3", "GetBucketPolicy",
         what="the policy is re-serialised: whitespace removed, elements in S3's order (Version, Statement; Sid, "
              "Effect, Principal, Action, Resource, Condition), an account-id principal as `arn:aws:iam::<id>:root`",
         source="AWS CLI example awscli/examples/s3api/get-bucket-policy.rst (compact output); published live reads "
                "go-to-k/cdk-real-drift tests/corpus/AWS__S3__BucketPolicy.DataPolicyB80589C3.enforce-ssl.json "
                "(sent alphabetically, read back in S3's order); IAM user guide reference_policies_elements_principal "
                "(account principals: the service may convert an account id to the root ARN) and aws/aws-cdk "
                "issue 9334 (S3 did); hashicorp/awspolicyequivalence stringPrincipalsEqual")
def policy_as_stored(response: Response, request: Response) -> Response:
    policy = response.get("Policy")
    return {**response, "Policy": canonical_policy(policy)} if isinstance(policy, str) else response


def _generated_id() -> str:
    # S3 names a rule sent without ID with a base64-encoded random UUID (published live reads:
    # go-to-k/cdk-real-drift tests/corpus/AWS__S3__Bucket.LifecycleNoid.json, "OWI4YzMx...").
    return base64.b64encode(str(uuid.uuid4()).encode()).decode()


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    out = dict(rule)
    if not out.get("ID"):
        out["ID"] = _generated_id()
    if out.get("Filter") == {}:
        out["Filter"] = {"Prefix": ""}
    return out


@shaping("s3", "GetBucketLifecycleConfiguration",
         what="a rule sent without ID gets a generated one; a rule whose filter was empty reads back with an empty "
              "prefix (`Filter: {Prefix: \"\"}`); `TransitionDefaultMinimumObjectSize` is always answered",
         source="published live reads go-to-k/cdk-real-drift tests/corpus/AWS__S3__Bucket.LifecycleNoid.json and "
                "AWS__S3__Bucket.DestLogBucketE7485D81.json (generated Id, Prefix \"\", "
                "TransitionDefaultMinimumObjectSize all_storage_classes_128K on a fresh configuration); "
                "PutBucketLifecycleConfiguration API reference (TransitionDefaultMinimumObjectSize default)")
def lifecycle_as_stored(response: Response, request: Response) -> Response:
    rules = [_lifecycle_rule(dict(r)) for r in response.get("Rules", [])]
    return {"TransitionDefaultMinimumObjectSize": "all_storage_classes_128K", **response, "Rules": rules}


def install() -> None:
    """New buckets get AWS's defaults: SSE-S3 encryption (S3 user guide, default-bucket-encryption: "all new
    buckets have default encryption") and all four Block Public Access settings (S3 user guide,
    create-bucket-faq, since April 2023); DeleteBucketEncryption restores SSE-S3 rather than removing it
    (S3 API reference, DeleteBucketEncryption)."""
    from moto.s3.models import PublicAccessBlock, S3Backend

    original_create = S3Backend.create_bucket
    original_delete_encryption = S3Backend.delete_bucket_encryption

    def create_bucket(self: Any, bucket_name: str, region_name: str, *args: Any, **kwargs: Any) -> Any:
        bucket = original_create(self, bucket_name, region_name, *args, **kwargs)
        if enabled():
            bucket.encryption = {"Rule": dict(DEFAULT_ENCRYPTION)}
            bucket.public_access_block = PublicAccessBlock("true", "true", "true", "true")
        return bucket

    def delete_bucket_encryption(self: Any, bucket_name: str) -> None:
        original_delete_encryption(self, bucket_name)
        if enabled():
            self.get_bucket(bucket_name).encryption = {"Rule": dict(DEFAULT_ENCRYPTION)}

    S3Backend.create_bucket = create_bucket  # type: ignore[method-assign]
    S3Backend.delete_bucket_encryption = delete_bucket_encryption  # type: ignore[method-assign]
