"""Each service's propagation messages are retried, and nothing else: above all never the caller's own
AccessDenied, which fails at once with the permission hint. Waits go through a fake sleep, so no test waits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest
from botocore.stub import Stubber

from sesl import reconcile, retry
from sesl.context import AwsContext
from sesl.errors import ApplyError
from sesl.naming import Names
from sesl.resources.base import Env
from sesl.resources.glue_crawler import GlueCrawlerKind
from sesl.retry import FIREHOSE, GLUE, SESV2, retry_eventual
from tests.conftest import ACCOUNT

FIREHOSE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/email-events-firehose-dev"
CRAWLER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/email-events-crawler-dev"
CALLER = f"arn:aws:iam::{ACCOUNT}:user/deployer"


def error(code: str, message: str, operation: str = "CreateDeliveryStream") -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, operation)


class Flaky:
    """Fails with `exc` `times` times, then answers "ok"; counts the calls."""

    def __init__(self, exc: Exception, times: int = 10**6) -> None:
        self.exc, self.left, self.calls = exc, times, 0

    def __call__(self) -> str:
        self.calls += 1
        if self.left > 0:
            self.left -= 1
            raise self.exc
        return "ok"


def run(fn: Callable[[], str], service: str, roles: tuple[str, ...] = (), sleeps: list[float] | None = None) -> str:
    waits = sleeps if sleeps is not None else []
    return retry_eventual(fn, "x.y", service, roles=roles, sleep=waits.append)


# One real message per entry of each classification (the wording from the entry's source).
RETRIED = [
    ("firehose", "InvalidArgumentException", "Access was denied when calling Glue. Please ensure that the role "
     "specified in the data format conversion configuration has the necessary permissions.", (FIREHOSE_ROLE,)),
    ("firehose", "InvalidArgumentException", f"Role {FIREHOSE_ROLE} is not authorized to perform: "
     "glue:GetTableVersions", (FIREHOSE_ROLE,)),
    ("firehose", "InvalidArgumentException", f"User: arn:aws:sts::{ACCOUNT}:assumed-role/email-events-firehose-dev/"
     "firehose is not authorized to perform: glue:GetTable", (FIREHOSE_ROLE,)),
    ("firehose", "InvalidArgumentException", "Please make sure the role specified in VpcConfiguration has "
     "permissions for ec2:DescribeSubnets", (FIREHOSE_ROLE,)),
    ("firehose", "InvalidArgumentException", "Verify that the IAM role has access to the Elasticsearch domain.",
     (FIREHOSE_ROLE,)),
    ("firehose", "InvalidArgumentException", f"Firehose is unable to assume role {FIREHOSE_ROLE}. Please check the "
     "role provided.", (FIREHOSE_ROLE,)),
    ("firehose", "InvalidArgumentException", "The security token included in the request is invalid. Ensure that "
     "the provided IAM role associated with firehose is not deleted.", (FIREHOSE_ROLE,)),
    ("sesv2", "BadRequestException", f"Could not assume IAM role {FIREHOSE_ROLE}.", ()),
    ("sesv2", "BadRequestException", "Could not access Kinesis Firehose Stream arn:aws:firehose:us-west-2:"
     f"{ACCOUNT}:deliverystream/email-events-newsletter-dev.", ()),
    ("glue", "InvalidInputException", "Insufficient Lake Formation permission(s) on email_events_raw_dev", ()),
    ("glue", "InvalidInputException", "Service is unable to assume provided role. Please verify role's TrustPolicy.",
     ()),
    ("glue", "InvalidInputException", "com.amazonaws.services.glue.model.AccessDeniedException: You need to enable "
     f"AWS Security Token Service for this region. Service is unable to assume the role {CRAWLER_ROLE} to access "
     "null. Please verify the role's TrustPolicy.", ()),
    ("glue", "InvalidInputException", f"Unable to retrieve connection c: User: arn:aws:sts::{ACCOUNT}:assumed-role/"
     "email-events-crawler-dev/AWS-Crawler is not authorized to perform: glue:GetConnection on resource: *",
     (CRAWLER_ROLE,)),
    ("glue", "InvalidInputException", f"SQS queue arn:aws:sqs:us-west-2:{ACCOUNT}:q does not exist or the role "
     "provided does not have access to it.", ()),
]


@pytest.mark.parametrize(("service", "code", "message", "roles"), RETRIED)
def test_each_propagation_message_is_retried_until_it_passes(service: str, code: str, message: str,
                                                             roles: tuple[str, ...]) -> None:
    call, sleeps = Flaky(error(code, message), times=2), []  # type: ignore[var-annotated]
    assert run(call, service, roles, sleeps) == "ok"
    assert call.calls == 3
    assert sleeps == [2.0, 4.0]


def test_every_entry_has_a_tested_message_and_a_source() -> None:
    for classification in (FIREHOSE, SESV2, GLUE):
        for entry in classification.transient:
            assert entry.source.strip()
            assert any(s == classification.service and c == entry.code and entry.message.lower() in m.lower()
                       for s, c, m, _ in RETRIED), entry


NOT_RETRIED = [
    # The caller's own permission, whatever the service: it will not come by waiting.
    ("firehose", "AccessDeniedException", f"User: {CALLER} is not authorized to perform: iam:PassRole on resource: "
     f"{FIREHOSE_ROLE}"),
    ("sesv2", "AccessDeniedException", f"User: {CALLER} is not authorized to perform: "
     "ses:CreateConfigurationSetEventDestination"),
    ("glue", "AccessDeniedException", f"User: {CALLER} is not authorized to perform: glue:CreateCrawler"),
    ("glue", "AccessDeniedException", "Insufficient Lake Formation permission(s): Required Create Table"),
    ("firehose", "AccessDenied", "Access was denied"),
    # The caller's credentials, not a role's: UnrecognizedClientException, not InvalidArgumentException.
    ("firehose", "UnrecognizedClientException", "The security token included in the request is invalid."),
    # A propagation phrase inside the service's code but naming someone else than the call's roles.
    ("firehose", "InvalidArgumentException", f"User: {CALLER} is not authorized to perform: glue:GetTable"),
    ("glue", "InvalidInputException", f"User: arn:aws:sts::{ACCOUNT}:assumed-role/other-role/s is not authorized to "
     "perform: glue:GetConnection"),
    # A right message under another code, and other services' messages.
    ("firehose", "BadRequestException", "Firehose is unable to assume role x"),
    ("firehose", "BadRequestException", "Could not assume IAM role x"),
    ("sesv2", "InvalidArgumentException", "Firehose is unable to assume role x"),
    # Plain invalid input.
    ("firehose", "InvalidArgumentException", "BufferingHints.SizeInMBs must be at least 64"),
    ("sesv2", "BadRequestException", "Invalid event type(s): open"),
]


@pytest.mark.parametrize(("service", "code", "message"), NOT_RETRIED)
def test_other_errors_fail_at_once(service: str, code: str, message: str) -> None:
    call, sleeps = Flaky(error(code, message)), []  # type: ignore[var-annotated]
    with pytest.raises(botocore.exceptions.ClientError, match=code):
        run(call, service, (FIREHOSE_ROLE, CRAWLER_ROLE), sleeps)
    assert call.calls == 1
    assert sleeps == []


def test_a_role_message_without_the_role_given_is_not_retried() -> None:
    message = (f"User: arn:aws:sts::{ACCOUNT}:assumed-role/email-events-crawler-dev/AWS-Crawler is not authorized "
               "to perform: glue:GetConnection")
    assert retry.transient_for(error("InvalidInputException", message), GLUE, roles=()) is None
    assert retry.transient_for(error("InvalidInputException", message), GLUE, roles=(CRAWLER_ROLE,)) is not None
    assert retry.transient_for(error("InvalidInputException", message), GLUE,
                               roles=("email-events-crawler-dev",)) is not None  # a name works as well as an ARN


def test_the_wait_is_bounded_and_backs_off() -> None:
    call, sleeps = Flaky(error("BadRequestException", "Could not assume IAM role r.")), []  # type: ignore[var-annotated]
    with pytest.raises(botocore.exceptions.ClientError, match="Could not assume"):
        run(call, "sesv2", (), sleeps)
    assert sleeps == [2.0, 4.0, 8.0, 16.0, 20.0, 20.0, 20.0, 20.0, 20.0]  # stops once the waits reach 120 s
    assert call.calls == 10
    short: list[float] = []
    with pytest.raises(botocore.exceptions.ClientError):
        retry_eventual(Flaky(error("BadRequestException", "Could not assume IAM role r.")), "x", "sesv2",
                       timeout=5, sleep=short.append)
    assert short == [2.0, 4.0]


def test_the_wait_is_reported_with_the_message_and_its_source(monkeypatch: Any) -> None:
    from sesl import ui

    notes: list[str] = []

    class Notes(ui.Reporter):
        def info(self, message: str) -> None:
            notes.append(message)

    monkeypatch.setattr(ui, "_current", [Notes()])
    run(Flaky(error("InvalidInputException", "Insufficient Lake Formation permission(s) on db"), times=1), "glue")
    assert notes == ["x.y: waiting for IAM to propagate (attempt 1): An error occurred (InvalidInputException) when "
                     "calling the CreateDeliveryStream operation: Insufficient Lake Formation permission(s) on db "
                     f"[{retry.TF_GLUE}]"]


def test_the_callers_access_denied_fails_the_apply_at_once_with_the_hint(ctx: AwsContext, monkeypatch: Any) -> None:
    from moto.core.exceptions import JsonRESTError
    from moto.firehose.models import FirehoseBackend

    calls = {"n": 0}

    def denied(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        raise JsonRESTError("AccessDeniedException", f"User: {CALLER} is not authorized to perform: iam:PassRole "
                                                     f"on resource: {FIREHOSE_ROLE}")

    reconcile.execute(ctx, reconcile.plan(ctx, reconcile.PlanOptions(
        targets=("s3_bucket", "iam_role", "glue_database", "glue_table", "log_group"))))
    monkeypatch.setattr(FirehoseBackend, "create_delivery_stream", denied)
    with pytest.raises(ApplyError) as info:
        reconcile.execute(ctx, reconcile.plan(ctx, reconcile.PlanOptions(targets=("firehose_stream",))))
    # Once per stream, never retried: the two streams are independent, so the second is tried as well.
    assert calls["n"] == 2
    assert "CreateDeliveryStream failed: AccessDeniedException: User: " in str(info.value)
    assert "grant the caller this permission (see docs/iam.md)" in str(info.value)


def test_the_crawler_call_site_retries_glues_messages_for_its_role(ctx: AwsContext, monkeypatch: Any) -> None:
    kind = GlueCrawlerKind()
    want = kind.desired(Env(ctx.spec, Names("dev", "us-west-2", ACCOUNT)))[0]
    glue = ctx.client("glue")
    ctx.allow_mutations()
    message = (f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{want.config['Role'].split('/')[-1]}/AWS-Crawler is not "
               "authorized to perform: s3:ListBucket")
    original = retry.retry_eventual

    def fast(*args: Any, **kwargs: Any) -> Any:
        return original(*args, **{**kwargs, "sleep": lambda _: None})

    import sesl.resources.glue_crawler as module

    monkeypatch.setattr(module, "retry_eventual", fast)
    with Stubber(glue) as stub:
        stub.add_client_error("create_crawler", "InvalidInputException", message)
        stub.add_client_error("create_crawler", "InvalidInputException",
                              "Service is unable to assume provided role. Please verify role's TrustPolicy.")
        stub.add_response("create_crawler", {}, None)
        kind.create(ctx, want)
        stub.assert_no_pending_responses()
    with Stubber(glue) as stub:
        stub.add_client_error("create_crawler", "AccessDeniedException",
                              f"User: {CALLER} is not authorized to perform: glue:CreateCrawler")
        with pytest.raises(botocore.exceptions.ClientError, match="AccessDeniedException"):
            kind.create(ctx, want)
        stub.assert_no_pending_responses()


def test_default_classification_is_every_services() -> None:
    assert retry.ALL.transient == FIREHOSE.transient + SESV2.transient + GLUE.transient
    assert retry.BY_SERVICE == {"firehose": FIREHOSE, "sesv2": SESV2, "glue": GLUE}
