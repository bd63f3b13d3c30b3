"""Firehose delivery to an ExtendedS3 destination the way AWS delivers, instead of moto's raw write.

moto 5.2.5 writes every PutRecord(Batch) at once, raw, under `<Prefix>YYYY/MM/DD/HH/` with the prefix's
expressions left unevaluated (see /work/shared/moto-notes.md). Here, for ExtendedS3 destinations:

- Records are buffered per stream and delivered when the buffer reaches BufferingHints.SizeInMBs or
  is older than IntervalInSeconds (Firehose API reference, BufferingHints). The age is checked on the
  next put, on the next S3 ListObjects(V2) and when an Athena query starts; `SESL_SANDBOX_TIME_SCALE`
  (e.g. 60: a 60 s interval passes in 1 s) compresses time, and `flush_all()` (or
  `POST /_sesl/firehose/flush` on the sandbox server) delivers every buffer now.
- The object key is `<evaluated prefix><stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><extension>`
  (Firehose guide, s3-object-name: the suffix format and the default extensions `.parquet` for Parquet
  conversion and `.gz` for GZIP). `!{timestamp:...}` is a Java DateTimeFormatter pattern evaluated in
  UTC at the approximate arrival time of the oldest record in the object; `!{firehose:random-string}`
  is 11 random characters; `!{firehose:error-output-type}` is `format-conversion-failed` for records
  that fail conversion; a Prefix without a timestamp expression gets `yyyy/MM/dd/HH/` appended
  (Firehose guide, s3-prefixes). The name's time is the same instant (the guide does not say which).
  A FileExtension replaces the default extension and a CustomTimeZone replaces UTC (s3-object-name).
- With DataFormatConversionConfiguration enabled, records are read with the OpenX JSON SerDe options
  (sesl.openx_json) against the columns of the Glue table and version SchemaConfiguration names, read
  from moto's Glue backend, and written as one Parquet object with the ParquetSerDe's Compression
  (default SNAPPY: Firehose API reference, ParquetSerDe).
- A record that fails conversion goes under ErrorOutputPrefix as one JSON document per record in the
  shape the Firehose guide documents (record-format-conversion-error-handling).
- S3BackupMode Enabled: the source records, concatenated as sent, compressed with the backup's
  CompressionFormat, under the S3BackupDescription's Prefix (same expressions), delivered with the
  destination's buffer (the sandbox does not buffer the backup separately).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import gzip
import io
import json
import os
import re
import secrets
import string
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sesl import hive_types, openx_json
from sesl.schema import HiveType

TIME_SCALE_ENV = "SESL_SANDBOX_TIME_SCALE"
FLUSH_ROUTE = "/_sesl/firehose/flush"
MIB = 1024 * 1024
# Firehose API reference, BufferingHints: defaults 5 MiB and 300 s.
DEFAULT_SIZE_MIB, DEFAULT_INTERVAL_SECONDS = 5, 300
CONVERSION_FAILED = "format-conversion-failed"  # Firehose guide, s3-prefixes: error-output-type values
# Not in the AWS documentation; the code another Firehose emulator's tests pin for a record that does
# not match the schema (reported as an unknown shape).
MALFORMED = "DataFormatConversion.MalformedData"
RANDOM_LENGTH = 11  # Firehose guide, s3-prefixes: "an 11 character random string"
EXTENSIONS = {"GZIP": ".gz", "ZIP": ".zip", "Snappy": ".snappy", "HADOOP_SNAPPY": ".hsnappy"}

_LOCK = threading.RLock()
_BACKENDS: weakref.WeakSet[Any] = weakref.WeakSet()
_JAVA = re.compile(r"'([^']*)'|([A-Za-z])\2*|.")
_JAVA_FIELDS: dict[str, Callable[[dt.datetime], str]] = {
    "yyyy": lambda t: f"{t.year:04d}", "uuuu": lambda t: f"{t.year:04d}", "yy": lambda t: f"{t.year % 100:02d}",
    "MM": lambda t: f"{t.month:02d}", "M": lambda t: str(t.month), "dd": lambda t: f"{t.day:02d}",
    "d": lambda t: str(t.day), "HH": lambda t: f"{t.hour:02d}", "H": lambda t: str(t.hour),
    "mm": lambda t: f"{t.minute:02d}", "m": lambda t: str(t.minute), "ss": lambda t: f"{t.second:02d}",
    "s": lambda t: str(t.second),
}


@dataclass
class Pending:
    data: bytes
    arrival: float  # epoch seconds (the approximate arrival timestamp)
    sequence: str


@dataclass
class Buffer:
    records: list[Pending] = field(default_factory=list)
    size: int = 0
    started: float = 0.0  # time.monotonic() of the first record


def time_scale() -> float:
    try:
        return max(float(os.environ.get(TIME_SCALE_ENV, "1")), 1e-9)
    except ValueError:
        return 1.0


# --- prefix expressions ---------------------------------------------------------------------------
def java_format(pattern: str, when: dt.datetime) -> str:
    """A Java DateTimeFormatter pattern (the letters Firehose prefixes use) evaluated for `when`."""
    out = []
    for match in _JAVA.finditer(pattern):
        quoted, text = match.group(1), match.group(0)
        if quoted is not None:
            out.append(quoted if quoted else "'")
        elif match.group(2):
            if text not in _JAVA_FIELDS:
                raise ValueError(f"pattern letters {text!r} are not supported by the sandbox")
            out.append(_JAVA_FIELDS[text](when))
        else:
            out.append(text)
    return "".join(out)


def evaluate_prefix(prefix: str, when: dt.datetime, error_type: str | None = None) -> str:
    """A Prefix / ErrorOutputPrefix with its `!{namespace:value}` expressions evaluated."""
    def value(match: re.Match[str]) -> str:
        namespace, _, body = match.group(1).partition(":")
        if namespace == "timestamp":
            return java_format(body, when)
        if body == "random-string":
            return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(RANDOM_LENGTH))
        if body == "error-output-type" and error_type:
            return error_type
        return match.group(0)
    evaluated = re.sub(r"!\{([^}]*)\}", value, prefix)
    if "!{timestamp:" not in prefix:
        evaluated += java_format("yyyy/MM/dd/HH/", when)
    return evaluated


def object_name(stream: str, version: str, when: dt.datetime, extension: str) -> str:
    return f"{stream}-{version}-{when:%Y-%m-%d-%H-%M-%S}-{uuid.uuid4()}{extension}"


# --- the stream's buffers ---------------------------------------------------------------------------
def _buffers(backend: Any) -> dict[str, Buffer]:
    _BACKENDS.add(backend)
    buffers: dict[str, Buffer] = backend.__dict__.setdefault("_sesl_buffers", {})
    return buffers


def _destination(stream: Any) -> dict[str, Any] | None:
    for destination in stream.destinations:
        if "ExtendedS3" in destination:
            found: dict[str, Any] = destination["ExtendedS3"]
            return found
    return None


def _limits(destination: dict[str, Any]) -> tuple[int, float]:
    hints = destination.get("BufferingHints") or {}
    return (int(hints.get("SizeInMBs", DEFAULT_SIZE_MIB)) * MIB,
            float(hints.get("IntervalInSeconds", DEFAULT_INTERVAL_SECONDS)))


def _due(backend: Any, name: str, buffer: Buffer, now: float) -> bool:
    stream = backend.delivery_streams.get(name)
    destination = _destination(stream) if stream is not None else None
    if destination is None:
        return True  # the stream is gone or changed type: deliver what it held (or drop it below)
    _, interval = _limits(destination)
    return bool(buffer.records) and (now - buffer.started) * time_scale() >= interval


def flush_due(now: float | None = None) -> int:
    """Deliver every buffer older than its stream's interval; returns the number of records delivered."""
    now = time.monotonic() if now is None else now
    delivered = 0
    with _LOCK:
        for backend in list(_BACKENDS):
            for name, buffer in list(_buffers(backend).items()):
                if _due(backend, name, buffer, now):
                    delivered += _deliver(backend, name)
    return delivered


