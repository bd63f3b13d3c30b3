"""The environment spec: embedded defaults for dev and prod, optional TOML overrides, validation.

A config file overrides settings per environment. It is `--config PATH`, else `$SESL_CONFIG`, else
the nearest `sesl.toml` from the current directory upward (`find_config`):

    [env.dev]
    account_id = "123456789012"
    alert_email = "ops@example.com"

    [env.dev.firehose]
    log_retention_days = 30

Every section below is a frozen dataclass; the loader walks their fields, so an unknown key,
a wrong type or an out-of-range value is reported with its key path, all problems in one run.
Range checks are written from the AWS documentation and cite it where they are defined.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar

from sesl import cloudwatch_rules, firehose_rules, glue_rules, model_check, vpc_rules
from sesl.errors import ConfigError
from sesl.naming import (
    CONFIGURATION_SET_TEMPLATE,
    DELIVERY_STREAM_TEMPLATE,
    ENV_PLACEHOLDER,
    EVENTS_BUCKET_TEMPLATE,
    FLOWS,
    PREFIX_TEMPLATE,
    RESERVED_PREFIXES,
    RESULTS_BUCKET_TEMPLATE,
    STREAM_PLACEHOLDER,
    TABLE_TEMPLATE,
    Names,
    StreamNames,
    bucket_name_problem,
    env_names,
    stream_names,
)

Check = Callable[[Any], str | None]

# The built-in environments: usable without a section in the config. Any other name works once the
# config has an `[env.<name>]` section.
ENVIRONMENTS: tuple[str, ...] = ("dev", "prod")
# An env's name ends up in S3 bucket names (lowercase letters, digits, hyphens: S3 user guide,
# bucketnamingrules), SNS topic, CloudWatch dashboard and SES configuration set names (no dots: botocore
# sns CreateTopicInput.Name, cloudwatch PutDashboardInput.DashboardName, SES API reference
# ConfigurationSet) and Glue database names (a hyphen becomes `_`, see Names.glue_env). So: lowercase
# letters and digits, with single hyphens inside. Its length is bounded by the names derived from it
# (sesl.naming.derived_names): 28 characters with the default bucket names.
ENV_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
PLACEHOLDER_ACCOUNT = "000000000000"  # names are checked offline: no ARN's account matters to them
DEFAULT_REGION = "us-west-2"
DEFAULT_CONFIG = "sesl.toml"

# CloudWatch Logs PutRetentionPolicy: the only values AWS accepts (botocore logs shape `Days`).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                      2192, 2557, 2922, 3288, 3653)


def between(low: float, high: float) -> Check:
    def check(value: Any) -> str | None:
        return None if low <= value <= high else f"must be between {low} and {high}, got {value}"
    return check


def one_of(allowed: tuple[Any, ...]) -> Check:
    def check(value: Any) -> str | None:
        return None if value in allowed else f"must be one of {', '.join(map(str, allowed))}; got {value}"
    return check


def matches(pattern: str, what: str) -> Check:
    compiled = re.compile(pattern)

    def check(value: Any) -> str | None:
        return None if compiled.fullmatch(str(value)) else f"must be {what}, got {value!r}"
    return check


def from_model(service: str, shape: str) -> Check:
    """The min/max/enum of a botocore shape, as a setting's check: the numbers are stated in botocore only."""
    def check(value: Any) -> str | None:
        problem = model_check.value_problem(service, shape, value)
        return f"{problem} (botocore {service} {shape})" if problem else None
    return check


def each(inner: Check) -> Check:
    def check(value: Any) -> str | None:
        problems = [p for p in (inner(v) for v in value) if p]
        return "; ".join(problems) or None
    return check


def setting(default: Any, check: Check | None = None, doc: str = "") -> Any:
    """A spec field with a default, an optional range check and a one-line description."""
    factory_default = default
    if isinstance(default, list | dict):
        return field(default_factory=lambda: factory_default.copy(), metadata={"check": check, "doc": doc})
    return field(default=default, metadata={"check": check, "doc": doc})


