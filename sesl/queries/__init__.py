"""The saved advertiser queries: Trino SQL files with ${database} and ${table} placeholders.

Each query takes one execution parameter (`?`): the number of days to report. `sesl query` passes
it (default per query below); in the Athena console, enter it when running the saved query.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from string import Template

from sesl.naming import Names


@dataclass(frozen=True)
class QueryDef:
    name: str
    description: str
    default_days: int
    # The result's columns, in order: the header of an empty result, whose metadata may be missing.
    columns: tuple[str, ...] = ()


QUERIES: tuple[QueryDef, ...] = (
    QueryDef("daily_engagement", "Per send day: recipients sent and delivered, messages opened and clicked, rates", 30,
             ("send_date", "sent", "delivered", "delivered_messages", "unique_opens", "unique_clicks", "total_opens",
              "machine_opens", "total_clicks", "open_rate", "click_rate")),
    QueryDef("weekly_trends", "Per ISO week: recipients delivered and its change, open and click rates", 120,
             ("week_start", "delivered", "recipients_delivered", "recipients_change", "open_rate", "click_rate")),
    QueryDef("top_links", "Most clicked links with campaign and advertiser link tags", 30,
             ("link", "campaign", "advertiser", "total_clicks", "unique_clicks")),
    QueryDef("bounce_complaint_rates", "Per send day: hard-bounce and complaint rates over recipients, as SES "
             "defines them", 30,
             ("send_date", "sent", "bounced", "hard_bounced", "complained", "bounce_rate", "complaint_rate")),
    QueryDef("subscriber_growth", "Recipients reached for the first time per day, week and month", 90,
             ("period", "period_start", "new_recipients", "total_recipients")),
)


def template(name: str) -> str:
    return resources.files(__package__).joinpath(f"{name}.sql").read_text(encoding="utf-8")


def query_sql(name: str, names: Names, flow: str) -> str:
    """The query's SQL for one flow's table."""
    return Template(template(name)).substitute(database=names.database, table=names.table(flow))


def saved_name(name: str, flow: str) -> str:
    """The saved query's name in the workgroup: sesl's names are unique by construction."""
    return f"sesl-{flow}-{name.replace('_', '-')}"  # the sesl- prefix marks sesl's own saved queries


def find(name: str) -> QueryDef:
    for query in QUERIES:
        if name in (query.name, query.name.replace("_", "-")):
            return query
    raise KeyError(name)
