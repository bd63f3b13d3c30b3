"""Engine behaviour: read-only planning, one-line AWS errors, mid-apply failure reports, retries."""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import pytest
from rich.console import Console

from sesl import reconcile
from sesl.context import AwsContext
from sesl.errors import ApplyError, AwsCallError, SeslError
from sesl.model import Action, Change, FieldChange, Plan
from sesl.render import render_plan, summary_line
from sesl.retry import retry_eventual
from tests.conftest import boto


def _client_error(code: str, message: str, operation: str = "CreateDeliveryStream") -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, operation)


def test_planning_cannot_make_a_mutating_call(ctx: AwsContext) -> None:
    with pytest.raises(SeslError, match="internal guard: CreateBucket"):
        ctx.client("s3").create_bucket(Bucket="x", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    assert boto("s3").list_buckets()["Buckets"] == []


def test_access_denied_names_the_resource_the_call_and_what_to_do() -> None:
    def denied() -> None:
        raise _client_error("AccessDenied", "User is not authorized to perform: s3:PutBucketPolicy", "PutBucketPolicy")

    with pytest.raises(AwsCallError) as info:
        reconcile.aws_call("s3_bucket.b (policy)", denied)
    assert str(info.value) == ("s3_bucket.b (policy): PutBucketPolicy failed: AccessDenied: User is not authorized "
                               "to perform: s3:PutBucketPolicy; grant the caller this permission (see docs/iam.md) "
                               "or use another profile")


def test_a_failure_mid_apply_lists_what_was_and_was_not_done(ctx: AwsContext, monkeypatch: Any) -> None:
    the_plan = reconcile.plan(ctx, reconcile.PlanOptions(targets=("s3_bucket", "iam_role")))
    from sesl.resources.iam_role import IamRoleKind

    calls = {"n": 0}
    original = IamRoleKind.create

    def flaky(self: IamRoleKind, c: AwsContext, want: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise _client_error("LimitExceeded", "Cannot exceed quota for RolesPerAccount", "CreateRole")
        original(self, c, want)

    monkeypatch.setattr(IamRoleKind, "create", flaky)
    with pytest.raises(ApplyError) as info:
        reconcile.execute(ctx, the_plan)
    message = str(info.value)
    assert "CreateRole failed: LimitExceeded" in message
    # The other role does not depend on the failed one: it is applied; nothing depends on either.
    assert "applied 4 of 5 change(s)" in message
    assert message.endswith("; failed: + iam_role.email-events-ses-to-firehose-dev (resource); fix the cause and run "
                            "the command again to finish")
    assert "+ iam_role.email-events-crawler-dev (resource)" in message.split("; failed:")[0]
    monkeypatch.setattr(IamRoleKind, "create", original)
    # The next apply finishes the job.
    reconcile.execute(ctx, reconcile.plan(ctx, reconcile.PlanOptions(targets=("s3_bucket", "iam_role"))))
    assert reconcile.plan(ctx, reconcile.PlanOptions(targets=("s3_bucket", "iam_role"))).changes == ()


def test_retry_eventual_retries_propagation_errors_then_succeeds(monkeypatch: Any) -> None:
    notes: list[str] = []
    from sesl import ui

    class Notes(ui.Reporter):
        def info(self, message: str) -> None:
            notes.append(message)

    monkeypatch.setattr(ui, "_current", [Notes()])
    attempts = {"n": 0}

    def create() -> str:
        attempts["n"] += 1
        if attempts["n"] < 3:
            raise _client_error("InvalidArgumentException", "Firehose is unable to assume role arn:aws:iam::1:role/r")
        return "ok"

    assert retry_eventual(create, "firehose_stream.s", initial_wait=0.01) == "ok"
    assert attempts["n"] == 3
    assert len(notes) == 2 and "waiting for IAM to propagate" in notes[0]


def test_retry_eventual_does_not_retry_other_errors_and_is_bounded() -> None:
    attempts = {"n": 0}

    def invalid() -> None:
        attempts["n"] += 1
        raise _client_error("InvalidArgumentException", "BufferingHints.SizeInMBs must be at least 64")

    with pytest.raises(botocore.exceptions.ClientError):
        retry_eventual(invalid, "x", initial_wait=0.01)
    assert attempts["n"] == 1

    def never_ready() -> None:
        attempts["n"] += 1
        raise _client_error("BadRequestException", "Could not assume IAM role arn:aws:iam::1:role/r.")

    attempts["n"] = 0
    with pytest.raises(botocore.exceptions.ClientError, match="Could not assume"):
        retry_eventual(never_ready, "x", timeout=0.2, initial_wait=0.01)
    assert attempts["n"] >= 2


def test_long_policy_values_render_as_a_line_diff() -> None:
    before = {"Statement": [{"Action": ["s3:GetObject"], "Effect": "Allow", "Resource": ["arn:aws:s3:::b/*"]}]}
    after = {"Statement": [{"Action": ["s3:GetObject", "s3:PutObject"], "Effect": "Allow",
                            "Resource": ["arn:aws:s3:::b/*"]}]}
    change = Change("iam_role", "r", Action.UPDATE, "inline_policies", (FieldChange("p", before, after),))
    console = Console(record=True, width=120, no_color=True)
    render_plan(console, Plan("dev", "1", "us-west-2", (change,)))
    text = console.export_text()
    assert '+        "s3:PutObject"' in text and '-        "s3:GetObject"' in text
    assert "~ iam_role.r (inline_policies)" in text
    assert text.strip().endswith("Plan: 0 to add, 1 to change, 0 to destroy.")


def test_summary_line_counts_each_action() -> None:
    changes = (Change("k", "a", Action.CREATE), Change("k", "b", Action.UPDATE), Change("k", "c", Action.REPLACE),
               Change("k", "d", Action.CONFLICT))
    assert summary_line(Plan("dev", "1", "r", changes)) == (
        "Plan: 1 to add, 1 to change, 0 to destroy, 1 to replace. 1 conflict(s): not sesl's (see --adopt).")
    assert summary_line(Plan("dev", "1", "r", ())) == "No changes. The live state matches the spec."


def test_sandbox_evaluates_bucket_policies_without_their_conditions(ctx: AwsContext) -> None:
    from tests.ladder import converge

    converge(ctx, ["s3_bucket"])
    s3 = boto("s3")
    # sesl's conditional denies would block every object call in moto without the gap fill.
    s3.put_object(Bucket="daily-system-design-email-events-dev", Key="k", Body=b"1")
    assert s3.get_object(Bucket="daily-system-design-email-events-dev", Key="k")["Body"].read() == b"1"
    s3.put_bucket_policy(Bucket="daily-system-design-email-events-dev", Policy='{"Version": "2012-10-17", '
                         '"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", '
                         '"Resource": "arn:aws:s3:::daily-system-design-email-events-dev/*"}]}')
    with pytest.raises(botocore.exceptions.ClientError):
        s3.get_object(Bucket="daily-system-design-email-events-dev", Key="k")


def test_read_back_reads_again_with_backoff_until_an_eventually_consistent_read_settles(monkeypatch: Any) -> None:
    stale = Change("iam_role", "r", Action.UPDATE, "inline_policies")
    answers = [[stale], [stale], []]
    monkeypatch.setattr(reconcile, "_still_to_do", lambda ctx, options, mode: answers.pop(0))
    slept: list[float] = []
    reconcile.read_back(None, reconcile.PlanOptions(), "apply", waits=(1.0, 2.0, 4.0), sleep=slept.append)  # type: ignore[arg-type]
    assert slept == [1.0, 2.0] and answers == []


def test_read_back_gives_up_after_its_bound_naming_what_still_differs(monkeypatch: Any) -> None:
    stale = Change("iam_role", "r", Action.UPDATE, "inline_policies")
    calls: list[int] = []

    def still(ctx: Any, options: Any, mode: str) -> list[Change]:
        calls.append(1)
        return [stale]

    monkeypatch.setattr(reconcile, "_still_to_do", still)
    slept: list[float] = []
    with pytest.raises(ApplyError, match=r"still differs: ~ iam_role.r \(inline_policies\)"):
        reconcile.read_back(None, reconcile.PlanOptions(), "apply", waits=(1.0, 2.0), sleep=slept.append)  # type: ignore[arg-type]
    assert slept == [1.0, 2.0] and len(calls) == 3
