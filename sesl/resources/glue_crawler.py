"""The weekly schema crawler, made so it cannot damage anything.

A crawler over the Parquet output could never see a new SES field (Firehose writes only the schema's
columns), and one pointed at the projection tables can rewrite or deprecate them (aws-reference.md
§3.7, §8 rows 5-6). This one crawls the raw JSON backup (raw/<stream>/) into its own database, with a
read-only role; `sesl diff` compares what it found with the managed schema (the glue_table kind) and
`sesl apply` adds the new fields.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import botocore.exceptions

from sesl import glue_rules
from sesl.aws_errors import error_code
from sesl.context import AwsContext
from sesl.diff import diff_tags, diff_values, is_owned, ownership_tags, tags_to_dict
from sesl.errors import SeslError
from sesl.fold import fold_attribute
from sesl.model import Change, FieldChange
from sesl.resources.base import Aspect, Env, Kind, Request, read_or_none, send
from sesl.retry import retry_eventual
from sesl.ui import reporter

TABLE_PREFIX = "raw_"
# Its own database only, so updating in place is safe; deletions only logged. One table per path, and
# partitions that inherit the table's schema (Glue guide, crawler-configuration).
SCHEMA_CHANGE_POLICY = {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "LOG"}
RECRAWL_POLICY = {"RecrawlBehavior": "CRAWL_EVERYTHING"}
CONFIGURATION = {"Version": 1.0, "Grouping": {"TableGroupingPolicy": "CombineCompatibleSchemas"},
                 "CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"}}}

CONFIG_ASPECTS: dict[str, tuple[str, ...]] = {
    "role": ("Role",), "targets": ("Targets",), "schedule": ("Schedule",),
    "output": ("DatabaseName", "TablePrefix"), "policies": ("SchemaChangePolicy", "RecrawlPolicy"),
    "configuration": ("Configuration",), "description": ("Description",),
}


# GetCrawler `State` (botocore glue CrawlerState: READY | RUNNING | STOPPING). UpdateCrawler refuses a crawler
# that is not READY with CrawlerRunningException (Glue API reference, UpdateCrawler errors).
BUSY_STATES = ("RUNNING", "STOPPING")
RUNNING_ERROR = "CrawlerRunningException"


@dataclass(frozen=True)
class RunningWait:
    """How long an update waits for a running crawler to finish, and how often it looks (tests shorten it).
    A crawl of the raw backup takes minutes; past the bound apply stops and says what is left to do."""

    bound_seconds: float = 900.0
    poll_seconds: float = 20.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


def role_name(role: str | None) -> str:
    """A crawler role in one canonical form: its name, whether given as an ARN
    (`arn:aws:iam::1:role/service-role/x`), as a name with its path (`service-role/x`, what GetCrawler
    returns: terraform-provider-aws crawler.go, "Glue API always returns name") or as a bare name."""
    return (role or "").rsplit(":", 1)[-1].rsplit("/", 1)[-1]


def s3_targets(targets: dict[str, Any] | None) -> dict[str, Any]:
    """Targets as sesl sets them: S3 targets only; the empty `Exclusions: []` and the empty lists of other target
    kinds that GetCrawler adds are dropped (published GetCrawler outputs; see sesl/sandbox/shapes/glue.py)."""
    found = [{k: v for k, v in t.items() if v not in (None, [], {})} for t in (targets or {}).get("S3Targets") or []]
    others = {k: v for k, v in (targets or {}).items() if k != "S3Targets" and v}
    return {"S3Targets": found, **others}


@dataclass(frozen=True)
class CrawlerSpec:
    name: str
    arn: str
    config: dict[str, Any]  # CreateCrawler parameters except Name and Tags
    tags: dict[str, str]


@dataclass(frozen=True)
class CrawlerState:
    name: str
    owned: bool
    arn: str
    state: str
    config: dict[str, Any]
    tags: dict[str, str]


def crawler_state(crawler: dict[str, Any], tags: dict[str, str], want: CrawlerSpec, env: str) -> CrawlerState:
    """The state of a crawler from its GetCrawler answer, in the form sesl compares."""
    config = {k: crawler.get(k) for k in want.config}
    # GetCrawler: Schedule {ScheduleExpression, State}; Targets with every target list and `Exclusions: []`.
    config["Schedule"] = (crawler.get("Schedule") or {}).get("ScheduleExpression")
    config["Targets"] = s3_targets(crawler.get("Targets"))
    return CrawlerState(want.name, is_owned(tags, env), want.arn, crawler.get("State", "READY"), config, tags)


def duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    if seconds < 120:
        return f"{seconds:.0f} seconds"
    return f"{minutes} minutes"


def still_running(name: str, waited: float) -> str:
    return (f"glue_crawler.{name} is still running after {duration(waited)}, so it was not updated: run "
            f"`sesl apply` again once it is done, or stop it with `aws glue stop-crawler --name {name}`")


class GlueCrawlerKind(Kind[CrawlerSpec, CrawlerState]):
    kind = "glue_crawler"
    needs = ("s3_bucket", "iam_role", "glue_database", "firehose_stream")

    def desired(self, env: Env) -> list[CrawlerSpec]:
        if not env.spec.glue.crawler_enabled:
            return []
        n = env.names
        config = {
            "Role": n.role_arn(n.crawler_role), "DatabaseName": n.raw_database, "TablePrefix": TABLE_PREFIX,
            "Description": "Crawls the raw SES JSON backup to find fields the managed schema lacks (sesl)",
            "Targets": {"S3Targets": [{"Path": f"s3://{n.events_bucket}/{n.raw_prefix(f)}"} for f in env.spec.flows]},
            "Schedule": env.spec.glue.crawler_schedule, "SchemaChangePolicy": SCHEMA_CHANGE_POLICY,
            "RecrawlPolicy": RECRAWL_POLICY, "Configuration": json.dumps(CONFIGURATION),
        }
        return [CrawlerSpec(n.crawler, n.crawler_arn, config, ownership_tags(env.spec.env, env.spec.tags))]

    def validate(self, env: Env, want: CrawlerSpec) -> list[str]:
        c = want.config
        problems = glue_rules.schedule_problems(c["Schedule"])
        problems += glue_rules.crawler_policy_problems(c["RecrawlPolicy"]["RecrawlBehavior"],
                                                       c["SchemaChangePolicy"]["UpdateBehavior"],
                                                       c["SchemaChangePolicy"]["DeleteBehavior"], c["Targets"])
        problems += glue_rules.crawler_target_problems(c["Targets"], c.get("DatabaseName"))
        if want.config["DatabaseName"] == env.names.database:
            problems.append("the crawler must never write the projection tables' database")
        return problems

    def read(self, ctx: AwsContext, want: CrawlerSpec) -> CrawlerState | None:
        glue = ctx.client("glue")
        crawler = read_or_none(lambda: glue.get_crawler(Name=want.name)["Crawler"], "EntityNotFoundException")
        if crawler is None:
            return None
        tags = tags_to_dict(glue.get_tags(ResourceArn=want.arn).get("Tags", {}))
        return crawler_state(crawler, tags, want, ctx.spec.env)

    def create_fields(self, want: CrawlerSpec) -> tuple[FieldChange, ...]:
        return (FieldChange("Schedule", None, want.config["Schedule"]),
                FieldChange("Targets", None, [t["Path"] for t in want.config["Targets"]["S3Targets"]]),
                FieldChange("DatabaseName", None, want.config["DatabaseName"]))

    def diff(self, have: CrawlerState, want: CrawlerSpec) -> list[Change]:
        changes = []
        for aspect, keys in CONFIG_ASPECTS.items():
            fields = []
            for key in keys:
                before, after = have.config.get(key), want.config[key]
                if key == "Configuration":  # compared as JSON, not text
                    before, after = json.loads(before or "{}"), json.loads(after)
                if key == "Role" and role_name(before) == role_name(after):
                    continue  # sent as an ARN, returned as a name (role_name)
                fields += diff_values(before, after, key)
            changes += self.change(want, have, aspect, fields)
        return changes + self.change(want, have, "tags", diff_tags(have.tags, want.tags))

    def requests(self, want: CrawlerSpec) -> list[Request]:
        return [Request("glue", "CreateCrawler", {"Name": want.name, "Tags": want.tags, **want.config})]

    def create(self, ctx: AwsContext, want: CrawlerSpec) -> None:
        glue = ctx.client("glue")
        (request,) = self.requests(want)
        # A role created seconds ago: "Service is unable to assume provided role" (aws-reference.md §3.7).
        retry_eventual(lambda: send(glue, request), f"{self.kind}.{want.name}", "glue", roles=(want.config["Role"],))

    running_wait = RunningWait()

    def update_whole(self, ctx: AwsContext, want: CrawlerSpec, have: CrawlerState) -> None:
        glue = ctx.client("glue")
        what = f"{self.kind}.{want.name}"
        wait = self.running_wait
        deadline = wait.clock() + wait.bound_seconds
        while True:
            state = glue.get_crawler(Name=want.name)["Crawler"].get("State", "READY")
            if state not in BUSY_STATES:
                try:
                    retry_eventual(lambda: glue.update_crawler(Name=want.name, **want.config), what, "glue",
                                   roles=(want.config["Role"],))
                    return
                except botocore.exceptions.ClientError as exc:
                    # Started between the read and the update (a schedule, a console click).
                    if error_code(exc) != RUNNING_ERROR:
                        raise
                    state = "RUNNING"
            left = deadline - wait.clock()
            if left <= 0:
                raise SeslError(still_running(want.name, wait.bound_seconds))
            reporter().info(f"{what}: the crawler is {state}; UpdateCrawler must wait for it to finish "
                            f"(looking again in {wait.poll_seconds:.0f}s, giving up in {left:.0f}s)")
            wait.sleep(min(wait.poll_seconds, left))

    def observed_warnings(self, ctx: AwsContext, want: CrawlerSpec, have: CrawlerState | None) -> list[str]:
        if have is None or have.state not in BUSY_STATES or not have.owned:
            return []
        if not [c for c in self.diff(have, want) if c.aspect != "tags"]:
            return []
        return [f"the crawler is {have.state} now: apply waits up to {duration(self.running_wait.bound_seconds)} "
                "for it to finish before updating it"]

    def update_tags(self, ctx: AwsContext, want: CrawlerSpec, have: CrawlerState) -> None:
        ctx.client("glue").tag_resource(ResourceArn=want.arn, TagsToAdd=want.tags)

    def delete(self, ctx: AwsContext, have: CrawlerState) -> None:
        ctx.client("glue").delete_crawler(Name=have.name)

    # UpdateCrawler writes the whole definition: one call per apply, however many aspects changed.
    ASPECTS = (
        *(Aspect[CrawlerSpec, CrawlerState](aspect, fold=fold_attribute("config")) for aspect in CONFIG_ASPECTS),
        Aspect("tags", ("glue:TagResource",), update_tags, fold=fold_attribute("tags", "tags.")),
    )
    WHOLE = ("glue:UpdateCrawler",)
    CREATE = ("glue:CreateCrawler",)
    DELETE = ("glue:DeleteCrawler",)
