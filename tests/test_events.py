"""Synthetic SES records match the managed schema; records go to Firehose in allowed batches."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botocore.stub import Stubber

from sesl.context import AwsContext
from sesl.errors import AwsCallError
from sesl.events import MAX_BATCH_RECORDS, batches, put_records, ses_event, to_record
from sesl.schema import COLUMNS, EVENT_TYPES, Array, HiveType, Map, Struct

SENT = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)


def _event(event_type: str) -> dict[str, Any]:
    return ses_event(event_type, message_id="m-1", sent=SENT, recipient="reader@example.com",
                     account="123456789012", region="us-west-2", configuration_set="cs")


def _unknown_paths(value: Any, t: HiveType, path: str) -> list[str]:
    """Paths in a JSON value (keys lowercased, as OpenX does) that the Hive type has no place for."""
    if value is None:
        return []
    if isinstance(t, Struct):
        fields = dict(t.fields)
        out = []
        for key, inner in value.items():
            if key.lower() not in fields:
                out.append(f"{path}.{key}")
            else:
                out += _unknown_paths(inner, fields[key.lower()], f"{path}.{key}")
        return out
    if isinstance(t, Array):
        return [p for item in value for p in _unknown_paths(item, t.item, f"{path}[]")]
    if isinstance(t, Map):
        return [p for item in value.values() for p in _unknown_paths(item, t.value, f"{path}{{}}")]
    return []


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_field_of_a_synthetic_event_has_a_column(event_type: str) -> None:
    event = _event(event_type)
    top = {name: t for name, t, _ in COLUMNS}
    unknown = [key for key in event if key.lower() not in top and key != "send"]
    for key, value in event.items():
        if key.lower() in top:
            unknown += _unknown_paths(value, top[key.lower()], key)
    assert unknown == []


def test_records_end_with_a_newline_like_ses_sends_them() -> None:
    assert to_record(_event("Open")).endswith(b"}\n")


def test_batches_respect_the_record_count_and_byte_limits() -> None:
    small = [b"x" * 10] * (MAX_BATCH_RECORDS * 2 + 1)
    assert [len(b) for b in batches(small)] == [500, 500, 1]
    big = [b"y" * (900 * 1024)] * 10  # 4 MiB per call: four of these fit, the fifth does not
    assert [len(b) for b in batches(big)] == [4, 4, 2]
    with pytest.raises(AwsCallError, match="exceeds"):
        list(batches([b"z" * (1000 * 1024 + 1)]))


def test_failed_records_are_retried_once_then_reported(ctx: AwsContext) -> None:
    firehose = ctx.client("firehose")
    ctx.allow_mutations()
    records = [b"a\n", b"b\n"]
    with Stubber(firehose) as stub:
        stub.add_response("put_record_batch", {"FailedPutCount": 1, "RequestResponses": [
            {"RecordId": "1"}, {"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "slow down"}]},
            {"DeliveryStreamName": "s", "Records": [{"Data": b"a\n"}, {"Data": b"b\n"}]})
        stub.add_response("put_record_batch", {"FailedPutCount": 0, "RequestResponses": [{"RecordId": "2"}]},
                          {"DeliveryStreamName": "s", "Records": [{"Data": b"b\n"}]})
        assert put_records(ctx, "s", records) == 2
    with Stubber(firehose) as stub:
        failed = {"FailedPutCount": 1, "RequestResponses": [{"ErrorCode": "InternalFailure", "ErrorMessage": "x"}]}
        stub.add_response("put_record_batch", failed)
        stub.add_response("put_record_batch", failed)
        with pytest.raises(AwsCallError, match="1 record"):
            put_records(ctx, "s", [b"a\n"])
