"""Every AWS name and ARN sesl uses, derived from the environment in one place.

No other module spells a resource name: they ask a `Names` object. ARNs are computed from
names, so a plan never has unknowns (sesl knows every ARN before anything exists).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

# The two SES event streams of the design, an env's streams unless its config lists others
# (`[[env.<name>.streams]]`); one configuration set, Firehose stream, Glue table, prefix and log group each.
FLOWS: tuple[str, ...] = ("newsletter", "transactional")

# A stream's names are templates in which `{env}` is the env's name and `{stream}` the stream's.
STREAM_PLACEHOLDER = "{stream}"
CONFIGURATION_SET_TEMPLATE = "daily-system-design-{stream}-{env}"
DELIVERY_STREAM_TEMPLATE = "email-events-{stream}-{env}"
TABLE_TEMPLATE = "{stream}_events"
PREFIX_TEMPLATE = "{stream}/"
# A stream's Glue table records the stream in its parameters, so that one taken out of the config is found
# again (sesl.retired) with the names it had.
STREAM_PARAM = "sesl:stream"
CONFIGURATION_SET_PARAM = "sesl:configuration-set"
DELIVERY_STREAM_PARAM = "sesl:delivery-stream"
# Top-level prefixes of the events bucket that are not a stream's: Firehose's error output, the raw
# backup (sesl.layout) and compaction's staging area (sesl.compaction).
RESERVED_PREFIXES = ("errors/", "raw/", "compaction/")

OWNER_TAG_KEY = "sesl:managed-by"
OWNER_TAG_VALUE = "sesl"
ENV_TAG_KEY = "sesl:env"

# sesl's own CloudWatch metrics, published by `sesl drift` and alarmed on by the monitoring kinds.
METRIC_NAMESPACE = "sesl"
DRIFT_METRIC = "DriftedAspects"      # number of drifted aspects found by the last drift run, per env
HEARTBEAT_METRIC = "DriftCheckRuns"  # 1 per completed drift run, per env (missing => the cron job died)
ENV_DIMENSION = "Env"

# Firehose writes its error log to this stream inside the stream's log group (both must exist
# before the stream: Firehose developer guide, monitoring-with-cloudwatch-logs).
DELIVERY_LOG_STREAM = "DestinationDelivery"
BACKUP_LOG_STREAM = "BackupDelivery"

# The names a config may override (`[env.<name>.names]`): templates in which `{env}` stands for the
# environment's name. Bucket names are global across all of AWS, so a taken one must be changeable.
ENV_PLACEHOLDER = "{env}"
EVENTS_BUCKET_TEMPLATE = "daily-system-design-email-events-{env}"
RESULTS_BUCKET_TEMPLATE = "daily-system-design-athena-results-{env}"

# VPC endpoints sesl can make: config name -> the service's endpoint name under com.amazonaws.<region>.
# (PrivateLink guide, aws-services-privatelink-support: Firehose is `kinesis-firehose`; S3's gateway
# endpoint is `s3`, gateway-endpoints-s3).
ENDPOINT_SERVICES: dict[str, str] = {"s3": "s3", "firehose": "kinesis-firehose", "athena": "athena", "glue": "glue"}
INTERFACE_ENDPOINTS: tuple[str, ...] = ("firehose", "athena", "glue")

# S3 ARNs carry neither Region nor account (S3 user guide, s3-arn-format).
S3_ARN_PREFIX = "arn:aws:s3:::"

# The principal an "... is not authorized ..." message names: a user, a role or a role's session, in any partition.
PRINCIPAL_ARN_PATTERN = r"arn:aws[a-z-]*:(?:iam|sts)::\d*:(?:user|role|assumed-role)/\S+?"


def bucket_of_arn(arn: str) -> str | None:
    """The bucket an S3 bucket ARN names; None for any other ARN."""
    return arn.removeprefix(S3_ARN_PREFIX) if arn.startswith(S3_ARN_PREFIX) else None


def object_arn_prefix(bucket: str, partition: str = "aws") -> str:
    """The prefix every object ARN of the bucket starts with: arn:<partition>:s3:::<bucket>/."""
    return f"arn:{partition}:s3:::{bucket}/"


def account_root_arn(account: str) -> str:
    """The ARN of an account's root principal (IAM user guide, reference_policies_elements_principal)."""
    return f"arn:aws:iam::{account}:root"


