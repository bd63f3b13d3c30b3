"""Bounded retries for AWS eventual consistency (tenacity), with the reason shown to the user.

botocore's standard retry mode already handles throttling and 5xx; this covers documented
propagation errors such as a role created seconds ago that Firehose or SES cannot assume yet
(aws-reference.md §1.6, §2.2; terraform-provider-aws #3380, #33367).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import botocore.exceptions
import tenacity

from sesl.ui import reporter

T = TypeVar("T")

# Messages AWS returns while a new or changed IAM role has not propagated yet.
IAM_PROPAGATION = (
    "unable to assume role",
    "Could not assume IAM role",
    "security token included in the request is invalid",
    "is not authorized to perform",
    "Service is unable to assume provided role",
    "Verify that the IAM role has access",
)

DEFAULT_TIMEOUT_SECONDS = 120.0


def _matches(exc: BaseException, needles: Sequence[str]) -> bool:
    if not isinstance(exc, botocore.exceptions.ClientError):
        return False
    message = exc.response.get("Error", {}).get("Message", "")
    return any(n.lower() in message.lower() for n in needles)


def retry_eventual(fn: Callable[[], T], what: str, needles: Sequence[str] = IAM_PROPAGATION,
                   timeout: float = DEFAULT_TIMEOUT_SECONDS, initial_wait: float = 2.0) -> T:
    """Call fn, retrying with exponential backoff while AWS answers with one of `needles`."""

    def before_sleep(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        reporter().info(f"{what}: waiting for IAM to propagate (attempt {state.attempt_number}): {exc}")

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(lambda e: _matches(e, needles)),
        wait=tenacity.wait_exponential(multiplier=initial_wait, max=20),
        stop=tenacity.stop_after_delay(timeout),
        before_sleep=before_sleep,
        reraise=True,
    )
    return retrying(fn)
