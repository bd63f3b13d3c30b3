"""Whether CloudTrail records what happens in the env's region: read only, sesl never creates or changes a trail.

A trail counts for region R when it is logging (GetTrailStatus `IsLogging`), and it is a multi-Region
trail or its home Region is R (CloudTrail API reference, Trail: `IsMultiRegionTrail` "exists in all
Regions", `HomeRegion` "the Region in which the trail was created"). DescribeTrails in R with
`includeShadowTrails` (default true) lists the trails of R and the shadow trails that apply to it: "the
replication in a Region of a trail that was created in a different Region, or in the case of an
organization trail, the replication of an organization trail in member accounts" (API reference,
DescribeTrails). A shadow trail's status and selectors are read by its ARN ("To get the status of a shadow
trail ... you must specify its ARN"; "If the trail is an organization trail and you are a member account
... you must provide the full ARN": GetTrailStatus `Name`; GetEventSelectors `TrailName` takes a name or an
ARN), with a client in the trail's home Region.

What a trail logs is its event selectors (GetEventSelectors), one of two kinds, never both ("You cannot
apply both event selectors and advanced event selectors to a trail": API reference, EventSelector):

- classic `EventSelectors`: each has `ReadWriteType` (ReadOnly, WriteOnly, All; "By default, the value is
  All"), `IncludeManagementEvents` ("By default, the value is true") and `DataResources`. For
  `AWS::S3::Object` the values are ARN prefixes of objects: `arn:aws:s3` logs "all objects in all S3
  buckets", `arn:aws:s3:::bucket/` (empty object prefix) "all objects in an S3 bucket",
  `arn:aws:s3:::bucket/prefix` only the objects under that prefix (API reference, DataResource `Values`).
- `AdvancedEventSelectors`: each is a list of field selectors that must all match (an AND). `eventCategory`
  (Equals `Management` or `Data`), `resources.type` (Equals, e.g. `AWS::S3::Object`) and `readOnly`
  (Equals `true` logs only read events, `false` only write events, absent both) take Equals only; other
  fields take Equals/StartsWith/EndsWith, which include events, and NotEquals/NotStartsWith/NotEndsWith,
  which exclude them (API reference, AdvancedFieldSelector). For management events a trail supports
  only `eventSource` NotEquals `kms.amazonaws.com` / `rdsdata.amazonaws.com` besides those.

"If the event matches any event selector, the trail processes and logs the event" (PutEventSelectors), so
a trail's coverage is the union of its selectors', and the region's the union of its trails'. A selector
that only some of the events match (an object prefix, an `eventName` filter, an excluded ARN inside the
bucket, a field sesl does not interpret) is reported as partial and never counted as coverage.

What is required (docs/security.md): management events of the write kind (`All` or `WriteOnly`; the
changes to the lake's configuration are what an audit asks for, and read-only management events alone do
not show them); with `s3_data_events`, data events of both kinds for every object of the events bucket.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import botocore.exceptions

from sesl.aws_errors import error_code, error_message
from sesl.context import AwsContext
from sesl.naming import object_arn_prefix

S3_OBJECT = "AWS::S3::Object"
ALL, PART, NONE = 2, 1, 0  # how much of the bucket's objects a condition lets through
_INCLUDE = ("Equals", "StartsWith", "EndsWith")
_EXCLUDE = ("NotEquals", "NotStartsWith", "NotEndsWith")


@dataclass(frozen=True)
class Access:
    """Which of read-only and write events are logged."""

    read: bool = False
    write: bool = False

    def __or__(self, other: Access) -> Access:
        return Access(self.read or other.read, self.write or other.write)

    @property
    def label(self) -> str:
        return {(True, True): "read and write", (False, True): "write only", (True, False): "read only",
                (False, False): "none"}[(self.read, self.write)]


BOTH = Access(True, True)
_READ_WRITE_TYPE = {"All": BOTH, "WriteOnly": Access(False, True), "ReadOnly": Access(True, False)}


@dataclass(frozen=True)
class Selection:
    """What one trail's selectors log: management events, data events for every object of the bucket,
    and what was seen but not counted."""

    management: Access = Access()
    data: Access = Access()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrailCoverage:
    name: str
    arn: str
    home_region: str
    multi_region: bool
    organization: bool
    applies: bool            # multi-Region, or its home Region is the env's
    logging: bool | None     # None: the status could not be read
    selection: Selection = Selection()
    error: str = ""          # why the status or the selectors could not be read

    @property
    def counts(self) -> bool:
        return self.applies and self.logging is True and not self.error

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "arn": self.arn, "home_region": self.home_region,
                "multi_region": self.multi_region, "organization": self.organization, "applies": self.applies,
                "logging": self.logging, "management_events": self.selection.management.label,
                "s3_data_events": self.selection.data.label, "notes": list(self.selection.notes),
                "error": self.error, "counts": self.counts}

    def describe(self) -> str:
        kind = "organization trail" if self.organization else "trail"
        scope = "multi-Region" if self.multi_region else f"single-Region in {self.home_region}"
        if self.error:
            return f"{kind} {self.name} ({scope}): unreadable: {self.error}"
        if not self.applies:
            return f"{kind} {self.name} ({scope}): does not apply to this Region"
        if not self.logging:
            return f"{kind} {self.name} ({scope}): not logging"
        notes = f"; {'; '.join(self.selection.notes)}" if self.selection.notes else ""
        return (f"{kind} {self.name} ({scope}): management events {self.selection.management.label}, S3 data "
                f"events for the bucket {self.selection.data.label}{notes}")


@dataclass(frozen=True)
class Coverage:
    region: str
    bucket: str
    trails: tuple[TrailCoverage, ...] = ()
    error: str = ""  # DescribeTrails could not be read: nothing is known

    @property
    def management(self) -> Access:
        access = Access()
        for trail in self.trails:
            if trail.counts:
                access |= trail.selection.management
        return access

    @property
    def data(self) -> Access:
        access = Access()
        for trail in self.trails:
            if trail.counts:
                access |= trail.selection.data
        return access

    def problems(self, s3_data_events: bool) -> list[tuple[str, str]]:
        """(aspect, what is missing) for each requirement not met."""
        if self.error:
            return [("management events", f"trails could not be read: {self.error}")]
        found: list[tuple[str, str]] = []
        if not self.management.write:
            found.append(("management events", f"no logging trail records the write management events of "
                          f"{self.region} (recorded: {self.management.label})"))
        if s3_data_events and self.data != BOTH:
            found.append(("s3 data events", f"no logging trail records read and write S3 data events for every "
                          f"object of {self.bucket} (recorded: {self.data.label})"))
        return found

    def summary(self) -> str:
        if self.error:
            return f"trails could not be read: {self.error}"
        counted = [t.name for t in self.trails if t.counts]
        if not counted:
            seen = f" ({len(self.trails)} trail(s) seen, none logging for it)" if self.trails else ""
            return f"no trail logs {self.region}{seen}"
        return (f"management events {self.management.label}, S3 data events for {self.bucket} "
                f"{self.data.label}, by {', '.join(counted)}")

    def to_json(self) -> dict[str, Any]:
        return {"region": self.region, "bucket": self.bucket, "error": self.error,
                "management_events": self.management.label, "s3_data_events": self.data.label,
                "trails": [t.to_json() for t in self.trails]}


# --- the decision, on answers as AWS gives them --------------------------------------------------------

def applies(trail: Mapping[str, Any], region: str) -> bool:
    return bool(trail.get("IsMultiRegionTrail")) or home_region(trail) == region


def home_region(trail: Mapping[str, Any]) -> str:
    """`HomeRegion`, else the Region of the trail's ARN (arn:aws:cloudtrail:<region>:<account>:trail/<name>)."""
    arn = str(trail.get("TrailARN", ""))
    return str(trail.get("HomeRegion") or (arn.split(":")[3] if arn.count(":") >= 5 else ""))


