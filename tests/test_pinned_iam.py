"""The IAM roles pinned whole: every trust policy with its principal and condition, every permission with its
actions and resources, and the validation limits on both sides."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from sesl.diff import normalize_policy
from sesl.model import FieldChange
from sesl.naming import Names
from sesl.resources.base import Env
from sesl.resources.iam_role import IamRoleKind, RoleSpec, crawler_role, firehose_role, ses_role
from sesl.spec import default_spec

ACCOUNT = "123456789012"
N = Names("dev", "us-west-2", ACCOUNT)
FLOWS = ("newsletter", "transactional")
BUCKET = "arn:aws:s3:::daily-system-design-email-events-dev"
GLUE = f"arn:aws:glue:us-west-2:{ACCOUNT}"
V = "2012-10-17"


def test_the_firehose_role_exactly() -> None:
    trust, inline = firehose_role(N, FLOWS)
    assert trust == {"Version": V, "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "firehose.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": ACCOUNT}}}]}
    assert inline == {"firehose-delivery": {"Version": V, "Statement": [
        {"Sid": "WriteEventsBucket", "Effect": "Allow",
         "Action": ["s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket",
                    "s3:ListBucketMultipartUploads", "s3:PutObject"],
         "Resource": [BUCKET, f"{BUCKET}/*"]},
        {"Sid": "ReadConversionSchema", "Effect": "Allow",
         "Action": ["glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"],
         "Resource": [f"{GLUE}:catalog", f"{GLUE}:database/email_events_db_dev",
                      f"{GLUE}:table/email_events_db_dev/newsletter_events",
                      f"{GLUE}:table/email_events_db_dev/transactional_events"]},
        {"Sid": "WriteDeliveryLogs", "Effect": "Allow", "Action": ["logs:PutLogEvents"],
         "Resource": [
             f"arn:aws:logs:us-west-2:{ACCOUNT}:log-group:/aws/kinesisfirehose/email-events-newsletter-dev"
             ":log-stream:*",
             f"arn:aws:logs:us-west-2:{ACCOUNT}:log-group:/aws/kinesisfirehose/email-events-transactional-dev"
             ":log-stream:*"]},
    ]}}


def test_the_ses_role_exactly() -> None:
    trust, inline = ses_role(N, FLOWS)
    assert trust == {"Version": V, "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ses.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {
            "aws:SourceAccount": ACCOUNT,
            "aws:SourceArn": [f"arn:aws:ses:us-west-2:{ACCOUNT}:configuration-set/daily-system-design-newsletter-dev",
                              f"arn:aws:ses:us-west-2:{ACCOUNT}:configuration-set/"
                              "daily-system-design-transactional-dev"]}}}]}
    assert inline == {"ses-publish": {"Version": V, "Statement": [
        {"Sid": "PublishEvents", "Effect": "Allow", "Action": ["firehose:PutRecordBatch"],
         "Resource": [f"arn:aws:firehose:us-west-2:{ACCOUNT}:deliverystream/email-events-newsletter-dev",
                      f"arn:aws:firehose:us-west-2:{ACCOUNT}:deliverystream/email-events-transactional-dev"]}]}}


def test_the_crawler_role_exactly() -> None:
    trust, inline = crawler_role(N, FLOWS)
    # no condition: Glue is not documented to set aws:SourceAccount / aws:SourceArn (docs/iam.md)
    assert trust == {"Version": V, "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    assert inline == {"read-raw-backup": {"Version": V, "Statement": [
        {"Sid": "LocateAndListEventsBucket", "Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
         "Resource": [BUCKET]},
        {"Sid": "ReadRawBackup", "Effect": "Allow", "Action": ["s3:GetObject"],
         "Resource": [f"{BUCKET}/raw/email-events-newsletter-dev/*",
                      f"{BUCKET}/raw/email-events-transactional-dev/*"]},
        {"Sid": "WriteOwnCatalog", "Effect": "Allow", "Action": [
            "glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable",
            "glue:GetPartition", "glue:GetPartitions", "glue:CreatePartition", "glue:UpdatePartition",
            "glue:BatchCreatePartition", "glue:BatchGetPartition", "glue:BatchUpdatePartition"],
         "Resource": [f"{GLUE}:catalog", f"{GLUE}:database/email_events_raw_dev",
                      f"{GLUE}:table/email_events_raw_dev/*"]},
        {"Sid": "CrawlerLogs", "Effect": "Allow",
         "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": [f"arn:aws:logs:us-west-2:{ACCOUNT}:log-group:/aws-glue/*"]},
    ]}}


def test_no_role_may_delete_or_use_wildcard_actions() -> None:
    for build in (firehose_role, ses_role, crawler_role):
        _, inline = build(N, FLOWS)
        actions = [a for doc in inline.values() for s in doc["Statement"] for a in s["Action"]]
        assert not [a for a in actions if "*" in a or ":Delete" in a or ":BatchDelete" in a], build.__name__


def _env(**spec: Any) -> Env:
    return Env(replace(default_spec("dev"), **spec), N)


def test_desired_roles_with_and_without_the_crawler() -> None:
    roles = IamRoleKind().desired(_env(tags={"team": "data"}))
    assert [(r.name, r.description, r.managed) for r in roles] == [
        ("email-events-firehose-dev", "Firehose delivers SES events to S3 and reads the Glue schema", ()),
        ("email-events-ses-to-firehose-dev", "SES publishes events to the Firehose streams", ()),
        ("email-events-crawler-dev", "Glue crawler reads the raw SES JSON backup", ()),
    ]
    assert [(r.trust, r.inline) for r in roles] == [firehose_role(N, FLOWS), ses_role(N, FLOWS),
                                                    crawler_role(N, FLOWS)]
    assert all(r.tags == {"team": "data", "sesl:managed-by": "sesl", "sesl:env": "dev"} for r in roles)
    spec = default_spec("dev")
    no_crawler = IamRoleKind().desired(Env(replace(spec, glue=replace(spec.glue, crawler_enabled=False)), N))
    assert [r.name for r in no_crawler] == ["email-events-firehose-dev", "email-events-ses-to-firehose-dev"]


def _role(name: str = "r", inline: dict[str, Any] | None = None) -> RoleSpec:
    return RoleSpec(name, "d", {"Statement": [{"Principal": {"Service": "glue.amazonaws.com"}}]},
                    inline or {}, ())




def _inline_of_size(total: int) -> dict[str, Any]:
    # {"a":"xxx"} is 8 bytes plus the x's in IAM's compact form; two policies count together
    return {"one": {"a": "x" * (total // 2 - 8)}, "two": {"a": "x" * (total - total // 2 - 8)}}


@pytest.mark.parametrize(("size", "ok"), [(10240, True), (10241, False)])
def test_inline_policies_total_at_most_10240_bytes(size: int, ok: bool) -> None:
    got = IamRoleKind().validate(_env(), _role(inline=_inline_of_size(size)))
    assert got == ([] if ok else [f"inline policies total {size} bytes; IAM allows 10240"])


def test_sesls_own_roles_are_valid() -> None:
    env = _env()
    assert [IamRoleKind().validate(env, r) for r in IamRoleKind().desired(env)] == [[], [], []]


def test_create_fields_name_the_principal_and_the_policies() -> None:
    role = RoleSpec("r", "d", crawler_role(N, FLOWS)[0], {"b": {}, "a": {}}, ("arn:p2", "arn:p1"))
    assert IamRoleKind().create_fields(role) == (
        FieldChange("trust", None, "glue.amazonaws.com"), FieldChange("inline_policies", None, ["a", "b"]),
        FieldChange("managed_policies", None, ["arn:p2", "arn:p1"]))


def test_each_trust_survives_iams_rewriting() -> None:
    # IAM returns a one-element list as a scalar and the principal's account as the root ARN
    for build in (firehose_role, ses_role, crawler_role):
        trust, _ = build(N, FLOWS)
        statement = dict(trust["Statement"][0])
        statement["Action"] = [statement["Action"]]
        assert normalize_policy({"Version": V, "Statement": statement}) == normalize_policy(trust)
