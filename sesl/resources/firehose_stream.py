"""Kinesis Data Firehose streams: SES JSON in, Parquet (GZIP) out, partitioned by arrival day.

One DirectPut stream per flow with an extended S3 destination: OpenX JSON -> Parquet conversion
from the flow's Glue table (VersionId LATEST, so added columns are picked up), 60 s / 64 MiB
buffering (64 MiB is the minimum with conversion), `<flow>/year=/month=/day=/` prefixes from
sesl.layout, failed records under errors/, CloudWatch logging, and a raw JSON (GZIP) backup under
raw/<stream>/ so fields the schema does not have yet are never lost. Sources: aws-reference.md §1.

A stream whose creation (or deletion) failed stays in CREATING_FAILED (DELETING_FAILED) for good and
delivers nothing: the plan replaces it, and apply does so without --allow-replace (there is nothing in
flight to lose). A stream still CREATING or DELETING is waited for before it is compared.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Any

import botocore.exceptions

from sesl import firehose_rules, layout
from sesl.aws_errors import error_code
from sesl.context import AwsContext
from sesl.diff import diff_tags, diff_values, is_owned, ownership_tags, tag_list, tags_to_dict
from sesl.errors import AwsCallError
from sesl.fold import fold_attribute
from sesl.model import Action, Change, FieldChange
from sesl.naming import BACKUP_LOG_STREAM, DELIVERY_LOG_STREAM, Names
from sesl.resources.base import Aspect, Env, Kind, Request, read_or_none, send
from sesl.retry import retry_eventual
from sesl.ui import reporter

Config = dict[str, Any]
# DeliveryStreamStatus (botocore firehose): CREATING, CREATING_FAILED, DELETING, DELETING_FAILED, ACTIVE.
# "If the status of a Firehose stream is CREATING_FAILED, this status doesn't change" (API reference,
# DescribeDeliveryStream); a DELETING_FAILED stream is deleted again with AllowForceDelete=true (same page).
FAILED_STATUSES = ("CREATING_FAILED", "DELETING_FAILED")
SETTLING_STATUSES = ("CREATING", "DELETING")
# The aspect of a replace that `sesl.reconcile.execute` applies without --allow-replace: the resource is in
# a failed state and delivers nothing, so replacing it drops nothing.
FAILED_ASPECT = "failed"
ACTIVE_TIMEOUT_SECONDS = 900.0  # usually a minute or two; Terraform allows 30 (aws-reference.md §1.5)
POLL_SECONDS = 5.0

# Each aspect is the part of the destination it owns (keys of ExtendedS3DestinationConfiguration).
DESTINATION_ASPECTS: dict[str, tuple[str, ...]] = {
    "destination": ("RoleARN", "BucketARN"),
    "buffering": ("BufferingHints",),
    "prefixes": ("Prefix", "ErrorOutputPrefix"),
    "conversion": ("CompressionFormat", "DataFormatConversionConfiguration"),
    "logging": ("CloudWatchLoggingOptions",),
    "backup": ("S3BackupMode", "S3BackupConfiguration"),
}


@dataclass(frozen=True)
class StreamSpec:
    name: str
    flow: str
    stream_type: str
    destination: Config
    tags: dict[str, str]


@dataclass(frozen=True)
class StreamState:
    name: str
    owned: bool
    status: str
    failure: str  # FailureDescription "Type: Details" when the status is *_FAILED, else ""
    stream_type: str
    version_id: str
    destination_id: str
    destination: Config  # in the shape of the create request, for comparison with StreamSpec.destination
    tags: dict[str, str]


def _logging(names: Names, flow: str, stream: str) -> Config:
    return {"Enabled": True, "LogGroupName": names.log_group(flow), "LogStreamName": stream}


def destination_config(env: Env, flow: str) -> Config:
    n, fh = env.names, env.spec.firehose
    role = n.role_arn(n.firehose_role)
    config: Config = {
        "RoleARN": role,
        "BucketARN": n.bucket_arn(n.events_bucket),
        "Prefix": layout.firehose_prefix(n, flow),
        "ErrorOutputPrefix": layout.firehose_error_prefix(n, flow),
        "BufferingHints": {"SizeInMBs": fh.buffer_size_mib, "IntervalInSeconds": fh.buffer_interval_seconds},
        # Must be UNCOMPRESSED with conversion: GZIP goes inside the Parquet serializer.
        "CompressionFormat": "UNCOMPRESSED",
        "CloudWatchLoggingOptions": _logging(n, flow, DELIVERY_LOG_STREAM),
        "DataFormatConversionConfiguration": {
            "Enabled": True,
            "SchemaConfiguration": {"RoleARN": role, "CatalogId": n.account, "DatabaseName": n.database,
                                    "TableName": n.table(flow), "Region": n.region, "VersionId": "LATEST"},
            "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {"CaseInsensitive": True}}},
            "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {"Compression": fh.parquet_compression}}},
        },
        "S3BackupMode": "Enabled" if fh.backup_enabled else "Disabled",
    }
    if fh.backup_enabled:
        config["S3BackupConfiguration"] = {
            "RoleARN": role, "BucketARN": n.bucket_arn(n.events_bucket),
            "Prefix": layout.backup_prefix(n, flow),
            "ErrorOutputPrefix": n.error_prefix(flow) + "raw/" + layout.ERROR_OUTPUT_TYPE + "/"
            + layout.firehose_partitions(),
            "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": fh.buffer_interval_seconds},
            "CompressionFormat": "GZIP",
            "CloudWatchLoggingOptions": _logging(n, flow, BACKUP_LOG_STREAM),
        }
    return config


def _with_serde_defaults(description: Config) -> Config:
    """The SerDe members AWS leaves out because they hold their default, filled back in (firehose_rules)."""
    conversion = description.get("DataFormatConversionConfiguration")
    if not conversion:
        return description
    conversion = copy.deepcopy(conversion)
    deserializer = conversion.get("InputFormatConfiguration", {}).get("Deserializer", {})
    if "OpenXJsonSerDe" in deserializer:
        deserializer["OpenXJsonSerDe"] = {**firehose_rules.OPENX_DEFAULTS, **(deserializer["OpenXJsonSerDe"] or {})}
    serializer = conversion.get("OutputFormatConfiguration", {}).get("Serializer", {})
    if "ParquetSerDe" in serializer:
        serializer["ParquetSerDe"] = {**firehose_rules.PARQUET_DEFAULTS, **(serializer["ParquetSerDe"] or {})}
    return {**description, "DataFormatConversionConfiguration": conversion}


def _as_config(description: Config) -> Config:
    """ExtendedS3DestinationDescription in the shape of the create request (backup renamed, SerDe defaults back).

    AWS also fills in members sesl does not set (EncryptionConfiguration, ProcessingConfiguration,
    CloudWatchLoggingOptions {Enabled: false} on a destination without logging, ...): the diff compares only
    the keys sesl sets, so they never show as changes (sesl.sandbox.shapes.firehose).
    """
    description = _with_serde_defaults(description)
    config = {k: v for k, v in description.items() if k != "S3BackupDescription"}
    if "S3BackupDescription" in description:
        config["S3BackupConfiguration"] = description["S3BackupDescription"]
    return config


def _failure(description: Config) -> str:
    failure = description.get("FailureDescription") or {}
    return f"{failure.get('Type', '')}: {failure.get('Details', '')}" if failure else ""


def _roles(want: StreamSpec) -> tuple[str, ...]:
    """The roles a create/update hands to Firehose, whose permissions may still be propagating."""
    d = want.destination
    found = [d.get("RoleARN"), d.get("DataFormatConversionConfiguration", {}).get("SchemaConfiguration", {}).get(
        "RoleARN"), d.get("S3BackupConfiguration", {}).get("RoleARN")]
    return tuple(sorted({r for r in found if r}))


def _update_request(config: Config) -> Config:
    update = copy.deepcopy(config)
    if "S3BackupConfiguration" in update:
        update["S3BackupUpdate"] = update.pop("S3BackupConfiguration")
    return update


def _create_request(want: StreamSpec) -> Request:
    return Request("firehose", "CreateDeliveryStream", {
        "DeliveryStreamName": want.name, "DeliveryStreamType": want.stream_type,
        "ExtendedS3DestinationConfiguration": copy.deepcopy(want.destination), "Tags": tag_list(want.tags)})


class FirehoseStreamKind(Kind[StreamSpec, StreamState]):
    kind = "firehose_stream"
    needs = ("s3_bucket", "iam_role", "glue_table", "log_group")

    def desired(self, env: Env) -> list[StreamSpec]:
        tags = ownership_tags(env.spec.env, env.spec.tags)
        return [StreamSpec(env.names.stream(flow), flow, "DirectPut", destination_config(env, flow), tags)
                for flow in env.spec.flows]

    def validate(self, env: Env, want: StreamSpec) -> list[str]:
        return firehose_rules.stream_problems(want.destination)

    def warnings(self, env: Env, want: StreamSpec) -> list[str]:
        note = firehose_rules.appended_timestamp_warning(want.destination["Prefix"])
        return [note] if note else []

    # --- read ---------------------------------------------------------------------------
    def read(self, ctx: AwsContext, want: StreamSpec) -> StreamState | None:
        firehose = ctx.client("firehose")
        description = _settled(ctx, want.name)
        if description is None:
            return None
        tags = tags_to_dict(firehose.list_tags_for_delivery_stream(DeliveryStreamName=want.name).get("Tags", []))
        destination = (description.get("Destinations") or [{}])[0]
        return StreamState(
            name=want.name, owned=is_owned(tags, ctx.spec.env), status=description["DeliveryStreamStatus"],
            failure=_failure(description), stream_type=description.get("DeliveryStreamType", "DirectPut"),
            version_id=str(description.get("VersionId", "")), destination_id=destination.get("DestinationId", ""),
            destination=_as_config(destination.get("ExtendedS3DestinationDescription", {})), tags=tags)

    # --- diff ---------------------------------------------------------------------------
    def create_fields(self, want: StreamSpec) -> tuple[FieldChange, ...]:
        d = want.destination
        conversion = d["DataFormatConversionConfiguration"]
        return (FieldChange("DeliveryStreamType", None, want.stream_type),
                FieldChange("Prefix", None, d["Prefix"]),
                FieldChange("ErrorOutputPrefix", None, d["ErrorOutputPrefix"]),
                FieldChange("BufferingHints", None, d["BufferingHints"]),
                FieldChange("conversion", None, "JSON (OpenX) -> Parquet "
                            + conversion["OutputFormatConfiguration"]["Serializer"]["ParquetSerDe"]["Compression"]
                            + f" from {conversion['SchemaConfiguration']['TableName']}"),
                FieldChange("S3BackupMode", None, d["S3BackupMode"]))

    def diff(self, have: StreamState, want: StreamSpec) -> list[Change]:
        if have.status in FAILED_STATUSES:
            return [Change(self.kind, want.name, Action.REPLACE, FAILED_ASPECT,
                           (FieldChange("DeliveryStreamStatus", have.status, "ACTIVE"),),
                           reason=f"the stream is {have.status} ({have.failure or 'no FailureDescription'}) and "
                                  "delivers nothing: it is deleted and created again", want=want, have=have)]
        replace = self._replace_reasons(have, want)
        if replace:
            return [Change(self.kind, want.name, Action.REPLACE, "resource", tuple(replace),
                           reason="cannot change in place: the stream is deleted and created again, dropping "
                                  "records in flight", want=want, have=have)]
        changes: list[Change] = []
        for aspect, keys in DESTINATION_ASPECTS.items():
            fields = [f for key in keys if key in want.destination
                      for f in diff_values(have.destination.get(key), want.destination[key], key)]
            changes += self.change(want, have, aspect, fields)
        return changes + self.change(want, have, "tags", diff_tags(have.tags, want.tags))

    @staticmethod
    def _replace_reasons(have: StreamState, want: StreamSpec) -> list[FieldChange]:
        reasons = []
        if have.stream_type != want.stream_type:
            reasons.append(FieldChange("DeliveryStreamType", have.stream_type, want.stream_type))
        # "If backup is enabled, you can't update the Firehose stream to disable it" (botocore S3BackupMode).
        if have.destination.get("S3BackupMode") == "Enabled" and want.destination["S3BackupMode"] == "Disabled":
            reasons.append(FieldChange("S3BackupMode", "Enabled", "Disabled"))
        if not have.destination:  # another destination type (OpenSearch, HTTP, ...): no in-place switch
            reasons.append(FieldChange("destination", "not extended S3", "ExtendedS3"))
        return reasons

    # --- apply --------------------------------------------------------------------------
    def requests(self, want: StreamSpec) -> list[Request]:
        # UpdateDestination's version and destination ids are only known at apply time: placeholders of
        # their documented shapes (botocore DeliveryStreamVersionId, DestinationId) stand in for them.
        return [_create_request(want),
                Request("firehose", "UpdateDestination", {
                    "DeliveryStreamName": want.name, "CurrentDeliveryStreamVersionId": "1",
                    "DestinationId": "destinationId-000000000001",
                    "ExtendedS3DestinationUpdate": _update_request(want.destination)}, stage="update")]

    def create(self, ctx: AwsContext, want: StreamSpec) -> None:
        firehose = ctx.client("firehose")
        retry_eventual(lambda: send(firehose, _create_request(want)),
                       f"{self.kind}.{want.name}", "firehose", roles=_roles(want))
        wait_until_active(ctx, want.name)

    def update_whole(self, ctx: AwsContext, want: StreamSpec, have: StreamState) -> None:
        """UpdateDestination with the whole destination: AWS merges, moto replaces; whole is right for both."""
        firehose = ctx.client("firehose")

        def update() -> None:
            current = self.read(ctx, want)  # the version id just before the call
            if current is None:
                raise AwsCallError(f"{self.kind}.{want.name} disappeared while being updated; run apply again")
            firehose.update_destination(DeliveryStreamName=want.name,
                                        CurrentDeliveryStreamVersionId=current.version_id,
                                        DestinationId=current.destination_id,
                                        ExtendedS3DestinationUpdate=_update_request(want.destination))

        try:
            retry_eventual(update, f"{self.kind}.{want.name}", "firehose", roles=_roles(want))
        except botocore.exceptions.ClientError as exc:
            if error_code(exc) != "ConcurrentModificationException":
                raise
            # someone updated it meanwhile: re-read, once
            retry_eventual(update, f"{self.kind}.{want.name}", "firehose", roles=_roles(want))

    def update_tags(self, ctx: AwsContext, want: StreamSpec, have: StreamState) -> None:
        ctx.client("firehose").tag_delivery_stream(DeliveryStreamName=want.name, Tags=tag_list(want.tags))

    def delete(self, ctx: AwsContext, have: StreamState) -> None:
        # A DELETING_FAILED stream is deleted again with AllowForceDelete (API reference, DescribeDeliveryStream).
        force = {"AllowForceDelete": True} if have.status == "DELETING_FAILED" else {}
        ctx.client("firehose").delete_delivery_stream(DeliveryStreamName=have.name, **force)
        wait_until_gone(ctx, have.name)

    def replace(self, ctx: AwsContext, want: StreamSpec, have: StreamState) -> None:
        self.delete(ctx, have)
        self.create(ctx, want)

    # UpdateDestination writes the whole destination: one call per apply, however many aspects changed.
    ASPECTS = (
        *(Aspect[StreamSpec, StreamState](aspect, fold=fold_attribute("destination"))
          for aspect in DESTINATION_ASPECTS),
        Aspect("tags", ("firehose:TagDeliveryStream",), update_tags, fold=fold_attribute("tags", "tags.")),
    )
    WHOLE = ("firehose:UpdateDestination",)
    CREATE = ("firehose:CreateDeliveryStream",)
    DELETE = ("firehose:DeleteDeliveryStream",)


def _describe(ctx: AwsContext, name: str) -> Config | None:
    return read_or_none(lambda: dict(ctx.client("firehose").describe_delivery_stream(
        DeliveryStreamName=name)["DeliveryStreamDescription"]), "ResourceNotFoundException")


def _settled(ctx: AwsContext, name: str, timeout: float = ACTIVE_TIMEOUT_SECONDS) -> Config | None:
    """The stream's description once it is not CREATING or DELETING any more (None when gone).

    A stream mid-creation cannot be updated and one mid-deletion is about to be gone, so neither is compared
    as it stands: planning waits (read-only calls) until it is ACTIVE, failed or gone.
    """
    description = _describe(ctx, name)
    if description is None or description["DeliveryStreamStatus"] not in SETTLING_STATUSES:
        return description
    deadline = time.monotonic() + timeout
    with reporter().progress(f"waiting for {name} ({description['DeliveryStreamStatus']}) to settle", timeout) \
            as advance:
        while description is not None and description["DeliveryStreamStatus"] in SETTLING_STATUSES:
            if time.monotonic() > deadline:
                raise AwsCallError(f"firehose_stream.{name} still {description['DeliveryStreamStatus']} after "
                                   f"{timeout:.0f} s; run the command again later")
            time.sleep(POLL_SECONDS)
            advance(POLL_SECONDS)
            description = _describe(ctx, name)
    return description


def _status(ctx: AwsContext, name: str) -> tuple[str, str]:
    description = _describe(ctx, name)
    if description is None:
        return "GONE", ""
    return description["DeliveryStreamStatus"], _failure(description)


def _wait(ctx: AwsContext, name: str, done: str, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with reporter().progress(f"{what} {name}", timeout) as advance:
        while True:
            status, failure = _status(ctx, name)
            if status == done:
                return
            if status.endswith("_FAILED"):
                raise AwsCallError(f"firehose_stream.{name} is {status} ({failure}); fix the cause and run apply "
                                   "again: a failed stream is planned as a replacement")
            if time.monotonic() > deadline:
                raise AwsCallError(f"firehose_stream.{name} still {status} after {timeout:.0f} s; run apply again "
                                   "later to finish")
            time.sleep(POLL_SECONDS)
            advance(POLL_SECONDS)


def wait_until_active(ctx: AwsContext, name: str, timeout: float = ACTIVE_TIMEOUT_SECONDS) -> None:
    # Botocore has no Firehose waiter; CREATING usually lasts a minute or two (aws-reference.md §1.5).
    _wait(ctx, name, "ACTIVE", "waiting for", timeout)


def wait_until_gone(ctx: AwsContext, name: str, timeout: float = ACTIVE_TIMEOUT_SECONDS) -> None:
    # A deleted stream "may remain in the DELETING state for several minutes" (botocore DeleteDeliveryStream).
    _wait(ctx, name, "GONE", "waiting for the deletion of", timeout)
