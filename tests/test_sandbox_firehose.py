"""The sandbox's Firehose delivers the way AWS does: buffered, Parquet with the Glue table's schema under the
evaluated prefix, a GZIP raw backup, and records that fail conversion under the error prefix in the
documented JSON shape; moto's own raw `YYYY/MM/DD/HH/` objects are no longer written."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import io
import json
import re
import time
from typing import Any

import pyarrow.parquet as pq
import pytest

from sesl import layout, openx_json
from sesl.context import AwsContext
from sesl.events import ses_event, to_record
from sesl.sandbox.gaps import firehose_delivery
from sesl.sandbox.gaps.firehose_delivery import evaluate_prefix, flush_all, java_format
from sesl.schema import BIGINT, STRING, Map, Struct, struct
from tests.conftest import ACCOUNT, boto
from tests.ladder import applied

EVENTS = "daily-system-design-email-events-dev"
STREAM = "email-events-newsletter-dev"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
TYPES = ("Send", "Delivery", "Open", "Click", "Bounce", "Complaint")


def _events(now: dt.datetime, count: int = len(TYPES)) -> list[dict[str, Any]]:
    return [ses_event(TYPES[i % len(TYPES)], message_id=f"m-{i}", sent=now, recipient=f"r{i}@example.com",
                      account=ACCOUNT, region="us-west-2", configuration_set="daily-system-design-newsletter-dev",
                      tags={"campaign": [f"c{i}"]}) for i in range(count)]


def _keys(prefix: str = "") -> list[str]:
    return sorted(o["Key"] for o in boto("s3").list_objects_v2(Bucket=EVENTS, Prefix=prefix).get("Contents", []))


def _body(key: str) -> bytes:
    return bytes(boto("s3").get_object(Bucket=EVENTS, Key=key)["Body"].read())


def _put(records: list[bytes], stream: str = STREAM) -> dict[str, Any]:
    answer: dict[str, Any] = boto("firehose").put_record_batch(DeliveryStreamName=stream,
                                                              Records=[{"Data": r} for r in records])
    return answer


def _expected(value: Any, in_map: bool = False) -> Any:
    """Independently of the sandbox: keys lowercased (not map keys), nulls and {} dropped."""
    if isinstance(value, dict):
        out = {(k if in_map else k.lower()): _expected(v, k.lower() in ("tags", "linktags") and not in_map)
               for k, v in value.items() if v is not None}
        return {k: v for k, v in out.items() if v != {}}
    if isinstance(value, list):
        return [_expected(v) for v in value]
    return value


def _actual(value: Any) -> Any:
    """A pyarrow row with map columns (lists of pairs) as dicts, nulls dropped."""
    if isinstance(value, dict):
        out = {k: _actual(v) for k, v in value.items() if v is not None}
        return {k: v for k, v in out.items() if v != {}}
    if isinstance(value, list) and value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
        return {k: _actual(v) for k, v in value}
    if isinstance(value, list):
        return [_actual(v) for v in value]
    return value


def test_a_batch_is_buffered_then_one_gzip_parquet_object_under_the_partition_path(ctx: AwsContext) -> None:
    applied(ctx)
    before = dt.datetime.now(dt.UTC)
    events = _events(before)
    answer = _put([to_record(e) for e in events])
    assert answer["FailedPutCount"] == 0 and len(answer["RequestResponses"]) == len(events)
    assert _keys() == []  # buffered: 64 MiB / 60 s not reached
    assert flush_all() == len(events)
    after = dt.datetime.now(dt.UTC)
    day = layout.data_key_prefix(ctx.names, "newsletter", before.date())
    assert day == f"newsletter/year={before:%Y}/month={before:%m}/day={before:%d}/"
    data = _keys("newsletter/")
    assert len(data) == 1
    name = re.fullmatch(re.escape(day) + rf"{STREAM}-1-(\d{{4}}-\d\d-\d\d-\d\d-\d\d-\d\d)-{UUID}\.parquet", data[0])
    assert name, data[0]
    stamp = dt.datetime.strptime(name.group(1), "%Y-%m-%d-%H-%M-%S").replace(tzinfo=dt.UTC)
    assert before.replace(microsecond=0) <= stamp <= after
    parquet = pq.ParquetFile(io.BytesIO(_body(data[0])))
    assert parquet.metadata.row_group(0).column(0).compression == "GZIP"
    rows = parquet.read().to_pylist()
    assert [_actual(r) for r in rows] == [_expected({k: v for k, v in e.items() if k != "send"}) for e in events]
    assert rows[1]["delivery"]["processingtimemillis"] == 1214
    assert dict(rows[0]["mail"]["tags"])["ses:configuration-set"] == ["daily-system-design-newsletter-dev"]
    # moto's own layout is gone: no YYYY/MM/DD/HH/ folders, no unevaluated expression
    assert not any("!{" in k or re.search(r"/\d{4}/\d\d/\d\d/\d\d/", k) for k in _keys())


def test_the_raw_backup_is_the_records_as_sent_gzipped_under_the_backup_prefix(ctx: AwsContext) -> None:
    applied(ctx)
    now = dt.datetime.now(dt.UTC)
    records = [to_record(e) for e in _events(now)]
    _put(records[:2])
    _put(records[2:])
    flush_all()
    backup = _keys(f"raw/{STREAM}/")
    prefix = f"raw/{STREAM}/year={now:%Y}/month={now:%m}/day={now:%d}/"
    assert len(backup) == 1 and re.fullmatch(re.escape(prefix) + rf"{STREAM}-1-[\d-]{{19}}-{UUID}\.gz", backup[0])
    assert gzip.decompress(_body(backup[0])) == b"".join(records)


def test_a_record_that_fails_conversion_goes_to_the_error_prefix_in_the_documented_shape(ctx: AwsContext) -> None:
    applied(ctx)
    now = dt.datetime.now(dt.UTC)
    good = [to_record(e) for e in _events(now, 2)]
    bad = [b"{not json\n", json.dumps({"eventType": "Send", "mail": ["not", "an", "object"]}).encode()]
    started = time.time()
    _put([good[0], bad[0], good[1], bad[1]])
    flush_all()
    errors = _keys("errors/")
    prefix = f"errors/newsletter/format-conversion-failed/year={now:%Y}/month={now:%m}/day={now:%d}/"
    assert len(errors) == 1 and re.fullmatch(re.escape(prefix) + rf"{STREAM}-1-[\d-]{{19}}-{UUID}", errors[0])
    documents = [json.loads(line) for line in _body(errors[0]).decode().splitlines()]
    assert [set(d) for d in documents] == [{
        "attemptsMade", "arrivalTimestamp", "lastErrorCode", "lastErrorMessage", "attemptEndingTimestamp",
        "rawData", "sequenceNumber", "subSequenceNumber", "dataCatalogTable"}] * 2
    assert [base64.b64decode(d["rawData"]) for d in documents] == bad
    first = documents[0]
    assert first["lastErrorCode"] == "DataFormatConversion.MalformedData"
    assert first["lastErrorMessage"].startswith("malformed JSON")
    assert documents[1]["lastErrorMessage"] == "$.mail: expected a JSON object for struct, got list"
    assert started * 1000 - 1 <= first["arrivalTimestamp"] <= first["attemptEndingTimestamp"] <= time.time() * 1000
    assert first["dataCatalogTable"] == {"catalogId": ACCOUNT, "databaseName": "email_events_db_dev",
                                         "tableName": "newsletter_events", "region": "us-west-2", "versionId": "1",
                                         "catalogArn": f"arn:aws:glue:us-west-2:{ACCOUNT}:catalog"}
    assert int(documents[1]["sequenceNumber"]) > int(first["sequenceNumber"])
    parquet = _keys("newsletter/")
    assert len(parquet) == 1 and pq.read_table(io.BytesIO(_body(parquet[0]))).num_rows == 2  # the good ones


def _small_stream(interval: int, size: int) -> None:
    """A converting stream with buffering hints small enough to reach in a test."""
    firehose = boto("firehose")
    described = firehose.describe_delivery_stream(DeliveryStreamName=STREAM)["DeliveryStreamDescription"]
    firehose.update_destination(DeliveryStreamName=STREAM, CurrentDeliveryStreamVersionId=described["VersionId"],
                                DestinationId=described["Destinations"][0]["DestinationId"],
                                ExtendedS3DestinationUpdate={"BufferingHints": {"SizeInMBs": size,
                                                                                "IntervalInSeconds": interval}})


def test_the_buffer_is_delivered_when_it_reaches_its_size(ctx: AwsContext) -> None:
    applied(ctx)
    _small_stream(interval=900, size=1)
    record = to_record(_events(dt.datetime.now(dt.UTC), 1)[0])
    per_mib = 1024 * 1024 // len(record)
    _put([record] * per_mib)  # just under 1 MiB
    assert _keys("newsletter/") == []
    _put([record] * 2)  # over it
    data = _keys("newsletter/")
    assert len(data) == 1 and f"{STREAM}-2-" in data[0]  # the stream's version after the update
    assert pq.read_table(io.BytesIO(_body(data[0]))).num_rows == per_mib + 2


def test_the_buffer_is_delivered_on_the_next_read_once_its_interval_has_passed(ctx: AwsContext,
                                                                                 monkeypatch: Any) -> None:
    applied(ctx)
    _small_stream(interval=60, size=64)
    _put([to_record(_events(dt.datetime.now(dt.UTC), 1)[0])])
    monkeypatch.setenv(firehose_delivery.TIME_SCALE_ENV, "1")
    assert _keys("newsletter/") == []  # 60 s have not passed
    monkeypatch.setenv(firehose_delivery.TIME_SCALE_ENV, "6000")  # 60 s pass in 10 ms
    time.sleep(0.02)
    assert len(_keys("newsletter/")) == 1  # the list itself delivered it


def test_a_stream_without_conversion_writes_raw_gzip_under_the_evaluated_prefix(aws: None) -> None:
    s3, firehose = boto("s3"), boto("firehose")
    s3.create_bucket(Bucket="plain", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    firehose.create_delivery_stream(DeliveryStreamName="plain", ExtendedS3DestinationConfiguration={
        "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/r", "BucketARN": "arn:aws:s3:::plain", "Prefix": "logs/",
        "CompressionFormat": "GZIP", "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60}})
    now = dt.datetime.now(dt.UTC)
    firehose.put_record(DeliveryStreamName="plain", Record={"Data": b"one\n"})
    firehose.put_record(DeliveryStreamName="plain", Record={"Data": b"two\n"})
    assert flush_all() == 2
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="plain")["Contents"]]
    # No timestamp expression: Firehose appends yyyy/MM/dd/HH/ (Firehose guide, s3-prefixes).
    assert len(keys) == 1 and re.fullmatch(rf"logs/{now:%Y/%m/%d/%H}/plain-1-[\d-]{{19}}-{UUID}\.gz", keys[0])
    assert gzip.decompress(s3.get_object(Bucket="plain", Key=keys[0])["Body"].read()) == b"one\ntwo\n"


def test_prefix_expressions_are_evaluated_like_firehose() -> None:
    when = dt.datetime(2026, 3, 7, 5, 9, 2, tzinfo=dt.UTC)
    assert java_format("yyyy/MM/dd/HH/", when) == "2026/03/07/05/"
    assert java_format("yyyy-MM-dd'T'HH:mm:ss", when) == "2026-03-07T05:09:02"
    assert java_format("M/d/H/yy", when) == "3/7/5/26"
    with pytest.raises(ValueError, match="not supported"):
        java_format("EEEE", when)
    assert evaluate_prefix("a/year=!{timestamp:yyyy}/m=!{timestamp:MM}/", when) == "a/year=2026/m=03/"
    assert (evaluate_prefix("e/!{firehose:error-output-type}/!{timestamp:dd}/", when, "format-conversion-failed")
            == "e/format-conversion-failed/07/")
    random = evaluate_prefix("r/!{firehose:random-string}/!{timestamp:yyyy}/", when)
    assert re.fullmatch(r"r/[a-z0-9]{11}/2026/", random)
    assert evaluate_prefix("", when) == "2026/03/07/05/"
    assert evaluate_prefix("x/", when) == "x/2026/03/07/05/"


def test_the_openx_deserializer_options_are_honoured() -> None:
    columns = [("eventtype", STRING), ("mail_id", STRING), ("detail", struct(count=BIGINT)),
               ("tags", Map(STRING, STRING)), ("a_b", STRING)]
    record = {"EventType": "Send", "Mail": {"ID": "m"}, "Detail": {"Count": "7", "Extra": 1}, "Tags": {"Key": "v"},
              "a.b": "dotted", "unknown": True}
    default = openx_json.to_row(record, columns)
    assert default == {"eventtype": "Send", "mail_id": None, "detail": {"count": 7}, "tags": [("Key", "v")],
                       "a_b": None}
    options = openx_json.OpenXOptions(dots_to_underscores=True, key_mappings={"mail_id": "Mail"})
    with pytest.raises(openx_json.ConversionError, match=r"\$\.mail_id: a JSON dict cannot be read as string"):
        openx_json.to_row(record, columns, options)
    assert openx_json.to_row({**record, "Mail": "m-1"}, columns, options)["mail_id"] == "m-1"
    assert openx_json.to_row(record, columns[:1] + columns[2:], options)["a_b"] == "dotted"
    sensitive = openx_json.OpenXOptions.from_serde({"CaseInsensitive": False})
    assert openx_json.to_row(record, columns, sensitive)["eventtype"] is None
    with pytest.raises(openx_json.ConversionError, match=r"\$\.detail\.count: 'x' is not an integer"):
        openx_json.to_row({"detail": {"count": "x"}}, columns)
    assert list(openx_json.documents(b'{"a":1}{"b":2}\n{"c":3}\n')) == [{"a": 1}, {"b": 2}, {"c": 3}]
    assert isinstance(columns[2][1], Struct)


def test_the_flush_route_of_the_sandbox_server_delivers_the_buffers() -> None:
    import urllib.request

    import boto3

    from sesl.sandbox import server

    with server.running(port=0) as endpoint:
        creds = {"aws_access_key_id": "sandbox", "aws_secret_access_key": "sandbox", "region_name": "us-west-2"}
        s3 = boto3.client("s3", endpoint_url=endpoint, **creds)
        firehose = boto3.client("firehose", endpoint_url=endpoint, **creds)
        s3.create_bucket(Bucket="routed", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
        firehose.create_delivery_stream(DeliveryStreamName="routed", ExtendedS3DestinationConfiguration={
            "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/r", "BucketARN": "arn:aws:s3:::routed", "Prefix": "p/"})
        firehose.put_record(DeliveryStreamName="routed", Record={"Data": b"x\n"})
        assert s3.list_objects_v2(Bucket="routed").get("KeyCount") == 0
        request = urllib.request.Request(endpoint + firehose_delivery.FLUSH_ROUTE, data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert json.loads(answer.read()) == {"delivered": 1}
        assert s3.list_objects_v2(Bucket="routed").get("KeyCount") == 1


def test_an_email_sent_through_the_configuration_set_reaches_the_stream_as_ses_events(ctx: AwsContext) -> None:
    applied(ctx)
    sesv2 = boto("sesv2")
    sesv2.create_email_identity(EmailIdentity="newsletter@dailysystemdesign.example")
    boto("ses").verify_email_identity(EmailAddress="newsletter@dailysystemdesign.example")
    sent = sesv2.send_email(FromEmailAddress="newsletter@dailysystemdesign.example",
                            Destination={"ToAddresses": ["success@simulator.amazonses.com",
                                                         "bounce@simulator.amazonses.com"]},
                            ConfigurationSetName="daily-system-design-newsletter-dev",
                            EmailTags=[{"Name": "campaign", "Value": "issue-7"}],
                            Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}})
    assert flush_all() == 3  # Send, a Delivery to success@, a Bounce from bounce@
    data = _keys("newsletter/")
    assert len(data) == 1
    rows = pq.read_table(io.BytesIO(_body(data[0]))).to_pylist()
    assert [r["eventtype"] for r in rows] == ["Send", "Delivery", "Bounce"]
    assert {r["mail"]["messageid"] for r in rows} == {sent["MessageId"]}
    assert rows[0]["mail"]["destination"] == ["success@simulator.amazonses.com", "bounce@simulator.amazonses.com"]
    assert rows[2]["bounce"]["bouncetype"] == "Permanent"
    tags = dict(rows[0]["mail"]["tags"])
    assert tags["campaign"] == ["issue-7"] and tags["ses:configuration-set"] == ["daily-system-design-newsletter-dev"]
    assert _keys("transactional/") == []  # the other set's stream got nothing


def test_a_custom_extension_and_time_zone_are_applied(aws: None) -> None:
    s3, firehose = boto("s3"), boto("firehose")
    s3.create_bucket(Bucket="zoned", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    firehose.create_delivery_stream(DeliveryStreamName="zoned", ExtendedS3DestinationConfiguration={
        "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/r", "BucketARN": "arn:aws:s3:::zoned",
        "Prefix": "d=!{timestamp:yyyy-MM-dd-HH}/", "ErrorOutputPrefix": "e/!{firehose:error-output-type}/",
        "FileExtension": ".json", "CustomTimeZone": "Asia/Tokyo"})
    now = dt.datetime.now(dt.UTC)
    firehose.put_record(DeliveryStreamName="zoned", Record={"Data": b"{}\n"})
    flush_all()
    key = s3.list_objects_v2(Bucket="zoned")["Contents"][0]["Key"]
    tokyo = now + dt.timedelta(hours=9)
    assert key.startswith(f"d={tokyo:%Y-%m-%d-%H}/zoned-1-{tokyo:%Y-%m-%d-%H}") and key.endswith(".json")
