"""The real CLI as a subprocess against a sandbox server: exit codes, JSON, confirmation, errors."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from sesl.sandbox.server import seed

pytestmark = pytest.mark.e2e

EVENTS = "daily-system-design-email-events-dev"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    proc = subprocess.Popen([sys.executable, "-m", "sesl", "sandbox", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=_base_env())
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"listening on (http://\S+)", line)
    assert match, line
    yield match.group(1)
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def sandbox(endpoint: str) -> str:
    """A fresh sandbox for each test: moto's state reset, the configuration sets seeded again."""
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10)
    seed(endpoint)
    return endpoint


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, NO_COLOR="1",
               AWS_DEFAULT_REGION="us-west-2")
    return env


def sesl(endpoint: str | None, *args: str, stdin: str = "", creds: bool = True,
         extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = _base_env()
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    if creds:
        env.update(AWS_ACCESS_KEY_ID="sandbox", AWS_SECRET_ACCESS_KEY="sandbox")
    env.update(extra_env or {})
    return subprocess.run([sys.executable, "-m", "sesl", *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=300)


def client(endpoint: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name="us-west-2",
                        aws_access_key_id="sandbox", aws_secret_access_key="sandbox")


def test_diff_then_apply_then_no_changes_then_drift(sandbox: str) -> None:
    first = sesl(sandbox, "diff", "--env", "dev")
    assert first.returncode == 2, first.stderr
    assert re.search(r"Plan: \d+ to add, 0 to change, 0 to destroy\.", first.stdout)
    assert f"+ s3_bucket.{EVENTS}" in first.stdout

    applied = sesl(sandbox, "apply", "--env", "dev", "--yes")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Apply complete!" in applied.stdout

    clean = sesl(sandbox, "diff", "--env", "dev")
    assert clean.returncode == 0
    assert clean.stdout.strip().splitlines()[-1] == "No changes. The live state matches the spec."

    client(sandbox, "s3").put_bucket_versioning(Bucket=EVENTS, VersioningConfiguration={"Status": "Suspended"})
    drifted = sesl(sandbox, "diff", "--env", "dev")
    assert drifted.returncode == 2
    assert f"~ s3_bucket.{EVENTS} (versioning)" in drifted.stdout
    assert 'Status: "Suspended" → "Enabled"' in drifted.stdout
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in drifted.stdout


def test_diff_json_is_the_documented_versioned_document(sandbox: str) -> None:
    result = sesl(sandbox, "diff", "--env", "dev", "--json")
    assert result.returncode == 2
    doc = json.loads(result.stdout)
    assert doc["format_version"] == "2.0"
    assert (doc["env"], doc["account"], doc["region"]) == ("dev", "123456789012", "us-west-2")
    assert doc["summary"]["add"] == len(doc["changes"]) > 0
    change = next(c for c in doc["changes"] if c["name"] == EVENTS)
    assert change == {**change, "kind": "s3_bucket", "action": "create", "aspect": "resource",
                      "address": f"s3_bucket.{EVENTS}"}
    assert {"path": "versioning", "before": None, "after": "Enabled"} in change["fields"]


def test_apply_asks_and_accepts_only_yes(sandbox: str) -> None:
    refused = sesl(sandbox, "apply", "--env", "dev", stdin="y\n")
    assert refused.returncode == 1
    assert "not confirmed" in refused.stderr and "nothing was changed" in refused.stderr
    assert client(sandbox, "s3").list_buckets()["Buckets"] == []
    accepted = sesl(sandbox, "apply", "--env", "dev", stdin="yes\n")
    assert accepted.returncode == 0, accepted.stderr
    assert "Only 'yes' will be accepted" in accepted.stdout


def test_destroy_keeps_a_bucket_holding_objects_and_says_so(sandbox: str) -> None:
    assert sesl(sandbox, "apply", "--env", "dev", "--yes").returncode == 0
    client(sandbox, "s3").put_object(Bucket=EVENTS, Key="newsletter/x.parquet", Body=b"data")
    destroyed = sesl(sandbox, "destroy", "--env", "dev", "--yes")
    assert destroyed.returncode == 0, destroyed.stderr
    assert f"= s3_bucket.{EVENTS} # holds 1 object version(s)" in destroyed.stdout
    assert [b["Name"] for b in client(sandbox, "s3").list_buckets()["Buckets"]] == [EVENTS]
    assert client(sandbox, "iam").list_roles()["Roles"] == []
    # The SES configuration sets are not sesl's: still there.
    sets = client(sandbox, "sesv2").list_configuration_sets()["ConfigurationSets"]
    assert "daily-system-design-newsletter-dev" in sets
    purged = sesl(sandbox, "destroy", "--env", "dev", "--yes", "--delete-data")
    assert purged.returncode == 0, purged.stderr
    assert client(sandbox, "s3").list_buckets()["Buckets"] == []


def test_prod_destroy_needs_both_flags_without_a_terminal_whatever_stdin_says(sandbox: str) -> None:
    assert sesl(sandbox, "--no-config", "apply", "--env", "prod", "--yes").returncode == 0
    no_force = sesl(sandbox, "--no-config", "destroy", "--env", "prod", "--yes")
    assert no_force.returncode == 1 and "--force-prod" in no_force.stderr
    piped = sesl(sandbox, "--no-config", "destroy", "--env", "prod", stdin="prod\n")
    assert piped.returncode == 1
    assert piped.stderr == ("error: destroying prod without a terminal needs --yes --force-prod (the typed name is "
                            "only read from a terminal): nothing was changed\n")
    assert len(client(sandbox, "s3").list_buckets()["Buckets"]) == 2
    forced = sesl(sandbox, "--no-config", "destroy", "--env", "prod", "--yes", "--force-prod")
    assert forced.returncode == 0, forced.stderr
    assert client(sandbox, "s3").list_buckets()["Buckets"] == []


def test_account_mismatch_is_refused_before_any_call(sandbox: str, tmp_path: Any) -> None:
    config = tmp_path / "sesl.toml"
    config.write_text('[env.dev]\naccount_id = "111111111111"\n')
    result = sesl(sandbox, "--config", str(config), "apply", "--env", "dev", "--yes")
    assert result.returncode == 1
    assert result.stderr.strip() == ("error: credentials are for account 123456789012 but env dev is pinned to "
                                     "111111111111: switch profile (--profile) or fix env.dev.account_id")
    assert client(sandbox, "s3").list_buckets()["Buckets"] == []


def test_errors_are_one_line_without_traceback(sandbox: str, tmp_path: Any) -> None:
    no_creds = sesl(sandbox, "diff", "--env", "dev", creds=False)
    assert no_creds.returncode == 1
    assert no_creds.stderr.startswith("error: no AWS credentials found")
    assert "Traceback" not in no_creds.stderr and len(no_creds.stderr.strip().splitlines()) == 1

    began = time.monotonic()
    unreachable = sesl("http://127.0.0.1:9", "apply", "--env", "dev", "--yes")  # botocore's own retry settings
    assert time.monotonic() - began < 10
    assert (unreachable.returncode, unreachable.stderr) == (
        1, "error: cannot reach AWS_ENDPOINT_URL=http://127.0.0.1:9: start the sandbox (`sesl sandbox`), or unset "
           "AWS_ENDPOINT_URL to use AWS\n")

    bad = tmp_path / "bad.toml"
    bad.write_text('[env.dev]\nregion = 5\n[env.dev.firehose]\nlog_retention_days = 15\n')
    invalid = sesl(None, "--config", str(bad), "validate", "--env", "dev")
    assert invalid.returncode == 1
    assert "env.dev.region: must be str" in invalid.stderr
    assert "env.dev.firehose.log_retention_days: must be one of" in invalid.stderr


def test_validate_is_offline(tmp_path: Any) -> None:
    result = sesl("http://127.0.0.1:9", "validate", "--env", "prod", creds=False)
    assert (result.returncode, result.stdout.strip()) == (
        0, "env prod: configuration is valid (config: built-in defaults)")


def test_the_newcomers_demo_runs_the_whole_story() -> None:
    result = sesl(None, "--no-color", "demo", "--days", "2", "--events-per-day", "60", creds=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "demo complete: all 20 steps went as expected" in result.stdout
    for step in ("a month of SES events arrives", "verify the event path", "advertiser report: subscriber-growth",
                 "compact a closed day", "drift exits 2 and notifies once", "destroy --delete-data removes it too"):
        assert step in result.stdout


def test_an_unknown_profile_is_one_line(tmp_path: Any) -> None:
    result = sesl(None, "--profile", "nope", "diff", "--env", "dev")
    assert result.returncode == 1
    assert result.stderr.strip() == ("error: AWS profile 'nope' (from --profile) is not configured: check "
                                     "~/.aws/config or pass another --profile")


def test_a_busy_sandbox_port_is_one_line_and_exit_1_at_once() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        began = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "sesl", "sandbox", "--port", str(port)], capture_output=True,
                                text=True, env=_base_env(), timeout=30)
    assert time.monotonic() - began < 10
    assert (result.returncode, result.stdout, result.stderr) == (
        1, "", f"error: port {port} on 127.0.0.1 is in use: pass another --port, or --port 0 to pick a free one\n")