def lock_parameter(env: str) -> str:
    """The SSM parameter that holds the env's apply/destroy lock (sesl.lock); it needs no Region nor account."""
    return f"/sesl/{env}/lock"


def ses_identity_arn(region: str, account: str, identity: str) -> str:
    """A verified SES identity (domain or address), as SES names it in an event's mail.sourceArn."""
    return f"arn:aws:ses:{region}:{account}:identity/{identity}"


@dataclass(frozen=True)
class StreamNames:
    """One event stream: configuration set -> Firehose stream -> Glue table -> S3 prefix, as templates."""

    name: str
    configuration_set: str = CONFIGURATION_SET_TEMPLATE
    delivery_stream: str = DELIVERY_STREAM_TEMPLATE
    table: str = TABLE_TEMPLATE
    prefix: str = PREFIX_TEMPLATE


DEFAULT_STREAMS: tuple[StreamNames, ...] = tuple(StreamNames(flow) for flow in FLOWS)


@dataclass(frozen=True)
class Names:
    env: str
    region: str
    account: str
    events_bucket_template: str = EVENTS_BUCKET_TEMPLATE
    results_bucket_template: str = RESULTS_BUCKET_TEMPLATE
    # The env's streams; a name asked for a stream not listed (one removed from the config) is the default.
    streams: tuple[StreamNames, ...] = DEFAULT_STREAMS

    def stream_names(self, flow: str) -> StreamNames:
        return next((s for s in self.streams if s.name == flow), StreamNames(flow))

    def _fill(self, template: str, flow: str, glue: bool = False) -> str:
        """A stream's template with its env and stream; Glue names take `_` where the names have `-`."""
        env, stream = (self.glue_env, flow.replace("-", "_")) if glue else (self.env, flow)
        return template.replace(ENV_PLACEHOLDER, env).replace(STREAM_PLACEHOLDER, stream)

    @property
    def glue_env(self) -> str:
        """The env's name as Glue and Athena accept it: lowercase letters, digits and underscores only
        (Athena user guide, tables-databases-columns-names), so a hyphen becomes an underscore."""
        return self.env.replace("-", "_")

    # --- S3 -----------------------------------------------------------------------------
    @property
    def events_bucket(self) -> str:
        return self.events_bucket_template.replace(ENV_PLACEHOLDER, self.env)

    @property
    def results_bucket(self) -> str:
        return self.results_bucket_template.replace(ENV_PLACEHOLDER, self.env)

    @staticmethod
    def bucket_arn(bucket: str) -> str:
        return f"{S3_ARN_PREFIX}{bucket}"

    @staticmethod
    def objects_arn(bucket: str) -> str:
        """Every object of the bucket, as a policy's Resource."""
        return f"{S3_ARN_PREFIX}{bucket}/*"

    # --- Firehose -----------------------------------------------------------------------
    def stream(self, flow: str) -> str:
        return self._fill(self.stream_names(flow).delivery_stream, flow)

    def stream_arn(self, flow: str) -> str:
        return f"arn:aws:firehose:{self.region}:{self.account}:deliverystream/{self.stream(flow)}"

    def log_group(self, flow: str) -> str:
        return f"/aws/kinesisfirehose/{self.stream(flow)}"

    def log_group_arn(self, flow: str) -> str:
        return f"arn:aws:logs:{self.region}:{self.account}:log-group:{self.log_group(flow)}"

    # --- IAM ----------------------------------------------------------------------------
    @property
    def firehose_role(self) -> str:
        return f"email-events-firehose-{self.env}"

    @property
    def ses_role(self) -> str:
        return f"email-events-ses-to-firehose-{self.env}"

    @property
    def crawler_role(self) -> str:
        return f"email-events-crawler-{self.env}"

    def role_arn(self, role: str) -> str:
        return f"arn:aws:iam::{self.account}:role/{role}"

    # --- Glue ---------------------------------------------------------------------------
    @property
    def database(self) -> str:
        return f"email_events_db_{self.glue_env}"

    def table(self, flow: str) -> str:
        return self._fill(self.stream_names(flow).table, flow, glue=True)

    @property
    def raw_database(self) -> str:
        """Crawler-owned database for the raw JSON backup (never the projection tables)."""
        return f"email_events_raw_{self.glue_env}"

    @property
    def crawler(self) -> str:
        return f"email-events-raw-schema-{self.env}"

    @property
    def crawler_arn(self) -> str:
        return f"arn:aws:glue:{self.region}:{self.account}:crawler/{self.crawler}"

    @property
    def catalog_arn(self) -> str:
        return f"arn:aws:glue:{self.region}:{self.account}:catalog"

    def database_arn(self, database: str) -> str:
        return f"arn:aws:glue:{self.region}:{self.account}:database/{database}"

    def table_arn(self, database: str, table: str) -> str:
        return f"arn:aws:glue:{self.region}:{self.account}:table/{database}/{table}"

    @property
    def glue_logs_arn(self) -> str:
        """Every log group under /aws-glue/ (crawlers write to /aws-glue/crawlers) and their streams."""
        return f"arn:aws:logs:{self.region}:{self.account}:log-group:/aws-glue/*"

    # --- S3 key layout (one source for the Firehose prefix and the Glue location template)
    def data_prefix(self, flow: str) -> str:
        return self._fill(self.stream_names(flow).prefix, flow)

    @staticmethod
    def error_prefix(flow: str) -> str:
        return f"errors/{flow}/"

    def raw_prefix(self, flow: str) -> str:
        return f"raw/{self.stream(flow)}/"

    # --- SES ----------------------------------------------------------------------------
    def configuration_set(self, flow: str) -> str:
        return self._fill(self.stream_names(flow).configuration_set, flow)

    def configuration_set_arn(self, flow: str) -> str:
        return f"arn:aws:ses:{self.region}:{self.account}:configuration-set/{self.configuration_set(flow)}"

    def stream_record(self, flow: str) -> dict[str, str]:
        """The stream as its Glue table records it (table parameters)."""
        return {STREAM_PARAM: flow, CONFIGURATION_SET_PARAM: self.configuration_set(flow),
                DELIVERY_STREAM_PARAM: self.stream(flow)}

    def event_destination(self, flow: str) -> str:
        # The name prefix is how sesl proves ownership of an (untaggable) event destination.
        return f"sesl-firehose-{flow}"

    # --- Athena -------------------------------------------------------------------------
    @property
    def workgroup(self) -> str:
        return f"email-analytics-{self.env}"

    def workgroup_arn(self, workgroup: str) -> str:
        return f"arn:aws:athena:{self.region}:{self.account}:workgroup/{workgroup}"

    @property
    def results_location(self) -> str:
        return f"s3://{self.results_bucket}/query-results/"

    # --- VPC endpoints --------------------------------------------------------------------
    def endpoint_service(self, endpoint: str) -> str:
        """The endpoint service name of one of ENDPOINT_SERVICES in this env's Region."""
        return f"com.amazonaws.{self.region}.{ENDPOINT_SERVICES[endpoint]}"

    @property
    def lake_s3_resources(self) -> tuple[str, ...]:
        """The env's two buckets and their objects, as a policy's Resource."""
        buckets = (self.events_bucket, self.results_bucket)
        return tuple(arn for b in buckets for arn in (self.bucket_arn(b), self.objects_arn(b)))

    # --- Monitoring ---------------------------------------------------------------------
    @property
    def alert_topic(self) -> str:
        return f"email-events-alerts-{self.env}"

    @property
    def alert_topic_arn(self) -> str:
        return f"arn:aws:sns:{self.region}:{self.account}:{self.alert_topic}"

    @property
    def dashboard(self) -> str:
        return f"email-events-{self.env}"

    def alarm(self, subject: str, check: str) -> str:
        return f"{subject}-{check}"

    def alarm_arn(self, alarm: str) -> str:
        return f"arn:aws:cloudwatch:{self.region}:{self.account}:alarm:{alarm}"

    @property
    def budget(self) -> str:
        return f"email-analytics-{self.env}-monthly"

    def budget_arn(self, budget: str) -> str:
        """Budgets are global: the ARN has no Region (AWS Budgets, budgets-control-access)."""
        return f"arn:aws:budgets::{self.account}:budget/{budget}"

    @property
    def budgets_source_arn(self) -> str:
        """Every budget of the account, as the aws:SourceArn AWS Budgets publishes with (budgets-sns-policy)."""
        return f"arn:aws:budgets::{self.account}:*"

    @property
    def lock_parameter(self) -> str:
        return lock_parameter(self.env)


