"""CloudWatch Logs groups (and their streams) that the Firehose streams log delivery errors to.

Firehose needs the log group and the log stream to exist before it can log: "create a log group and a
log stream in advance" (Firehose guide, monitoring-with-cloudwatch-logs). One group per stream,
`/aws/kinesisfirehose/<stream>` (the console's convention), with the delivery and backup streams.
"""

from __future__ import annotations

from dataclasses import dataclass

from sesl.context import AwsContext
from sesl.diff import diff_tags, diff_values, is_owned, ownership_tags, tags_to_dict
from sesl.fold import fold_attribute
from sesl.model import Change, FieldChange
from sesl.naming import BACKUP_LOG_STREAM, DELIVERY_LOG_STREAM
from sesl.resources.base import Aspect, Env, Kind, Request, create_requests, send
from sesl.spec import LOG_RETENTION_DAYS

# Log group names: 1-512 of [.-_/#A-Za-z0-9]; log stream names: 1-512, no ':' or '*'
# (botocore logs `LogGroupName`, `LogStreamName`).


@dataclass(frozen=True)
class LogGroupSpec:
    name: str
    retention_days: int
    streams: tuple[str, ...]
    tags: dict[str, str]


@dataclass(frozen=True)
class LogGroupState:
    name: str
    owned: bool
    arn: str
    retention_days: int | None
    streams: tuple[str, ...]
    tags: dict[str, str]


class LogGroupKind(Kind[LogGroupSpec, LogGroupState]):
    kind = "log_group"
    needs = ()

    def desired(self, env: Env) -> list[LogGroupSpec]:
        backup = (BACKUP_LOG_STREAM,) if env.spec.firehose.backup_enabled else ()
        streams = (DELIVERY_LOG_STREAM, *backup)
        tags = ownership_tags(env.spec.env, env.spec.tags)
        return [LogGroupSpec(env.names.log_group(flow), env.spec.firehose.log_retention_days, streams, tags)
                for flow in env.spec.flows]

    def validate(self, env: Env, want: LogGroupSpec) -> list[str]:
        problems = []  # the group and stream names' patterns are botocore's (model_check)
        if want.retention_days not in LOG_RETENTION_DAYS:
            # PutRetentionPolicy accepts only these values (botocore logs `Days`).
            problems.append(f"retention {want.retention_days} days is not one CloudWatch Logs accepts")
        return problems

    def read(self, ctx: AwsContext, want: LogGroupSpec) -> LogGroupState | None:
        logs = ctx.client("logs")
        groups = [g for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=want.name)
                  for g in page.get("logGroups", []) if g["logGroupName"] == want.name]
        if not groups:
            return None
        group = groups[0]
        # `logGroupArn` is the ARN without the trailing ":*" that `arn` carries (botocore logs `LogGroup`; the
        # AWS CLI example describe-log-groups shows `arn` with ":*"); either serves, the tag calls need the former.
        arn = str(group.get("logGroupArn") or str(group["arn"]).removesuffix(":*"))
        tags = tags_to_dict(logs.list_tags_for_resource(resourceArn=arn).get("tags", {}))
        streams = tuple(sorted(s["logStreamName"] for page in logs.get_paginator("describe_log_streams").paginate(
            logGroupName=want.name) for s in page.get("logStreams", []) if s["logStreamName"] in want.streams))
        # No `retentionInDays` means the events never expire (botocore logs `LogGroup`: "To set a log group so
        # that its log events do not expire, use DeleteRetentionPolicy"), which differs from any retention sesl sets.
        # Other members (storedBytes, metricFilterCount, logGroupClass, dataProtectionStatus, ...) are not compared.
        return LogGroupState(want.name, is_owned(tags, ctx.spec.env), arn, group.get("retentionInDays"), streams, tags)

    def create_fields(self, want: LogGroupSpec) -> tuple[FieldChange, ...]:
        return (FieldChange("retention_days", None, want.retention_days),
                FieldChange("log_streams", None, list(want.streams)))

    def diff(self, have: LogGroupState, want: LogGroupSpec) -> list[Change]:
        missing = sorted(set(want.streams) - set(have.streams))
        return [
            *self.change(want, have, "retention",
                         diff_values(have.retention_days, want.retention_days, "retentionInDays")),
            *self.change(want, have, "log_streams", [FieldChange(f"streams.{s}", None, "present") for s in missing]),
            *self.change(want, have, "tags", diff_tags(have.tags, want.tags)),
        ]

    def requests(self, want: LogGroupSpec) -> list[Request]:
        group = {"logGroupName": want.name}
        return [Request("logs", "CreateLogGroup", {**group, "tags": want.tags}),
                Request("logs", "PutRetentionPolicy", {**group, "retentionInDays": want.retention_days}),
                *[Request("logs", "CreateLogStream", {**group, "logStreamName": s}) for s in sorted(set(want.streams))]]

    def create(self, ctx: AwsContext, want: LogGroupSpec) -> None:
        logs = ctx.client("logs")
        for request in create_requests(self.requests(want)):
            send(logs, request)

    def update_retention(self, ctx: AwsContext, want: LogGroupSpec, have: LogGroupState | None) -> None:
        ctx.client("logs").put_retention_policy(logGroupName=want.name, retentionInDays=want.retention_days)

    def update_log_streams(self, ctx: AwsContext, want: LogGroupSpec, have: LogGroupState | None) -> None:
        for stream in sorted(set(want.streams) - set(have.streams if have else ())):
            ctx.client("logs").create_log_stream(logGroupName=want.name, logStreamName=stream)

    def update_tags(self, ctx: AwsContext, want: LogGroupSpec, have: LogGroupState) -> None:
        ctx.client("logs").tag_resource(resourceArn=have.arn, tags=want.tags)

    def delete(self, ctx: AwsContext, have: LogGroupState) -> None:
        # Delivery error logs are operational, not the data lake's data: sesl deletes its own groups.
        ctx.client("logs").delete_log_group(logGroupName=have.name)

    ASPECTS = (
        Aspect[LogGroupSpec, LogGroupState]("retention", ("logs:PutRetentionPolicy",), update_retention),
        Aspect("log_streams", ("logs:CreateLogStream",), update_log_streams),
        Aspect("tags", ("logs:TagResource",), update_tags, fold=fold_attribute("tags", "tags.")),
    )
    CREATE = ("logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:CreateLogStream")
    DELETE = ("logs:DeleteLogGroup",)
