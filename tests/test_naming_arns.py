"""The ARNs sesl states in sesl/naming.py, pinned to the forms AWS documents for each service."""

from __future__ import annotations

from sesl.naming import (
    Names,
    account_root_arn,
    bucket_of_arn,
    object_arn_prefix,
    ses_identity_arn,
)

NAMES = Names("dev", "eu-west-1", "123456789012")


def test_s3_arns_carry_no_region_nor_account() -> None:
    assert Names.bucket_arn("b1") == "arn:aws:s3:::b1"
    assert Names.objects_arn("b1") == "arn:aws:s3:::b1/*"
    assert object_arn_prefix("b1") == "arn:aws:s3:::b1/"
    assert object_arn_prefix("b1", "aws-cn") == "arn:aws-cn:s3:::b1/"


def test_bucket_of_arn_reads_only_bucket_arns() -> None:
    assert bucket_of_arn("arn:aws:s3:::daily-events-dev") == "daily-events-dev"
    assert bucket_of_arn("arn:aws:sns:eu-west-1:123456789012:topic") is None
    assert bucket_of_arn("arn:aws:s3") is None


def test_service_arns_of_the_env() -> None:
    assert NAMES.workgroup_arn("wg") == "arn:aws:athena:eu-west-1:123456789012:workgroup/wg"
    assert NAMES.alarm_arn("a-b") == "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:a-b"
    assert NAMES.budget_arn("email-analytics-dev-monthly") == (
        "arn:aws:budgets::123456789012:budget/email-analytics-dev-monthly")
    assert NAMES.budgets_source_arn == "arn:aws:budgets::123456789012:*"
    assert NAMES.crawler_arn == "arn:aws:glue:eu-west-1:123456789012:crawler/email-events-raw-schema-dev"


def test_account_and_identity_arns() -> None:
    assert account_root_arn("123456789012") == "arn:aws:iam::123456789012:root"
    assert ses_identity_arn("us-east-1", "123456789012", "example.com") == (
        "arn:aws:ses:us-east-1:123456789012:identity/example.com")
