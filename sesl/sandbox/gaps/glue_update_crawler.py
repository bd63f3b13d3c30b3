"""Glue UpdateCrawler, which moto 5.2.5 does not implement.

As the Glue API reference describes it: the crawler is found by Name (EntityNotFoundException
otherwise), a running crawler cannot be updated (CrawlerRunningException), and each member given
replaces the stored one; members not given are kept.
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


def install() -> None:
    from moto.glue.responses import GlueResponse

    GlueResponse.update_crawler = update_crawler  # dispatched by operation name