def flush_all() -> int:
    """Deliver every buffered record now (the sandbox's flush hook); returns how many."""
    delivered = 0
    with _LOCK:
        for backend in list(_BACKENDS):
            for name in list(_buffers(backend)):
                delivered += _deliver(backend, name)
    return delivered


def put_record_batch(original: Callable[..., Any]) -> Callable[..., Any]:
    def put(self: Any, delivery_stream_name: str, records: list[dict[str, bytes]]) -> dict[str, Any]:
        stream = self.delivery_streams.get(delivery_stream_name)
        destination = _destination(stream) if stream is not None else None
        if destination is None:
            return dict(original(self, delivery_stream_name, records))
        with _LOCK:
            flush_due()
            buffer = _buffers(self).setdefault(delivery_stream_name, Buffer())
            if not buffer.records:
                buffer.started = time.monotonic()
            responses = []
            for record in records:
                data = bytes(record["Data"])
                buffer.records.append(Pending(data, time.time(), _sequence(self)))
                buffer.size += len(data)
                responses.append({"RecordId": uuid.uuid4().hex + uuid.uuid4().hex})
            size_limit, _ = _limits(destination)
            if buffer.size >= size_limit:
                _deliver(self, delivery_stream_name)
        return {"FailedPutCount": 0, "Encrypted": False, "RequestResponses": responses}
    return put


