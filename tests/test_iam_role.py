"""IAM roles: least privilege with exact ARNs, normalised comparison, extra policies reported."""

from __future__ import annotations

import json

import pytest

from sesl.context import AwsContext
from sesl.diff import normalize_policy
from sesl.naming import Names
from sesl.resources.base import Env
from sesl.resources.iam_role import IamRoleKind, firehose_role, ses_role
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
    assert "longer than 64" in kind.validate(env, replace(want, name="r" * 65))[0]