def prefix_scope(prefix: str, objects: str) -> int:
    """How much of the bucket an ARN prefix selects: ALL when every object ARN (`objects` + key) starts
    with it (`arn:aws:s3`, `arn:aws:s3:::bucket/`), PART when it names a prefix inside the bucket, NONE for
    another bucket."""
    if objects.startswith(prefix):
        return ALL
    return PART if prefix.startswith(objects) else NONE


def selection(answer: Mapping[str, Any], bucket: str, partition: str = "aws") -> Selection:
    """What a GetEventSelectors answer logs for the events bucket."""
    objects = object_arn_prefix(bucket, partition)
    parts = [_classic(s, objects) for s in answer.get("EventSelectors") or []]
    parts += [_advanced(s, objects) for s in answer.get("AdvancedEventSelectors") or []]
    management, data, notes = Access(), Access(), []
    for part in parts:
        management, data = management | part.management, data | part.data
        notes += [n for n in part.notes if n not in notes]
    return Selection(management, data, tuple(notes))


def _classic(selector: Mapping[str, Any], objects: str) -> Selection:
    access = _READ_WRITE_TYPE.get(str(selector.get("ReadWriteType", "All")), BOTH)
    management = access if selector.get("IncludeManagementEvents", True) else Access()
    notes = []
    excluded = selector.get("ExcludeManagementEventSources") or []
    if management != Access() and excluded:
        notes.append(f"management events from {', '.join(excluded)} excluded")
    values = [str(v) for r in selector.get("DataResources") or [] if r.get("Type") == S3_OBJECT
              for v in r.get("Values") or []]
    scope = max((prefix_scope(v, objects) for v in values), default=NONE)
    if scope == PART:
        inside = ", ".join(v for v in values if v.startswith(objects))
        notes.append(f"S3 data events for part of the bucket only ({inside}): partial, not counted")
    return Selection(management, access if scope == ALL else Access(), tuple(notes))


