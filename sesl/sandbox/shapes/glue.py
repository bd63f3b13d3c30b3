"""Glue: what GetCrawler, GetDatabase and GetTable(s) really return.

Published live reads used here: go-to-k/cdk-real-drift tests/corpus/AWS__Glue__Crawler.Crawler.json,
AWS__Glue__Crawler.HuntCrawler.json, AWS__Glue__Table.Events.json, AWS__Glue__Database.Catalog.json
(Cloud Control reads of fresh resources); the AWS CLI's examples awscli/examples/glue/get-tables.rst and
get-databases.rst; GetCrawler outputs printed in AWS Solutions Library guidance ("Example of GetCrawler
output json", a crawler whose role has the path `service-role/`).

`install()` adds what a reshaped answer cannot express: a new database takes the account's Lake
Formation default for new tables (GetDataLakeSettings `CreateTableDefaultPermissions`, which is
IAM_ALLOWED_PRINCIPALS/ALL until an account switches to Lake Formation permissions), stored with the
database, so an UpdateDatabase that leaves it out really drops it, as on AWS.
"""

from __future__ import annotations

from typing import Any

from sesl.sandbox.shapes import Response, shaping

_CRAWLER_SOURCE = ("terraform-provider-aws internal/service/glue/crawler.go (role DiffSuppressFunc: \"Glue API "
                   "always returns name\", compared with the ARN's resource minus `role/`, so a path stays); "
                   "published GetCrawler outputs: go-to-k/cdk-real-drift tests/corpus/AWS__Glue__Crawler.*.json, "
                   "AWS Solutions Library guidance \"Example of GetCrawler output json\" (Role "
                   "`service-role/AWSGlueServiceRole-…`, Classifiers [], LineageConfiguration DISABLE, "
                   "LakeFormationConfiguration, every target list present)")
_TARGET_LISTS = ("S3Targets", "JdbcTargets", "MongoDBTargets", "DynamoDBTargets", "CatalogTargets", "DeltaTargets",
                 "IcebergTargets", "HudiTargets")


def role_as_returned(role: str) -> str:
    """An IAM role ARN as GetCrawler returns it: the ARN's resource without `role/` (path kept)."""
    if not role.startswith("arn:"):
        return role
    resource = role.split(":", 5)[-1]
    return resource[len("role/"):] if resource.startswith("role/") else resource


@shaping("glue", "GetCrawler",
         what="Role comes back as the role's name (with its path, e.g. `service-role/x`) although an ARN was sent",
         source=_CRAWLER_SOURCE)
def crawler_role_as_name(response: Response, request: Response) -> Response:
    crawler = dict(response.get("Crawler", {}))
    crawler["Role"] = role_as_returned(str(crawler.get("Role", "")))
    return {**response, "Crawler": crawler}


@shaping("glue", "GetCrawler",
         what="each S3 target gains `Exclusions: []`; every target list is present (empty ones as []); "
              "`Classifiers: []`, `LineageConfiguration: {CrawlerLineageSettings: DISABLE}` and "
              "`LakeFormationConfiguration: {AccountId: \"\", UseLakeFormationCredentials: false}` are filled in",
         source=_CRAWLER_SOURCE)
def crawler_defaults(response: Response, request: Response) -> Response:
    crawler = dict(response.get("Crawler", {}))
    targets = dict(crawler.get("Targets") or {})
    targets["S3Targets"] = [{"Exclusions": [], **t} for t in targets.get("S3Targets") or []]
    crawler["Targets"] = {name: targets.get(name) or [] for name in _TARGET_LISTS}
    crawler["Classifiers"] = crawler.get("Classifiers") or []
    crawler["LineageConfiguration"] = crawler.get("LineageConfiguration") or {"CrawlerLineageSettings": "DISABLE"}
    crawler["LakeFormationConfiguration"] = crawler.get("LakeFormationConfiguration") or {
        "AccountId": "", "UseLakeFormationCredentials": False}
    return {**response, "Crawler": crawler}


_TABLE_SOURCE = ("AWS CLI example awscli/examples/glue/get-tables.rst (Retention 0, CreatedBy, "
                 "IsRegisteredWithLakeFormation false, CatalogId, UpdateTime, StorageDescriptor Compressed false, "
                 "NumberOfBuckets 0, SortColumns [], StoredAsSubDirectories false); go-to-k/cdk-real-drift "
                 "tests/corpus/AWS__Glue__Table.Events.json (the same StorageDescriptor defaults on a table created "
                 "without them)")


def _aws_table(table: dict[str, Any]) -> dict[str, Any]:
    catalog = str(table.get("CatalogId", ""))
    storage = {"Compressed": False, "NumberOfBuckets": 0, "SortColumns": [], "StoredAsSubDirectories": False,
               **(table.get("StorageDescriptor") or {})}
    return {"Retention": 0, "UpdateTime": table.get("CreateTime"), "IsRegisteredWithLakeFormation": False,
            "CreatedBy": f"arn:aws:iam::{catalog}:root", **table, "StorageDescriptor": storage}


@shaping("glue", "GetTable",
         what="the table gains `Retention: 0`, `UpdateTime`, `CreatedBy`, `IsRegisteredWithLakeFormation: false`; "
              "its StorageDescriptor gains `Compressed: false`, `NumberOfBuckets: 0`, `SortColumns: []`, "
              "`StoredAsSubDirectories: false`",
         source=_TABLE_SOURCE)
def table_defaults(response: Response, request: Response) -> Response:
    return {**response, "Table": _aws_table(dict(response.get("Table", {})))}


@shaping("glue", "GetTables",
         what="each table as GetTable answers it (see GetTable)",
         source=_TABLE_SOURCE)
def tables_defaults(response: Response, request: Response) -> Response:
    return {**response, "TableList": [_aws_table(dict(t)) for t in response.get("TableList", [])]}


def _lake_formation_default(account: str, region: str) -> list[dict[str, Any]]:
    from moto.lakeformation.models import lakeformation_backends

    settings = lakeformation_backends[account][region].get_data_lake_settings(account)
    return list(settings.get("CreateTableDefaultPermissions") or [])


def install() -> None:
    """A new database gets the account's Lake Formation default for new tables
    (`CreateTableDefaultPermissions`: IAM_ALLOWED_PRINCIPALS / ALL until the account changes it; Lake
    Formation guide, "Changing the default settings for your data lake"; AWS CLI example
    glue/get-databases.rst), stored with it, so an UpdateDatabase that leaves it out drops it as on AWS."""
    from moto.glue.models import GlueBackend

    original = GlueBackend.create_database

    def create_database(self: Any, database_name: str, database_input: dict[str, Any],
                        tags: dict[str, str] | None = None) -> Any:
        if "CreateTableDefaultPermissions" not in database_input:
            database_input = {**database_input, "CreateTableDefaultPermissions":
                              _lake_formation_default(self.account_id, self.region_name)}
        return original(self, database_name, database_input, tags)

    GlueBackend.create_database = create_database  # type: ignore[method-assign]
