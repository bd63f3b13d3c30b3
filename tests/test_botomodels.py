"""One botocore Loader per process (sesl/botomodels.py): every session sesl makes parses a service model once."""

from __future__ import annotations

import os

import botocore.exceptions
import pytest

from sesl import model_check
from sesl.botomodels import boto3_session, botocore_session, shared_loader
from sesl.context import AwsContext
from sesl.spec import default_spec


def _loader(session: object) -> object:
    return session._session.get_component("data_loader")  # type: ignore[attr-defined]


def test_every_session_and_the_request_check_read_models_through_one_loader() -> None:
    first, second = boto3_session(None, "us-west-2"), boto3_session(None, "eu-west-1")
    context = AwsContext(default_spec("dev"))
    assert _loader(first) is _loader(second) is _loader(context.session) is shared_loader()
    assert model_check._session().get_component("data_loader") is shared_loader()
    assert (first.region_name, second.region_name) == ("us-west-2", "eu-west-1")


def test_a_parsed_model_is_the_same_object_for_every_session() -> None:
    one = botocore_session().get_component("data_loader").load_service_model("glue", "service-2")
    two = botocore_session().get_component("data_loader").load_service_model("glue", "service-2")
    assert one is two


def test_boto3s_data_directory_is_searched_once_however_many_sessions() -> None:
    for _ in range(5):
        made = boto3_session(None, "us-west-2")
    paths = _loader(made).search_paths  # type: ignore[attr-defined]
    boto3_data = [p for p in paths if p.endswith(os.path.join("boto3", "data"))]
    assert len(boto3_data) == 1
    assert len(paths) == len(set(paths))


def test_an_unknown_profile_fails_at_once_as_with_boto3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    with pytest.raises(botocore.exceptions.ProfileNotFound):
        boto3_session("no-such-profile", "us-west-2")


def test_clients_of_a_shared_loader_session_keep_their_own_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_GLUE", raising=False)
    made = boto3_session(None, "ap-southeast-2")
    client = made.client("glue", aws_access_key_id="x", aws_secret_access_key="y")
    assert client.meta.region_name == "ap-southeast-2"
    assert client.meta.endpoint_url == "https://glue.ap-southeast-2.amazonaws.com"