def _advanced(selector: Mapping[str, Any], objects: str) -> Selection:
    fields = list(selector.get("FieldSelectors") or [])
    categories = _equals(fields, "eventCategory")
    access = _read_only(fields)
    name = selector.get("Name") or "an advanced selector"
    if "Management" in categories:
        others = [f["Field"] for f in fields if f.get("Field") not in ("eventCategory", "readOnly", "eventSource")]
        sources = [f for f in fields if f.get("Field") == "eventSource"]
        if others or any(op in f for f in sources for op in _INCLUDE):
            return Selection(notes=(f"{name}: management events filtered on {', '.join(others or ['eventSource'])}"
                                    ": partial, not counted",))
        excluded = [v for f in sources for op in _EXCLUDE for v in f.get(op) or []]
        notes = (f"management events from {', '.join(excluded)} excluded",) if excluded else ()
        return Selection(management=access, notes=notes)
    if "Data" in categories and S3_OBJECT in _equals(fields, "resources.type"):
        scope = min((_arn_scope(f, objects) for f in fields if f.get("Field") == "resources.ARN"), default=ALL)
        others = sorted({str(f.get("Field")) for f in fields}
                        - {"eventCategory", "resources.type", "readOnly", "resources.ARN"})
        if scope == NONE:
            return Selection()
        if scope == PART or others:
            what = f"filtered on {', '.join(others)}" if others else "for part of the bucket"
            return Selection(notes=(f"{name}: S3 data events {what}: partial, not counted",))
        return Selection(data=access)
    return Selection()


def _equals(fields: Iterable[Mapping[str, Any]], name: str) -> set[str]:
    return {str(v) for f in fields if f.get("Field") == name for v in f.get("Equals") or []}


def _read_only(fields: Sequence[Mapping[str, Any]]) -> Access:
    """`readOnly` Equals true: read events only; false: write only; absent (or both values): both."""
    values = _equals(fields, "readOnly")
    if not any(f.get("Field") == "readOnly" for f in fields) or values >= {"true", "false"}:
        return BOTH
    return Access(read="true" in values, write="false" in values)