@dataclass(frozen=True)
class S3Settings:
    # S3 lifecycle: transition to STANDARD_IA needs at least 30 days (S3 user guide,
    # lifecycle-transition-general-considerations).
    ia_transition_days: int = setting(30, between(30, 36500), "days before events move to Standard-IA")
    # After the noncurrent transition to Standard-IA at 30 days: S3 refuses an expiration that is not later
    # (PutBucketLifecycleConfiguration; sesl.resources.s3_bucket.lifecycle_problems).
    noncurrent_expiration_days: int = setting(90, between(31, 36500), "days noncurrent event versions live")
    abort_multipart_days: int = setting(7, between(1, 36500), "days before incomplete uploads are aborted")
    results_retention_days: int = setting(30, between(1, 36500), "days Athena results are kept")


@dataclass(frozen=True)
class FirehoseSettings:
    # BufferingHints ranges from botocore firehose `IntervalInSeconds`, `SizeInMBs`; with record format
    # conversion SizeInMBs must be 64-128 and the S3 backup buffers 60-900 s (sesl.firehose_rules).
    buffer_interval_seconds: int = setting(60, from_model("firehose", "IntervalInSeconds"),
                                           "Firehose buffering interval (60-900 with the raw backup)")
    buffer_size_mib: int = setting(64, from_model("firehose", "SizeInMBs"),
                                   "Firehose buffer size (64-128 with Parquet conversion)")
    parquet_compression: str = setting("GZIP", from_model("firehose", "ParquetCompression"),
                                       "ParquetSerDe.Compression")
    log_retention_days: int = setting(14, one_of(LOG_RETENTION_DAYS), "CloudWatch Logs retention")
    backup_enabled: bool = setting(True, None, "keep the raw JSON under raw/<stream>/")


@dataclass(frozen=True)
class GlueSettings:
    projection_year_min: int = setting(2025, between(1970, 9999), "first year of the year projection")
    projection_year_max: int = setting(2035, between(1970, 9999), "last year of the year projection")
    crawler_schedule: str = setting("cron(0 0 ? * SUN *)", lambda v: next(iter(glue_rules.schedule_problems(v)), None),
                                    "raw-schema crawler schedule (UTC)")
    crawler_enabled: bool = setting(True, None, "run the weekly raw-schema crawler")


@dataclass(frozen=True)
class SesSettings:
    event_types: list[str] = setting(["SEND", "DELIVERY", "BOUNCE", "COMPLAINT", "OPEN", "CLICK"],
                                     each(from_model("sesv2", "EventType")), "SESv2 event types published")
    sender: str = setting("", None, "verified sender identity used by `sesl verify` on real AWS")


@dataclass(frozen=True)
class AthenaSettings:
    bytes_scanned_cutoff: int = setting(1024**3, from_model("athena", "BytesScannedCutoffValue"),
                                        "per-query scan cut-off")
    engine_version: str = setting("Athena engine version 3", None, "pinned engine version")
    delete_saved_queries_on_destroy: bool = setting(False, None, "destroy also deletes saved queries")


@dataclass(frozen=True)
class MonitoringSettings:
    freshness_threshold_seconds: int = setting(900, between(60, 86400), "DataFreshness alarm threshold")
    alarm_period_seconds: int = setting(300, None, "alarm period (10, 20, 30 or a multiple of 60)")
    evaluation_periods: int = setting(3, between(1, 100), "alarm evaluation periods")
    datapoints_to_alarm: int = setting(3, between(1, 100), "breaching datapoints that fire an alarm")
    bounce_rate_threshold: float = setting(0.05, between(0.0, 1.0), "SES reputation bounce-rate alarm")
    complaint_rate_threshold: float = setting(0.001, between(0.0, 1.0), "SES complaint-rate alarm")
    monthly_budget_usd: float = setting(25.0, between(0.01, 1_000_000), "AWS Budgets monthly limit")
    budget_alert_percent: float = setting(80.0, between(1.0, 1000.0), "budget notification threshold")
    # Checked hourly over this many hours: 168 keeps Period x EvaluationPeriods within 7 days.
    drift_heartbeat_hours: int = setting(26, between(2, 168), "hours without a drift run before alarm")


