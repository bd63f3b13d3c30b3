"""Whether Lake Formation governs the Data Catalog, and the grants sesl's roles then need.

An account starts with "Use only IAM access control" for new databases and tables: its data lake settings
(GetDataLakeSettings) grant ALL to the group IAM_ALLOWED_PRINCIPALS in `CreateDatabaseDefaultPermissions`
and `CreateTableDefaultPermissions`, and IAM policies alone decide. An account that switches to the Lake
Formation model empties those lists ("A null value indicates access control by Lake Formation permissions":
Lake Formation API reference, DataLakeSettings; Lake Formation guide, change-settings "Changing the default
settings for your data lake", and upgrade-glue-lake-formation). A database carries the setting for the tables
created in it in its own `CreateTableDefaultPermissions` (Glue DatabaseInput). Where Lake Formation governs,
Firehose's conversion role and the crawler's role need Lake Formation grants on top of their IAM policies.

sesl reports the grants and never makes them: who may read which table is an account-wide governance
decision of the data lake administrators (docs/resources/glue_database.md).
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import botocore.exceptions

from sesl.aws_errors import error_code, error_message
from sesl.context import AwsContext

IAM_ALLOWED_PRINCIPALS = "IAM_ALLOWED_PRINCIPALS"
FIREHOSE_PERMISSIONS = ("SELECT", "DESCRIBE")        # read the conversion schema (GetTable/GetTableVersion)
CRAWLER_PERMISSIONS = ("CREATE_TABLE", "ALTER", "DESCRIBE")  # create and update tables in its database
LOCATION_PERMISSIONS = ("DATA_LOCATION_ACCESS",)     # create tables over a registered S3 location


@dataclass(frozen=True)
class DataLakeSettings:
    iam_for_new_databases: bool  # CreateDatabaseDefaultPermissions grants ALL to IAM_ALLOWED_PRINCIPALS
    iam_for_new_tables: bool     # CreateTableDefaultPermissions grants ALL to IAM_ALLOWED_PRINCIPALS


@dataclass(frozen=True)
class Unknown:
    reason: str  # why the settings could not be read (e.g. AccessDeniedException)


def iam_only(permissions: Iterable[Mapping[str, Any]] | None) -> bool:
    """True when a default-permissions list is "Use only IAM access control" (ALL to IAM_ALLOWED_PRINCIPALS)."""
    return any((p.get("Principal") or {}).get("DataLakePrincipalIdentifier") == IAM_ALLOWED_PRINCIPALS
               and "ALL" in (p.get("Permissions") or []) for p in permissions or [])


_cache: weakref.WeakKeyDictionary[AwsContext, DataLakeSettings | Unknown] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def settings(ctx: AwsContext) -> DataLakeSettings | Unknown:
    """The account's data lake settings (read once per context). Never fails: a caller without
    lakeformation:GetDataLakeSettings, or a region without Lake Formation, gives Unknown."""
    with _lock:
        if ctx not in _cache:
            _cache[ctx] = _read(ctx)
        return _cache[ctx]


def _read(ctx: AwsContext) -> DataLakeSettings | Unknown:
    try:
        found = ctx.client("lakeformation").get_data_lake_settings().get("DataLakeSettings", {})
    except botocore.exceptions.ClientError as exc:
        code, message = error_code(exc) or "?", error_message(exc)
        return Unknown(f"lakeformation:GetDataLakeSettings failed: {code}: {message}")
    except botocore.exceptions.EndpointConnectionError as exc:
        return Unknown(f"lakeformation:GetDataLakeSettings failed: {exc}")
    return DataLakeSettings(iam_only(found.get("CreateDatabaseDefaultPermissions")),
                            iam_only(found.get("CreateTableDefaultPermissions")))


def grant_command(principal_arn: str, permissions: Sequence[str], resource: Mapping[str, Any]) -> str:
    """The `aws lakeformation grant-permissions` command line for one grant."""
    return (f"aws lakeformation grant-permissions --principal DataLakePrincipalIdentifier={principal_arn} "
            f"--permissions {' '.join(permissions)} --resource '{json.dumps(resource, separators=(',', ':'))}'")


def table_grants(role_arn: str, database: str, tables: Sequence[str]) -> list[str]:
    return [grant_command(role_arn, FIREHOSE_PERMISSIONS, {"Table": {"DatabaseName": database, "Name": t}})
            for t in tables]


def database_grants(role_arn: str, database: str) -> list[str]:
    return [grant_command(role_arn, CRAWLER_PERMISSIONS, {"Database": {"Name": database}})]


def location_grant(role_arn: str, bucket_arn: str) -> str:
    return grant_command(role_arn, LOCATION_PERMISSIONS, {"DataLocation": {"ResourceArn": bucket_arn}})