# --- What AWS accepts as a name --------------------------------------------------------------
@dataclass(frozen=True)
class NameRule:
    """One service's rule for a name: at most `longest` characters, all of them matching `allowed`."""

    service: str
    longest: int
    allowed: str  # a regular expression every character must match
    source: str

    def problem(self, name: str) -> str | None:
        if not 1 <= len(name) <= self.longest:
            return f"is {len(name)} characters, {self.service} allows 1-{self.longest} ({self.source})"
        bad = sorted({c for c in name if not re.fullmatch(self.allowed, c)})
        if bad:
            return f"has {''.join(bad)!r}, which {self.service} does not allow ({self.source})"
        return None


FIREHOSE_STREAM = NameRule("Firehose", 64, r"[a-zA-Z0-9_.-]", "botocore firehose DeliveryStreamName")
LOG_GROUP = NameRule("CloudWatch Logs", 512, r"[.\-_/#A-Za-z0-9]", "botocore logs LogGroupName")
IAM_ROLE = NameRule("IAM", 64, r"[\w+=,.@-]", "botocore iam roleNameType")
# Glue accepts 255 characters (botocore glue NameString) but Athena reads only lowercase letters, digits
# and underscores in database names (Athena user guide, tables-databases-columns-names).
GLUE_DATABASE = NameRule("Glue/Athena", 255, r"[a-z0-9_]", "botocore glue NameString; Athena user guide")
GLUE_CRAWLER = NameRule("Glue", 255, r"[\u0020-\ud7ff\ue000-\ufffd\t]", "botocore glue NameString")
# Configuration set names (and sesl's event destination names, held to the same rule): up to 64
# letters, digits, underscores and hyphens (SES API reference, ConfigurationSet Name).
SES_NAME = NameRule("SES", 64, r"[A-Za-z0-9_-]", "SES API reference, ConfigurationSet")
ATHENA_WORKGROUP = NameRule("Athena", 128, r"[a-zA-Z0-9._-]", "botocore athena WorkGroupName")
SNS_TOPIC = NameRule("SNS", 256, r"[A-Za-z0-9_-]", "botocore sns CreateTopicInput.Name")
DASHBOARD = NameRule("CloudWatch", 255, r"[A-Za-z0-9_-]", "botocore cloudwatch PutDashboardInput.DashboardName")
ALARM = NameRule("CloudWatch", 255, r"[^\x00-\x1f]", "botocore cloudwatch AlarmName")
BUDGET = NameRule("AWS Budgets", 100, r"[^:\\]", "botocore budgets BudgetName")
# PutParameter Name: a-zA-Z0-9_.- and the / of the hierarchy, 1011 characters with the ARN prefix
# (botocore ssm PutParameterRequest.Name).
SSM_PARAMETER = NameRule("SSM", 1011, r"[a-zA-Z0-9_./-]", "botocore ssm PutParameterRequest.Name")

