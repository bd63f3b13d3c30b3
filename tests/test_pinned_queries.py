"""The saved queries on data that repeats events (Firehose delivers at least once, SES sends an open per
image load): every distinct count stays, every total doubles; and how a query is found, named and rendered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sesl.naming import Names
from sesl.queries import QUERIES, find, query_sql, saved_name, template
from tests.parquet_util import duckdb_over, write_partitioned
from tests.test_queries import NAMES, newsletter_arrivals, run

# The columns that count every event, repeated or not; every other count is of distinct recipients or messages.
TOTALS = {"total_opens", "total_clicks", "machine_opens"}


def _lake(root: Path, times: int) -> Any:
    arrivals = [(day, [event for event in events for _ in range(times)]) for day, events in newsletter_arrivals()]
    write_partitioned(root / "newsletter", arrivals)
    return duckdb_over({(NAMES.database, "newsletter_events"): root / "newsletter"})


@pytest.fixture(scope="module")
def once_and_twice(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    return _lake(tmp_path_factory.mktemp("once"), 1), _lake(tmp_path_factory.mktemp("twice"), 2)


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_a_repeated_event_changes_only_the_totals(query: Any, once_and_twice: tuple[Any, Any]) -> None:
    once, twice = once_and_twice
    sql = query_sql(query.name, NAMES, "newsletter")
    single, double = run(once, sql, query.default_days), run(twice, sql, query.default_days)
    assert single, "the fixture has rows for every query"
    assert len(single) == len(double)
    for a, b in zip(single, double, strict=True):
        assert list(a) == list(query.columns)
        for column in query.columns:
            assert b[column] == (2 * a[column] if column in TOTALS else a[column]), (column, a, b)
    assert any(a[c] for a in single for c in TOTALS & set(query.columns)) or not TOTALS & set(query.columns)


def test_find_takes_the_name_with_underscores_or_dashes() -> None:
    assert find("top_links").name == "top_links"
    assert find("top-links").name == "top_links"
    assert find("bounce-complaint-rates").default_days == 30
    with pytest.raises(KeyError) as caught:
        find("top links")
    assert caught.value.args == ("top links",)
    with pytest.raises(KeyError):
        find("top")


def test_default_days_of_each_query() -> None:
    assert {q.name: q.default_days for q in QUERIES} == {
        "daily_engagement": 30, "weekly_trends": 120, "top_links": 30, "bounce_complaint_rates": 30,
        "subscriber_growth": 90}


def test_saved_names_are_prefixed_and_dashed_per_flow() -> None:
    assert saved_name("daily_engagement", "newsletter") == "sesl-newsletter-daily-engagement"
    assert saved_name("bounce_complaint_rates", "transactional") == "sesl-transactional-bounce-complaint-rates"


def test_query_sql_fills_the_database_and_the_flows_table() -> None:
    names = Names("prod", "eu-west-1", "123456789012")
    for query in QUERIES:
        raw = template(query.name)
        assert "${database}.${table}" in raw
        sql = query_sql(query.name, names, "transactional")
        assert sql == raw.replace("${database}", names.database).replace("${table}", names.table("transactional"))
        assert "${" not in sql
