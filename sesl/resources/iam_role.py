"""IAM service roles, least privilege: Firehose delivery, SES publishing, the raw-schema crawler.

ARNs are computed from names, never wildcards where an exact ARN exists. Trust and permission
policies are compared after normalisation (sesl.diff.normalize_policy), so IAM's rewriting never
shows as a change. Policies on a sesl role that sesl did not put there are reported and removed
by apply (the role is sesl's; an ignore rule keeps one on purpose).
Sources: aws-reference.md §1.6 (Firehose guide, controlling-access), §2.2 (SES guide,
event-publishing-add-event-destination-firehose); the crawler role: docs/iam.md, "The crawler role".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sesl.context import AwsContext
from sesl.diff import diff_tags, diff_values, is_owned, normalize_policy, ownership_tags, tag_list, tags_to_dict
from sesl.fold import fold_attribute, fold_keys
from sesl.model import Change, FieldChange
from sesl.naming import Names
from sesl.resources.base import Aspect, Env, Kind, Request, create_requests, read_or_none, send

Policy = dict[str, Any]

MAX_INLINE_POLICIES_BYTES = 10240  # all inline policies of a role together (IAM quotas page)


@dataclass(frozen=True)
class RoleSpec:
    name: str
    description: str
    trust: Policy
    inline: dict[str, Policy]
    managed: tuple[str, ...]
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RoleState:
    name: str
    owned: bool
    trust: Policy | None
    inline: dict[str, Policy]
    managed: tuple[str, ...]
    tags: dict[str, str]


def _doc(*statements: Policy) -> Policy:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _service_trust(service: str, condition: Policy | None = None) -> Policy:
    statement: Policy = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    return _doc({**statement, "Condition": condition} if condition else statement)


def firehose_role(n: Names, flows: tuple[str, ...]) -> tuple[Policy, dict[str, Policy]]:
    bucket = n.bucket_arn(n.events_bucket)
    permissions = _doc(
        {"Sid": "WriteEventsBucket", "Effect": "Allow",
         "Action": ["s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket",
                    "s3:ListBucketMultipartUploads", "s3:PutObject"],
         "Resource": [bucket, f"{bucket}/*"]},
        {"Sid": "ReadConversionSchema", "Effect": "Allow",
         "Action": ["glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"],
         "Resource": [n.catalog_arn, n.database_arn(n.database),
                      *(n.table_arn(n.database, n.table(f)) for f in flows)]},
        {"Sid": "WriteDeliveryLogs", "Effect": "Allow", "Action": ["logs:PutLogEvents"],
         "Resource": [f"{n.log_group_arn(f)}:log-stream:*" for f in flows]},
    )
    trust = _service_trust("firehose.amazonaws.com", {"StringEquals": {"sts:ExternalId": n.account}})
    return trust, {"firehose-delivery": permissions}


def ses_role(n: Names, flows: tuple[str, ...]) -> tuple[Policy, dict[str, Policy]]:
    trust = _service_trust("ses.amazonaws.com", {"StringEquals": {
        "aws:SourceAccount": n.account,
        "aws:SourceArn": [n.configuration_set_arn(f) for f in flows]}})
    permissions = _doc({"Sid": "PublishEvents", "Effect": "Allow", "Action": ["firehose:PutRecordBatch"],
                        "Resource": [n.stream_arn(f) for f in flows]})
    return trust, {"ses-publish": permissions}


# What a crawler does with the catalog: read its database, create and update the tables it finds and their
# partitions (the table and partition actions of the managed AWSGlueServiceRole's glue:*, and of the
# AWS-managed scoped Glue role policies AWSGlueServiceNotebookRole / AmazonSageMakerServiceCatalogProducts-
# GlueServiceRolePolicy). Nothing that deletes: the crawler's DeleteBehavior is LOG.
CRAWLER_CATALOG_ACTIONS = (
    "glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable",
    "glue:GetPartition", "glue:GetPartitions", "glue:CreatePartition", "glue:UpdatePartition",
    "glue:BatchCreatePartition", "glue:BatchGetPartition", "glue:BatchUpdatePartition",
)
CRAWLER_LOG_ACTIONS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")


def crawler_role(n: Names, flows: tuple[str, ...]) -> tuple[Policy, dict[str, Policy]]:
    """What AWSGlueServiceRole grants a crawler, scoped to this crawler's bucket, prefixes, catalog and logs.

    Trust: the Glue guide's service trust (glue.amazonaws.com, sts:AssumeRole), without a condition: no AWS
    document says Glue sets aws:SourceAccount / aws:SourceArn when it assumes a crawler role, and a
    condition on a key that is absent denies (docs/iam.md, "The crawler role").
    S3: GetBucketLocation and ListBucket on the bucket with no prefix condition (AWSGlueServiceRole grants
    both; HeadBucket and a prefix-less listing carry no s3:prefix, and a condition on a missing key fails the
    evaluation: IAM user guide, reference_policies_condition-keys), GetObject on the
    raw prefixes only (Glue guide, crawler-prereqs: "at a minimum" s3:GetObject on the data).
    Logs: AWSGlueServiceRole's three actions on /aws-glue/*, in this account and region.
    """
    bucket = n.bucket_arn(n.events_bucket)
    permissions = _doc(
        {"Sid": "LocateAndListEventsBucket", "Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
         "Resource": [bucket]},
        {"Sid": "ReadRawBackup", "Effect": "Allow", "Action": ["s3:GetObject"],
         "Resource": [f"{bucket}/{n.raw_prefix(f)}*" for f in flows]},
        {"Sid": "WriteOwnCatalog", "Effect": "Allow", "Action": list(CRAWLER_CATALOG_ACTIONS),
         "Resource": [n.catalog_arn, n.database_arn(n.raw_database), n.table_arn(n.raw_database, "*")]},
        {"Sid": "CrawlerLogs", "Effect": "Allow", "Action": list(CRAWLER_LOG_ACTIONS), "Resource": [n.glue_logs_arn]},
    )
    return _service_trust("glue.amazonaws.com"), {"read-raw-backup": permissions}


class IamRoleKind(Kind[RoleSpec, RoleState]):
    kind = "iam_role"
    needs = ("s3_bucket",)

    def desired(self, env: Env) -> list[RoleSpec]:
        n, flows = env.names, env.spec.flows
        tags = ownership_tags(env.spec.env, env.spec.tags)
        roles = [
            (n.firehose_role, "Firehose delivers SES events to S3 and reads the Glue schema", firehose_role, ()),
            (n.ses_role, "SES publishes events to the Firehose streams", ses_role, ()),
        ]
        if env.spec.glue.crawler_enabled:
            roles.append((n.crawler_role, "Glue crawler reads the raw SES JSON backup", crawler_role, ()))
        specs = []
        for name, description, build, managed in roles:
            trust, inline = build(n, flows)
            specs.append(RoleSpec(name, description, trust, inline, managed, tags))
        return specs

    def validate(self, env: Env, want: RoleSpec) -> list[str]:
        problems = []  # the name's 1-64 characters and pattern are botocore's (model_check)
        size = sum(len(json.dumps(p, separators=(",", ":"))) for p in want.inline.values())
        if size > MAX_INLINE_POLICIES_BYTES:
            problems.append(f"inline policies total {size} bytes; IAM allows {MAX_INLINE_POLICIES_BYTES}")
        return problems

    def read(self, ctx: AwsContext, want: RoleSpec) -> RoleState | None:
        iam = ctx.client("iam")
        role = read_or_none(lambda: iam.get_role(RoleName=want.name)["Role"], "NoSuchEntity")
        if role is None:
            return None
        tags = tags_to_dict(iam.list_role_tags(RoleName=want.name).get("Tags", []))
        inline = self._inline_policies(iam, want.name)
        managed = tuple(sorted(p["PolicyArn"] for p in
                               self._paged(iam, "list_attached_role_policies", "AttachedPolicies", want.name)))
        # IAM answers documents URL-encoded and may store an account-id principal as the root ARN
        # (sesl/sandbox/shapes/iam.py): both sides go through normalize_policy before comparing.
        return RoleState(want.name, is_owned(tags, ctx.spec.env), normalize_policy(role["AssumeRolePolicyDocument"]),
                         inline, managed, tags)

    @classmethod
    def _inline_policies(cls, iam: Any, role: str) -> dict[str, Policy]:
        """Each inline policy, normalised. A name listed whose document is not found yet (IAM is eventually
        consistent: IAM user guide, troubleshoot_general "Changes that I make are not always immediately
        visible") or any more is left out, so the plan shows it as missing instead of the read failing."""
        inline: dict[str, Policy] = {}
        for name in cls._paged(iam, "list_role_policies", "PolicyNames", role):
            document = read_or_none(partial(cls._policy_document, iam, role, name), "NoSuchEntity")
            if document is not None:
                inline[name] = normalize_policy(document) or {}
        return inline

    @staticmethod
    def _policy_document(iam: Any, role: str, name: str) -> Any:
        return iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]

    @staticmethod
    def _paged(iam: Any, operation: str, key: str, role: str) -> list[Any]:
        return [item for page in iam.get_paginator(operation).paginate(RoleName=role) for item in page[key]]

    def create_fields(self, want: RoleSpec) -> tuple[FieldChange, ...]:
        principal = want.trust["Statement"][0]["Principal"]["Service"]
        return (FieldChange("trust", None, principal), FieldChange("inline_policies", None, sorted(want.inline)),
                FieldChange("managed_policies", None, list(want.managed)))

    def diff(self, have: RoleState, want: RoleSpec) -> list[Change]:
        inline_fields = [*diff_values(have.inline, {k: normalize_policy(v) for k, v in want.inline.items()}),
                         *(FieldChange(k, "present (not sesl's)", None)
                           for k in sorted(set(have.inline) - set(want.inline)))]
        return [
            *self.change(want, have, "trust",
                         diff_values(have.trust, normalize_policy(want.trust), "AssumeRolePolicy")),
            *self.change(want, have, "inline_policies", inline_fields),
            *self.change(want, have, "managed_policies",
                         diff_values(sorted(have.managed), sorted(want.managed), "AttachedPolicies")),
            *self.change(want, have, "tags", diff_tags(have.tags, want.tags)),
        ]

    def requests(self, want: RoleSpec) -> list[Request]:
        role = {"RoleName": want.name}
        return [
            Request("iam", "CreateRole", {**role, "Description": want.description,
                                          "AssumeRolePolicyDocument": json.dumps(want.trust),
                                          "Tags": tag_list(want.tags)}),
            *[Request("iam", "PutRolePolicy", {**role, "PolicyName": name, "PolicyDocument": json.dumps(document)})
              for name, document in want.inline.items()],
            *[Request("iam", "AttachRolePolicy", {**role, "PolicyArn": arn}) for arn in sorted(set(want.managed))],
            Request("iam", "UpdateAssumeRolePolicy", {**role, "PolicyDocument": json.dumps(want.trust)},
                    stage="update"),
        ]

    def create(self, ctx: AwsContext, want: RoleSpec) -> None:
        iam = ctx.client("iam")
        for request in create_requests(self.requests(want)):
            send(iam, request)

    def update_trust(self, ctx: AwsContext, want: RoleSpec, have: RoleState) -> None:
        ctx.client("iam").update_assume_role_policy(RoleName=want.name, PolicyDocument=json.dumps(want.trust))

    def update_inline_policies(self, ctx: AwsContext, want: RoleSpec, have: RoleState | None) -> None:
        iam = ctx.client("iam")
        current = have.inline if have else {}
        for name, document in want.inline.items():
            if current.get(name) != normalize_policy(document):
                iam.put_role_policy(RoleName=want.name, PolicyName=name, PolicyDocument=json.dumps(document))
        for name in set(current) - set(want.inline):
            iam.delete_role_policy(RoleName=want.name, PolicyName=name)

    def update_managed_policies(self, ctx: AwsContext, want: RoleSpec, have: RoleState | None) -> None:
        iam = ctx.client("iam")
        current = set(have.managed if have else ())
        for arn in sorted(set(want.managed) - current):
            iam.attach_role_policy(RoleName=want.name, PolicyArn=arn)
        for arn in sorted(current - set(want.managed)):
            iam.detach_role_policy(RoleName=want.name, PolicyArn=arn)

    def update_tags(self, ctx: AwsContext, want: RoleSpec, have: RoleState | None) -> None:
        ctx.client("iam").tag_role(RoleName=want.name, Tags=tag_list(want.tags))

    ASPECTS = (
        Aspect[RoleSpec, RoleState]("trust", ("iam:UpdateAssumeRolePolicy",), update_trust),
        Aspect("inline_policies", ("iam:PutRolePolicy", "iam:DeleteRolePolicy"), update_inline_policies,
               fold=fold_keys("inline")),
        Aspect("managed_policies", ("iam:AttachRolePolicy", "iam:DetachRolePolicy"), update_managed_policies),
        Aspect("tags", ("iam:TagRole",), update_tags, fold=fold_attribute("tags", "tags.")),
    )
    CREATE = ("iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy")
    DELETE = ("iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:DeleteRole")


    def delete(self, ctx: AwsContext, have: RoleState) -> None:
        iam = ctx.client("iam")
        for name in have.inline:
            iam.delete_role_policy(RoleName=have.name, PolicyName=name)
        for arn in have.managed:
            iam.detach_role_policy(RoleName=have.name, PolicyArn=arn)
        iam.delete_role(RoleName=have.name)
