"""The response-shaping layer itself: every protocol moto answers in can be reshaped, the switch turns it
off, and shapings are found by service and operation. Each shaping has its own test beside its kind."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from sesl.sandbox import shapes
from sesl.sandbox.shapes import SHAPINGS, Response, shaping
from tests.conftest import boto


@pytest.fixture
def probe() -> Iterator[list[str]]:
    """Temporary shapings on one operation of each protocol, removed afterwards."""
    seen: list[str] = []
    keys = [("iam", "GetRole"), ("s3", "GetBucketPolicy"), ("cloudwatch", "DescribeAlarms"), ("glue", "GetDatabase")]
    saved = {k: list(SHAPINGS.get(k, [])) for k in keys}

    def mark(name: str) -> shapes.ShapeFn:
        def fn(response: Response, request: Response) -> Response:
            seen.append(name)
            return {**response, "ProbeMarker": name} if name == "glue" else response
        return fn

    for service, operation in keys:
        shaping(service, operation, "probe", "test")(mark(service))
    yield seen
    for key, entries in saved.items():
        SHAPINGS[key] = entries


def test_every_protocol_is_parsed_and_reserialised(aws: None, probe: list[str]) -> None:
    # query (IAM), rest-xml with a raw payload (S3), smithy-rpc-v2-cbor (CloudWatch), json (Glue)
    statement = {"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}
    document = {"Version": "2012-10-17", "Statement": [statement]}
    boto("iam").create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(document))
    assert boto("iam").get_role(RoleName="r")["Role"]["AssumeRolePolicyDocument"] == document  # decoded once
    s3 = boto("s3")
    s3.create_bucket(Bucket="probe-bucket", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                                      "Resource": "arn:aws:s3:::probe-bucket"}]}
    s3.put_bucket_policy(Bucket="probe-bucket", Policy=json.dumps(policy))
    assert json.loads(s3.get_bucket_policy(Bucket="probe-bucket")["Policy"]) == policy
    boto("cloudwatch").describe_alarms()
    boto("glue").create_database(DatabaseInput={"Name": "probe_db"})
    boto("glue").get_database(Name="probe_db")
    assert probe == ["iam", "s3", "cloudwatch", "glue"]


def test_the_switch_gives_moto_echo(aws: None, probe: list[str]) -> None:
    glue = boto("glue")
    glue.create_database(DatabaseInput={"Name": "probe_db"})
    with shapes.disabled():
        glue.get_database(Name="probe_db")
    assert probe == []
    glue.get_database(Name="probe_db")
    assert probe == ["glue"]


def test_errors_are_not_reshaped(aws: None, probe: list[str]) -> None:
    with pytest.raises(Exception, match="EntityNotFoundException"):
        boto("glue").get_database(Name="absent")
    assert probe == []


def test_every_shaping_names_its_source() -> None:
    entries = shapes.all_shapings()
    assert entries, "no shaping registered"
    for entry in entries:
        assert entry.what.strip() and entry.source.strip(), entry


def test_every_default_the_sandbox_applies_is_documented_with_its_source() -> None:
    from sesl.sandbox.reference import install_notes

    notes = dict(install_notes())
    assert {"athena", "glue", "s3", "sns"} <= set(notes)
    for module, doc in notes.items():
        assert len(doc.split()) >= 8, f"shapes/{module}.py install() says too little about what AWS does"
