"""error_code/error_message read what AWS sent in a ClientError, and give "" for anything else."""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import pytest

from sesl.aws_errors import error_code, error_message


def client_error(error: dict[str, Any]) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError({"Error": error} if error else {}, "HeadBucket")  # type: ignore[arg-type]


def test_code_and_message_of_a_client_error() -> None:
    exc = client_error({"Code": "NoSuchBucket", "Message": "The specified bucket does not exist"})
    assert error_code(exc) == "NoSuchBucket"
    assert error_message(exc) == "The specified bucket does not exist"


def test_a_status_code_as_error_code_is_kept_as_text() -> None:
    # HeadBucket has no body: botocore puts the HTTP status in Code.
    assert error_code(client_error({"Code": "404", "Message": "Not Found"})) == "404"


@pytest.mark.parametrize("error", [{}, {"Message": "no code"}, {"Code": None}])
def test_a_client_error_without_a_code_gives_empty_text(error: dict[str, Any]) -> None:
    assert error_code(client_error(error)) == ""


@pytest.mark.parametrize("exc", [ValueError("NoSuchBucket"), botocore.exceptions.NoCredentialsError(),
                                 KeyboardInterrupt()])
def test_anything_but_a_client_error_gives_empty_text(exc: BaseException) -> None:
    assert error_code(exc) == ""
    assert error_message(exc) == ""