def _sequence(backend: Any) -> str:
    count: int = backend.__dict__.get("_sesl_sequence", 0) + 1
    backend.__dict__["_sesl_sequence"] = count
    return f"{count:056d}"


# --- delivery -------------------------------------------------------------------------------------
def _deliver(backend: Any, name: str) -> int:
    buffer = _buffers(backend).pop(name, None)
    stream = backend.delivery_streams.get(name)
    destination = _destination(stream) if stream is not None else None
    if buffer is None or not buffer.records or destination is None:
        return 0
    when = _local(dt.datetime.fromtimestamp(buffer.records[0].arrival, dt.UTC), destination)
    conversion = destination.get("DataFormatConversionConfiguration") or {}
    if conversion.get("Enabled", True) and conversion:
        _write_converted(backend, stream, destination, conversion, buffer.records, when)
    else:
        _write_raw(backend, stream, destination, buffer.records, when)
    backup = destination.get("S3BackupDescription")
    if destination.get("S3BackupMode") == "Enabled" and backup:
        _write_raw(backend, stream, backup, buffer.records, when)
    return len(buffer.records)


def _local(when: dt.datetime, destination: dict[str, Any]) -> dt.datetime:
    """`when` in the destination's CustomTimeZone (UTC when none: Firehose guide, s3-object-name)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return when.astimezone(ZoneInfo(destination.get("CustomTimeZone") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return when


def _put(backend: Any, bucket_arn: str, key: str, body: bytes) -> None:
    from moto.s3.models import s3_backends

    s3 = s3_backends[backend.account_id][backend.partition]
    s3.put_object(bucket_arn.split(":")[-1], key, body)


def _compress(body: bytes, compression: str | None) -> tuple[bytes, str]:
    if compression == "GZIP":
        return gzip.compress(body), EXTENSIONS["GZIP"]
    return body, ""  # UNCOMPRESSED (ZIP and the Snappy formats are stored uncompressed by the sandbox)


def _write_raw(backend: Any, stream: Any, destination: dict[str, Any], records: list[Pending],
               when: dt.datetime) -> None:
    body, extension = _compress(b"".join(r.data for r in records), destination.get("CompressionFormat"))
    extension = destination.get("FileExtension") or extension  # a custom extension replaces the default
    key = evaluate_prefix(destination.get("Prefix", ""), when) + object_name(
        stream.delivery_stream_name, stream.version_id, when, extension)
    _put(backend, destination["BucketARN"], key, body)


@dataclass(frozen=True)
class Catalog:
    catalog_id: str
    database: str
    table: str
    region: str
    version: str
    columns: tuple[tuple[str, HiveType], ...]


def table_schema(backend: Any, schema: dict[str, Any]) -> Catalog:
    """The columns of the Glue table (and version) a SchemaConfiguration names, from moto's Glue backend."""
    from moto.glue.models import glue_backends

    region = schema.get("Region") or backend.region_name
    catalog_id = schema.get("CatalogId") or backend.account_id
    glue = glue_backends[catalog_id][region]
    table = glue.get_table(schema["DatabaseName"], schema["TableName"])
    version = schema.get("VersionId") or "LATEST"
    described = table.as_dict(None if version == "LATEST" else version)
    columns = tuple((c["Name"].lower(), hive_types.parse(c["Type"]))
                    for c in described.get("StorageDescriptor", {}).get("Columns", []))
    return Catalog(catalog_id, schema["DatabaseName"], schema["TableName"], region, described["VersionId"], columns)


def _write_converted(backend: Any, stream: Any, destination: dict[str, Any], conversion: dict[str, Any],
                     records: list[Pending], when: dt.datetime) -> None:
    catalog = table_schema(backend, conversion.get("SchemaConfiguration", {}))
    deserializer = conversion.get("InputFormatConfiguration", {}).get("Deserializer", {})
    options = openx_json.OpenXOptions.from_serde(deserializer.get("OpenXJsonSerDe") or {})
    rows: list[dict[str, Any]] = []
    failed: list[tuple[Pending, str]] = []
    for record in records:
        try:
            rows += [openx_json.to_row(doc, catalog.columns, options) for doc in openx_json.documents(record.data)]
        except openx_json.ConversionError as exc:
            failed.append((record, str(exc)))
    name = stream.delivery_stream_name
    if rows:
        serde = conversion.get("OutputFormatConfiguration", {}).get("Serializer", {}).get("ParquetSerDe") or {}
        body = parquet_bytes(rows, catalog.columns, serde.get("Compression", "SNAPPY"))
        key = evaluate_prefix(destination.get("Prefix", ""), when) + object_name(
            name, stream.version_id, when, destination.get("FileExtension") or ".parquet")
        _put(backend, destination["BucketARN"], key, body)
    if failed:
        error_when = _local(dt.datetime.fromtimestamp(failed[0][0].arrival, dt.UTC), destination)
        body = b"".join(json.dumps(error_document(r, why, catalog, backend)).encode() + b"\n" for r, why in failed)
        prefix = destination.get("ErrorOutputPrefix") or ""
        key = evaluate_prefix(prefix, error_when, CONVERSION_FAILED) + object_name(
            name, stream.version_id, error_when, "")
        _put(backend, destination["BucketARN"], key, body)


