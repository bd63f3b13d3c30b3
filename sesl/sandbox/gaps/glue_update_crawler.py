"""Glue UpdateCrawler, which moto 5.2.5 does not implement; and tags that outlive their resource.

UpdateCrawler as the Glue API reference describes it: the crawler is found by Name
(EntityNotFoundException otherwise), a running crawler cannot be updated (CrawlerRunningException),
and each member given replaces the stored one; members not given are kept.

moto keeps the tags of a deleted Glue database or crawler, so the Resource Groups Tagging API goes on
listing it (AWS forgets them with the resource): the sandbox deletes them with the resource.
"""

from __future__ import annotations

from typing import Any

_MEMBERS = {"Role": "role", "DatabaseName": "database_name", "Description": "description", "Targets": "targets",
            "Schedule": "schedule", "Classifiers": "classifiers", "TablePrefix": "table_prefix",
            "SchemaChangePolicy": "schema_change_policy", "RecrawlPolicy": "recrawl_policy",
            "LineageConfiguration": "lineage_configuration", "Configuration": "configuration",
            "CrawlerSecurityConfiguration": "crawler_security_configuration"}


def update_crawler(self: Any) -> Any:
    from moto.core.exceptions import JsonRESTError
    from moto.core.responses import EmptyResult

    name = self.parameters.get("Name")
    crawler = self.glue_backend.crawlers.get(name)
    if crawler is None:
        raise JsonRESTError("EntityNotFoundException", f"Crawler with name {name} not found.")
    if crawler.status == "RUNNING":
        raise JsonRESTError("CrawlerRunningException", f"Crawler with name {name} is running.")
    for member, attribute in _MEMBERS.items():
        if member in self.parameters:
            setattr(crawler, attribute, self.parameters[member])
    crawler.version += 1
    return EmptyResult()


def _forget_tags(method: Any, arn_of: Any) -> Any:
    def delete(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        result = method(self, name, *args, **kwargs)
        self.tagger.delete_all_tags_for_resource(arn_of(self, name))
        return result
    return delete


def install() -> None:
    from moto.glue.models import GlueBackend
    from moto.glue.responses import GlueResponse

    def database_arn(backend: Any, name: str) -> str:
        return f"arn:aws:glue:{backend.region_name}:{backend.account_id}:database/{name}"

    def crawler_arn(backend: Any, name: str) -> str:
        return f"arn:aws:glue:{backend.region_name}:{backend.account_id}:crawler/{name}"

    GlueBackend.delete_database = _forget_tags(GlueBackend.delete_database, database_arn)  # type: ignore[method-assign]
    GlueBackend.delete_crawler = _forget_tags(GlueBackend.delete_crawler, crawler_arn)  # type: ignore[method-assign]

    setattr(GlueResponse, "update_crawler", update_crawler)  # noqa: B010 - dispatched by operation name
