"""Ignore rules hold for every kind, against moto in-process: two aspects drift out of band, one is ignored,
apply repairs the other, the ignored value survives (read back with boto3), and apply calls exactly what the
plan declared (for a whole-resource kind: one call of its whole operation).

The env carries one extra tag (team=data), so every tagged kind has a tag sesl sets that can drift without
touching the ownership tags. The dashboard has one aspect (its body): two fields of it drift and one is
ignored, which the fold keeps in the one PutDashboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest

from sesl import reconcile
from sesl.context import AwsContext
from sesl.errors import RefusedError
from sesl.model import Action, Plan
from sesl.spec import IgnoreRule, default_spec
from tests.conftest import boto
from tests.ladder import converge

ACCOUNT = "123456789012"
BUCKET = "daily-system-design-email-events-dev"
ROLE = "email-events-firehose-dev"
DATABASE = "email_events_db_dev"
TABLE = "newsletter_events"
LOG_GROUP = "/aws/kinesisfirehose/email-events-newsletter-dev"
STREAM = "email-events-newsletter-dev"
CRAWLER = "email-events-raw-schema-dev"
CONFIGURATION_SET_DESTINATION = "sesl-firehose-newsletter"
WORKGROUP = "email-analytics-dev"
QUERY = "sesl-newsletter-daily-engagement"
TOPIC = "email-events-alerts-dev"
ALARM = "email-events-newsletter-dev-delivery-success"
DASHBOARD = "email-events-dev"
BUDGET = "email-analytics-dev-monthly"
GIB = 1024 ** 3
FIREHOSE_DEPS = ["s3_bucket", "iam_role", "glue_database", "glue_table", "log_group", "firehose_stream"]


def context(*rules: str) -> AwsContext:
    spec = replace(default_spec("dev"), tags={"team": "data"})
    return AwsContext(replace(spec, ignore=[IgnoreRule(r, "accepted on purpose") for r in rules]))


def plan_of(ctx: AwsContext, target: str) -> Plan:
    return reconcile.plan(ctx, reconcile.PlanOptions(targets=(target,)))


def apply_planned(ctx: AwsContext, target: str) -> Plan:
    """Plan, apply what was planned with a clean call log, and check apply called only declared operations."""
    the_plan = plan_of(ctx, target)
    ctx.log.clear()
    reconcile.execute(ctx, the_plan)
    declared = {op for c in the_plan.actionable for op in c.operations}
    assert set(ctx.log.mutating) <= declared, (ctx.log.mutating, declared)
    return the_plan


def planned(the_plan: Plan) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(c.aspect, c.call, c.operations) for c in the_plan.changes]


def ignored(the_plan: Plan) -> list[tuple[str, list[str]]]:
    return [(c.aspect, [f.path for f in c.fields]) for c, _ in the_plan.ignored]


def settled(ctx: AwsContext, target: str) -> None:
    """Nothing is left to do: the repair holds and the ignored difference stays ignored."""
    again = plan_of(ctx, target)
    assert again.changes == ()
    assert again.ignored != ()


def tag_list_of(tags: Sequence[dict[str, str]]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags}


# -- s3_bucket: versioning ignored, public access block repaired ------------------------------------------------

def test_s3_bucket_ignored_versioning_survives_a_public_access_block_repair(aws: None) -> None:
    ctx = context(f"s3_bucket.{BUCKET}.versioning")
    converge(ctx, ["s3_bucket"])
    s3 = boto("s3")
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"})
    s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False, "RestrictPublicBuckets": True})
    the_plan = apply_planned(ctx, f"s3_bucket.{BUCKET}")
    assert planned(the_plan) == [("public_access_block", "public_access_block", ("s3:PutPublicAccessBlock",))]
    assert ignored(the_plan) == [("versioning", ["Status"])]
    assert ctx.log.mutating == ["s3:PutPublicAccessBlock"]
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Suspended"
    assert s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True
    settled(ctx, f"s3_bucket.{BUCKET}")


def test_s3_bucket_field_ignored_in_the_public_access_block_is_refused(aws: None) -> None:
    """The public access block is one PutPublicAccessBlock of all four flags and has no fold: ignoring one flag
    while another is repaired would overwrite it, so the plan refuses and apply writes nothing."""
    ctx = context(f"s3_bucket.{BUCKET}.public_access_block.BlockPublicPolicy")
    converge(ctx, ["s3_bucket"])
    s3 = boto("s3")
    s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": False, "RestrictPublicBuckets": True})
    the_plan = plan_of(ctx, f"s3_bucket.{BUCKET}")
    [change] = the_plan.changes
    assert (change.action, change.aspect, change.operations) == (Action.REFUSE, "public_access_block", ())
    assert change.reason == ("applying it would overwrite the ignored public_access_block.BlockPublicPolicy, which "
                             "sesl cannot keep in the same call: ignore the whole aspect (or resource), or remove "
                             "the ignore rule")
    ctx.log.clear()
    with pytest.raises(RefusedError, match="nothing was changed"):
        reconcile.execute(ctx, the_plan)
    assert ctx.log.mutating == []
    block = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert (block["BlockPublicAcls"], block["BlockPublicPolicy"]) == (False, False)


# -- iam_role: managed policies ignored, trust repaired ---------------------------------------------------------

def test_iam_role_ignored_managed_policy_survives_a_trust_repair(aws: None) -> None:
    ctx = context(f"iam_role.{ROLE}.managed_policies")
    converge(ctx, ["s3_bucket", "iam_role"])
    iam = boto("iam")
    extra = iam.create_policy(PolicyName="read-by-hand", PolicyDocument=(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
    ))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=ROLE, PolicyArn=extra)
    iam.update_assume_role_policy(RoleName=ROLE, PolicyDocument=(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": '
        '"ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'))
    the_plan = apply_planned(ctx, f"iam_role.{ROLE}")
    assert planned(the_plan) == [("trust", "trust", ("iam:UpdateAssumeRolePolicy",))]
    assert ignored(the_plan) == [("managed_policies", ["AttachedPolicies"])]
    assert ctx.log.mutating == ["iam:UpdateAssumeRolePolicy"]
    attached = iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [extra]
    trust = iam.get_role(RoleName=ROLE)["Role"]["AssumeRolePolicyDocument"]
    assert "firehose.amazonaws.com" in str(trust) and "ec2.amazonaws.com" not in str(trust)
    settled(ctx, f"iam_role.{ROLE}")


# -- glue_database: a tag ignored, the description repaired ----------------------------------------------------

def test_glue_database_ignored_tag_survives_a_description_repair(aws: None) -> None:
    ctx = context(f"glue_database.{DATABASE}.tags.tags.team")  # kind.name.aspect.field
    converge(ctx, ["glue_database"])
    glue = boto("glue")
    arn = f"arn:aws:glue:us-west-2:{ACCOUNT}:database/{DATABASE}"
    glue.tag_resource(ResourceArn=arn, TagsToAdd={"team": "ops"})
    glue.update_database(Name=DATABASE, DatabaseInput={"Name": DATABASE, "Description": "edited by hand"})
    the_plan = apply_planned(ctx, f"glue_database.{DATABASE}")
    assert planned(the_plan) == [("description", "description", ("glue:UpdateDatabase",))]
    assert ignored(the_plan) == [("tags", ["tags.team"])]
    assert ctx.log.mutating == ["glue:UpdateDatabase"]
    assert glue.get_tags(ResourceArn=arn)["Tags"]["team"] == "ops"
    assert glue.get_database(Name=DATABASE)["Database"]["Description"].startswith("SES email events (dev)")
    settled(ctx, f"glue_database.{DATABASE}")


# -- glue_table (whole): a parameter ignored, the projection repaired, one UpdateTable -----------------------------

def test_glue_table_ignored_parameter_is_folded_into_the_one_update_table(aws: None) -> None:
    ctx = context(f"glue_table.{TABLE}.parameters.classification")
    converge(ctx, ["glue_database", "glue_table"])
    glue = boto("glue")
    table = glue.get_table(DatabaseName=DATABASE, Name=TABLE)["Table"]
    params = {**table["Parameters"], "projection.day.digits": "1", "classification": "json"}
    table_input = {k: table[k] for k in ("Name", "StorageDescriptor", "PartitionKeys", "TableType")}
    glue.update_table(DatabaseName=DATABASE, TableInput={**table_input, "Parameters": params})
    the_plan = apply_planned(ctx, f"glue_table.{TABLE}")
    assert planned(the_plan) == [("projection", "whole", ("glue:UpdateTable",))]
    assert ignored(the_plan) == [("parameters", ["classification"])]
    assert ctx.log.mutating == ["glue:UpdateTable"]
    assert ctx.log.calls["glue:UpdateTable"] == 1
    after = glue.get_table(DatabaseName=DATABASE, Name=TABLE)["Table"]["Parameters"]
    assert (after["classification"], after["projection.day.digits"]) == ("json", "2")
    settled(ctx, f"glue_table.{TABLE}")


# -- log_group: retention ignored, a deleted stream made again ----------------------------------------------------

def test_log_group_ignored_retention_survives_a_stream_repair(aws: None) -> None:
    ctx = context(f"log_group.{LOG_GROUP}.retention")
    converge(ctx, ["log_group"])
    logs = boto("logs")
    logs.put_retention_policy(logGroupName=LOG_GROUP, retentionInDays=1)
    logs.delete_log_stream(logGroupName=LOG_GROUP, logStreamName="BackupDelivery")
    the_plan = apply_planned(ctx, f"log_group.{LOG_GROUP}")
    assert planned(the_plan) == [("log_streams", "log_streams", ("logs:CreateLogStream",))]
    assert ignored(the_plan) == [("retention", ["retentionInDays"])]
    assert ctx.log.mutating == ["logs:CreateLogStream"]
    [group] = logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"]
    assert group["retentionInDays"] == 1
    streams = logs.describe_log_streams(logGroupName=LOG_GROUP)["logStreams"]
    assert sorted(s["logStreamName"] for s in streams) == ["BackupDelivery", "DestinationDelivery"]
    settled(ctx, f"log_group.{LOG_GROUP}")


# -- firehose_stream (whole): the error prefix ignored, buffering repaired, one UpdateDestination ---------------------

def _extended_s3(firehose: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    described = firehose.describe_delivery_stream(DeliveryStreamName=STREAM)["DeliveryStreamDescription"]
    return described, described["Destinations"][0]["ExtendedS3DestinationDescription"]


def test_firehose_stream_ignored_error_prefix_is_folded_into_the_one_update(aws: None) -> None:
    ctx = context(f"firehose_stream.{STREAM}.prefixes.ErrorOutputPrefix")
    converge(ctx, FIREHOSE_DEPS)
    firehose = boto("firehose")
    described, s3 = _extended_s3(firehose)
    firehose.update_destination(
        DeliveryStreamName=STREAM, CurrentDeliveryStreamVersionId=described["VersionId"],
        DestinationId=described["Destinations"][0]["DestinationId"],
        ExtendedS3DestinationUpdate={"BufferingHints": {**s3["BufferingHints"], "SizeInMBs": 128},
                                     "ErrorOutputPrefix": "elsewhere/"})
    the_plan = apply_planned(ctx, f"firehose_stream.{STREAM}")
    assert planned(the_plan) == [("buffering", "whole", ("firehose:UpdateDestination",))]
    assert ignored(the_plan) == [("prefixes", ["ErrorOutputPrefix"])]
    assert ctx.log.mutating == ["firehose:UpdateDestination"]
    assert ctx.log.calls["firehose:UpdateDestination"] == 1
    _, after = _extended_s3(firehose)
    assert (after["ErrorOutputPrefix"], after["BufferingHints"]["SizeInMBs"]) == ("elsewhere/", 64)
    settled(ctx, f"firehose_stream.{STREAM}")


# -- glue_crawler (whole): the schedule ignored, the schema change policy repaired, one UpdateCrawler ---------------

def test_glue_crawler_ignored_schedule_is_folded_into_the_one_update(aws: None) -> None:
    ctx = context(f"glue_crawler.{CRAWLER}.schedule")
    converge(ctx, ["s3_bucket", "iam_role", "glue_database", "glue_crawler"])
    glue = boto("glue")
    glue.update_crawler(Name=CRAWLER, Schedule="cron(0 1 * * ? *)",
                        SchemaChangePolicy={"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"})
    the_plan = apply_planned(ctx, f"glue_crawler.{CRAWLER}")
    assert planned(the_plan) == [("policies", "whole", ("glue:UpdateCrawler",))]
    assert ignored(the_plan) == [("schedule", ["Schedule"])]
    assert ctx.log.mutating == ["glue:UpdateCrawler"]
    assert ctx.log.calls["glue:UpdateCrawler"] == 1
    crawler = glue.get_crawler(Name=CRAWLER)["Crawler"]
    assert crawler["Schedule"]["ScheduleExpression"] == "cron(0 1 * * ? *)"
    assert crawler["SchemaChangePolicy"] == {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "LOG"}
    settled(ctx, f"glue_crawler.{CRAWLER}")


# -- ses_event_destination (whole): event types ignored, enabled repaired, one update --------------------------------

def test_ses_event_destination_ignored_event_types_are_folded_into_the_one_update(aws: None) -> None:
    ctx = context(f"ses_event_destination.{CONFIGURATION_SET_DESTINATION}.event_types")
    converge(ctx, [*FIREHOSE_DEPS, "ses_event_destination"])
    sesv2 = boto("sesv2")
    configuration_set = "daily-system-design-newsletter-dev"
    [current] = [d for d in sesv2.get_configuration_set_event_destinations(
        ConfigurationSetName=configuration_set)["EventDestinations"] if d["Name"] == CONFIGURATION_SET_DESTINATION]
    sesv2.update_configuration_set_event_destination(
        ConfigurationSetName=configuration_set, EventDestinationName=CONFIGURATION_SET_DESTINATION,
        EventDestination={"Enabled": False, "MatchingEventTypes": ["BOUNCE"],
                          "KinesisFirehoseDestination": current["KinesisFirehoseDestination"]})
    the_plan = apply_planned(ctx, f"ses_event_destination.{CONFIGURATION_SET_DESTINATION}")
    assert planned(the_plan) == [("enabled", "whole", ("sesv2:UpdateConfigurationSetEventDestination",))]
    assert ignored(the_plan) == [("event_types", ["MatchingEventTypes"])]
    assert ctx.log.mutating == ["sesv2:UpdateConfigurationSetEventDestination"]
    assert ctx.log.calls["sesv2:UpdateConfigurationSetEventDestination"] == 1
    [after] = [d for d in sesv2.get_configuration_set_event_destinations(
        ConfigurationSetName=configuration_set)["EventDestinations"] if d["Name"] == CONFIGURATION_SET_DESTINATION]
    assert (after["Enabled"], after["MatchingEventTypes"]) == (True, ["BOUNCE"])
    settled(ctx, f"ses_event_destination.{CONFIGURATION_SET_DESTINATION}")


# -- athena_workgroup (whole): enforcement ignored, the scan cut-off repaired, one UpdateWorkGroup --------------------

def test_athena_workgroup_ignored_enforcement_is_folded_into_the_one_update(aws: None) -> None:
    ctx = context(f"athena_workgroup.{WORKGROUP}.enforcement")
    converge(ctx, ["s3_bucket", "athena_workgroup"])
    athena = boto("athena")
    athena.update_work_group(WorkGroup=WORKGROUP, ConfigurationUpdates={
        "EnforceWorkGroupConfiguration": False, "BytesScannedCutoffPerQuery": 100 * GIB})
    the_plan = apply_planned(ctx, f"athena_workgroup.{WORKGROUP}")
    assert planned(the_plan) == [("scan_cutoff", "whole", ("athena:UpdateWorkGroup",))]
    assert ignored(the_plan) == [("enforcement", ["EnforceWorkGroupConfiguration"])]
    assert ctx.log.mutating == ["athena:UpdateWorkGroup"]
    assert ctx.log.calls["athena:UpdateWorkGroup"] == 1
    config = athena.get_work_group(WorkGroup=WORKGROUP)["WorkGroup"]["Configuration"]
    assert (config["EnforceWorkGroupConfiguration"], config["BytesScannedCutoffPerQuery"]) == (False, GIB)
    settled(ctx, f"athena_workgroup.{WORKGROUP}")


# -- athena_named_query (whole): the description ignored, the SQL repaired, one UpdateNamedQuery ----------------------

def _saved(athena: Any) -> dict[str, Any]:
    ids = athena.list_named_queries(WorkGroup=WORKGROUP)["NamedQueryIds"]
    [query] = [q for q in athena.batch_get_named_query(NamedQueryIds=ids)["NamedQueries"] if q["Name"] == QUERY]
    return dict(query)


def test_athena_named_query_ignored_description_is_folded_into_the_one_update(aws: None) -> None:
    ctx = context(f"athena_named_query.{QUERY}.description")
    converge(ctx, ["s3_bucket", "athena_workgroup", "athena_named_query"])
    athena = boto("athena")
    query = _saved(athena)
    athena.update_named_query(NamedQueryId=query["NamedQueryId"], Name=QUERY, Description="kept by hand",
                              QueryString="SELECT 1")
    the_plan = apply_planned(ctx, f"athena_named_query.{QUERY}")
    assert planned(the_plan) == [("sql", "whole", ("athena:UpdateNamedQuery",))]
    assert ignored(the_plan) == [("description", ["Description"])]
    assert ctx.log.mutating == ["athena:UpdateNamedQuery"]
    assert ctx.log.calls["athena:UpdateNamedQuery"] == 1
    after = _saved(athena)
    assert after["Description"] == "kept by hand"
    assert after["QueryString"] == query["QueryString"] != "SELECT 1"
    settled(ctx, f"athena_named_query.{QUERY}")


# -- sns_topic: the policy ignored, a tag repaired ----------------------------------------------------------------

def test_sns_topic_ignored_policy_survives_a_tag_repair(aws: None) -> None:
    ctx = context(f"sns_topic.{TOPIC}.policy")
    converge(ctx, ["sns_topic"])
    sns = boto("sns")
    arn = f"arn:aws:sns:us-west-2:{ACCOUNT}:{TOPIC}"
    bare = ('{"Version": "2012-10-17", "Statement": [{"Sid": "by-hand", "Effect": "Allow", "Principal": {"AWS": '
            f'"{ACCOUNT}"}}, "Action": "SNS:Publish", "Resource": "{arn}"}}]}}')
    sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=bare)
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "ops"}])
    the_plan = apply_planned(ctx, f"sns_topic.{TOPIC}")
    assert planned(the_plan) == [("tags", "tags", ("sns:TagResource", "sns:UntagResource"))]
    assert [aspect for aspect, _ in ignored(the_plan)] == ["policy"]
    assert ctx.log.mutating == ["sns:TagResource"]
    policy = sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"]
    assert '"by-hand"' in policy and len(__import__("json").loads(policy)["Statement"]) == 1
    assert tag_list_of(sns.list_tags_for_resource(ResourceArn=arn)["Tags"])["team"] == "data"
    settled(ctx, f"sns_topic.{TOPIC}")


# -- cloudwatch_alarm: the threshold ignored (folded), the evaluation periods and a tag repaired ---------------------

def test_cloudwatch_alarm_ignored_threshold_is_folded_into_put_metric_alarm(aws: None) -> None:
    ctx = context(f"cloudwatch_alarm.{ALARM}.definition.Threshold")
    converge(ctx, ["sns_topic", "cloudwatch_alarm"])
    cloudwatch = boto("cloudwatch")
    [alarm] = cloudwatch.describe_alarms(AlarmNames=[ALARM])["MetricAlarms"]
    members = ("AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions", "Namespace", "MetricName",
               "Dimensions", "Statistic", "Period", "DatapointsToAlarm", "ComparisonOperator", "TreatMissingData")
    cloudwatch.put_metric_alarm(AlarmName=ALARM, **{k: alarm[k] for k in members}, Threshold=0.5, EvaluationPeriods=9)
    cloudwatch.tag_resource(ResourceARN=alarm["AlarmArn"], Tags=[{"Key": "team", "Value": "ops"}])
    the_plan = apply_planned(ctx, f"cloudwatch_alarm.{ALARM}")
    assert planned(the_plan) == [("definition", "definition", ("cloudwatch:PutMetricAlarm",)),
                                 ("tags", "tags", ("cloudwatch:TagResource",))]
    assert ignored(the_plan) == [("definition", ["Threshold"])]
    assert ctx.log.mutating == ["cloudwatch:PutMetricAlarm", "cloudwatch:TagResource"]
    [after] = cloudwatch.describe_alarms(AlarmNames=[ALARM])["MetricAlarms"]
    assert (after["Threshold"], after["EvaluationPeriods"]) == (0.5, 3)
    assert tag_list_of(cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"])["team"] == "data"
    settled(ctx, f"cloudwatch_alarm.{ALARM}")


# -- cloudwatch_dashboard (one aspect): one field of the body ignored (folded), another repaired ---------------------

def test_cloudwatch_dashboard_ignored_body_field_is_folded_into_the_one_put(aws: None) -> None:
    import json

    ctx = context(f"cloudwatch_dashboard.{DASHBOARD}.body.start")
    converge(ctx, ["sns_topic", "cloudwatch_alarm", "cloudwatch_dashboard"])
    cloudwatch = boto("cloudwatch")
    body = json.loads(cloudwatch.get_dashboard(DashboardName=DASHBOARD)["DashboardBody"])
    body["start"] = "-PT3H"
    body["widgets"][1]["properties"]["period"] = 60
    cloudwatch.put_dashboard(DashboardName=DASHBOARD, DashboardBody=json.dumps(body))
    the_plan = apply_planned(ctx, f"cloudwatch_dashboard.{DASHBOARD}")
    assert planned(the_plan) == [("body", "body", ("cloudwatch:PutDashboard",))]
    assert [(c.aspect, c.fields[0].path, c.fields[0].before) for c in the_plan.changes] == [
        ("body", "widgets[1].properties.period", 60)]
    assert ignored(the_plan) == [("body", ["start"])]
    assert ctx.log.mutating == ["cloudwatch:PutDashboard"]
    assert ctx.log.calls["cloudwatch:PutDashboard"] == 1
    after = json.loads(cloudwatch.get_dashboard(DashboardName=DASHBOARD)["DashboardBody"])
    assert (after["start"], after["widgets"][1]["properties"]["period"]) == ("-PT3H", 300)
    settled(ctx, f"cloudwatch_dashboard.{DASHBOARD}")


# -- budget: the limit ignored, a deleted notification made again ---------------------------------------------------

def _notifications(budgets: Any) -> list[tuple[str, float]]:
    found = budgets.describe_notifications_for_budget(AccountId=ACCOUNT, BudgetName=BUDGET)["Notifications"]
    return sorted((n["NotificationType"], float(n["Threshold"])) for n in found)


def test_budget_ignored_limit_survives_a_notification_repair(aws: None) -> None:
    ctx = context(f"budget.{BUDGET}.limit")
    converge(ctx, ["sns_topic", "budget"])
    budgets = boto("budgets")
    budget = budgets.describe_budget(AccountId=ACCOUNT, BudgetName=BUDGET)["Budget"]
    budgets.update_budget(AccountId=ACCOUNT, NewBudget={**{k: budget[k] for k in ("BudgetName", "TimeUnit",
                                                                                  "BudgetType")},
                                                        "BudgetLimit": {"Amount": "40", "Unit": "USD"}})
    budgets.delete_notification(AccountId=ACCOUNT, BudgetName=BUDGET, Notification={
        "NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 80.0,
        "ThresholdType": "PERCENTAGE"})
    the_plan = apply_planned(ctx, f"budget.{BUDGET}")
    assert planned(the_plan) == [("notifications", "notifications",
                                  ("budgets:DeleteNotification", "budgets:CreateNotification"))]
    assert ignored(the_plan) == [("limit", ["Amount"])]
    assert ctx.log.mutating == ["budgets:CreateNotification"]
    limit = budgets.describe_budget(AccountId=ACCOUNT, BudgetName=BUDGET)["Budget"]["BudgetLimit"]
    assert float(limit["Amount"]) == 40.0
    assert _notifications(budgets) == [("ACTUAL", 80.0), ("FORECASTED", 100.0)]
    settled(ctx, f"budget.{BUDGET}")


def test_budget_field_ignored_in_the_notifications_is_refused(aws: None) -> None:
    """Notifications have no fold: ignoring one while another is repaired is refused, and nothing is written."""
    ctx = context(f"budget.{BUDGET}.notifications.notification.ACTUAL>80")
    converge(ctx, ["sns_topic", "budget"])
    budgets = boto("budgets")
    for kind, threshold in (("ACTUAL", 80.0), ("FORECASTED", 100.0)):
        budgets.delete_notification(AccountId=ACCOUNT, BudgetName=BUDGET, Notification={
            "NotificationType": kind, "ComparisonOperator": "GREATER_THAN", "Threshold": threshold,
            "ThresholdType": "PERCENTAGE"})
    the_plan = plan_of(ctx, f"budget.{BUDGET}")
    assert [(c.action, c.aspect, c.operations) for c in the_plan.changes] == [(Action.REFUSE, "notifications", ())]
    assert the_plan.changes[0].reason.startswith(
        "applying it would overwrite the ignored notifications.notification.ACTUAL>80, which sesl cannot keep")
    ctx.log.clear()
    with pytest.raises(RefusedError, match="nothing was changed"):
        reconcile.execute(ctx, the_plan)
    assert ctx.log.mutating == []
    assert _notifications(budgets) == []


# -- an aspect whose call also writes another -------------------------------------------------------------------------

def test_sns_topic_ignored_tag_survives_a_subscription_repair(aws: None) -> None:
    """The subscription's call also writes the topic's tags (it remembers the address sesl subscribed), declared
    with also_writes: the ignored tag is folded into what it writes. The rule names the tag once."""
    spec = replace(default_spec("dev"), tags={"team": "data"}, alert_email="alerts@example.com",
                   ignore=[IgnoreRule(f"sns_topic.{TOPIC}.tags.team", "accepted on purpose")])
    ctx = AwsContext(spec)
    converge(ctx, ["sns_topic"])
    sns = boto("sns")
    arn = f"arn:aws:sns:us-west-2:{ACCOUNT}:{TOPIC}"
    from sesl.sandbox.shapes.sns import confirm

    sns.unsubscribe(SubscriptionArn=confirm(arn, "alerts@example.com"))  # confirmed by its recipient, then removed
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "ops"}])
    the_plan = apply_planned(ctx, f"sns_topic.{TOPIC}")
    assert [c.aspect for c in the_plan.changes] == ["subscription"]
    assert ignored(the_plan) == [("tags", ["tags.team"])]
    assert [s["Endpoint"] for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]] == [
        "alerts@example.com"]
    assert tag_list_of(sns.list_tags_for_resource(ResourceArn=arn)["Tags"])["team"] == "ops"