@dataclass(frozen=True)
class NameSettings:
    # Templates: `{env}` stands for the environment's name. Checked against S3's bucket naming rules
    # once the env is known (`name_problems`).
    events_bucket: str = setting(EVENTS_BUCKET_TEMPLATE, None, "events bucket name ({env} is the env's name)")
    results_bucket: str = setting(RESULTS_BUCKET_TEMPLATE, None, "Athena results bucket name ({env} is the "
                                  "env's name)")


# A stream's name ends up in the names of its configuration set, Firehose stream, log group, alarms, saved
# queries and (a hyphen becoming `_`) its Glue table: lowercase letters and digits with single hyphens inside,
# starting with a letter. Its length is bounded by those names (sesl.naming.stream_names).
STREAM_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
# A data prefix is part of object keys, of the Glue table's location and of IAM resource ARNs: S3's safe
# characters (S3 user guide, object-keys, "Safe characters") in lowercase, one or more `segment/`.
PREFIX = re.compile(r"([a-z0-9][a-z0-9_.-]*/)+")
PLACEHOLDERS = re.compile(r"\{[^}]*\}")


@dataclass(frozen=True)
class StreamSettings:
    """One event stream: the SES configuration set whose events it carries, the Firehose stream, the Glue
    table and the S3 prefix of the events bucket. Templates: `{env}` is the env's name, `{stream}` this
    stream's (in the table name both with `_` for `-`)."""

    name: str = setting("", None, "the stream's name (lowercase letters, digits, inner hyphens)")
    configuration_set: str = setting(CONFIGURATION_SET_TEMPLATE, None, "the existing SES configuration set "
                                     "it carries the events of (sesl never creates or deletes one)")
    delivery_stream: str = setting(DELIVERY_STREAM_TEMPLATE, None, "the Firehose stream's name")
    table: str = setting(TABLE_TEMPLATE, None, "the Glue table's name, in the env's database")
    prefix: str = setting(PREFIX_TEMPLATE, None, "where its Parquet objects go in the events bucket")

    def names(self) -> StreamNames:
        return StreamNames(self.name, self.configuration_set, self.delivery_stream, self.table, self.prefix)


def default_streams() -> list[StreamSettings]:
    return [StreamSettings(name=flow) for flow in FLOWS]


@dataclass(frozen=True)
class AuditSettings:
    # sesl reads trails and never creates or changes one (sesl.cloudtrail, docs/security.md).
    require_cloudtrail: bool = setting(False, None, "verify fails and drift reports `unmet` when no logging trail "
                                       "records this region's write management events")
    s3_data_events: bool = setting(False, None, "also require read and write S3 data events for every object of "
                                   "the events bucket (needs require_cloudtrail)")


def ec2_id(key: str) -> Check:
    def check(value: Any) -> str | None:
        return vpc_rules.id_problem(key, str(value))
    return check


@dataclass(frozen=True)
class VpcSettings:
    # Without `id` no endpoint is desired and sesl makes no EC2 call (sesl.resources.vpc_endpoint).
    id: str | None = setting(None, ec2_id("id"), "VPC to put the endpoints in (none: no endpoints)")
    route_table_ids: list[str] = setting([], each(ec2_id("route_table_ids")), "route tables of the S3 gateway "
                                         "endpoint")
    subnet_ids: list[str] = setting([], each(ec2_id("subnet_ids")), "subnets of the interface endpoints, at most "
                                    "one per Availability Zone")
    security_group_ids: list[str] = setting([], each(ec2_id("security_group_ids")), "security groups of the "
                                            "interface endpoints")
    interface_endpoints: list[str] = setting([], each(one_of(vpc_rules.INTERFACE_ENDPOINTS)),
                                             "interface endpoints to make: firehose, athena, glue")
    private_dns: bool = setting(True, None, "interface endpoints answer the services' default DNS names")
    s3_gateway: str = setting("scoped", one_of(vpc_rules.S3_GATEWAY_MODES), "S3 gateway endpoint: scoped (the env's "
                              "buckets only), full-access, none (docs/security.md)")


@dataclass(frozen=True)
class IgnoreRule:
    path: str
    reason: str
    expires: dt.date | None = None


