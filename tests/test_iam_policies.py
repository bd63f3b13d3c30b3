"""The IAM policies in docs/iam/ cover every call sesl makes: the calls are collected by running sesl
against moto (not listed by hand), mapped to IAM actions, and checked against the documents."""

from __future__ import annotations

import json
from dataclasses import replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from sesl import drift, reconcile
from sesl.athena_query import run_query
from sesl.context import AwsContext, is_read
from sesl.lock import env_lock
from sesl.model import DestroyOptions
from sesl.sandbox.server import seed_in_process
from sesl.spec import default_spec
from sesl.verify import run_verify
from tests.conftest import boto

DOCS = Path(__file__).resolve().parent.parent / "docs" / "iam"
PREFIX = {"sesv2": "ses", "resourcegroupstaggingapi": "tag"}
# Operations whose IAM action is not <prefix>:<operation> (service authorization references).
ACTIONS = {
    "s3:HeadBucket": ["s3:ListBucket"], "s3:ListObjectsV2": ["s3:ListBucket"],
    "s3:ListObjectVersions": ["s3:ListBucketVersions"], "s3:ListMultipartUploads": ["s3:ListBucketMultipartUploads"],
    "s3:GetBucketEncryption": ["s3:GetEncryptionConfiguration"],
    "s3:PutBucketEncryption": ["s3:PutEncryptionConfiguration"],
    "s3:GetBucketLifecycleConfiguration": ["s3:GetLifecycleConfiguration"],
    "s3:PutBucketLifecycleConfiguration": ["s3:PutLifecycleConfiguration"],
    "s3:GetPublicAccessBlock": ["s3:GetBucketPublicAccessBlock"],
    "s3:PutPublicAccessBlock": ["s3:PutBucketPublicAccessBlock"],
    "s3:DeleteObjects": ["s3:DeleteObject", "s3:DeleteObjectVersion"],
    "budgets:DescribeBudget": ["budgets:ViewBudget"], "budgets:DescribeBudgets": ["budgets:ViewBudget"],
    "budgets:DescribeNotificationsForBudget": ["budgets:ViewBudget"],
    "budgets:DescribeSubscribersForNotification": ["budgets:ViewBudget"],
    "budgets:CreateBudget": ["budgets:ModifyBudget"], "budgets:UpdateBudget": ["budgets:ModifyBudget"],
    "budgets:DeleteBudget": ["budgets:ModifyBudget"], "budgets:CreateNotification": ["budgets:ModifyBudget"],
    "budgets:DeleteNotification": ["budgets:ModifyBudget"],
    "sts:GetCallerIdentity": [],  # needs no permission
}


def iam_actions(call: str) -> list[str]:
    if call in ACTIONS:
        return ACTIONS[call]
    service, operation = call.split(":", 1)
    return [f"{PREFIX.get(service, service)}:{operation}"]


def allowed_actions(document: dict[str, Any]) -> list[str]:
    actions: list[str] = []
    for statement in document["Statement"]:
        value = statement["Action"]
        actions += [value] if isinstance(value, str) else value
    return actions


def uncovered(calls: set[str], document: dict[str, Any]) -> list[str]:
    allowed = allowed_actions(document)
    return sorted({a for call in calls for a in iam_actions(call) if not any(fnmatchcase(a, p) for p in allowed)})


@pytest.fixture(scope="module")
def calls() -> set[str]:
    """Every operation of a whole lifecycle: apply, drift, verify, a query, destroy with data (recorded once per
    module: the tests only read the set)."""
    with mock_aws():
        seed_in_process()
        return _lifecycle(AwsContext(replace(default_spec("dev"), alert_email="ops@example.com")))


def _lifecycle(ctx: AwsContext) -> set[str]:
    _ = ctx.account
    ctx.allow_mutations()
    with env_lock(ctx, "apply"):
        reconcile.execute(ctx, reconcile.plan(ctx))
        reconcile.read_back(ctx, reconcile.PlanOptions(), "apply")
    boto("s3").put_bucket_versioning(Bucket="daily-system-design-email-events-dev",
                                     VersioningConfiguration={"Status": "Suspended"})
    # A logging trail, so that the CloudTrail check reads its status and selectors too.
    boto("s3").create_bucket(Bucket="account-trail-logs", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    boto("cloudtrail").create_trail(Name="account-trail", S3BucketName="account-trail-logs")
    boto("cloudtrail").start_logging(Name="account-trail")
    report = drift.detect(ctx)
    drift.publish_metrics(ctx, report)
    drift.notify(ctx, report)
    run_verify(ctx, wait_seconds=5, poll_seconds=0.1)
    run_query(ctx, "SELECT 1")
    ctx.destroy_options = DestroyOptions(delete_data=True, delete_saved_queries=True)
    reconcile.execute(ctx, reconcile.plan_destroy(ctx, reconcile.PlanOptions(destroy=ctx.destroy_options)))
    found = set(ctx.log.calls)
    assert {"cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors"} <= found
    return found


def test_the_read_only_policy_covers_every_read_call(calls: set[str]) -> None:
    document = json.loads((DOCS / "readonly-policy.json").read_text())
    reads = {c for c in calls if is_read(c.split(":", 1)[1])}
    verify_only = {"athena:GetQueryExecution", "athena:GetQueryResults", "s3:GetObject", "s3:ListObjectsV2",
                   "s3:ListObjectVersions", "s3:ListMultipartUploads", "ssm:GetParameter"}
    assert uncovered(reads - verify_only, document) == []
    drift_writes = {"cloudwatch:PutMetricData", "sns:Publish", "sns:TagResource"}
    assert uncovered(drift_writes, document) == []
    mutating = [a for a in allowed_actions(document) if not any(
        a.split(":", 1)[1].startswith(p) for p in ("Get", "List", "Describe", "View", "BatchGet"))]
    assert sorted(mutating) == sorted(drift_writes)  # nothing else that writes


def test_the_operator_policy_covers_every_call_of_apply_verify_query_and_destroy(calls: set[str]) -> None:
    document = json.loads((DOCS / "operator-policy.json").read_text())
    assert uncovered(calls, document) == []
    assert any("iam:PassRole" in allowed_actions({"Statement": [s]}) for s in document["Statement"])
