"""Drift detection for cron: what differs from the spec, classified, with a notification and metrics.

Read-only except for three narrow writes when asked: the CloudWatch metrics (drifted aspects and a
heartbeat) and, with --notify, one SNS message and the fingerprint of what was notified, kept as a tag
on the alert topic (so a cron job on a fresh machine knows what it last said). Ignore rules apply as
in `sesl diff`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import botocore.exceptions

from sesl import cloudtrail, reconcile
from sesl.aws_errors import error_code
from sesl.context import AwsContext
from sesl.diff import tag_list
from sesl.errors import SeslError
from sesl.model import FORMAT_VERSION, Action, Change, Plan
from sesl.naming import (
    DRIFT_METRIC,
    ENV_DIMENSION,
    ENV_TAG_KEY,
    HEARTBEAT_METRIC,
    METRIC_NAMESPACE,
    OWNER_TAG_KEY,
    bucket_of_arn,
)
from sesl.resources import REGISTRY

FINGERPRINT_TAG = "sesl:drift-fingerprint"
CLEAN = "in-sync"
SUMMARY_ITEMS = 5
# `unmet`: a requirement of the spec on something sesl checks but does not manage (CloudTrail): `sesl apply`
# does not repair it, so it is not filed as missing or modified, whose repair is apply.
CATEGORIES = ("modified", "missing", "unowned", "orphan", "unmet")
# A deletion in a plan is a resource of a stream taken out of the config (sesl.retired): an orphan.
_CATEGORY = {Action.CREATE: "missing", Action.UPDATE: "modified", Action.REPLACE: "modified",
             Action.CONFLICT: "unowned", Action.REFUSE: "modified", Action.DELETE: "orphan"}


@dataclass(frozen=True)
class Difference:
    category: str  # one of CATEGORIES
    address: str
    aspect: str
    fields: tuple[dict[str, Any], ...] = ()  # {"path", "expected", "actual"}
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"category": self.category, "address": self.address, "aspect": self.aspect,
                "fields": list(self.fields), "note": self.note}


@dataclass(frozen=True)
class Notice:
    """What --notify did: sent or not, and why."""

    sent: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"requested": True, "sent": self.sent, "detail": self.detail}


@dataclass
class DriftReport:
    env: str
    account: str
    region: str
    differences: list[Difference] = field(default_factory=list)
    ignored: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    generated_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    config: str = ""  # the config file the spec came from, or "built-in defaults" (set by the CLI)
    targets: tuple[str, ...] = ()
    notification: Notice | None = None
    cloudtrail: dict[str, Any] | None = None  # sesl.cloudtrail.Verdict.to_json(); None when not checked

    @property
    def in_sync(self) -> bool:
        return not self.differences

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(CATEGORIES, 0)
        for d in self.differences:
            counts[d.category] += 1
        return counts

    def fingerprint(self) -> str:
        if self.in_sync:
            return CLEAN
        body = json.dumps(sorted((d.to_json() for d in self.differences), key=json.dumps), sort_keys=True,
                          default=str)
        return hashlib.sha256(body.encode()).hexdigest()

    def to_json(self) -> dict[str, Any]:
        return {"format_version": FORMAT_VERSION, "env": self.env, "account": self.account, "region": self.region,
                "config": self.config, "generated_at": self.generated_at, "targets": list(self.targets),
                "in_sync": self.in_sync, "summary": self.counts(), "fingerprint": self.fingerprint(),
                "drift": [d.to_json() for d in self.differences], "ignored": self.ignored,
                "warnings": self.warnings,
                "cloudtrail": self.cloudtrail or {"checked": False},
                "notification": self.notification.to_json() if self.notification else {"requested": False}}


def _difference(change: Change) -> Difference:
    fields = tuple({"path": f.path, "expected": f.after, "actual": f.before} for f in change.fields)
    if change.action is Action.CREATE:
        fields = ()
    return Difference(_CATEGORY[change.action], change.address, change.aspect, fields, change.reason)


def arn_resource_name(arn: str) -> str:
    """The name part of an ARN, as sesl's desired objects name things."""
    bucket = bucket_of_arn(arn)
    if bucket is not None:
        return bucket
    resource = arn.split(":", 5)[5]
    for prefix in ("log-group:", "alarm:"):
        if resource.startswith(prefix):
            return resource.removeprefix(prefix).removesuffix(":*")
    return resource.split("/", 1)[1] if "/" in resource else resource


def find_orphans(ctx: AwsContext, wanted: set[str]) -> list[Difference]:
    """Resources tagged as sesl's for this env that the spec no longer has (tagging API, and IAM roles,
    which that API does not cover)."""
    filters = [{"Key": OWNER_TAG_KEY, "Values": ["sesl"]}, {"Key": ENV_TAG_KEY, "Values": [ctx.spec.env]}]
    tagging = ctx.client("resourcegroupstaggingapi")
    arns = [m["ResourceARN"] for page in tagging.get_paginator("get_resources").paginate(TagFilters=filters)
            for m in page.get("ResourceTagMappingList", [])]
    iam = ctx.client("iam")
    n = ctx.names
    # Only roles named the way sesl names roles can be sesl's: no tag read for every role of the account.
    prefix = os.path.commonprefix([n.firehose_role, n.ses_role, n.crawler_role])  # noqa: RUF071 - names, not paths
    for page in iam.get_paginator("list_roles").paginate():
        for role in page.get("Roles", []):
            if not role["RoleName"].startswith(prefix):
                continue
            tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=role["RoleName"]).get("Tags", [])}
            if tags.get(OWNER_TAG_KEY) == "sesl" and tags.get(ENV_TAG_KEY) == ctx.spec.env:
                arns.append(role["Arn"])
    return [Difference("orphan", arn, "resource", note="tagged as sesl's for this env, but not in the spec: "
                       "`sesl destroy` does not know it; delete it or add it back")
            for arn in sorted(set(arns)) if arn_resource_name(arn) not in wanted]


