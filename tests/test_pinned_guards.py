"""The guards the end-to-end tests also cover, as fast unit tests (no subprocess, no moto): the read-only guard
of AwsContext, the account check of allow_mutations(), and diff's exit codes.

tests/test_cli_contract.py already covers in-process, on moto: the wrong-account line from every command,
each command's published exit codes and 130 on Ctrl-C. What it lacks is kept here: the guard and the
account check on a stubbed session, and diff's 0 / 2 / 1 with the plan stubbed, so no partial run loses them.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from click.testing import CliRunner, Result

from sesl import reconcile
from sesl.cli.main import cli
from sesl.context import AwsContext, is_read
from sesl.errors import AccountMismatchError, SeslError
from sesl.model import Action, Change, Plan
from sesl.spec import default_spec

CALLER = "123456789012"


class _Body(io.BytesIO):
    def stream(self, **_: Any) -> Iterator[bytes]:
        while chunk := self.read(8192):
            yield chunk


# What the fake wire answers, per operation: (status, headers, body).
ANSWERS: dict[str, tuple[int, dict[str, str], bytes]] = {
    "sts.GetCallerIdentity": (200, {}, (
        '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
        f"<Arn>arn:aws:iam::{CALLER}:user/u</Arn><UserId>u</UserId><Account>{CALLER}</Account>"
        "</GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
        "</GetCallerIdentityResponse>").encode()),
    "s3.ListBuckets": (200, {}, b"<ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>"),
    "s3.CreateBucket": (200, {"Location": "/b"}, b""),
}


class StubbedSession:
    """A boto3 session whose requests never leave the process: each is answered from ANSWERS at botocore's
    before-send, after every before-call handler (AwsContext's guard among them) has run."""

    def __init__(self) -> None:
        self._real = boto3.session.Session(aws_access_key_id="k", aws_secret_access_key="s", region_name="us-west-2")
        self.sent: list[str] = []

    def client(self, service: str, **kwargs: Any) -> Any:
        made = self._real.client(service, **kwargs)
        made.meta.events.register("before-send", self._answer)
        return made

    def _answer(self, request: Any, event_name: str, **_: Any) -> AWSResponse:
        operation = event_name.split(".", 1)[1]  # before-send.<service>.<Operation>
        self.sent.append(operation)
        status, headers, body = ANSWERS[operation]
        return AWSResponse(request.url, status, headers, _Body(body))


def _ctx(account_id: str | None) -> tuple[AwsContext, StubbedSession]:
    session = StubbedSession()
    return AwsContext(replace(default_spec("dev"), account_id=account_id), session=session), session


@pytest.mark.parametrize(("operation", "read"), [
    ("GetObject", True), ("ListBuckets", True), ("DescribeDeliveryStream", True), ("HeadBucket", True),
    ("BatchGetNamedQuery", True), ("LookupEvents", True), ("SearchTables", True), ("GetCallerIdentity", True),
    ("PutObject", False), ("CreateBucket", False), ("DeleteBucket", False), ("UpdateTable", False),
    ("BatchDeleteTable", False), ("TagResource", False), ("StartCrawler", False), ("AssumeRole", False),
])
def test_which_operations_only_read(operation: str, read: bool) -> None:
    assert is_read(operation) is read


def test_a_mutating_call_is_refused_before_allow_mutations_and_reads_go_through() -> None:
    ctx, session = _ctx(None)
    s3 = ctx.client("s3")
    assert s3.list_buckets()["Buckets"] == []
    with pytest.raises(SeslError) as caught:
        s3.create_bucket(Bucket="b")
    assert str(caught.value) == ("internal guard: CreateBucket attempted before the account was verified or during "
                                 "a read-only command")
    assert ctx.log.calls == {"s3:ListBuckets": 1, "s3:CreateBucket": 1}
    assert ctx.log.mutating == ["s3:CreateBucket"]
    assert not ctx.mutations_allowed
    assert session.sent == ["s3.ListBuckets"]  # the refused call never left the process
    ctx.allow_mutations()
    assert s3.create_bucket(Bucket="b")["Location"] == "/b"
    assert session.sent == ["s3.ListBuckets", "s3.CreateBucket"]


def test_allow_mutations_refuses_another_account_and_stays_read_only() -> None:
    ctx, session = _ctx("111111111111")
    with pytest.raises(AccountMismatchError) as caught:
        ctx.allow_mutations()
    assert str(caught.value) == ("credentials are for account 123456789012 but env dev is pinned to 111111111111: "
                                 "switch profile (--profile) or fix env.dev.account_id")
    assert caught.value.exit_code == 1
    assert not ctx.mutations_allowed
    with pytest.raises(SeslError, match=r"^internal guard: CreateBucket"):
        ctx.client("s3").create_bucket(Bucket="b")
    assert session.sent == ["sts.GetCallerIdentity"]


def test_allow_mutations_with_the_pinned_account() -> None:
    ctx, session = _ctx(CALLER)
    ctx.allow_mutations()
    assert ctx.mutations_allowed
    assert ctx.account == CALLER
    assert session.sent == ["sts.GetCallerIdentity"]  # asked once, then remembered
    assert ctx.log.calls == {"sts:GetCallerIdentity": 1}


def test_allow_mutations_without_a_pinned_account_asks_nothing() -> None:
    ctx, session = _ctx(None)
    ctx.allow_mutations()
    assert ctx.mutations_allowed
    assert (ctx.log.calls, session.sent) == ({}, [])


# -- diff's exit codes, with the plan stubbed --------------------------------------------------------------------

@pytest.fixture
def stubbed_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """No AWS at all: the preflight knows the caller's account, the plan is what a test sets."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SESL_CONFIG", raising=False)
    planned: list[str] = []

    def preflight(self: AwsContext) -> None:
        self._account = CALLER

    monkeypatch.setattr(AwsContext, "preflight", preflight)
    return planned


def _plan_with(monkeypatch: pytest.MonkeyPatch, planned: list[str], *changes: Change) -> None:
    def plan(ctx: AwsContext, options: Any) -> Plan:
        planned.append(ctx.spec.env)
        return Plan("dev", CALLER, "us-west-2", changes=changes)

    monkeypatch.setattr(reconcile, "plan", plan)


def _diff(*config: str) -> Result:
    return CliRunner().invoke(cli, ["--no-color", *config, "diff", "--env", "dev"])


def test_diff_with_changes_exits_2(stubbed_aws: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _plan_with(monkeypatch, stubbed_aws, Change("sns_topic", "t", Action.CREATE))
    result = _diff("--no-config")
    assert (result.exit_code, stubbed_aws) == (2, ["dev"]), result.output


def test_diff_without_changes_exits_0_and_keeps_count_as_no_change(stubbed_aws: list[str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _plan_with(monkeypatch, stubbed_aws)
    assert _diff("--no-config").exit_code == 0
    _plan_with(monkeypatch, stubbed_aws, Change("s3_bucket", "b", Action.KEEP))
    assert _diff("--no-config").exit_code == 0


def test_diff_on_another_account_exits_1_in_one_line_before_planning(stubbed_aws: list[str], tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _plan_with(monkeypatch, stubbed_aws, Change("sns_topic", "t", Action.CREATE))
    config = tmp_path / "sesl.toml"
    config.write_text('[env.dev]\naccount_id = "111111111111"\n')
    result = _diff("--config", str(config))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: credentials are for account 123456789012 but env dev is pinned to 111111111111: switch profile "
        "(--profile) or fix env.dev.account_id"]
    assert stubbed_aws == []


@pytest.mark.parametrize(("raised", "line"), [
    (SeslError("what went wrong: what to do"), "error: what went wrong: what to do"),
    (RuntimeError("boom"), "error: unexpected RuntimeError: boom (run with --debug for the traceback)"),
])
def test_an_error_while_planning_exits_1_in_one_line(stubbed_aws: list[str], monkeypatch: pytest.MonkeyPatch,
                                                    raised: Exception, line: str) -> None:
    def plan(ctx: AwsContext, options: Any) -> Plan:
        raise raised

    monkeypatch.setattr(reconcile, "plan", plan)
    result = _diff("--no-config")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [line]
    assert "Traceback" not in result.output
