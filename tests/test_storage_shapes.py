"""The S3, IAM and Athena shapings: each turns moto's echo into AWS's answer (pure), and the sandbox serves
them (through a boto3 client). The kinds' tolerance of each shape is tested beside the kind."""

from __future__ import annotations

import base64
import json
import uuid

import botocore.exceptions
import pytest

from sesl.sandbox import shapes
from sesl.sandbox.shapes.athena import (
    named_queries_description,
    named_query_description,
    workgroup_defaults,
)
from sesl.sandbox.shapes.iam import trust_principals_as_arns
from sesl.sandbox.shapes.s3 import encryption_rule_defaults, lifecycle_as_stored, policy_as_stored
from tests.conftest import ACCOUNT, boto

BUCKET = "shape-probe-bucket"


# --- S3 -------------------------------------------------------------------------------------------
def test_encryption_rules_gain_bucket_key_and_blocked_types() -> None:
    echo = {"ServerSideEncryptionConfiguration": {"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}}
    assert encryption_rule_defaults(echo, {}) == {"ServerSideEncryptionConfiguration": {"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False,
         "BlockedEncryptionTypes": {"EncryptionType": ["SSE-C"]}}]}}
    kms = {"ServerSideEncryptionConfiguration": {"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}, "BucketKeyEnabled": True}]}}
    (rule,) = encryption_rule_defaults(kms, {})["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["BucketKeyEnabled"] is True  # a value that was set is kept


def test_bucket_policy_is_compact_in_s3_order_with_account_principals_as_root_arns() -> None:
    sent = {"Statement": [{"Resource": ["arn:aws:s3:::b/*"], "Principal": {"AWS": [ACCOUNT, "*"]},
                           "Effect": "Deny", "Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                           "Sid": "S"}], "Version": "2012-10-17"}
    stored = policy_as_stored({"Policy": json.dumps(sent, indent=2)}, {})["Policy"]
    assert stored == ('{"Version":"2012-10-17","Statement":[{"Sid":"S","Effect":"Deny","Principal":{"AWS":'
                      f'["arn:aws:iam::{ACCOUNT}:root","*"]}},"Action":"s3:*","Resource":["arn:aws:s3:::b/*"],'
                      '"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}')
    single = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"AWS": ACCOUNT},
                                                     "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}}
    stored_single = json.loads(policy_as_stored({"Policy": json.dumps(single)}, {})["Policy"])
    assert stored_single["Statement"]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert policy_as_stored({}, {}) == {}


def test_lifecycle_rules_gain_generated_ids_and_an_empty_prefix_for_an_empty_filter() -> None:
    echo = {"Rules": [{"ID": "kept", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 5}},
                      {"Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 9}}]}
    shaped = lifecycle_as_stored(echo, {})
    assert shaped["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    kept, generated = shaped["Rules"]
    assert kept == {"ID": "kept", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 5}}
    assert generated["Filter"] == {"Prefix": "logs/"}
    uuid.UUID(base64.b64decode(generated["ID"]).decode())  # a base64-encoded UUID, as S3 generates
    explicit = lifecycle_as_stored({"TransitionDefaultMinimumObjectSize": "varies_by_storage_class", "Rules": []}, {})
    assert explicit["TransitionDefaultMinimumObjectSize"] == "varies_by_storage_class"


def test_a_new_bucket_answers_sse_s3_and_block_public_access_as_on_aws(aws: None) -> None:
    s3 = boto("s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    (rule,) = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule == {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False,
                    "BlockedEncryptionTypes": {"EncryptionType": ["SSE-C"]}}
    assert s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    s3.put_bucket_encryption(Bucket=BUCKET, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]})
    s3.delete_bucket_encryption(Bucket=BUCKET)  # AWS resets to SSE-S3; it never becomes "not found"
    (reset,) = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert reset["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}


def test_with_the_layer_off_a_new_bucket_is_moto_s(aws: None) -> None:
    s3 = boto("s3")
    with shapes.disabled():
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
        with pytest.raises(botocore.exceptions.ClientError, match="ServerSideEncryptionConfigurationNotFound"):
            s3.get_bucket_encryption(Bucket=BUCKET)
        with pytest.raises(botocore.exceptions.ClientError, match="NoSuchPublicAccessBlockConfiguration"):
            s3.get_public_access_block(Bucket=BUCKET)


def test_the_sandbox_serves_the_policy_as_s3_stores_it(aws: None) -> None:
    s3 = boto("s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    policy = {"Statement": [{"Resource": f"arn:aws:s3:::{BUCKET}/*", "Action": "s3:GetObject", "Effect": "Allow",
                             "Principal": {"AWS": ACCOUNT}}], "Version": "2012-10-17"}
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy, indent=4))
    assert s3.get_bucket_policy(Bucket=BUCKET)["Policy"] == (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":'
        f'"arn:aws:iam::{ACCOUNT}:root"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::{BUCKET}/*"}}]}}')


# --- IAM ------------------------------------------------------------------------------------------
def test_trust_account_principals_come_back_as_root_arns() -> None:
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"AWS": [ACCOUNT, "arn:aws:iam::111122223333:role/x"]},
         "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = trust_principals_as_arns({"Role": {"RoleName": "r", "AssumeRolePolicyDocument": trust}}, {})["Role"]
    principals = [s["Principal"] for s in role["AssumeRolePolicyDocument"]["Statement"]]
    assert principals == [{"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                          {"AWS": [f"arn:aws:iam::{ACCOUNT}:root", "arn:aws:iam::111122223333:role/x"]},
                          {"Service": "glue.amazonaws.com"}]
    # The parsed answer holds the document as text (boto3 decodes it into a dict client side): text stays text.
    as_text = trust_principals_as_arns({"Role": {"AssumeRolePolicyDocument": json.dumps(trust)}}, {})["Role"]
    assert json.loads(as_text["AssumeRolePolicyDocument"]) == role["AssumeRolePolicyDocument"]


def test_the_sandbox_serves_the_trust_as_iam_stores_it(aws: None) -> None:
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT},
                                                     "Action": "sts:AssumeRole"}]}
    iam = boto("iam")
    iam.create_role(RoleName="shape-probe", AssumeRolePolicyDocument=json.dumps(trust))
    role = iam.get_role(RoleName="shape-probe")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert (role["MaxSessionDuration"], role["RoleLastUsed"]) == (3600, {})
    assert "Description" not in role and "PermissionsBoundary" not in role and "Tags" not in role


# --- Athena ---------------------------------------------------------------------------------------
def test_workgroup_configuration_gains_aws_s_members() -> None:
    echo = {"WorkGroup": {"Name": "wg", "Configuration": {
        "EngineVersion": {"SelectedEngineVersion": "Athena engine version 3"}, "BytesScannedCutoffPerQuery": 10**9}}}
    configuration = workgroup_defaults(echo, {})["WorkGroup"]["Configuration"]
    assert configuration == {"EnforceWorkGroupConfiguration": True, "PublishCloudWatchMetricsEnabled": True,
                             "RequesterPaysEnabled": False, "BytesScannedCutoffPerQuery": 10**9,
                             "EngineVersion": {"SelectedEngineVersion": "Athena engine version 3",
                                               "EffectiveEngineVersion": "Athena engine version 3"}}
    bare = workgroup_defaults({"WorkGroup": {"Name": "wg", "Configuration": {"EnforceWorkGroupConfiguration": False}}},
                              {})["WorkGroup"]["Configuration"]
    assert bare["EngineVersion"] == {"SelectedEngineVersion": "AUTO",
                                     "EffectiveEngineVersion": "Athena engine version 3"}
    assert bare["EnforceWorkGroupConfiguration"] is False  # what was set is kept


def test_saved_queries_leave_out_an_empty_description() -> None:
    query = {"Name": "q", "Database": "d", "QueryString": "SELECT 1", "NamedQueryId": "i", "WorkGroup": "wg"}
    assert named_query_description({"NamedQuery": {**query, "Description": None}}, {}) == {"NamedQuery": query}
    described = {**query, "Description": "kept"}
    assert named_queries_description({"NamedQueries": [described, {**query, "Description": ""}]}, {}) == {
        "NamedQueries": [described, query], "UnprocessedNamedQueryIds": []}


def test_a_workgroup_created_without_metrics_setting_publishes_them_as_on_aws(aws: None) -> None:
    athena = boto("athena")
    athena.create_work_group(Name="wg")
    configuration = athena.get_work_group(WorkGroup="wg")["WorkGroup"]["Configuration"]
    assert configuration["PublishCloudWatchMetricsEnabled"] is True
    assert configuration["EngineVersion"] == {"SelectedEngineVersion": "AUTO",
                                              "EffectiveEngineVersion": "Athena engine version 3"}
    athena.create_work_group(Name="wg-off", Configuration={"PublishCloudWatchMetricsEnabled": False})
    off = athena.get_work_group(WorkGroup="wg-off")["WorkGroup"]["Configuration"]
    assert off["PublishCloudWatchMetricsEnabled"] is False
