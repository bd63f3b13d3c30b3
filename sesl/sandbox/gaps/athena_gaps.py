"""Athena calls moto 5.2.5 lacks or answers differently from AWS.

- UpdateWorkGroup with ConfigurationUpdates (missing): applies each documented update member
  (ResultConfigurationUpdates with its Remove* flags, EnforceWorkGroupConfiguration,
  PublishCloudWatchMetricsEnabled, BytesScannedCutoffPerQuery / RemoveBytesScannedCutoffPerQuery,
  RequesterPaysEnabled, EngineVersion), Description and State (Athena API reference, UpdateWorkGroup).
- BatchGetNamedQuery (missing): at most 50 ids; unknown ids come back in UnprocessedNamedQueryIds.
- DeleteNamedQuery (missing).
- GetWorkGroup of a missing workgroup: AWS answers InvalidRequestException; moto returns null.
- DeleteWorkGroup of a workgroup holding saved queries without RecursiveDeleteOption: AWS refuses
  ("WorkGroup ... is not empty"); moto deletes it.
"""

from __future__ import annotations

import json
from typing import Any

MAX_BATCH = 50  # BatchGetNamedQuery: NamedQueryIds 1-50 (botocore athena NamedQueryIdList)
_RESULT_MEMBERS = ("OutputLocation", "EncryptionConfiguration", "ExpectedBucketOwner", "AclConfiguration")


def _invalid(message: str) -> Any:
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError("InvalidRequestException", message)


def _workgroup(response: Any, name: str) -> Any:
    group = response.athena_backend.work_groups.get(name)
    if group is None:
        raise _invalid(f"WorkGroup {name} is not found.")
    return group


def _apply_result_updates(configuration: dict[str, Any], updates: dict[str, Any]) -> None:
    result = configuration.setdefault("ResultConfiguration", {})
    for member in _RESULT_MEMBERS:
        if updates.get(f"Remove{member}"):
            result.pop(member, None)
        elif member in updates:
            result[member] = updates[member]


def _apply_updates(group: Any, updates: dict[str, Any]) -> None:
    configuration = group.configuration
    _apply_result_updates(configuration, updates.get("ResultConfigurationUpdates", {}))
    for member in ("EnforceWorkGroupConfiguration", "PublishCloudWatchMetricsEnabled", "RequesterPaysEnabled",
                   "BytesScannedCutoffPerQuery"):
        if member in updates:
            configuration[member] = updates[member]
    if updates.get("RemoveBytesScannedCutoffPerQuery"):
        configuration.pop("BytesScannedCutoffPerQuery", None)
    if "EngineVersion" in updates:
        selected = updates["EngineVersion"].get("SelectedEngineVersion", "AUTO")
        effective = "Athena engine version 3" if selected == "AUTO" else selected
        configuration["EngineVersion"] = {"SelectedEngineVersion": selected, "EffectiveEngineVersion": effective}


def update_work_group(self: Any) -> str:
    group = _workgroup(self, self._get_param("WorkGroup"))
    _apply_updates(group, self._get_param("ConfigurationUpdates") or {})
    if self._get_param("Description") is not None:
        group.description = self._get_param("Description")
    if self._get_param("State"):
        group.state = self._get_param("State")
    return "{}"


def get_work_group(self: Any) -> str:
    name = self._get_param("WorkGroup")
    _workgroup(self, name)
    return json.dumps({"WorkGroup": self.athena_backend.get_work_group(name)})


def delete_work_group(self: Any) -> str:
    name = self._get_param("WorkGroup")
    backend = self.athena_backend
    _workgroup(self, name)
    queries = [q for q in backend.named_queries.values() if q.workgroup.name == name]
    if queries and not self._get_param("RecursiveDeleteOption"):
        raise _invalid(f"WorkGroup {name} is not empty")
    for query in queries:
        del backend.named_queries[query.id]
    backend.delete_work_group(name)
    return "{}"


def _named_query_json(query: Any) -> dict[str, Any]:
    return {"Name": query.name, "Description": query.description, "Database": query.database,
            "QueryString": query.query_string, "NamedQueryId": query.id, "WorkGroup": query.workgroup.name}


def batch_get_named_query(self: Any) -> str:
    ids = self._get_param("NamedQueryIds") or []
    if not 1 <= len(ids) <= MAX_BATCH:
        raise _invalid(f"NamedQueryIds must hold 1 to {MAX_BATCH} ids")
    found = [self.athena_backend.named_queries[i] for i in ids if i in self.athena_backend.named_queries]
    missing = [{"NamedQueryId": i, "ErrorCode": "INVALID_INPUT", "ErrorMessage": "Named query not found"}
               for i in ids if i not in self.athena_backend.named_queries]
    return json.dumps({"NamedQueries": [_named_query_json(q) for q in found], "UnprocessedNamedQueryIds": missing})


def delete_named_query(self: Any) -> str:
    query_id = self._get_param("NamedQueryId")
    if self.athena_backend.named_queries.pop(query_id, None) is None:
        raise _invalid(f"NamedQuery {query_id} does not exist")
    return "{}"


def update_named_query(self: Any) -> str:
    query = self.athena_backend.named_queries.get(self._get_param("NamedQueryId"))
    if query is None:
        raise _invalid(f"NamedQuery {self._get_param('NamedQueryId')} does not exist")
    query.name = self._get_param("Name")
    query.description = self._get_param("Description")
    query.query_string = self._get_param("QueryString")
    return "{}"


def install() -> None:
    from moto.athena.responses import AthenaResponse

    for handler in (update_work_group, get_work_group, delete_work_group, batch_get_named_query,
                    delete_named_query, update_named_query):
        setattr(AthenaResponse, handler.__name__, handler)
