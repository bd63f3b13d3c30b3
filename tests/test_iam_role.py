"""IAM roles: least privilege with exact ARNs, normalised comparison, extra policies reported."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from types import SimpleNamespace
from typing import Any

import botocore.exceptions
import pytest

from sesl.context import AwsContext
from sesl.diff import normalize_policy
from sesl.naming import Names
from sesl.reconcile import model_problems
from sesl.resources.base import Env
from sesl.resources.iam_role import IamRoleKind, RoleSpec, RoleState, crawler_role, firehose_role, ses_role
from sesl.sandbox.shapes.iam import trust_principals_as_arns
from sesl.spec import default_spec
from tests.conftest import ACCOUNT, boto
from tests.ladder import climb, drift_then_repair, plan_for

FIREHOSE = "email-events-firehose-dev"
SES = "email-events-ses-to-firehose-dev"
CRAWLER = "email-events-crawler-dev"
NAMES = Names("dev", "us-west-2", ACCOUNT)


def test_roles_climb_the_ladder(ctx: AwsContext) -> None:
    climb(ctx, "iam_role", [FIREHOSE, SES, CRAWLER])
    role = boto("iam").get_role(RoleName=FIREHOSE)["Role"]
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": "firehose.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": ACCOUNT}}


def test_firehose_permissions_use_exact_arns_and_no_wildcard_accounts() -> None:
    _, inline = firehose_role(NAMES, ("newsletter", "transactional"))
    statements = {s["Sid"]: s for s in inline["firehose-delivery"]["Statement"]}
    assert statements["ReadConversionSchema"]["Resource"] == [
        f"arn:aws:glue:us-west-2:{ACCOUNT}:catalog",
        f"arn:aws:glue:us-west-2:{ACCOUNT}:database/email_events_db_dev",
        f"arn:aws:glue:us-west-2:{ACCOUNT}:table/email_events_db_dev/newsletter_events",
        f"arn:aws:glue:us-west-2:{ACCOUNT}:table/email_events_db_dev/transactional_events"]
    assert statements["WriteDeliveryLogs"]["Action"] == ["logs:PutLogEvents"]
    everything = json.dumps(inline)
    assert ":*:" not in everything and '"*"' not in everything


def test_ses_role_is_confused_deputy_safe_and_can_only_put_batches() -> None:
    trust, inline = ses_role(NAMES, ("newsletter", "transactional"))
    condition = trust["Statement"][0]["Condition"]["StringEquals"]
    assert condition["aws:SourceAccount"] == ACCOUNT
    assert condition["aws:SourceArn"] == [
        f"arn:aws:ses:us-west-2:{ACCOUNT}:configuration-set/daily-system-design-newsletter-dev",
        f"arn:aws:ses:us-west-2:{ACCOUNT}:configuration-set/daily-system-design-transactional-dev"]
    (statement,) = inline["ses-publish"]["Statement"]
    assert statement["Action"] == ["firehose:PutRecordBatch"]
    assert statement["Resource"] == [
        f"arn:aws:firehose:us-west-2:{ACCOUNT}:deliverystream/email-events-newsletter-dev",
        f"arn:aws:firehose:us-west-2:{ACCOUNT}:deliverystream/email-events-transactional-dev"]


def test_trust_policy_rewritten_by_iam_is_not_a_change(ctx: AwsContext) -> None:
    climb(ctx, "iam_role", [FIREHOSE, SES, CRAWLER])
    # The same trust as IAM may return it: scalars for one-element lists, other key case and order.
    rewritten = {"Statement": [{"Condition": {"StringEquals": {
        "AWS:SourceArn": [NAMES.configuration_set_arn("transactional"), NAMES.configuration_set_arn("newsletter")],
        "AWS:SourceAccount": [ACCOUNT]}}, "Action": ["sts:AssumeRole"],
        "Principal": {"Service": ["ses.amazonaws.com"]}, "Effect": "Allow", "Sid": ""}], "Version": "2012-10-17"}
    boto("iam").update_assume_role_policy(RoleName=SES, PolicyDocument=json.dumps(rewritten))
    assert plan_for(ctx, ["iam_role"]) == []


def test_trust_drift_shows_the_trust_aspect(ctx: AwsContext) -> None:
    climb(ctx, "iam_role", [FIREHOSE, SES, CRAWLER])
    loose = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "firehose.amazonaws.com"}}]}
    change = drift_then_repair(ctx, "iam_role", FIREHOSE, "trust", lambda: boto("iam").update_assume_role_policy(
        RoleName=FIREHOSE, PolicyDocument=json.dumps(loose)))
    assert change.fields[0].path.startswith("AssumeRolePolicy")


def test_widened_permissions_show_the_inline_policy_aspect(ctx: AwsContext) -> None:
    climb(ctx, "iam_role", [FIREHOSE, SES, CRAWLER])
    wide = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "firehose:*", "Resource": "*"}]}
    drift_then_repair(ctx, "iam_role", SES, "inline_policies", lambda: boto("iam").put_role_policy(
        RoleName=SES, PolicyName="ses-publish", PolicyDocument=json.dumps(wide)))


@pytest.mark.parametrize("extra", ["inline", "managed"])
def test_policies_sesl_did_not_put_there_are_reported_and_removed(ctx: AwsContext, extra: str) -> None:
    climb(ctx, "iam_role", [FIREHOSE, SES, CRAWLER])
    iam = boto("iam")
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    if extra == "inline":
        edit = lambda: iam.put_role_policy(RoleName=SES, PolicyName="debugging", PolicyDocument=json.dumps(doc))  # noqa: E731
        aspect = "inline_policies"
    else:
        arn = iam.create_policy(PolicyName="extra", PolicyDocument=json.dumps(doc))["Policy"]["Arn"]
        edit = lambda: iam.attach_role_policy(RoleName=SES, PolicyArn=arn)  # noqa: E731
        aspect = "managed_policies"
    change = drift_then_repair(ctx, "iam_role", SES, aspect, edit)
    assert change.fields
    assert iam.list_role_policies(RoleName=SES)["PolicyNames"] == ["ses-publish"]
    assert iam.list_attached_role_policies(RoleName=SES)["AttachedPolicies"] == []


def test_policy_normaliser_treats_scalar_and_list_alike_and_orders_statements() -> None:
    a = {"Version": "2012-10-17", "Statement": [
        {"Sid": "", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
        {"Effect": "Deny", "Action": ["s3:*"], "Principal": "*", "Resource": ["arn:aws:s3:::b"]}]}
    b = {"Statement": [
        {"Resource": ["arn:aws:s3:::b"], "Principal": "*", "Action": "s3:*", "Effect": "Deny"},
        {"Resource": ["arn:aws:s3:::b/*"], "Action": ["s3:GetObject"], "Effect": "Allow"}], "Version": "2012-10-17"}
    assert normalize_policy(a) == normalize_policy(b)
    assert normalize_policy(json.dumps(a)) == normalize_policy("%7B" + json.dumps(b)[1:].replace("{", "%7B"))
    different = json.loads(json.dumps(b))
    different["Statement"][1]["Action"] = ["s3:GetObject", "s3:PutObject"]
    assert normalize_policy(a) != normalize_policy(different)


def test_role_validation_rejects_overlong_names() -> None:
    from dataclasses import replace

    env = Env(default_spec("dev"), NAMES)
    kind = IamRoleKind()
    want = kind.desired(env)[0]
    assert kind.validate(env, want) == []
    assert "65 characters is above the maximum length 64" in model_problems(kind, replace(want, name="r" * 65))[0]


# --- the crawler role --------------------------------------------------------------------------------
BUCKET_ARN = "arn:aws:s3:::daily-system-design-email-events-dev"
GLUE = f"arn:aws:glue:us-west-2:{ACCOUNT}"


def test_crawler_trust_is_the_glue_guide_s_without_a_condition_glue_does_not_document() -> None:
    trust, _ = crawler_role(NAMES, ("newsletter", "transactional"))
    assert trust == {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def test_crawler_permissions_are_exactly_what_a_crawler_uses_on_its_own_resources() -> None:
    _, inline = crawler_role(NAMES, ("newsletter", "transactional"))
    assert list(inline) == ["read-raw-backup"]
    statements = inline["read-raw-backup"]["Statement"]
    assert statements == [
        # Bucket-level calls carry no s3:prefix: no condition, or GetBucketLocation/ListBucket would be denied.
        {"Sid": "LocateAndListEventsBucket", "Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
         "Resource": [BUCKET_ARN]},
        {"Sid": "ReadRawBackup", "Effect": "Allow", "Action": ["s3:GetObject"],
         "Resource": [f"{BUCKET_ARN}/raw/email-events-newsletter-dev/*",
                      f"{BUCKET_ARN}/raw/email-events-transactional-dev/*"]},
        {"Sid": "WriteOwnCatalog", "Effect": "Allow",
         "Action": ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable",
                    "glue:GetPartition", "glue:GetPartitions", "glue:CreatePartition", "glue:UpdatePartition",
                    "glue:BatchCreatePartition", "glue:BatchGetPartition", "glue:BatchUpdatePartition"],
         "Resource": [f"{GLUE}:catalog", f"{GLUE}:database/email_events_raw_dev",
                      f"{GLUE}:table/email_events_raw_dev/*"]},
        {"Sid": "CrawlerLogs", "Effect": "Allow",
         "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": [f"arn:aws:logs:us-west-2:{ACCOUNT}:log-group:/aws-glue/*"]},
    ]
    assert not any("Condition" in s for s in statements)
    assert not any(a.startswith(("glue:Delete", "glue:BatchDelete", "s3:Put", "s3:Delete"))
                   for s in statements for a in s["Action"])


def test_the_crawler_log_resource_covers_its_group_and_streams_but_no_other_group() -> None:
    (pattern,) = crawler_role(NAMES, ("newsletter",))[1]["read-raw-backup"]["Statement"][3]["Resource"]
    group = f"arn:aws:logs:us-west-2:{ACCOUNT}:log-group:/aws-glue/crawlers"
    # IAM resource wildcards match across ':' and '/' (IAM user guide, reference_policies_elements_resource).
    assert fnmatchcase(group, pattern) and fnmatchcase(f"{group}:log-stream:email-events-raw-schema-dev", pattern)
    assert not fnmatchcase(f"arn:aws:logs:us-west-2:{ACCOUNT}:log-group:/aws/kinesisfirehose/x", pattern)
    assert not fnmatchcase(f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws-glue/crawlers", pattern)


# --- AWS-shaped answers ------------------------------------------------------------------------------
def _aws_state(want: RoleSpec) -> RoleState:
    """The state read() builds from what IAM answers to what sesl sent (trust through its shaping)."""
    answer = trust_principals_as_arns({"Role": {"AssumeRolePolicyDocument": json.dumps(want.trust)}}, {})
    return RoleState(want.name, True, normalize_policy(answer["Role"]["AssumeRolePolicyDocument"]),
                     {k: normalize_policy(json.dumps(v)) or {} for k, v in want.inline.items()}, want.managed,
                     dict(want.tags))


def test_the_diff_tolerates_every_aws_shaped_answer() -> None:
    kind = IamRoleKind()
    for want in kind.desired(Env(default_spec("dev"), NAMES)):
        assert kind.diff(_aws_state(want), want) == []


def test_the_diff_tolerates_an_account_principal_stored_as_the_root_arn() -> None:
    want = RoleSpec("r", "d", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}]}, {}, ())
    have = _aws_state(want)
    assert have.trust is not None and have.trust["Statement"][0]["Principal"] == {
        "AWS": [f"arn:aws:iam::{ACCOUNT}:root"]}
    assert IamRoleKind().diff(have, want) == []
    other = RoleSpec("r", "d", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}]}, {}, ())
    assert [c.aspect for c in IamRoleKind().diff(have, other)] == ["trust"]


def test_an_inline_policy_listed_but_not_yet_readable_is_left_out_of_the_read() -> None:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}

    def get_role_policy(RoleName: str, PolicyName: str) -> dict[str, Any]:
        if PolicyName == "propagating":
            raise botocore.exceptions.ClientError({"Error": {"Code": "NoSuchEntity", "Message": "not found"}},
                                                  "GetRolePolicy")
        return {"PolicyDocument": document}

    pages = SimpleNamespace(paginate=lambda RoleName: [{"PolicyNames": ["ready", "propagating"]}])
    iam = SimpleNamespace(get_paginator=lambda operation: pages, get_role_policy=get_role_policy)
    assert IamRoleKind._inline_policies(iam, "r") == {"ready": normalize_policy(document)}


def test_roles_converge_on_aws_shaped_answers(ctx: AwsContext) -> None:
    climb(ctx, "iam_role", [FIREHOSE, SES, CRAWLER])  # plan empty after apply; second apply makes no mutating call
    role = boto("iam").get_role(RoleName=CRAWLER)["Role"]
    assert role["AssumeRolePolicyDocument"] == crawler_role(NAMES, ("newsletter", "transactional"))[0]
    assert (role["MaxSessionDuration"], role["RoleLastUsed"]) == (3600, {})


def test_policy_normaliser_treats_an_account_id_and_its_root_arn_alike() -> None:
    def trust(principal: object) -> dict[str, Any]:
        return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": principal},
                                                        "Action": "sts:AssumeRole"}]}

    assert normalize_policy(trust(ACCOUNT)) == normalize_policy(trust(f"arn:aws:iam::{ACCOUNT}:root"))
    assert normalize_policy(trust([ACCOUNT, "*"])) == normalize_policy(trust(["*", f"arn:aws:iam::{ACCOUNT}:root"]))
    assert normalize_policy(trust(ACCOUNT)) != normalize_policy(trust(f"arn:aws:iam::{ACCOUNT}:role/x"))
    assert normalize_policy(trust("12345678901")) != normalize_policy(trust("arn:aws:iam::12345678901:root"))
