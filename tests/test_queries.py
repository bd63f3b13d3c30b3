"""Every saved query is proven: parsed as Trino SQL, transpiled, run on DuckDB over Parquet files built
from SES records with the real table schema, and compared with numbers worked out by hand below."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

import pytest
import sqlglot

from sesl.events import ses_event
from sesl.naming import Names
from sesl.queries import QUERIES, query_sql
from tests.parquet_util import duckdb_over, write_partitioned

NAMES = Names("dev", "us-west-2", "123456789012")
TODAY = dt.datetime.now(dt.UTC).date()
D1, D2, OLD = TODAY - dt.timedelta(days=3), TODAY - dt.timedelta(days=2), TODAY - dt.timedelta(days=60)
LINK_A, LINK_B = "https://dailysystemdesign.example/a?utm_source=email", "https://sponsor.example/b"


def _at(day: dt.date, hour: int = 6) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def _ev(kind: str, message: str, sent: dt.date, link: str | None = None, tags: dict[str, list[str]] | None = None,
        bounce_type: str = "Permanent") -> dict[str, Any]:
    event = ses_event(kind, message_id=message, sent=_at(sent), recipient=f"{message}@readers.example",
                      account=NAMES.account, region=NAMES.region, configuration_set="cs")
    if kind == "Click":
        event["click"].update(link=link, linkTags=tags or {})
    if kind == "Bounce":
        event["bounce"]["bounceType"] = bounce_type
    return event


def newsletter_arrivals() -> list[tuple[dt.date, list[dict[str, Any]]]]:
    """The fixture, by arrival day (the Firehose partition), not by send day."""
    d1_sends = [_ev("Send", m, D1) for m in ("m1", "m2", "m3", "m4", "m5")]
    d1_deliveries = [_ev("Delivery", m, D1) for m in ("m1", "m2", "m3", "m4")]
    return [
        (OLD, [_ev("Send", "m0", OLD), _ev("Delivery", "m0", OLD), _ev("Open", "m0", OLD)]),
        (D1, [*d1_sends, *d1_deliveries, _ev("Bounce", "m5", D1), _ev("Open", "m1", D1)]),
        # Opens, clicks and a complaint of D1's sends arrive the next day, in D2's partition.
        (D2, [_ev("Open", "m1", D1), _ev("Open", "m2", D1), _ev("Complaint", "m4", D1),
              _ev("Click", "m1", D1, LINK_A, {"campaign": ["c1"], "advertiser": ["acme"]}),
              _ev("Send", "m6", D2), _ev("Send", "m7", D2), _ev("Delivery", "m6", D2), _ev("Delivery", "m7", D2)]),
        (TODAY, [_ev("Click", "m1", D1, LINK_A, {"campaign": ["c1"], "advertiser": ["acme"]}),
                 _ev("Click", "m3", D1, LINK_B, {"campaign": ["c2"], "advertiser": ["beta"]}),
                 _ev("Open", "m6", D2)]),
    ]


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("lake")
    write_partitioned(root / "newsletter", newsletter_arrivals())
    # The transactional table has its own events: a query must read only the table it names.
    write_partitioned(root / "transactional", [(D1, [_ev("Send", "t1", D1), _ev("Delivery", "t1", D1),
                                                     _ev("Open", "t1", D1), _ev("Open", "t1", D1)])])
    return duckdb_over({(NAMES.database, "newsletter_events"): root / "newsletter",
                        (NAMES.database, "transactional_events"): root / "transactional"})


def run(con: Any, sql: str, days: int) -> list[dict[str, Any]]:
    parsed = sqlglot.parse_one(sql, read="trino")  # raises on anything that is not Trino SQL
    duck = parsed.sql(dialect="duckdb")
    cursor = con.execute(duck, [days])
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def test_every_saved_query_parses_as_trino_and_names_its_table() -> None:
    for query in QUERIES:
        sql = query_sql(query.name, NAMES, "newsletter")
        assert sqlglot.parse_one(sql, read="trino") is not None
        assert f"{NAMES.database}.newsletter_events" in sql
        assert "${" not in sql


def test_daily_engagement(con: Any) -> None:
    rows = run(con, query_sql("daily_engagement", NAMES, "newsletter"), 30)
    by_day = {r["send_date"]: r for r in rows}
    assert set(by_day) == {D1, D2}  # the 60-day-old send is outside the window
    d1 = by_day[D1]
    # D1: m1-m5 sent, m1-m4 delivered; opens m1 x2 + m2 (unique 2 of 4); clicks m1 x2 + m3 (unique 2 of 4).
    assert (d1["sent"], d1["delivered"], d1["unique_opens"], d1["unique_clicks"]) == (5, 4, 2, 2)
    assert (d1["total_opens"], d1["total_clicks"], d1["open_rate"], d1["click_rate"]) == (3, 3, 0.5, 0.5)
    d2 = by_day[D2]
    assert (d2["sent"], d2["delivered"], d2["unique_opens"], d2["unique_clicks"], d2["open_rate"]) == (2, 2, 1, 0, 0.5)


def test_a_lowercase_event_type_returns_zero_and_fails(con: Any) -> None:
    wrong = query_sql("daily_engagement", NAMES, "newsletter").replace("'Open'", "'open'")
    rows = {r["send_date"]: r for r in run(con, wrong, 30)}
    assert rows[D1]["unique_opens"] == 0  # the values SES stores are capitalised: this query is broken
    with pytest.raises(AssertionError):
        assert (rows[D1]["unique_opens"], rows[D1]["open_rate"]) == (2, 0.5)


def test_daily_engagement_reads_only_its_own_table(con: Any) -> None:
    rows = run(con, query_sql("daily_engagement", NAMES, "transactional"), 30)
    assert [(r["send_date"], r["sent"], r["unique_opens"], r["total_opens"]) for r in rows] == [(D1, 1, 1, 2)]


def test_weekly_trends(con: Any) -> None:
    rows = run(con, query_sql("weekly_trends", NAMES, "newsletter"), 120)
    # By hand: OLD delivered m0, open m0; D1 delivered m1-m4 (4 recipients), opens m1 m2, clicks m1 m3;
    # D2 delivered m6 m7, open m6. All within 120 days.
    week = {d: d - dt.timedelta(days=d.weekday()) for d in (OLD, D1, D2)}
    expected: dict[dt.date, tuple[int, int, int, int]] = {}
    for day, delivered, opens, clicks in ((OLD, 1, 1, 0), (D1, 4, 2, 2), (D2, 2, 1, 0)):
        d, r, o, c = expected.get(week[day], (0, 0, 0, 0))
        expected[week[day]] = (d + delivered, r + delivered, o + opens, c + clicks)
    assert [r["week_start"] for r in rows] == sorted(expected)
    for row in rows:
        delivered, recipients, opens, clicks = expected[row["week_start"]]
        assert (row["delivered"], row["recipients_delivered"]) == (delivered, recipients)
        assert row["open_rate"] == round(opens / delivered, 4)
        assert row["click_rate"] == round(clicks / delivered, 4)
    assert rows[0]["recipients_change"] is None  # no earlier week to compare with
    for earlier, later in itertools.pairwise(rows):
        assert later["recipients_change"] == (expected[later["week_start"]][1] - expected[earlier["week_start"]][1])


def test_top_links(con: Any) -> None:
    rows = run(con, query_sql("top_links", NAMES, "newsletter"), 30)
    assert [(r["link"], r["campaign"], r["advertiser"], r["total_clicks"], r["unique_clicks"]) for r in rows] == [
        ("https://dailysystemdesign.example/a", "c1", "acme", 2, 1),
        ("https://sponsor.example/b", "c2", "beta", 1, 1)]


def test_bounce_and_complaint_rates(con: Any) -> None:
    rows = {r["send_date"]: r for r in run(con, query_sql("bounce_complaint_rates", NAMES, "newsletter"), 30)}
    d1 = rows[D1]
    # D1: 5 sends, m5 bounced (permanent), m4 complained.
    assert (d1["sent"], d1["bounced"], d1["hard_bounced"], d1["complained"]) == (5, 1, 1, 1)
    assert (d1["bounce_rate"], d1["complaint_rate"]) == (0.2, 0.2)
    assert (rows[D2]["sent"], rows[D2]["bounced"], rows[D2]["bounce_rate"]) == (2, 0, 0.0)


# --- A month of realistic traffic with every hard case (sesl/traffic.py), checked against the definitions ---

from sesl import traffic  # noqa: E402
from tests import metrics_reference as ref  # noqa: E402

WHERE = traffic.Where(NAMES.account, NAMES.region, "cs")
MONTH_DAYS = 40


def _by_partition(arrivals: list[traffic.Arrival]) -> list[tuple[dt.date, list[dict[str, Any]]]]:
    """Firehose's objects (60 s buffers filed under their oldest record's arrival date), one file a day."""
    days: dict[dt.date, list[dict[str, Any]]] = {}
    for day, events in traffic.firehose_objects(arrivals):
        days.setdefault(day, []).extend(events)
    return sorted(days.items())


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict[str, list[dict[str, Any]]]]:
    root = tmp_path_factory.mktemp("month")
    arrivals = {"newsletter": traffic.newsletter(TODAY, MONTH_DAYS, 240, WHERE),
                "transactional": traffic.transactional(TODAY, MONTH_DAYS, 240, WHERE)}
    for flow, flow_arrivals in arrivals.items():
        write_partitioned(root / flow, _by_partition(flow_arrivals))
    con = duckdb_over({(NAMES.database, f"{flow}_events"): root / flow for flow in arrivals})
    return con, {flow: [a.event for a in flow_arrivals] for flow, flow_arrivals in arrivals.items()}


def _assert_rows(rows: dict[dt.date, dict[str, Any]], expected: dict[dt.date, dict[str, Any]]) -> None:
    assert sorted(rows) == sorted(expected)
    for key, want in expected.items():
        got = {column: rows[key][column] for column in want}
        assert all(ref.close(got[c], want[c]) for c in want), (key, got, want)


@pytest.mark.parametrize("flow", ["newsletter", "transactional"])
def test_daily_engagement_matches_the_definitions_on_a_realistic_month(month: Any, flow: str) -> None:
    con, events = month
    rows = {r["send_date"]: r for r in run(con, query_sql("daily_engagement", NAMES, flow), 30)}
    _assert_rows(rows, ref.daily_engagement(events[flow], TODAY, 30))


@pytest.mark.parametrize("flow", ["newsletter", "transactional"])
def test_bounce_and_complaint_rates_match_ses_definitions_on_a_realistic_month(month: Any, flow: str) -> None:
    con, events = month
    rows = {r["send_date"]: r for r in run(con, query_sql("bounce_complaint_rates", NAMES, flow), 30)}
    _assert_rows(rows, ref.bounce_complaint_rates(events[flow], TODAY, 30))


@pytest.mark.parametrize("flow", ["newsletter", "transactional"])
def test_weekly_trends_match_the_definitions_on_a_realistic_month(month: Any, flow: str) -> None:
    con, events = month
    rows = {r["week_start"]: r for r in run(con, query_sql("weekly_trends", NAMES, flow), 35)}
    _assert_rows(rows, ref.weekly_trends(events[flow], TODAY, 35))


def test_top_links_match_the_definitions_whatever_the_case_of_tag_keys(month: Any) -> None:
    con, events = month
    rows = run(con, query_sql("top_links", NAMES, "newsletter"), 30)
    got = [(r["link"], r["campaign"], r["advertiser"], r["total_clicks"], r["unique_clicks"]) for r in rows]
    assert got == ref.top_links(events["newsletter"], TODAY, 30)
    assert ("https://sponsor-two.example/trial", "launch", "sponsor-two") in {g[:3] for g in got}  # keys "Campaign"


@pytest.mark.parametrize("flow", ["newsletter", "transactional"])
def test_subscriber_growth_matches_the_definitions_on_a_realistic_month(month: Any, flow: str) -> None:
    con, events = month
    rows = run(con, query_sql("subscriber_growth", NAMES, flow), 20)
    got = [(r["period"], r["period_start"], r["new_recipients"], r["total_recipients"]) for r in rows]
    assert got == ref.subscriber_growth(events[flow], TODAY, 20)
    assert {g[0] for g in got} == {"day", "week", "month"}


def test_the_month_has_every_hard_case(month: Any) -> None:
    _, events = month
    news = events["newsletter"]
    multi = [e for e in news if len(e["mail"]["destination"]) > 1]
    assert any(e["eventType"] == "Bounce" for e in multi) and any(e["eventType"] == "Delivery" for e in multi)
    assert any(ref.is_machine_open(e) for e in news)
    assert any(e["eventType"] == "Bounce" and e["bounce"]["bounceType"] == "Transient" for e in news)
    late = [e for e in news if e["eventType"] == "Open" and ref.event_date(e["open"]["timestamp"]) > ref.send_date(e)
            + dt.timedelta(days=1)]
    assert late, "no open arrives days after its send"
    sends = [e for e in news if e["eventType"] == "Send"]
    midnight = {ref.send_date(e) for e in sends if e["mail"]["timestamp"][11:13] in ("23", "00")}
    assert len(midnight) == 2, "no issue straddles midnight UTC"
    keys = [json.dumps(e["mail"]["messageId"]) for e in sends]
    assert len(keys) > len(set(keys)), "no Send record delivered twice"


def test_a_partial_bounce_counts_the_right_recipient_as_delivered(tmp_path: Any) -> None:
    # One message To a and CC b, c: b hard-bounces, a and c get it. By hand: 3 sent, 2 delivered
    # recipients (a, c), 1 message delivered, hard bounce rate 1/3.
    sent = _at(D1)
    to = ["A@x.example", "b@x.example", "c@x.example"]
    day = traffic._Day(__import__("random").Random(1), WHERE, "newsletter")
    day.add("Send", "p1", sent, to, sent)
    day.add("Bounce", "p1", sent, to, sent, **traffic._bounce("Permanent", ["b@x.example"]))
    day.add("Delivery", "p1", sent, to, sent, recipients=["A@x.example", "c@x.example"])
    write_partitioned(tmp_path, [(D1, [a.event for a in day.out])])
    con = duckdb_over({(NAMES.database, "newsletter_events"): tmp_path})
    engagement = run(con, query_sql("daily_engagement", NAMES, "newsletter"), 30)[0]
    assert (engagement["sent"], engagement["delivered"], engagement["delivered_messages"]) == (3, 2, 1)
    rates = run(con, query_sql("bounce_complaint_rates", NAMES, "newsletter"), 30)[0]
    assert (rates["sent"], rates["hard_bounced"], rates["bounce_rate"]) == (3, 1, round(1 / 3, 4))
    weekly = run(con, query_sql("weekly_trends", NAMES, "newsletter"), 30)[0]
    assert weekly["recipients_delivered"] == 2
    growth_rows = run(con, query_sql("subscriber_growth", NAMES, "newsletter"), 30)
    growth = {(r["period"], r["new_recipients"]) for r in growth_rows}
    assert ("day", 2) in growth  # b was never reached