# S3 user guide, bucketnamingrules (general purpose buckets).
BUCKET_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
BUCKET_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
BUCKET_SOURCE = "S3 user guide, bucketnamingrules"


def bucket_name_problem(name: str) -> str | None:
    """What breaks S3's naming rules for general purpose buckets, or None."""
    if not 3 <= len(name) <= 63:
        return f"is {len(name)} characters, S3 allows 3-63 ({BUCKET_SOURCE})"
    bad = sorted({c for c in name if not re.fullmatch(r"[a-z0-9.-]", c)})
    if bad:
        return f"has {''.join(bad)!r}: S3 allows only lowercase letters, digits, dots and hyphens ({BUCKET_SOURCE})"
    if not (name[0].isalnum() and name[-1].isalnum()):
        return f"must begin and end with a letter or digit ({BUCKET_SOURCE})"
    if ".." in name:
        return f"has two adjacent dots ({BUCKET_SOURCE})"
    if _is_ip_address(name):
        return f"is formatted as an IP address ({BUCKET_SOURCE})"
    reserved = [p for p in BUCKET_RESERVED_PREFIXES if name.startswith(p)]
    reserved += [s for s in BUCKET_RESERVED_SUFFIXES if name.endswith(s)]
    if reserved:
        return f"uses {reserved[0]!r}, which S3 reserves ({BUCKET_SOURCE})"
    return None


