"""The log groups' values pinned (mutation survivors of sesl/resources/log_group.py): the streams each group
wants with and without the raw backup, what the plan prints for a retention or stream difference, what a
create shows, and that the observed state carries the group's name."""

from __future__ import annotations

from dataclasses import replace

from sesl.context import AwsContext
from sesl.model import Action, FieldChange
from sesl.naming import BACKUP_LOG_STREAM, DELIVERY_LOG_STREAM
from sesl.resources.base import Env
from sesl.resources.log_group import LogGroupKind, LogGroupState
from sesl.spec import default_spec
from tests.conftest import ACCOUNT
from tests.ladder import converge

KIND = LogGroupKind()


def env(backup: bool) -> Env:
    spec = default_spec("dev")
    spec = replace(spec, firehose=replace(spec.firehose, backup_enabled=backup))
    return Env(spec, spec.names_for("us-west-2", ACCOUNT))


def test_each_group_wants_the_backup_stream_only_with_the_backup() -> None:
    assert {g.streams for g in KIND.desired(env(True))} == {(DELIVERY_LOG_STREAM, BACKUP_LOG_STREAM)}
    assert {g.streams for g in KIND.desired(env(False))} == {(DELIVERY_LOG_STREAM,)}
    assert [g.name for g in KIND.desired(env(True))] == ["/aws/kinesisfirehose/email-events-newsletter-dev",
                                                        "/aws/kinesisfirehose/email-events-transactional-dev"]


def test_the_plan_prints_retention_and_a_missing_stream_by_their_names() -> None:
    want = KIND.desired(env(True))[0]
    have = LogGroupState(want.name, True, "arn", 30, (DELIVERY_LOG_STREAM,), want.tags)
    changes = KIND.diff(have, want)
    assert [(c.action, c.aspect, c.fields) for c in changes] == [
        (Action.UPDATE, "retention", (FieldChange("retentionInDays", 30, 14),)),
        (Action.UPDATE, "log_streams", (FieldChange("streams.BackupDelivery", None, "present"),))]
    assert all(c.have is have and c.want is want for c in changes)
    assert KIND.create_fields(want) == (FieldChange("retention_days", None, 14),
                                        FieldChange("log_streams", None, [DELIVERY_LOG_STREAM, BACKUP_LOG_STREAM]))


def test_the_observed_group_is_named_as_wanted(ctx: AwsContext) -> None:
    converge(ctx, ["log_group"])
    want = KIND.desired(env(True))[0]
    have = KIND.read(ctx, want)
    assert have is not None
    assert (have.name, have.retention_days, have.streams, have.owned) == (
        want.name, 14, (BACKUP_LOG_STREAM, DELIVERY_LOG_STREAM), True)
    assert have.arn == f"arn:aws:logs:us-west-2:{ACCOUNT}:log-group:{want.name}"
