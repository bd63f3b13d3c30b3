"""Every AWS name and ARN sesl uses, derived from the environment in one place.

No other module spells a resource name: they ask a `Names` object. ARNs are computed from
names, so a plan never has unknowns (sesl knows every ARN before anything exists).
"""

from __future__ import annotations

from dataclasses import dataclass

# The two SES flows of the design; one Firehose stream, Glue table and log group each.
FLOWS: tuple[str, ...] = ("newsletter", "transactional")

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


@dataclass(frozen=True)
class Names:
    env: str
    region: str
    account: str

    # --- S3 -----------------------------------------------------------------------------
    @property
    def events_bucket(self) -> str:
        return f"daily-system-design-email-events-{self.env}"

    @property
    def results_bucket(self) -> str:
        return f"daily-system-design-athena-results-{self.env}"

    @staticmethod
    def bucket_arn(bucket: str) -> str:
        return f"arn:aws:s3:::{bucket}"

    # --- Firehose -----------------------------------------------------------------------
    def stream(self, flow: str) -> str:
        return f"email-events-{flow}-{self.env}"

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
        return f"email_events_db_{self.env}"

    @staticmethod
    def table(flow: str) -> str:
        return f"{flow}_events"

    @property
    def raw_database(self) -> str:
        """Crawler-owned database for the raw JSON backup (never the projection tables)."""
        return f"email_events_raw_{self.env}"

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
    @staticmethod
    def data_prefix(flow: str) -> str:
        return f"{flow}/"

    @staticmethod
    def error_prefix(flow: str) -> str:
        return f"errors/{flow}/"

    def raw_prefix(self, flow: str) -> str:
        return f"raw/{self.stream(flow)}/"

    # --- SES ----------------------------------------------------------------------------
    def configuration_set(self, flow: str) -> str:
        return f"daily-system-design-{flow}-{self.env}"

    def configuration_set_arn(self, flow: str) -> str:
        return f"arn:aws:ses:{self.region}:{self.account}:configuration-set/{self.configuration_set(flow)}"

    def event_destination(self, flow: str) -> str:
        # The name prefix is how sesl proves ownership of an (untaggable) event destination.
        return f"sesl-firehose-{flow}"

    # --- Athena -------------------------------------------------------------------------
    @property
    def workgroup(self) -> str:
        return f"email-analytics-{self.env}"

    @property
    def results_location(self) -> str:
        return f"s3://{self.results_bucket}/query-results/"

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

    @property
    def budget(self) -> str:
        return f"email-analytics-{self.env}-monthly"

    @property
    def lock_key(self) -> str:
        return f"sesl/lock/{self.env}.json"
