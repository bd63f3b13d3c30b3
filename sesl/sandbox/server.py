"""Start the sandbox: moto's threaded server with sesl's gap fills, seeded with what the design
treats as pre-existing (the SES configuration sets of every environment)."""

from __future__ import annotations

import contextlib
import io
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sesl.errors import SeslError
from sesl.naming import FLOWS, Names
from sesl.spec import DEFAULT_REGION, ENVIRONMENTS

SANDBOX_ACCOUNT = "123456789012"  # moto's default account
SANDBOX_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "sandbox", "AWS_SECRET_ACCESS_KEY": "sandbox"}


def _moto() -> Any:
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        raise SeslError("the sandbox needs moto: pip install 'sesl[sandbox]'") from None
    return ThreadedMotoServer


def environment(endpoint: str, region: str = DEFAULT_REGION) -> dict[str, str]:
    """What other commands need to talk to the sandbox instead of AWS."""
    return {"AWS_ENDPOINT_URL": endpoint, "AWS_DEFAULT_REGION": region, **SANDBOX_CREDENTIALS}


def seed(endpoint: str, region: str = DEFAULT_REGION, envs: Sequence[str] = (), sets: Sequence[str] = ()) -> list[str]:
    """Create the SES configuration sets sesl expects to exist (and must never create itself): those of the
    built-in environments' default streams, of `envs` (those a config defines) and `sets` (the configuration
    sets of the streams a config lists)."""
    import boto3

    sesv2 = boto3.client("sesv2", endpoint_url=endpoint, region_name=region, **_lower(SANDBOX_CREDENTIALS))
    existing = set(sesv2.list_configuration_sets().get("ConfigurationSets", []))
    return [_create_set(sesv2, name) for name in configuration_sets(region, envs, sets) if name not in existing]


def seed_in_process(region: str = DEFAULT_REGION, envs: Sequence[str] = (), sets: Sequence[str] = ()) -> list[str]:
    """Seed moto running in this process (tests use `mock_aws`, which has no endpoint)."""
    import boto3

    sesv2 = boto3.client("sesv2", region_name=region)
    existing = set(sesv2.list_configuration_sets().get("ConfigurationSets", []))
    return [_create_set(sesv2, name) for name in configuration_sets(region, envs, sets) if name not in existing]


def configuration_sets(region: str = DEFAULT_REGION, envs: Sequence[str] = (), sets: Sequence[str] = ()) -> list[str]:
    every = [*ENVIRONMENTS, *(env for env in envs if env not in ENVIRONMENTS)]
    defaults = [Names(env, region, SANDBOX_ACCOUNT).configuration_set(flow) for env in every for flow in FLOWS]
    return list(dict.fromkeys([*defaults, *sets]))


def _create_set(sesv2: Any, name: str) -> str:
    sesv2.create_configuration_set(ConfigurationSetName=name)
    return name


def _lower(creds: dict[str, str]) -> dict[str, str]:
    return {"aws_access_key_id": creds["AWS_ACCESS_KEY_ID"], "aws_secret_access_key": creds["AWS_SECRET_ACCESS_KEY"]}


@contextmanager
def running(port: int = 0, host: str = "127.0.0.1", envs: Sequence[str] = (),
            sets: Sequence[str] = ()) -> Iterator[str]:
    """A seeded sandbox for the duration of the block; yields its endpoint URL."""
    from sesl.sandbox import install

    install()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log lines in the user's output
    server = _moto()(ip_address=host, port=port)
    with contextlib.redirect_stdout(io.StringIO()):  # moto announces its thread on stdout
        server.start()
    try:
        real_host, real_port = server.get_host_and_port()
        endpoint = f"http://{real_host}:{real_port}"
        seed(endpoint, envs=envs, sets=sets)
        yield endpoint
    finally:
        server.stop()


@contextmanager
def pointed_at(endpoint: str) -> Iterator[None]:
    """Point this process's AWS clients at the sandbox, restoring the environment afterwards."""
    saved = {k: os.environ.get(k) for k in (*environment(endpoint), "AWS_PROFILE", "AWS_CONFIG_FILE",
                                               "AWS_SHARED_CREDENTIALS_FILE", "AWS_SESSION_TOKEN")}
    os.environ.update(environment(endpoint))
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(key, None)
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
