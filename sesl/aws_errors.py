"""The same clear line for the failures every command can meet before it does anything:
no credentials, expired or invalid credentials, an endpoint that cannot be reached.

`explain` turns such an exception into the line; the CLI prints it whichever command met it.
"""

from __future__ import annotations

import os

import botocore.exceptions

NO_CREDENTIALS = ("no AWS credentials found: set AWS_PROFILE (or --profile), or "
                  "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"})
INVALID_CODES = frozenset({"InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch",
                           "InvalidAccessKeyId", "AuthFailure"})
EXPIRED = "the AWS credentials have expired: refresh them (e.g. `aws sso login`) and run the command again"
INVALID = ("the AWS credentials are not valid for this account or endpoint: check AWS_PROFILE (or --profile) "
           "and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")


def unreachable(endpoint: str | None) -> str:
    configured = os.environ.get("AWS_ENDPOINT_URL")
    if configured:
        return (f"cannot reach AWS_ENDPOINT_URL={configured}: start the sandbox (`sesl sandbox`), or unset "
                "AWS_ENDPOINT_URL to use AWS")
    return (f"cannot reach {endpoint or 'the AWS endpoint'}: check the network connection (or set "
            "AWS_ENDPOINT_URL to use the sandbox)")


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ClientError (e.g. "NoSuchBucket"); "" for anything else or when AWS sent none."""
    if not isinstance(exc, botocore.exceptions.ClientError):
        return ""
    return str(exc.response.get("Error", {}).get("Code") or "")


def error_message(exc: BaseException) -> str:
    """The AWS error message of a ClientError; "" for anything else or when AWS sent none."""
    if not isinstance(exc, botocore.exceptions.ClientError):
        return ""
    return str(exc.response.get("Error", {}).get("Message") or "")


def explain(exc: BaseException) -> str | None:
    """The one line for a credentials or connection failure; None for anything else."""
    if isinstance(exc, botocore.exceptions.NoCredentialsError | botocore.exceptions.PartialCredentialsError):
        return NO_CREDENTIALS
    if isinstance(exc, botocore.exceptions.TokenRetrievalError | botocore.exceptions.SSOTokenLoadError):
        return EXPIRED
    if isinstance(exc, botocore.exceptions.EndpointConnectionError | botocore.exceptions.ConnectTimeoutError):
        return unreachable(exc.kwargs.get("endpoint_url"))
    if isinstance(exc, botocore.exceptions.ClientError):
        code = error_code(exc)
        if code in EXPIRED_CODES:
            return EXPIRED
        if code in INVALID_CODES:
            return INVALID
    return None
