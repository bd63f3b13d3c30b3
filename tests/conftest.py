"""Shared fixtures: moto in-process with sesl's sandbox gap fills, and an AwsContext on it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

# Never read the developer's real AWS config or credentials in tests.
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ["AWS_DEFAULT_REGION"] = "us-west-2"
os.environ["SESL_EMULATED"] = "1"  # moto in-process keeps AWS's URLs: tell verify it is not AWS

from moto import mock_aws

from sesl.context import AwsContext
from sesl.sandbox import install as install_sandbox
from sesl.sandbox.server import SANDBOX_ACCOUNT, seed_in_process
from sesl.spec import EnvSpec, default_spec

install_sandbox()  # moto's gaps filled and its answers shaped the way AWS answers

ACCOUNT = SANDBOX_ACCOUNT


@pytest.fixture
def aws() -> Iterator[None]:
    """moto in-process, seeded like the sandbox (the SES configuration sets exist)."""
    with mock_aws():
        seed_in_process()
        yield


@pytest.fixture
def spec() -> EnvSpec:
    return default_spec("dev")


@pytest.fixture
def ctx(aws: None, spec: EnvSpec) -> AwsContext:
    return AwsContext(spec)


def boto(service: str) -> Any:
    import boto3

    return boto3.client(service, region_name="us-west-2")

# moto is consistent at once: a read-back that differs in the tests differs for good, so it fails without
# the waits meant for AWS's eventual consistency (their loop has its own tests).
from sesl import reconcile  # noqa: E402

reconcile.READ_BACK_WAITS = ()
