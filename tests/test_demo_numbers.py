"""The demo ends with correct advertiser numbers: its month of traffic, replayed through the sandbox's
Firehose into Parquet and queried through the sandbox's Athena with the saved queries, gives the figures
tests/metrics_reference.py computes independently from the same generated events."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rich.console import Console

from sesl import traffic
from sesl.athena_query import run_query
from sesl.context import AwsContext
from sesl.demo import Demo, month_of_traffic
from sesl.queries import query_sql
from tests import metrics_reference as ref
from tests.conftest import ACCOUNT
from tests.ladder import converge

KINDS = ["s3_bucket", "iam_role", "glue_database", "glue_table", "log_group", "firehose_stream", "athena_workgroup"]
DAYS, PER_DAY = 12, 150


def _no_cli(args: list[str]) -> int:
    raise AssertionError(f"this test replays traffic only; it runs no CLI step (asked: sesl {' '.join(args)})")


def _value(text: str | None) -> Any:
    if text is None or text == "":
        return None
    for parse in (int, float, dt.date.fromisoformat):
        try:
            return parse(text)
        except ValueError:
            continue
    return text


def _rows(ctx: AwsContext, query: str, flow: str, days: int) -> list[dict[str, Any]]:
    result = run_query(ctx, query_sql(query, ctx.names, flow), parameters=[str(days)], poll=0.0)
    return [{c: _value(v) for c, v in zip(result.columns, row, strict=True)} for row in result.rows]


@pytest.fixture
def replayed(ctx: AwsContext) -> dict[str, list[dict[str, Any]]]:
    converge(ctx, KINDS)
    demo = Demo(Console(quiet=True), _no_cli, ctx.names, DAYS, PER_DAY)
    month_of_traffic(demo)
    where = {flow: traffic.Where(ACCOUNT, ctx.names.region, ctx.names.configuration_set(flow))
             for flow in ("newsletter", "transactional")}
    generated = traffic.month(dt.datetime.now(dt.UTC).date(), where, PER_DAY, DAYS)
    return {flow: [a.event for a in arrivals] for flow, arrivals in generated.items()}


def test_the_demos_reports_match_the_definitions(ctx: AwsContext, replayed: dict[str, list[dict[str, Any]]]) -> None:
    today = dt.datetime.now(dt.UTC).date()
    checks = {"daily_engagement": ("send_date", ref.daily_engagement),
              "weekly_trends": ("week_start", ref.weekly_trends),
              "bounce_complaint_rates": ("send_date", ref.bounce_complaint_rates)}
    for flow, events in replayed.items():
        for query, (key, expected_of) in checks.items():
            rows = {r[key]: r for r in _rows(ctx, query, flow, 10)}
            expected = expected_of(events, today, 10)
            assert sorted(rows) == sorted(expected), (flow, query)
            for day, want in expected.items():
                assert all(ref.close(rows[day][c], want[c]) for c in want), (flow, query, day, rows[day], want)
        links = [(r["link"], r["campaign"], r["advertiser"], r["total_clicks"], r["unique_clicks"])
                 for r in _rows(ctx, "top_links", flow, 10)]
        assert links == ref.top_links(events, today, 10), flow
        growth = [(r["period"], r["period_start"], r["new_recipients"], r["total_recipients"])
                  for r in _rows(ctx, "subscriber_growth", flow, 8)]
        assert growth == ref.subscriber_growth(events, today, 8), flow