@dataclass(frozen=True)
class EnvSpec:
    env: str
    region: str = setting(DEFAULT_REGION, matches(r"[a-z]{2}(-[a-z]+)+-\d", "an AWS region name"),
                          "AWS region of the environment (--region wins)")
    account_id: str | None = setting(None, matches(r"\d{12}", "a 12-digit account id"),
                                     "pin the account: no mutating call with other credentials")
    alert_email: str | None = setting(None, matches(r"[^@\s]+@[^@\s]+\.[^@\s]+", "an e-mail address"),
                                      "alert topic subscription and budget notifications")
    tags: dict[str, str] = setting({}, None, "extra tags on everything sesl creates")
    protect: bool = setting(False, None, "refuse destroy of this environment")
    profile: str | None = setting(None, matches(r"[^\s\[\]]+", "an AWS CLI profile name"),
                                  "AWS CLI profile of the environment (--profile wins)")
    production: bool = setting(False, None, "treat as prod: typed destroy prompt, --force-prod, a config "
                               "required to change it (prod always is)")
    names: NameSettings = field(default_factory=NameSettings)
    s3: S3Settings = field(default_factory=S3Settings)
    firehose: FirehoseSettings = field(default_factory=FirehoseSettings)
    glue: GlueSettings = field(default_factory=GlueSettings)
    ses: SesSettings = field(default_factory=SesSettings)
    athena: AthenaSettings = field(default_factory=AthenaSettings)
    monitoring: MonitoringSettings = field(default_factory=MonitoringSettings)
    audit: AuditSettings = field(default_factory=AuditSettings)
    vpc: VpcSettings = field(default_factory=VpcSettings)
    # `[[env.<name>.streams]]`: when the config lists streams, they are the env's streams (newsletter and
    # transactional otherwise). A stream taken out of the list has its resources deleted by the next apply,
    # its data kept (sesl.retired).
    streams: list[StreamSettings] = field(default_factory=default_streams)
    ignore: list[IgnoreRule] = field(default_factory=list)

    @property
    def flows(self) -> tuple[str, ...]:
        """The names of the env's streams, in the config's order."""
        return tuple(s.name for s in self.streams)

    @property
    def is_prod(self) -> bool:
        """prod, or an env the config marks `production = true`: both get prod's protections."""
        return self.env == "prod" or self.production

    def names_for(self, region: str, account: str) -> Names:
        """Every AWS name of this env, with the config's name overrides."""
        return Names(self.env, region, account, self.names.events_bucket, self.names.results_bucket,
                     tuple(s.names() for s in self.streams))


T = TypeVar("T")


