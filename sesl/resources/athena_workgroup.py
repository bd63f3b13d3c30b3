"""The Athena workgroup `email-analytics-{env}`: where advertiser queries run, with a scan cut-off.

Results go to the results bucket with SSE_S3, the workgroup's settings are enforced over the
client's, CloudWatch metrics are published (the dashboard and cost tracking need them), each query is
cancelled past `BytesScannedCutoffPerQuery` (1 GiB), and the engine version is pinned. Sources:
aws-reference.md §4.1-§4.2 (botocore athena 2017-05-18, Athena user guide workgroups pages).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sesl.context import AwsContext
from sesl.diff import diff_tags, diff_values, is_owned, ownership_tags, tag_list, tags_to_dict
from sesl.fold import fold_attribute, fold_whole_attribute
from sesl.model import Change, DestroyOptions, FieldChange
from sesl.resources.base import Aspect, Env, Kind, Request, create_requests, read_or_none, send

# The values ListEngineVersions offers (Athena user guide, engine-versions; version 2 is retired).
PRIMARY = "primary"
ENGINE_VERSIONS = ("AUTO", "Athena engine version 3")

# aspect -> the keys of WorkGroupConfiguration it owns
CONFIGURATION_ASPECTS: dict[str, tuple[str, ...]] = {
    "result_configuration": ("ResultConfiguration",),
    "enforcement": ("EnforceWorkGroupConfiguration",),
    "metrics": ("PublishCloudWatchMetricsEnabled",),
    "scan_cutoff": ("BytesScannedCutoffPerQuery",),
    "engine_version": ("EngineVersion",),
}


@dataclass(frozen=True)
class WorkgroupSpec:
    name: str
    description: str
    configuration: dict[str, Any]
    tags: dict[str, str]
    state: str = "ENABLED"


@dataclass(frozen=True)
class WorkgroupState:
    name: str
    owned: bool
    arn: str
    state: str
    configuration: dict[str, Any]
    others_queries: tuple[str, ...]  # saved queries in the workgroup that are not sesl's
    tags: dict[str, str]


def configuration_updates(want: WorkgroupSpec) -> dict[str, Any]:
    """UpdateWorkGroup's ConfigurationUpdates for the desired configuration (its result member is
    ResultConfigurationUpdates)."""
    c = want.configuration
    # A member left out (an ignored difference AWS has no value for, sesl.fold) is left as it is.
    updates: dict[str, Any] = {k: c[k] for k in ("EnforceWorkGroupConfiguration", "PublishCloudWatchMetricsEnabled",
                                                 "BytesScannedCutoffPerQuery", "EngineVersion") if k in c}
    if "ResultConfiguration" in c:
        updates["ResultConfigurationUpdates"] = dict(c["ResultConfiguration"])
    return updates


class AthenaWorkgroupKind(Kind[WorkgroupSpec, WorkgroupState]):
    kind = "athena_workgroup"
    needs = ("s3_bucket",)

    def desired(self, env: Env) -> list[WorkgroupSpec]:
        n, athena = env.names, env.spec.athena
        configuration = {
            "ResultConfiguration": {"OutputLocation": n.results_location,
                                    "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"},
                                    "ExpectedBucketOwner": n.account},
            "EnforceWorkGroupConfiguration": True,
            "PublishCloudWatchMetricsEnabled": True,
            "BytesScannedCutoffPerQuery": athena.bytes_scanned_cutoff,
            "EngineVersion": {"SelectedEngineVersion": athena.engine_version},
        }
        return [WorkgroupSpec(n.workgroup, f"SES email-event analytics ({env.spec.env}), managed by sesl",
                              configuration, ownership_tags(env.spec.env, env.spec.tags))]

    def validate(self, env: Env, want: WorkgroupSpec) -> list[str]:
        # The name's pattern, the description's length and the 10 MB cut-off minimum are botocore's (model_check).
        problems = []
        engine = want.configuration["EngineVersion"]["SelectedEngineVersion"]
        if engine not in ENGINE_VERSIONS:
            problems.append(f"engine version {engine!r} is not one of {', '.join(ENGINE_VERSIONS)}")
        if not want.configuration["ResultConfiguration"]["OutputLocation"].startswith("s3://"):
            problems.append("the result location must be an s3:// URI")
        if want.name == PRIMARY:
            # "The primary workgroup cannot be deleted" (Athena guide, workgroups-create-update-delete) and exists
            # in every account: sesl's workgroup must be its own.
            problems.append(f"the workgroup cannot be {PRIMARY!r}, the account's default workgroup")
        return problems

    def read(self, ctx: AwsContext, want: WorkgroupSpec) -> WorkgroupState | None:
        athena = ctx.client("athena")
        group = read_or_none(
            lambda: athena.get_work_group(WorkGroup=want.name).get("WorkGroup"),
            "InvalidRequestException")
        if group is None:
            return None
        if not group:
            return None
        arn = ctx.names.workgroup_arn(want.name)
        tags = tags_to_dict(athena.list_tags_for_resource(ResourceARN=arn).get("Tags", []))
        from sesl.resources.athena_named_query import OWNED_PREFIX, read_workgroup_queries

        others = tuple(sorted(q["Name"] for q in read_workgroup_queries(ctx, want.name)
                              if not q["Name"].startswith(OWNED_PREFIX)))
        # GetWorkGroup answers members sesl never set (EffectiveEngineVersion, RequesterPaysEnabled,
        # EnableMinimumEncryptionConfiguration, CreationTime; sesl/sandbox/shapes/athena.py): the diff compares
        # only the keys of the desired configuration, member by member.
        return WorkgroupState(want.name, is_owned(tags, ctx.spec.env), arn, group.get("State", "ENABLED"),
                              group.get("Configuration", {}), others, tags)

    def create_fields(self, want: WorkgroupSpec) -> tuple[FieldChange, ...]:
        c = want.configuration
        return (FieldChange("OutputLocation", None, c["ResultConfiguration"]["OutputLocation"]),
                FieldChange("BytesScannedCutoffPerQuery", None, c["BytesScannedCutoffPerQuery"]),
                FieldChange("EngineVersion", None, c["EngineVersion"]["SelectedEngineVersion"]))

    def diff(self, have: WorkgroupState, want: WorkgroupSpec) -> list[Change]:
        changes = self.change(want, have, "state", diff_values(have.state, want.state, "State"))
        for aspect, keys in CONFIGURATION_ASPECTS.items():
            fields = [f for key in keys for f in diff_values(have.configuration.get(key), want.configuration[key], key)]
            changes += self.change(want, have, aspect, fields)
        return changes + self.change(want, have, "tags", diff_tags(have.tags, want.tags))

    def requests(self, want: WorkgroupSpec) -> list[Request]:
        return [Request("athena", "CreateWorkGroup", {"Name": want.name, "Description": want.description,
                                                      "Configuration": want.configuration,
                                                      "Tags": tag_list(want.tags)}),
                Request("athena", "UpdateWorkGroup", {"WorkGroup": want.name, "State": "ENABLED",
                                                      "ConfigurationUpdates": configuration_updates(want)},
                        stage="update")]

    def create(self, ctx: AwsContext, want: WorkgroupSpec) -> None:
        send(ctx.client("athena"), create_requests(self.requests(want))[0])

    def update_whole(self, ctx: AwsContext, want: WorkgroupSpec, have: WorkgroupState) -> None:
        ctx.client("athena").update_work_group(WorkGroup=want.name, State=want.state,
                                               ConfigurationUpdates=configuration_updates(want))

    def update_tags(self, ctx: AwsContext, want: WorkgroupSpec, have: WorkgroupState) -> None:
        ctx.client("athena").tag_resource(ResourceARN=have.arn, Tags=tag_list(want.tags))

    def keep_reason(self, ctx: AwsContext, have: WorkgroupState, options: DestroyOptions) -> str | None:
        # sesl's own saved queries are re-created from the package and are deleted by their own kind;
        # queries people saved in the workgroup are theirs: deleting them takes the explicit flag.
        count = len(have.others_queries)
        if count and not (options.delete_saved_queries or ctx.spec.athena.delete_saved_queries_on_destroy):
            return (f"holds {count} saved quer{'y' if count == 1 else 'ies'} that sesl did not save "
                    f"({', '.join(have.others_queries[:3])}{', ...' if count > 3 else ''}): kept "
                    "(--delete-saved-queries deletes them with the workgroup)")
        return None

    def delete(self, ctx: AwsContext, have: WorkgroupState) -> None:
        ctx.client("athena").delete_work_group(WorkGroup=have.name, RecursiveDeleteOption=True)

    # UpdateWorkGroup writes the state and the whole configuration: one call per apply.
    ASPECTS = (
        Aspect[WorkgroupSpec, WorkgroupState]("state", fold=fold_whole_attribute("state")),
        *(Aspect[WorkgroupSpec, WorkgroupState](aspect, fold=fold_attribute("configuration"))
          for aspect in CONFIGURATION_ASPECTS),
        Aspect("tags", ("athena:TagResource",), update_tags, fold=fold_attribute("tags", "tags.")),
    )
    WHOLE = ("athena:UpdateWorkGroup",)
    CREATE = ("athena:CreateWorkGroup",)
    DELETE = ("athena:DeleteWorkGroup",)
