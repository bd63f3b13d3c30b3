"""Shared fixtures: moto in-process with sesl's sandbox gap fills, and an AwsContext on it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import settings

# Never read the developer's real AWS config or credentials in tests.
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ["AWS_DEFAULT_REGION"] = "us-west-2"
os.environ["SESL_EMULATED"] = "1"  # moto in-process keeps AWS's URLs: tell verify it is not AWS

import botocore.loaders
import botocore.session
from moto import mock_aws

from sesl.botomodels import shared_loader
from sesl.context import AwsContext
from sesl.sandbox import install as install_sandbox
from sesl.sandbox.server import SANDBOX_ACCOUNT, seed_in_process
from sesl.spec import EnvSpec, default_spec

# Each boto3 Session gets a new Loader, which parses the service models' JSON again; every AwsContext of a test
# has its own Session, and each `mock_aws` start drops boto3's default one. sesl's own sessions share one Loader
# (sesl/botomodels.py); the sessions moto and the tests make share it too.
botocore.session.create_loader = shared_loader

install_sandbox()  # moto's gaps filled and its answers shaped the way AWS answers

ACCOUNT = SANDBOX_ACCOUNT

# Hypothesis: each property test names the examples it runs by default (the counts that found the bugs in the
# tests' docstrings); SESL_HYPOTHESIS_PROFILE=thorough runs THOROUGH_FACTOR times as many (docs/mutation.md).
PROFILE_ENV = "SESL_HYPOTHESIS_PROFILE"
THOROUGH_FACTOR = 10
settings.register_profile("thorough", max_examples=100 * THOROUGH_FACTOR)  # for a test that names no count
PROFILE = os.environ.get(PROFILE_ENV, "default")
settings.load_profile(PROFILE)  # an unknown name fails here, saying which profiles exist


def examples(default: int) -> int:
    """The max_examples of a property test: `default`, or THOROUGH_FACTOR times it in the thorough profile."""
    return default * THOROUGH_FACTOR if PROFILE == "thorough" else default


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