def _arn_scope(selector: Mapping[str, Any], objects: str) -> int:
    """How much of the bucket's objects one `resources.ARN` field selector lets through.

    Included (any one of Equals/StartsWith/EndsWith; none given includes everything): StartsWith a prefix
    of `objects` includes every object, one inside the bucket or any Equals/EndsWith only some. Excluded
    (NotStartsWith a prefix of `objects` excludes every object; one inside the bucket, NotEquals an object
    of it, or any NotEndsWith, some). A condition on another bucket changes nothing for this one."""
    include = NONE if any(selector.get(op) for op in _INCLUDE) else ALL
    for value in selector.get("StartsWith") or []:
        include = max(include, prefix_scope(str(value), objects))
    for value in selector.get("Equals") or []:
        include = max(include, PART if str(value).startswith(objects) else NONE)
    if selector.get("EndsWith"):
        include = max(include, PART)
    exclude = ALL
    for value in selector.get("NotStartsWith") or []:
        exclude = min(exclude, {ALL: NONE, PART: PART, NONE: ALL}[prefix_scope(str(value), objects)])
    for value in selector.get("NotEquals") or []:
        exclude = min(exclude, PART if str(value).startswith(objects) else ALL)
    if selector.get("NotEndsWith"):
        exclude = min(exclude, PART)
    return min(include, exclude)


# --- the read --------------------------------------------------------------------------------------------

def _error(exc: Exception, operation: str) -> str:
    if isinstance(exc, botocore.exceptions.ClientError):
        return f"cloudtrail:{operation} failed: {error_code(exc) or '?'}: {error_message(exc)}"
    return f"cloudtrail:{operation} failed: {exc}"


_READ_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)


def read_trail(ctx: AwsContext, trail: Mapping[str, Any], region: str, bucket: str) -> TrailCoverage:
    arn, home = str(trail.get("TrailARN", "")), home_region(trail)
    partition = arn.split(":")[1] if arn.startswith("arn:") else "aws"
    base = TrailCoverage(str(trail.get("Name", arn)), arn, home, bool(trail.get("IsMultiRegionTrail")),
                         bool(trail.get("IsOrganizationTrail")), applies(trail, region), None)
    if not base.applies:
        return base
    client = ctx.client("cloudtrail", region=home or region)
    try:
        logging = bool(client.get_trail_status(Name=arn).get("IsLogging"))
    except _READ_ERRORS as exc:
        return replace(base, error=_error(exc, "GetTrailStatus"))
    try:
        answer = client.get_event_selectors(TrailName=arn)
    except _READ_ERRORS as exc:
        return replace(base, logging=logging, error=_error(exc, "GetEventSelectors"))
    return replace(base, logging=logging, selection=selection(answer, bucket, partition))


def read_coverage(ctx: AwsContext) -> Coverage:
    """The trails that apply to the env's region and what they log. Never raises for AWS errors: a
    DescribeTrails that fails is the Coverage's `error`, a trail that cannot be read is that trail's."""
    region, bucket = ctx.region, ctx.names.events_bucket
    try:
        listed = ctx.client("cloudtrail").describe_trails(includeShadowTrails=True).get("trailList", [])
    except _READ_ERRORS as exc:
        return Coverage(region, bucket, error=_error(exc, "DescribeTrails"))
    return Coverage(region, bucket, tuple(read_trail(ctx, t, region, bucket) for t in listed))


@dataclass(frozen=True)
class Verdict:
    """The coverage judged against the env's audit settings."""

    coverage: Coverage
    required: bool
    s3_data_events: bool
    unmet: list[tuple[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"checked": True, "required": self.required, "s3_data_events_required": self.s3_data_events,
                "unmet": [{"aspect": a, "detail": d} for a, d in self.unmet], **self.coverage.to_json()}


def judge(ctx: AwsContext) -> Verdict:
    audit = ctx.spec.audit
    coverage = read_coverage(ctx)
    unmet = coverage.problems(audit.s3_data_events) if audit.require_cloudtrail else []
    return Verdict(coverage, audit.require_cloudtrail, audit.s3_data_events, unmet)
