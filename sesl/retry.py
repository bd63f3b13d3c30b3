"""Bounded retries for AWS eventual consistency (tenacity), with the reason shown to the user.

botocore's standard retry mode already handles throttling and 5xx; this covers the errors a service
answers with while a role sesl created or changed seconds ago has not propagated to it yet. Each
service that sesl calls with one of its roles right after creating that role (Firehose, SESv2, Glue)
has its own classification: the exact error codes and message parts that service sends in that window,
each with its source. Anything else fails at once.

The caller's own missing permission is never retried: an `AccessDenied`/`AccessDeniedException` code
("User: arn:... is not authorized to perform: ...") is not going to go away by waiting, and it fails at
once with the permission hint of `sesl.reconcile.describe_client_error`. Some services report a *role's*
missing permission with the same words inside their own error code (Firehose InvalidArgumentException,
Glue InvalidInputException), which is propagation; when such a message names a principal, it is retried
only when that principal is one of the roles the call hands to AWS.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import botocore.exceptions
import tenacity

from sesl.aws_errors import error_code, error_message
from sesl.naming import PRINCIPAL_ARN_PATTERN
from sesl.ui import reporter

T = TypeVar("T")

DEFAULT_TIMEOUT_SECONDS = 120.0

# Error codes of the caller's own missing permission: never propagation of a role sesl made.
CALLER_DENIED_CODES = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation")

TF_FIREHOSE = "terraform-provider-aws internal/service/firehose/delivery_stream.go, retryDeliveryStreamOp"
TF_SESV2 = ("terraform-provider-aws internal/service/sesv2/configuration_set_event_destination.go, "
            "resourceConfigurationSetEventDestinationCreate/Update (tfresource.RetryWhen)")
TF_GLUE = "terraform-provider-aws internal/service/glue/crawler.go, resourceCrawlerCreate/Update (retry.RetryContext)"


@dataclass(frozen=True)
class Transient:
    """One answer a service gives while a new role is not usable yet: its error code and a message part."""

    code: str
    message: str
    source: str

    def matches(self, code: str, message: str) -> bool:
        return code == self.code and self.message.lower() in message.lower()


@dataclass(frozen=True)
class Classification:
    service: str
    transient: tuple[Transient, ...]

    def __add__(self, other: Classification) -> Classification:
        return Classification(f"{self.service}+{other.service}", self.transient + other.transient)


FIREHOSE = Classification("firehose", (
    # "Access was denied when calling Glue. Please ensure that the role specified in the data format
    # conversion configuration has the necessary permissions."
    Transient("InvalidArgumentException", "Access was denied", TF_FIREHOSE),
    # The delivery role's permission, e.g. "... is not authorized to perform: glue:GetTableVersions".
    Transient("InvalidArgumentException", "is not authorized to", TF_FIREHOSE),
    Transient("InvalidArgumentException", "Please make sure the role specified in VpcConfiguration has permissions",
              TF_FIREHOSE),
    Transient("InvalidArgumentException", "Verify that the IAM role has access", TF_FIREHOSE),
    # "Firehose is unable to assume role <arn>. Please check the role provided."
    Transient("InvalidArgumentException", "Firehose is unable to assume role", TF_FIREHOSE),
    # "The security token included in the request is invalid. Ensure that the provided IAM role associated
    # with firehose is not deleted." -- inside InvalidArgumentException; the same words under the code
    # UnrecognizedClientException are the caller's own bad credentials and are not retried.
    Transient("InvalidArgumentException", "security token included in the request is invalid",
              "terraform-provider-aws issue #47937 (CreateDeliveryStream right after the role); hashicorp/terraform "
              "PR #4407"),
))

SESV2 = Classification("sesv2", (
    # "Could not assume IAM role <arn>." (terraform-provider-aws issue #33367)
    Transient("BadRequestException", "Could not assume IAM role", TF_SESV2),
    # SES checks it can reach the stream with the role: "Could not access Kinesis Firehose Stream ...".
    Transient("BadRequestException", "Could not access Kinesis Firehose Stream", TF_SESV2),
))

GLUE = Classification("glue", (
    # "Insufficient Lake Formation permission(s) on xxx"
    Transient("InvalidInputException", "Insufficient Lake Formation permission", TF_GLUE),
    Transient("InvalidInputException", "Service is unable to assume provided role", TF_GLUE),
    # "...AccessDeniedException: You need to enable AWS Security Token Service for this region. . Please
    # verify the role's TrustPolicy." (also the wording "Service is unable to assume the role <arn> ...")
    Transient("InvalidInputException", "Please verify the role's TrustPolicy", TF_GLUE),
    # The crawler role's session: "User: arn:aws:sts::<acct>:assumed-role/<role>/AWS-Crawler is not
    # authorized to perform: glue:GetConnection ..." inside InvalidInputException.
    Transient("InvalidInputException", "is not authorized", TF_GLUE),
    # "SQS queue <arn> does not exist or the role provided does not have access to it."
    Transient("InvalidInputException", "does not exist or the role provided does not have access to it", TF_GLUE),
))

ALL = FIREHOSE + SESV2 + GLUE
BY_SERVICE: dict[str, Classification] = {c.service: c for c in (FIREHOSE, SESV2, GLUE)}

_PRINCIPAL = re.compile(rf"({PRINCIPAL_ARN_PATTERN})\s+is not authorized")


def _role_name(arn: str) -> str | None:
    """The role an ARN is or acts as (None for a user): role/path/NAME, assumed-role/NAME/session."""
    resource = arn.split(":", 5)[-1]
    kind, _, rest = resource.partition("/")
    if kind == "role":
        return rest.rsplit("/", 1)[-1]
    if kind == "assumed-role":
        return rest.split("/", 1)[0]
    return None


def named_principal(message: str) -> str | None:
    match = _PRINCIPAL.search(message)
    return match.group(1) if match else None


def transient_for(exc: BaseException, classification: Classification, roles: Sequence[str] = ()) -> Transient | None:
    """The entry of `classification` this error is, or None when it must not be retried."""
    if not isinstance(exc, botocore.exceptions.ClientError):
        return None
    code, message = error_code(exc), error_message(exc)
    if code in CALLER_DENIED_CODES:
        return None
    entry = next((t for t in classification.transient if t.matches(code, message)), None)
    if entry is None:
        return None
    principal = named_principal(message)
    if principal is not None and _role_name(principal) not in {_role_name(r) or r for r in roles}:
        return None  # someone else's permission (not a role this call hands to AWS): waiting will not help
    return entry


def retry_eventual(fn: Callable[[], T], what: str, service: Classification | str = ALL,
                   roles: Sequence[str] = (), timeout: float = DEFAULT_TIMEOUT_SECONDS, initial_wait: float = 2.0,
                   sleep: Callable[[float], None] = time.sleep) -> T:
    """Call fn, retrying with exponential backoff while AWS answers with one of the service's transient errors.

    `service`: a Classification, or the botocore name of a service in BY_SERVICE ("firehose", "sesv2", "glue").
    `roles`: the roles (ARNs or names) the call hands to AWS, whose own permissions may still be propagating.
    """
    classification = BY_SERVICE[service] if isinstance(service, str) else service

    def before_sleep(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        entry = transient_for(exc, classification, roles) if exc else None
        source = f" [{entry.source}]" if entry else ""
        reporter().info(f"{what}: waiting for IAM to propagate (attempt {state.attempt_number}): {exc}{source}")

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(lambda e: transient_for(e, classification, roles) is not None),
        wait=tenacity.wait_exponential(multiplier=initial_wait, max=20),
        # Stop once the waits add up to `timeout` (counted from the planned waits, so a fake `sleep` in tests
        # gives the same attempts as real time).
        stop=lambda state: state.idle_for >= timeout,
        before_sleep=before_sleep,
        sleep=sleep,
        reraise=True,
    )
    return retrying(fn)