def _is_ip_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def derived_names(n: Names) -> list[tuple[str, str, NameRule | None]]:
    """(what, name, rule) for every name sesl derives; rule None means S3's bucket rules."""
    streams = [(what, name, rule) for s in n.streams for _, what, name, rule in stream_names(n, s.name)]
    return [*env_names(n), *streams]


def env_names(n: Names) -> list[tuple[str, str, NameRule | None]]:
    """(what, name, rule) for the names of the env that no stream has a part in."""
    return [
        ("events_bucket", n.events_bucket, None),
        ("results_bucket", n.results_bucket, None),
        *((f"IAM role ({role})", role, IAM_ROLE) for role in (n.firehose_role, n.ses_role, n.crawler_role)),
        ("Glue database", n.database, GLUE_DATABASE),
        ("Glue database (raw)", n.raw_database, GLUE_DATABASE),
        ("Glue crawler", n.crawler, GLUE_CRAWLER),
        ("Athena workgroup", n.workgroup, ATHENA_WORKGROUP),
        ("SNS topic", n.alert_topic, SNS_TOPIC),
        ("CloudWatch dashboard", n.dashboard, DASHBOARD),
        ("CloudWatch alarm", n.alarm(f"sesl-{n.env}", "drift-heartbeat"), ALARM),
        ("budget", n.budget, BUDGET),
        ("SSM lock parameter", n.lock_parameter, SSM_PARAMETER),
    ]


def stream_names(n: Names, flow: str) -> list[tuple[str, str, str, NameRule]]:
    """(template key or "", what, name, rule) for every name of one stream; the key names the stream's setting
    the name comes from ("" when only the stream's own name does)."""
    stream = n.stream(flow)
    return [
        ("configuration_set", "SES configuration set", n.configuration_set(flow), SES_NAME),
        ("delivery_stream", "Firehose stream", stream, FIREHOSE_STREAM),
        ("table", "Glue table", n.table(flow), GLUE_DATABASE),
        ("delivery_stream", "log group", n.log_group(flow), LOG_GROUP),
        ("delivery_stream", "CloudWatch alarm", n.alarm(stream, "conversion-failures"), ALARM),
        ("", "SES event destination", n.event_destination(flow), SES_NAME),
    ]


def name_problems(n: Names) -> list[tuple[str, str, str]]:
    """(what, name, problem) for each derived name AWS would refuse."""
    found = []
    for what, name, rule in derived_names(n):
        problem = bucket_name_problem(name) if rule is None else rule.problem(name)
        if problem:
            found.append((what, name, problem))
    return found
