"""The ordered registry of resource kinds: creation walks it forwards, destroy backwards.

A test checks the order against each kind's declared `needs` with graphlib.
"""

from __future__ import annotations

from typing import Any

from sesl.resources.athena_named_query import AthenaNamedQueryKind
from sesl.resources.athena_workgroup import AthenaWorkgroupKind
from sesl.resources.base import Kind
from sesl.resources.budget import BudgetKind
from sesl.resources.cloudwatch_alarm import CloudWatchAlarmKind
from sesl.resources.cloudwatch_dashboard import CloudWatchDashboardKind
from sesl.resources.firehose_stream import FirehoseStreamKind
from sesl.resources.glue_crawler import GlueCrawlerKind
from sesl.resources.glue_database import GlueDatabaseKind
from sesl.resources.glue_table import GlueTableKind
from sesl.resources.iam_role import IamRoleKind
from sesl.resources.log_group import LogGroupKind
from sesl.resources.s3_bucket import S3BucketKind
from sesl.resources.ses_event_destination import SesEventDestinationKind
from sesl.resources.sns_topic import SnsTopicKind
from sesl.resources.vpc_endpoint import VpcEndpointKind

REGISTRY: tuple[Kind[Any, Any], ...] = (
    S3BucketKind(),
    IamRoleKind(),
    GlueDatabaseKind(),
    GlueTableKind(),
    LogGroupKind(),
    FirehoseStreamKind(),
    GlueCrawlerKind(),
    SesEventDestinationKind(),
    AthenaWorkgroupKind(),
    AthenaNamedQueryKind(),
    SnsTopicKind(),
    CloudWatchAlarmKind(),
    CloudWatchDashboardKind(),
    BudgetKind(),
    VpcEndpointKind(),
)


def kind_named(name: str) -> Kind[Any, Any]:
    for kind in REGISTRY:
        if kind.kind == name:
            return kind
    raise KeyError(name)
