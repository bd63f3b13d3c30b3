"""Athena: what GetWorkGroup and the named-query reads really return.

`install()` also gives a workgroup created without `PublishCloudWatchMetricsEnabled` AWS's default, true
(moto's is false; published live reads go-to-k/cdk-real-drift tests/corpus/AWS__Athena__WorkGroup.*.json:
workgroups created with no configuration read back `PublishCloudWatchMetricsEnabled: true`).
"""

from __future__ import annotations

from typing import Any

from sesl.sandbox.shapes import Response, enabled, shaping

CURRENT_ENGINE = "Athena engine version 3"  # what AUTO resolves to (Athena user guide, engine-versions)
# Members GetWorkGroup always answers in Configuration, with AWS's values for a workgroup created without
# them (published live reads: go-to-k/cdk-real-drift tests/corpus/AWS__Athena__WorkGroup.*.json).
_CONFIGURATION_DEFAULTS: dict[str, Any] = {"EnforceWorkGroupConfiguration": True,
                                           "PublishCloudWatchMetricsEnabled": True, "RequesterPaysEnabled": False}


def _engine(engine: Any) -> dict[str, Any]:
    selected = (engine or {}).get("SelectedEngineVersion", "AUTO")
    effective = CURRENT_ENGINE if selected == "AUTO" else selected
    return {"EffectiveEngineVersion": effective, **(engine or {}), "SelectedEngineVersion": selected}


@shaping("athena", "GetWorkGroup",
         what="Configuration always carries EnforceWorkGroupConfiguration, PublishCloudWatchMetricsEnabled, "
              "RequesterPaysEnabled and `EngineVersion {SelectedEngineVersion, EffectiveEngineVersion}` (AUTO when "
              "none was chosen; the effective version filled in even when a version was chosen)",
         source="published live reads go-to-k/cdk-real-drift tests/corpus/AWS__Athena__WorkGroup.AthenaWg.json, "
                "WgOpsMisc.json, Queries.json (no configuration sent; EngineVersion AUTO / Athena engine version 3, "
                "the three flags true, true, false); AWS CLI example awscli/examples/athena/get-work-group.rst; "
                "Athena API reference, EngineVersion (EffectiveEngineVersion: read only)")
def workgroup_defaults(response: Response, request: Response) -> Response:
    group = dict(response.get("WorkGroup", {}))
    configuration = {**_CONFIGURATION_DEFAULTS, **group.get("Configuration", {})}
    configuration["EngineVersion"] = _engine(configuration.get("EngineVersion"))
    return {**response, "WorkGroup": {**group, "Configuration": configuration}}


def _without_empty_description(query: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in query.items() if not (k == "Description" and not v)}


@shaping("athena", "GetNamedQuery",
         what="`Description` is left out when none was saved; `WorkGroup` and `NamedQueryId` are always answered",
         source="published live read go-to-k/cdk-real-drift tests/corpus/AWS__Athena__NamedQuery.TopErrors.json "
                "(no Description member); AWS CLI example awscli/examples/athena/get-named-query.rst")
def named_query_description(response: Response, request: Response) -> Response:
    return {**response, "NamedQuery": _without_empty_description(dict(response.get("NamedQuery", {})))}


@shaping("athena", "BatchGetNamedQuery",
         what="each query leaves out `Description` when none was saved; `UnprocessedNamedQueryIds` is answered, "
              "empty when every id was found",
         source="published live read go-to-k/cdk-real-drift tests/corpus/AWS__Athena__NamedQuery.TopErrors.json; "
                "AWS CLI example awscli/examples/athena/batch-get-named-query.rst (`UnprocessedNamedQueryIds: []`)")
def named_queries_description(response: Response, request: Response) -> Response:
    queries = [_without_empty_description(dict(q)) for q in response.get("NamedQueries", [])]
    return {"UnprocessedNamedQueryIds": [], **response, "NamedQueries": queries}


def install() -> None:
    """A workgroup created without `PublishCloudWatchMetricsEnabled` publishes metrics, AWS's default
    (published live read go-to-k/cdk-real-drift tests/corpus/AWS__Athena__WorkGroup.*; moto leaves it unset)."""
    from moto.athena.models import WorkGroup

    original_init = WorkGroup.__init__

    def init(self: Any, athena_backend: Any, name: str, configuration: dict[str, Any], *args: Any,
             **kwargs: Any) -> None:
        unset = "PublishCloudWatchMetricsEnabled" not in (configuration or {})
        original_init(self, athena_backend, name, configuration, *args, **kwargs)
        if unset and enabled():
            self.configuration["PublishCloudWatchMetricsEnabled"] = True

    WorkGroup.__init__ = init  # type: ignore[method-assign]