def arrow_type(t: HiveType) -> Any:
    import pyarrow as pa

    from sesl.schema import Array, Map, Prim

    if isinstance(t, Prim):
        prims = {"string": pa.string(), "boolean": pa.bool_(), "tinyint": pa.int8(), "smallint": pa.int16(),
                 "int": pa.int32(), "integer": pa.int32(), "bigint": pa.int64(), "float": pa.float32(),
                 "double": pa.float64()}
        if t.name not in prims:
            raise openx_json.ConversionError(f"column type {t.name} is not supported by the sandbox")
        return prims[t.name]
    if isinstance(t, Array):
        return pa.list_(arrow_type(t.item))
    if isinstance(t, Map):
        return pa.map_(arrow_type(t.key), arrow_type(t.value))
    return pa.struct([pa.field(name, arrow_type(ft)) for name, ft in t.fields])


def parquet_bytes(rows: list[dict[str, Any]], columns: tuple[tuple[str, HiveType], ...], compression: str) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([pa.field(name, arrow_type(t)) for name, t in columns])
    sink = io.BytesIO()
    codec = {"UNCOMPRESSED": "none", "GZIP": "gzip", "SNAPPY": "snappy"}.get(compression, "snappy")
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), sink, compression=codec)
    return sink.getvalue()


def error_document(record: Pending, why: str, catalog: Catalog, backend: Any) -> dict[str, Any]:
    """One failed record, in the shape the Firehose guide documents (record-format-conversion-error-handling:
    attemptsMade, arrivalTimestamp, lastErrorCode, lastErrorMessage, attemptEndingTimestamp, rawData,
    sequenceNumber, subSequenceNumber, dataCatalogTable). Timestamps are epoch milliseconds."""
    return {
        "attemptsMade": 1,
        "arrivalTimestamp": int(record.arrival * 1000),
        "lastErrorCode": MALFORMED,
        "lastErrorMessage": why,
        "attemptEndingTimestamp": int(time.time() * 1000),
        "rawData": base64.b64encode(record.data).decode(),
        "sequenceNumber": record.sequence,
        "subSequenceNumber": 0,
        "dataCatalogTable": {"catalogId": catalog.catalog_id, "databaseName": catalog.database,
                             "tableName": catalog.table, "region": catalog.region, "versionId": catalog.version,
                             "catalogArn": f"arn:{backend.partition}:glue:{catalog.region}:{catalog.catalog_id}"
                                           ":catalog"},
    }


# --- hooks ----------------------------------------------------------------------------------------
def _flushing_read(method: Callable[..., Any]) -> Callable[..., Any]:
    def read(self: Any, *args: Any, **kwargs: Any) -> Any:
        flush_due()
        return method(self, *args, **kwargs)
    return read


def flush_view() -> Any:
    """The sandbox server's flush route: delivers every buffer, answers how many records it delivered."""
    from werkzeug.wrappers import Response

    return Response(json.dumps({"delivered": flush_all()}), status=200, mimetype="application/json")


def _dispatching(call: Callable[..., Any]) -> Callable[..., Any]:
    """moto's WSGI dispatcher, answering `POST /_sesl/firehose/flush` itself (a sandbox-only route)."""
    def dispatch(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == FLUSH_ROUTE and environ.get("REQUEST_METHOD") == "POST":
            return flush_view()(environ, start_response)
        return call(self, environ, start_response)
    return dispatch


def install() -> None:
    from moto.firehose.models import FirehoseBackend
    from moto.s3.models import S3Backend

    if getattr(FirehoseBackend.put_record_batch, "__sesl__", False):
        return
    put = put_record_batch(FirehoseBackend.put_record_batch)
    put.__sesl__ = True  # type: ignore[attr-defined]
    FirehoseBackend.put_record_batch = put  # type: ignore[method-assign]
    S3Backend.list_objects = _flushing_read(S3Backend.list_objects)  # type: ignore[method-assign]
    S3Backend.list_objects_v2 = _flushing_read(S3Backend.list_objects_v2)  # type: ignore[method-assign]
    with contextlib.suppress(ImportError):  # the server's dispatcher exists only with moto[server]
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication

        DomainDispatcherApplication.__call__ = _dispatching(  # type: ignore[method-assign]
            DomainDispatcherApplication.__call__)
