"""Where the shapings meet moto: a wrapper around moto's response serialisation.

moto's response classes answer either through `call_action` (most services) or through `serialized`
(services whose handlers return model objects, and S3, which dispatches on its own). Both are wrapped;
a flag on the response object keeps one answer from being reshaped twice.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import botocore.parsers

from sesl.model_check import service_model
from sesl.sandbox.shapes import SHAPINGS, enabled, shape

_PARSED_PROTOCOLS = ("json", "rest-json", "query", "ec2", "rest-xml", "smithy-rpc-v2-cbor")
_DONE = "_sesl_shaped"
_installed: list[bool] = []


def _operation(responder: Any) -> tuple[str, str] | None:
    try:
        return responder.boto3_service_name, responder._get_action()
    except Exception:
        return None


def _parse(responder: Any, service: str, operation: str, headers: Any, body: Any) -> dict[str, Any] | None:
    model = service_model(service)
    protocol = responder.determine_response_protocol(model)
    if protocol not in _PARSED_PROTOCOLS:
        return None
    raw = body.encode() if isinstance(body, str) else (body or b"")
    parser = botocore.parsers.create_parser(protocol)
    wire = {"status_code": 200, "headers": {str(k).lower(): str(v) for k, v in dict(headers).items()},
            "body": raw}
    parsed = dict(parser.parse(wire, model.operation_model(operation).output_shape))
    parsed.pop("ResponseMetadata", None)
    return _decoded(parsed) if service == "iam" else parsed


def _decoded(value: Any) -> Any:
    """IAM returns policy documents URL-encoded (IAM API reference, GetRole: "URL-encoded compliant with
    RFC 3986"); moto's serializer encodes them again, so they are handed to it decoded."""
    if isinstance(value, dict):
        return {k: _decoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    if isinstance(value, str) and value[:3].upper() == "%7B":
        return unquote(value)
    return value


def _request(responder: Any) -> dict[str, Any]:
    try:
        params = responder._get_params() if hasattr(responder, "_get_params") else {}
        return dict(params) if isinstance(params, dict) else {}
    except Exception:
        return {}


def reshape(responder: Any, answer: Any) -> Any:
    """moto's (status, headers, body) for one request, reshaped as AWS would answer it."""
    named = _operation(responder)
    if not enabled() or named is None or named not in SHAPINGS or getattr(responder, _DONE, False):
        return answer
    status, headers, body = answer
    if int(status) != 200:
        return answer
    parsed = _parse(responder, *named, headers, body)
    if parsed is None:
        return answer
    from moto.core.responses import ActionResult

    setattr(responder, _DONE, True)
    shaped = shape(*named, parsed, _request(responder))
    return _ORIGINAL_SERIALIZED[0](responder, ActionResult(shaped))


_ORIGINAL_SERIALIZED: list[Any] = []


def install() -> bool:
    """Wrap moto's answers; True the first time (it is idempotent)."""
    if _installed:
        return False
    from moto.core.responses import BaseResponse

    original_call_action = BaseResponse.call_action
    original_serialized = BaseResponse.serialized
    _ORIGINAL_SERIALIZED.append(original_serialized)

    def call_action(self: Any) -> Any:
        return reshape(self, original_call_action(self))

    def serialized(self: Any, action_result: Any) -> Any:
        return reshape(self, original_serialized(self, action_result))

    BaseResponse.call_action = call_action  # type: ignore[method-assign]
    BaseResponse.serialized = serialized  # type: ignore[method-assign]
    _wrap_raw_s3_answers()
    _installed.append(True)
    return True


# S3 handlers that answer with a raw body instead of going through `serialized`.
_RAW_S3_HANDLERS = ("get_bucket_policy",)


def _wrap_raw_s3_answers() -> None:
    from moto.s3.responses import S3Response

    for name in _RAW_S3_HANDLERS:
        original = getattr(S3Response, name)

        def handler(self: Any, _original: Any = original) -> Any:
            return reshape(self, _original(self))

        setattr(S3Response, name, handler)