def _type_ok(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        return any(_type_ok(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if origin is list:
        (item,) = typing.get_args(hint)
        return isinstance(value, list) and all(_type_ok(v, item) for v in value)
    if origin is dict:
        _, item = typing.get_args(hint)
        return isinstance(value, dict) and all(_type_ok(v, item) for v in value.values())
    return isinstance(value, hint)


def _type_name(hint: Any) -> str:
    return str(hint).replace("typing.", "").replace("<class '", "").replace("'>", "")


def _load_section(cls: type[T], data: Mapping[str, Any], path: str, problems: list[str],
                  base: T | None = None) -> T:
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    for key, value in data.items():
        where = f"{path}.{key}"
        if key not in known or key == "env":
            problems.append(f"{where}: unknown key (known: {', '.join(k for k in known if k != 'env')})")
            continue
        hint = hints[key]
        if isinstance(hint, type) and hasattr(hint, "__dataclass_fields__"):
            if not isinstance(value, dict):
                problems.append(f"{where}: must be a table")
                continue
            values[key] = _load_section(hint, value, where, problems,
                                        getattr(base, key) if base is not None else None)
            continue
        if key == "ignore":
            values[key] = _load_ignore(value, where, problems)
            continue
        if key == "streams":
            values[key] = _load_streams(value, where, problems)
            continue
        if not _type_ok(value, hint):
            problems.append(f"{where}: must be {_type_name(hint)}, got {type(value).__name__} {value!r}")
            continue
        check: Check | None = known[key].metadata.get("check")
        message = check(value) if check is not None and value is not None else None
        if message:
            problems.append(f"{where}: {message}")
            continue
        values[key] = value
    if base is not None:
        return replace(base, **values)  # type: ignore[type-var]
    return cls(**values)


def _load_streams(value: Any, path: str, problems: list[str]) -> list[StreamSettings]:
    """`[[env.<name>.streams]]`: each a table with at least a `name`; the list replaces the default streams."""
    if not isinstance(value, list) or not value:
        problems.append(f"{path}: must be a non-empty array of tables ([[env.<name>.streams]], each with a name)")
        return default_streams()
    streams: list[StreamSettings] = []
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be a table with a name")
            continue
        before = len(problems)
        stream = _load_section(StreamSettings, item, where, problems)
        if len(problems) == before:
            streams.append(stream)
    return streams


def _load_ignore(value: Any, path: str, problems: list[str]) -> list[IgnoreRule]:
    if not isinstance(value, list):
        problems.append(f"{path}: must be an array of tables ([[env.<name>.ignore]])")
        return []
    rules: list[IgnoreRule] = []
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("path"), str) or not item.get("reason"):
            problems.append(f"{where}: needs a string `path` and a non-empty `reason`")
            continue
        extra = set(item) - {"path", "reason", "expires"}
        if extra:
            problems.append(f"{where}: unknown key(s) {', '.join(sorted(extra))}")
        expires = item.get("expires")
        if expires is not None and not isinstance(expires, dt.date):
            problems.append(f"{where}.expires: must be a TOML date such as 2027-01-31")
            expires = None
        rules.append(IgnoreRule(item["path"], str(item["reason"]), expires))
    return rules


def _cross_checks(spec: EnvSpec) -> list[tuple[str, str]]:
    """Rules that tie settings together: (key path under env.<name>, problem)."""
    problems = []
    g = spec.glue
    if g.projection_year_min > g.projection_year_max:
        problems.append(("glue.projection_year_min", "must not exceed projection_year_max"))
    fh = spec.firehose
    if fh.backup_enabled and (problem := firehose_rules.backup_interval_problem(fh.buffer_interval_seconds)):
        # The raw backup buffers with the same interval (sesl.resources.firehose_stream.destination_config).
        problems.append(("firehose.buffer_interval_seconds", f"{problem}; the raw backup (backup_enabled) uses "
                                                             "this interval too"))
    m = spec.monitoring
    keys = {"Period": "alarm_period_seconds", "EvaluationPeriods": "evaluation_periods",
            "DatapointsToAlarm": "datapoints_to_alarm"}
    problems += [(f"monitoring.{keys[member]}", problem) for member, problem in cloudwatch_rules.period_problems(
        m.alarm_period_seconds, m.evaluation_periods, m.datapoints_to_alarm)]
    problems += _stream_checks(spec)
    if spec.audit.s3_data_events and not spec.audit.require_cloudtrail:
        problems.append(("audit.s3_data_events", "needs require_cloudtrail = true (data events are reported either "
                                                 "way; this setting only makes them required)"))
    return problems


def _without(spec: EnvSpec, keys: list[str]) -> EnvSpec:
    """The spec with each key back at its default: a setting that breaks a rule is not used further, so the
    resources built from the spec do not report the same problem again."""
    default = EnvSpec(env=spec.env)
    for key in keys:
        if key.startswith("streams["):
            spec = replace(spec, streams=default_streams())
            continue
        section, name = key.split(".")
        values = replace(getattr(spec, section), **{name: getattr(getattr(default, section), name)})
        spec = replace(spec, **{section: values})
    return spec


def default_spec(env: str) -> EnvSpec:
    """The built-in spec of an env; any valid name has one (a config section makes the env usable)."""
    problem = env_name_problem(env)
    if problem:
        raise ConfigError(problem)
    return EnvSpec(env=env)


def env_name_problem(env: str) -> str | None:
    """Why `env` cannot be an environment's name, or None."""
    if ENV_NAME.fullmatch(env):
        return None
    return (f"environment name {env!r} is not valid: use lowercase letters and digits with single hyphens inside "
            "(such as staging or pr-123); it becomes part of S3 bucket, SNS topic and SES configuration set names")


def defined_envs(config: Mapping[str, Any]) -> list[str]:
    """The environments a parsed config defines (its `[env.<name>]` tables)."""
    envs = config.get("env", {})
    return [name for name, section in envs.items() if isinstance(section, dict)] if isinstance(envs, dict) else []


def check_env(env: str, config: Mapping[str, Any], where: str = "") -> None:
    """Refuse, in one line, an env name that is not valid or that neither sesl nor the config defines."""
    problem = env_name_problem(env)
    if problem:
        raise ConfigError(problem)
    defined = defined_envs(config)
    if env in ENVIRONMENTS or env in defined:
        return
    if not where or where == DEFAULTS_LABEL:
        raise ConfigError(f"unknown environment {env!r}: with no config file only the built-in dev and prod exist; "
                          f"define it under [env.{env}] in a {DEFAULT_CONFIG} (or pass --config PATH)")
    listed = ", ".join(defined) if defined else "no environment"
    raise ConfigError(f"unknown environment {env!r}: {where} defines {listed} (dev and prod are built in); "
                      f"add an [env.{env}] section to {where} or pick one of those")


def _name_checks(spec: EnvSpec) -> list[str]:
    """Every derived name AWS would refuse: an overridden bucket by its key, the others by the env name."""
    problems = []
    names = spec.names_for(spec.region, PLACEHOLDER_ACCOUNT)
    overridden = {key for key in ("events_bucket", "results_bucket")
                  if getattr(spec.names, key) != getattr(NameSettings(), key)}
    by_env_name: list[str] = []  # the env name's first problem is enough: a shorter name fixes them all
    for what, name, rule in env_names(names):
        problem = bucket_name_problem(name) if rule is None else rule.problem(name)
        if not problem:
            continue
        if what in overridden:
            problems.append(f"env.{spec.env}.names.{what}: bucket name {name!r} {problem}; choose another name")
        elif what in ("events_bucket", "results_bucket"):
            by_env_name.append(f"env name {spec.env!r} is too long: its {what.replace('_', ' ')} name {name!r} "
                               f"{problem}; use a shorter env name or set env.{spec.env}.names.{what}")
        else:
            by_env_name.append(f"env name {spec.env!r} is too long: its {what} name {name!r} {problem}; use a "
                               "shorter env name")
    problems += by_env_name[:1]
    problems += _stream_name_checks(spec, names)
    if names.events_bucket == names.results_bucket:
        problems.append(f"env.{spec.env}.names: events_bucket and results_bucket are both {names.events_bucket!r}: "
                        "give them different names")
    return problems


def _stream_name_checks(spec: EnvSpec, names: Names) -> list[str]:
    """Each stream's names AWS would refuse, by the setting they come from (the first problem of each)."""
    problems = []
    for i, stream in enumerate(spec.streams):
        where = f"env.{spec.env}.streams[{i}]"
        if not STREAM_NAME.fullmatch(stream.name):
            continue  # the name's own problem says it (_stream_checks)
        for key, what, name, rule in stream_names(names, stream.name):
            problem = rule.problem(name)
            if problem and key and getattr(stream, key) != getattr(StreamSettings(), key):
                problems.append(f"{where}.{key}: {what} name {name!r} {problem}; change the template")
            elif problem:
                problems.append(f"{where}: the {what} name {name!r} {problem}; use a shorter stream or env name")
            else:
                continue
            break
    return problems


def _stream_checks(spec: EnvSpec) -> list[tuple[str, str]]:
    """The streams' own rules: (key path under env.<name>, problem)."""
    problems: list[tuple[str, str]] = []
    names = spec.names_for(spec.region, PLACEHOLDER_ACCOUNT)
    for i, stream in enumerate(spec.streams):
        where = f"streams[{i}]"
        if not STREAM_NAME.fullmatch(stream.name):
            problems.append((f"{where}.name", f"{stream.name!r} is not a stream name: use lowercase letters and "
                                              "digits with single hyphens inside, starting with a letter (e.g. "
                                              "marketing)"))
            continue
        for key in ("configuration_set", "delivery_stream", "table", "prefix"):
            unknown = set(PLACEHOLDERS.findall(getattr(stream, key))) - {ENV_PLACEHOLDER, STREAM_PLACEHOLDER}
            if unknown:
                problems.append((f"{where}.{key}", f"unknown placeholder {sorted(unknown)[0]} (templates know "
                                                   f"{ENV_PLACEHOLDER} and {STREAM_PLACEHOLDER})"))
        problems += _prefix_problems(where, names.data_prefix(stream.name))
    problems += _duplicate_streams(spec, names)
    return problems


def _prefix_problems(where: str, prefix: str) -> list[tuple[str, str]]:
    if not PREFIX.fullmatch(prefix):
        return [(f"{where}.prefix", f"{prefix!r} is not a prefix sesl writes: lowercase letters, digits, `_`, `.` "
                                    "and `-` in segments each ending with `/` (S3 user guide, object-keys, safe "
                                    "characters), e.g. marketing/")]
    taken = next((r for r in RESERVED_PREFIXES if prefix.startswith(r) or r.startswith(prefix)), None)
    if taken:
        return [(f"{where}.prefix", f"{prefix!r} overlaps {taken}, where sesl keeps Firehose's failed records, "
                                    "the raw backup or compaction's staging area: choose another prefix")]
    return []


def _duplicate_streams(spec: EnvSpec, names: Names) -> list[tuple[str, str]]:
    """Two streams may share no name, no configuration set, no Firehose stream, no table, and no prefix may hold
    another's (a table's location would read the other stream's objects)."""
    problems: list[tuple[str, str]] = []
    seen: dict[tuple[str, str], int] = {}
    for i, stream in enumerate(spec.streams):
        flow = stream.name
        derived = {"name": flow, "configuration_set": names.configuration_set(flow),
                   "delivery_stream": names.stream(flow), "table": names.table(flow)}
        for key, value in derived.items():
            if (key, value) in seen:
                problems.append((f"streams[{i}].{key}", f"{value!r} is also streams[{seen[key, value]}]'s: each "
                                                        "stream needs its own"))
            seen.setdefault((key, value), i)
        prefix = names.data_prefix(flow)
        for j, other in enumerate(spec.streams[:i]):
            theirs = names.data_prefix(other.name)
            if prefix.startswith(theirs) or theirs.startswith(prefix):
                problems.append((f"streams[{i}].prefix", f"{prefix!r} overlaps streams[{j}]'s {theirs!r}: one "
                                                         "table's location would hold the other's objects"))
    return problems


CONFIG_VARIABLE = "SESL_CONFIG"
DEFAULTS_LABEL = "built-in defaults"


@dataclass(frozen=True)
class ConfigSource:
    """Which config file a run uses, and how it was found; `path` None means the built-in defaults."""

    path: Path | None
    how: str  # "--config", "$SESL_CONFIG", "found", "--no-config" or "not found"
    searched_from: Path | None = None

    @property
    def label(self) -> str:
        return str(self.path) if self.path is not None else DEFAULTS_LABEL

    @property
    def defaults_intended(self) -> bool:
        return self.how == "--no-config"


def _checked_file(path: Path, how: str) -> Path:
    if path.is_dir():
        raise ConfigError(f"config file {path} (from {how}) is a directory: point it at the TOML file")
    if not path.exists():
        raise ConfigError(f"config file {path} (from {how}) does not exist: fix the path or create the file")
    return path.resolve()


def find_config(explicit: Path | None = None, no_config: bool = False, cwd: Path | None = None,
                environ: Mapping[str, str] | None = None) -> ConfigSource:
    """--config, else $SESL_CONFIG, else the nearest sesl.toml from the current directory upward."""
    if no_config:
        return ConfigSource(None, "--no-config")
    if explicit is not None:
        return ConfigSource(_checked_file(explicit, "--config"), "--config")
    variable = (environ if environ is not None else os.environ).get(CONFIG_VARIABLE, "")
    if variable:
        return ConfigSource(_checked_file(Path(variable), f"${CONFIG_VARIABLE}"), f"${CONFIG_VARIABLE}")
    start = (cwd or Path.cwd()).resolve()
    for directory in (start, *start.parents):
        candidate = directory / DEFAULT_CONFIG
        if candidate.is_file():
            return ConfigSource(candidate, "found", start)
    return ConfigSource(None, "not found", start)


def read_config(path: Path | None) -> dict[str, Any]:
    """The parsed TOML, or {} when there is no file (the built-in defaults)."""
    if path is None:
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist: fix the path or create the file") from None
    except IsADirectoryError:
        raise ConfigError(f"config file {path} is a directory: point it at the TOML file") from None
    except PermissionError:
        raise ConfigError(f"config file {path} cannot be read (permission denied): fix its permissions") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not UTF-8 text: is it the TOML file?") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def collect_problems(env: str, config: Mapping[str, Any], where: str = "") -> tuple[EnvSpec, list[str]]:
    """The env's spec with the config applied, and every problem found (empty when valid).

    An env name that is not valid, or that neither sesl nor the config (`where`) defines, raises
    ConfigError at once: nothing else can be checked without knowing which env is meant."""
    check_env(env, config, where)
    spec = default_spec(env)
    problems: list[str] = []
    unknown_top = set(config) - {"env"}
    problems += [f"{key}: unknown top-level key (settings go under [env.<name>])" for key in sorted(unknown_top)]
    envs = config.get("env", {})
    if not isinstance(envs, dict):
        return spec, [*problems, "env: must be a table of environments"]
    problems += [f"env.{name}: {env_name_problem(name)}" for name in envs if env_name_problem(name)]
    problems += _shared_buckets(envs)
    section = envs.get(env, {})
    if not isinstance(section, dict):
        return spec, [*problems, f"env.{env}: must be a table"]
    spec = _load_section(EnvSpec, section, f"env.{env}", problems, base=spec)
    if env == "prod" and section.get("production") is False:
        problems.append("env.prod.production: prod always has prod's protections; remove the key")
    crossed = _cross_checks(spec)
    if not any(p.startswith(f"env.{env}.vpc.") for p in problems):  # each VPC setting valid alone first
        crossed += vpc_rules.vpc_problems(spec.vpc)
    problems += [f"env.{env}.{key}: {problem}" for key, problem in crossed]
    problems += _name_checks(spec)
    return _without(spec, [key for key, _ in crossed]), problems


def _shared_buckets(envs: Mapping[str, Any]) -> list[str]:
    """Two environments of one config must not share a bucket (each would take the other's objects)."""
    owner: dict[str, str] = {}
    problems = []
    for name in sorted(set(envs) | set(ENVIRONMENTS)):
        section = envs.get(name, {})
        if not isinstance(section, dict) or env_name_problem(name):
            continue
        overrides = section.get("names", {}) if isinstance(section.get("names", {}), dict) else {}
        for key, default in (("events_bucket", EVENTS_BUCKET_TEMPLATE), ("results_bucket", RESULTS_BUCKET_TEMPLATE)):
            template = overrides.get(key, default)
            bucket = template.replace(ENV_PLACEHOLDER, name) if isinstance(template, str) else ""
            if bucket and bucket in owner:
                problems.append(f"env.{name}.names.{key}: bucket {bucket!r} is also {owner[bucket]}'s; give each "
                                "environment its own buckets")
            owner.setdefault(bucket, f"env.{name}.names.{key}")
    return problems


def load_spec(env: str, config_path: Path | None) -> EnvSpec:
    where = str(config_path) if config_path else DEFAULTS_LABEL
    spec, problems = collect_problems(env, read_config(config_path), where)
    if problems:
        raise ConfigError(f"{len(problems)} problem(s) in {where}: " + " | ".join(problems)
                          + f"; `sesl validate --env {env}` lists them")
    return spec


def describe_settings() -> list[tuple[str, str, str]]:
    """(key path, default, description) for every setting: used by the docs and their test."""
    rows: list[tuple[str, str, str]] = []

    def walk(cls: type[Any], prefix: str) -> None:
        hints = typing.get_type_hints(cls)
        for f in fields(cls):
            if f.name in ("env", "ignore"):
                continue
            if f.name == "streams":
                walk(StreamSettings, f"{prefix}.streams[]")
                continue
            hint = hints[f.name]
            if isinstance(hint, type) and hasattr(hint, "__dataclass_fields__"):
                walk(hint, f"{prefix}.{f.name}")
                continue
            default = f.default if f.default is not MISSING else f.default_factory()  # type: ignore[operator]
            rows.append((f"{prefix}.{f.name}", repr(default), str(f.metadata.get("doc", ""))))

    walk(EnvSpec, "env.<name>")
    return rows
