"""SES event destinations: on each existing configuration set, one destination to its Firehose stream.

The configuration sets are not sesl's: it never creates, changes or deletes them, only its own
destination on each (named `sesl-firehose-<flow>`: destinations are untaggable, so the name prefix is
the ownership proof). SESv2 only: v1 spells the event types differently and lacks the newer ones
(aws-reference.md §2.1). Other destinations on the set (SNS, CloudWatch, ...) are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import botocore.exceptions

from sesl.aws_errors import error_code
from sesl.context import AwsContext
from sesl.diff import diff_values
from sesl.errors import SeslError
from sesl.fold import fold_whole_attribute
from sesl.model import Change, FieldChange
from sesl.resources.base import Aspect, Env, Kind, Request, send
from sesl.retry import retry_eventual

# "At most 10 event destinations per configuration set" (SES developer guide, quotas).
MAX_DESTINATIONS_PER_SET = 10
# Configuration-set and destination names: letters, digits, '_' and '-', at most 64 (SES developer
# guide, quotas / creating-configuration-sets).
SES_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
OWNED_PREFIX = "sesl-"


def event_type(value: str) -> str:
    """A SESv2 event type in its UPPER_SNAKE spelling, also from the v1/CloudFormation camelCase (renderingFailure)."""
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", value).upper()


@dataclass(frozen=True)
class DestinationSpec:
    name: str
    configuration_set: str
    event_types: tuple[str, ...]
    role_arn: str
    stream_arn: str
    enabled: bool = True

    def definition(self) -> dict[str, Any]:
        return {"Enabled": self.enabled, "MatchingEventTypes": list(self.event_types),
                "KinesisFirehoseDestination": {"IamRoleArn": self.role_arn, "DeliveryStreamArn": self.stream_arn}}


def _keep_firehose(want: DestinationSpec, have: DestinationState,
                   fields: Sequence[FieldChange]) -> DestinationSpec:
    """The ignored role or stream of the destination, written as it lives."""
    paths = {f.path for f in fields}
    role = have.firehose.get("IamRoleArn", want.role_arn) if any("IamRoleArn" in p for p in paths) else want.role_arn
    stream = (have.firehose.get("DeliveryStreamArn", want.stream_arn) if any("DeliveryStreamArn" in p for p in paths)
              else want.stream_arn)
    return replace(want, role_arn=role, stream_arn=stream)


@dataclass(frozen=True)
class DestinationState:
    name: str
    owned: bool
    configuration_set: str
    event_types: tuple[str, ...]
    enabled: bool
    firehose: dict[str, str]


class SesEventDestinationKind(Kind[DestinationSpec, DestinationState]):
    kind = "ses_event_destination"
    needs = ("iam_role", "firehose_stream")
    ownership = "its name starts with sesl- (SES event destinations take no tags)"

    def desired(self, env: Env) -> list[DestinationSpec]:
        n = env.names
        types = tuple(sorted(set(env.spec.ses.event_types)))
        return [DestinationSpec(n.event_destination(flow), n.configuration_set(flow), types,
                                n.role_arn(n.ses_role), n.stream_arn(flow)) for flow in env.spec.flows]

    def validate(self, env: Env, want: DestinationSpec) -> list[str]:
        problems = []  # each event type is checked against botocore sesv2 `EventType` (model_check)
        if not want.event_types:
            problems.append("at least one event type must be published")
        problems += [f"{what} {value!r} must be 1-64 letters, digits, '_' or '-'"
                     for what, value in (("configuration set", want.configuration_set), ("destination", want.name))
                     if not SES_NAME.fullmatch(value)]
        return problems

    def read(self, ctx: AwsContext, want: DestinationSpec) -> DestinationState | None:
        try:
            found = ctx.client("sesv2").get_configuration_set_event_destinations(
                ConfigurationSetName=want.configuration_set)["EventDestinations"]
        except botocore.exceptions.ClientError as exc:
            wanted = {ctx.names.configuration_set(flow) for flow in ctx.spec.flows}
            if error_code(exc) == "NotFoundException" and want.configuration_set not in wanted:
                return None  # a stream taken out of the config (sesl.retired): with its set gone, so is this
            if error_code(exc) == "NotFoundException":
                raise SeslError(f"SES configuration set {want.configuration_set} does not exist in "
                                f"{ctx.region}: sesl never creates it; create it (or fix the env's region) and "
                                "run again") from None
            raise
        mine = [d for d in found if d["Name"] == want.name]
        if not mine:
            if len(found) >= MAX_DESTINATIONS_PER_SET:
                raise SeslError(f"SES configuration set {want.configuration_set} already has {len(found)} event "
                                f"destinations, the SES maximum: remove one so sesl can add {want.name}")
            return None
        d = mine[0]
        # Event types: order not kept (compared as a set) and read in either spelling (sesl.sandbox.shapes.sesv2);
        # Enabled: left out reads as false, the API's default.
        return DestinationState(want.name, want.name.startswith(OWNED_PREFIX), want.configuration_set,
                                tuple(sorted({event_type(t) for t in d.get("MatchingEventTypes") or []})),
                                bool(d.get("Enabled", False)), dict(d.get("KinesisFirehoseDestination") or {}))

    def create_fields(self, want: DestinationSpec) -> tuple[FieldChange, ...]:
        return (FieldChange("configuration_set", None, want.configuration_set),
                FieldChange("MatchingEventTypes", None, list(want.event_types)),
                FieldChange("DeliveryStreamArn", None, want.stream_arn))

    def diff(self, have: DestinationState, want: DestinationSpec) -> list[Change]:
        # Event types compare as a set: SES does not keep their order (sesl.sandbox.shapes.sesv2).
        return [
            *self.change(want, have, "event_types",
                         diff_values(list(have.event_types), list(want.event_types), "MatchingEventTypes")),
            *self.change(want, have, "enabled", diff_values(have.enabled, want.enabled, "Enabled")),
            *self.change(want, have, "firehose", diff_values(have.firehose, want.definition()[
                "KinesisFirehoseDestination"], "KinesisFirehoseDestination")),
        ]

    def requests(self, want: DestinationSpec) -> list[Request]:
        return [Request("sesv2", "CreateConfigurationSetEventDestination", {
            "ConfigurationSetName": want.configuration_set, "EventDestinationName": want.name,
            "EventDestination": want.definition()})]

    def create(self, ctx: AwsContext, want: DestinationSpec) -> None:
        sesv2 = ctx.client("sesv2")
        (request,) = self.requests(want)
        # SES assumes the role at creation and checks the stream: a new role fails with "Could not assume IAM
        # role" or "Could not access Kinesis Firehose Stream" for a while (sesl.retry.SESV2).
        retry_eventual(lambda: send(sesv2, request), f"{self.kind}.{want.name}", "sesv2", roles=(want.role_arn,))

    def update_whole(self, ctx: AwsContext, want: DestinationSpec, have: DestinationState) -> None:
        sesv2 = ctx.client("sesv2")
        retry_eventual(lambda: sesv2.update_configuration_set_event_destination(
            ConfigurationSetName=want.configuration_set, EventDestinationName=want.name,
            EventDestination=want.definition()), f"{self.kind}.{want.name}", "sesv2", roles=(want.role_arn,))

    def delete(self, ctx: AwsContext, have: DestinationState) -> None:
        ctx.client("sesv2").delete_configuration_set_event_destination(
            ConfigurationSetName=have.configuration_set, EventDestinationName=have.name)

    # UpdateConfigurationSetEventDestination writes the whole destination: one call per apply.
    ASPECTS = (
        Aspect[DestinationSpec, DestinationState]("event_types", fold=fold_whole_attribute("event_types")),
        Aspect("enabled", fold=fold_whole_attribute("enabled")),
        Aspect("firehose", fold=_keep_firehose),
    )
    WHOLE = ("sesv2:UpdateConfigurationSetEventDestination",)
    CREATE = ("sesv2:CreateConfigurationSetEventDestination",)
    DELETE = ("sesv2:DeleteConfigurationSetEventDestination",)
    ADOPT_ASPECT = ""  # its name's prefix is its ownership: never adopted, always owned