def detect(ctx: AwsContext, targets: Sequence[str] = ()) -> DriftReport:
    the_plan: Plan = reconcile.plan(ctx, reconcile.PlanOptions(targets=tuple(targets)))
    report = DriftReport(the_plan.env, the_plan.account, the_plan.region, warnings=list(the_plan.warnings),
                         targets=tuple(targets))
    report.differences = [_difference(c) for c in the_plan.changes if c.action in _CATEGORY]
    report.ignored = [{**c.to_json(), "ignore_reason": why} for c, why in the_plan.ignored]
    if not targets:
        env = reconcile.make_env(ctx)
        wanted = {want.name for kind in REGISTRY for want in kind.desired(env)}
        wanted |= {c.name for c in the_plan.changes}  # a retired stream's resources are planned deletions already
        report.differences += reconcile.aws_call("orphans", lambda: find_orphans(ctx, wanted))
        check_cloudtrail(ctx, report)
    return report


def check_cloudtrail(ctx: AwsContext, report: DriftReport) -> None:
    """The CloudTrail coverage, as information, and as an `unmet` difference when the spec requires it.
    A required check that cannot read the trails fails the run (exit 1), never passes as in sync."""
    verdict = cloudtrail.judge(ctx)
    report.cloudtrail = verdict.to_json()
    setting = f"env.{ctx.spec.env}.audit.require_cloudtrail"
    if verdict.required and verdict.coverage.error:
        raise SeslError(f"{verdict.coverage.error}; grant cloudtrail:DescribeTrails (docs/iam.md) or set "
                        f"{setting} = false")
    address = f"cloudtrail.{ctx.region}"
    report.differences += [Difference("unmet", address, aspect, note=f"{detail}: sesl does not create trails; have "
                                      f"the account's trail cover it (docs/security.md), or set {setting} = false")
                           for aspect, detail in verdict.unmet]


def publish_metrics(ctx: AwsContext, report: DriftReport) -> None:
    """The heartbeat on every run; the drift count only for a run over the whole env (a targeted
    run counts a subset, which would make the alarm flap)."""
    dimensions = [{"Name": ENV_DIMENSION, "Value": ctx.spec.env}]
    data = [{"MetricName": HEARTBEAT_METRIC, "Dimensions": dimensions, "Value": 1.0, "Unit": "Count"}]
    if not report.targets:
        data.insert(0, {"MetricName": DRIFT_METRIC, "Dimensions": dimensions,
                        "Value": float(len(report.differences)), "Unit": "Count"})
    ctx.client("cloudwatch").put_metric_data(Namespace=METRIC_NAMESPACE, MetricData=data)


def summary_text(report: DriftReport) -> str:
    counts = report.counts()
    lines = [f"sesl drift in {report.env} (account {report.account}, {report.region}) at {report.generated_at}: "
             + ", ".join(f"{n} {c}" for c, n in counts.items() if n)]
    for d in report.differences[:SUMMARY_ITEMS]:
        detail = "; ".join(f"{f['path']}: {json.dumps(f['actual'], default=str)[:60]} (expected "
                           f"{json.dumps(f['expected'], default=str)[:60]})" for f in d.fields[:2])
        detail = detail or (d.note if d.category == "unmet" else "")
        lines.append(f"- {d.category}: {d.address} ({d.aspect}) {detail}".rstrip())
    if len(report.differences) > SUMMARY_ITEMS:
        lines.append(f"... and {len(report.differences) - SUMMARY_ITEMS} more.")
    lines.append(f"See all: sesl drift --env {report.env}   Repair: sesl apply --env {report.env}")
    return "\n".join(lines)


def notify(ctx: AwsContext, report: DriftReport) -> Notice:
    """Publish to the alert topic when the set of differences changed since the last notification
    (and once when it clears). The fingerprint is recorded only after the message was sent. It is that
    of the whole env: a targeted report is refused here."""
    if report.targets:
        raise ValueError("a targeted drift report is not notified: its fingerprint is not the env's")
    sns = ctx.client("sns")
    topic = ctx.names.alert_topic_arn
    try:
        tags = {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=topic).get("Tags", [])}
    except botocore.exceptions.ClientError as exc:
        code = error_code(exc)
        return Notice(False, f"not notified: alert topic {topic} unreadable ({code}); run `sesl apply`")
    last, current = tags.get(FINGERPRINT_TAG), report.fingerprint()
    if last is None and report.in_sync:
        return Notice(False, "not notified: in sync, and no drift was notified before")
    if current == last:
        return Notice(False, "not notified: same differences as the last notification")
    if report.in_sync:
        subject = f"sesl: {report.env} is back in sync"
        message = f"sesl drift in {report.env}: no differences any more ({report.generated_at})."
    else:
        subject = f"sesl: drift in {report.env} ({len(report.differences)} difference(s))"
        message = summary_text(report)
    sns.publish(TopicArn=topic, Subject=subject[:100], Message=message)
    sns.tag_resource(ResourceArn=topic, Tags=tag_list({FINGERPRINT_TAG: current}))
    return Notice(True, f"notified {topic}: {subject}")


def notify_failure(ctx: AwsContext, error: str) -> None:
    """A failed check is said as such, never as 'no drift' (best effort: the check already failed)."""
    with contextlib.suppress(botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
        ctx.client("sns").publish(TopicArn=ctx.names.alert_topic_arn,
                                  Subject=f"sesl: drift check failed in {ctx.spec.env}"[:100],
                                  Message=f"sesl drift could not check {ctx.spec.env}: {error}")
