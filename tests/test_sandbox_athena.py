"""The sandbox's Athena runs the SQL over the objects Firehose delivered: saved queries answer the values the
events hold, partition predicates prune what is read (and billed), the workgroup's cut-off fails a query,
SQL the engine cannot run fails with a reason, results page like Athena's and land as CSV."""

from __future__ import annotations

import base64
import datetime as dt
import os
from typing import Any

import botocore.exceptions
import pytest

from sesl import layout
from sesl.athena_query import run_query
from sesl.context import AwsContext
from sesl.events import ses_event, to_record
from sesl.queries import query_sql
from sesl.sandbox.gaps import athena_engine
from sesl.sandbox.gaps.firehose_delivery import flush_all, parquet_bytes
from sesl.schema import COLUMNS
from tests.conftest import ACCOUNT, boto
from tests.ladder import applied
from tests.parquet_util import to_row

EVENTS = "daily-system-design-email-events-dev"
RESULTS = "daily-system-design-athena-results-dev"
TABLE = "email_events_db_dev.newsletter_events"
SCHEMA = tuple((name, t) for name, t, _ in COLUMNS)


@pytest.fixture
def lake(ctx: AwsContext) -> AwsContext:
    applied(ctx)
    ctx.allow_mutations()
    return ctx


def _event(kind: str, message: str, when: dt.datetime) -> dict[str, Any]:
    return ses_event(kind, message_id=message, sent=when, recipient=f"{message}@example.com", account=ACCOUNT,
                     region="us-west-2", configuration_set="daily-system-design-newsletter-dev")


def _deliver(events: list[dict[str, Any]]) -> None:
    boto("firehose").put_record_batch(DeliveryStreamName="email-events-newsletter-dev",
                                      Records=[{"Data": to_record(e)} for e in events])
    flush_all()


def _write_day(day: dt.date, events: list[dict[str, Any]], name: str = "part.parquet") -> int:
    """Parquet for `events` straight into the partition of `day`; returns the object's size."""
    body = parquet_bytes([to_row(e) for e in events], SCHEMA, "GZIP")
    boto("s3").put_object(Bucket=EVENTS, Key=f"newsletter/{layout.partitions_for(day)}{name}", Body=body)
    return len(body)


def _execution(query_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = boto("athena").get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
    return answer


def _start(sql: str, **extra: Any) -> str:
    answer = boto("athena").start_query_execution(QueryString=sql, WorkGroup="email-analytics-dev",
                                                   QueryExecutionContext={"Database": "email_events_db_dev"}, **extra)
    return str(answer["QueryExecutionId"])


def _scanned(ctx: AwsContext, sql: str) -> int:
    return run_query(ctx, sql).scanned_bytes


def test_a_saved_query_answers_what_the_delivered_events_hold(lake: AwsContext) -> None:
    now = dt.datetime.now(dt.UTC)
    sends = [f"m{i}" for i in range(5)]
    events = [_event("Send", m, now) for m in sends]
    events += [_event("Delivery", m, now) for m in sends[:4]]
    events += [_event("Open", m, now) for m in ("m0", "m0", "m1")]  # m0 opened twice: one unique open
    events += [_event("Click", "m1", now)]
    _deliver(events)
    result = run_query(lake, query_sql("daily_engagement", lake.names, "newsletter"), parameters=("30",))
    assert len(result.rows) == 1
    row = dict(zip(result.columns, result.rows[0], strict=True))
    # 5 messages of one recipient each; 4 delivered; m0 and m1 opened (m0 twice); m1 clicked once.
    expected = {"send_date": now.date().isoformat(), "sent": "5", "delivered": "4", "unique_opens": "2",
                "unique_clicks": "1", "total_opens": "3", "total_clicks": "1", "open_rate": "0.5",
                "click_rate": "0.25"}
    assert {k: row.get(k) for k in expected} == expected
    assert result.scanned_bytes == sum(o["Size"] for o in boto("s3").list_objects_v2(
        Bucket=EVENTS, Prefix="newsletter/")["Contents"])


def test_partition_predicates_prune_what_is_read_and_counted(lake: AwsContext) -> None:
    today = dt.datetime.now(dt.UTC).date()
    old, recent = today - dt.timedelta(days=60), today - dt.timedelta(days=3)
    old_size = _write_day(old, [_event("Send", "old", dt.datetime.combine(old, dt.time(), dt.UTC))])
    recent_size = _write_day(recent, [_event("Send", "new", dt.datetime.combine(recent, dt.time(), dt.UTC))])
    assert _scanned(lake, f"SELECT count(*) FROM {TABLE}") == old_size + recent_size
    one_day = layout.partition_values(recent)
    pinned = (f"SELECT count(*) FROM {TABLE} WHERE year = '{one_day['year']}' AND month = '{one_day['month']}' "
              f"AND day = '{one_day['day']}'")
    assert _scanned(lake, pinned) == recent_size
    assert run_query(lake, pinned).rows == [["1"]]
    assert _scanned(lake, f"SELECT count(*) FROM {TABLE} WHERE year = '1999'") == 0
    # The saved query's window reaches days + 7 back through a constant CTE: the 60-day-old partition is pruned.
    saved = run_query(lake, query_sql("daily_engagement", lake.names, "newsletter"), parameters=("30",))
    assert saved.scanned_bytes == recent_size
    assert _scanned(lake, f"SELECT count(*) FROM {TABLE} WHERE eventtype = 'Send'") == old_size + recent_size


def test_objects_outside_the_projection_are_not_read(lake: AwsContext) -> None:
    inside = _write_day(dt.date(2026, 1, 2), [_event("Send", "in", dt.datetime(2026, 1, 2, tzinfo=dt.UTC))])
    _write_day(dt.date(2024, 1, 2), [_event("Send", "out", dt.datetime(2024, 1, 2, tzinfo=dt.UTC))])  # < 2025
    boto("s3").put_object(Bucket=EVENTS, Key="newsletter/year=2026/month=1/day=02/x.parquet", Body=b"x")  # digits
    boto("s3").put_object(Bucket=EVENTS, Key="newsletter/year=2026/month=01/day=02/_SUCCESS", Body=b"")
    result = run_query(lake, f"SELECT mail.messageid FROM {TABLE}")
    assert (result.rows, result.scanned_bytes) == ([["in"]], inside)


def test_the_workgroup_cutoff_fails_a_query_that_would_read_more(lake: AwsContext) -> None:
    cutoff = 10_000_000  # the least Athena allows (botocore athena BytesScannedCutoffValue)
    boto("athena").update_work_group(WorkGroup="email-analytics-dev",
                                     ConfigurationUpdates={"BytesScannedCutoffPerQuery": cutoff})
    small = _write_day(dt.date(2026, 1, 1), [_event("Send", "a", dt.datetime(2026, 1, 1, tzinfo=dt.UTC))])
    noise = base64.b64encode(os.urandom(11_000_000)).decode()  # does not compress below the cutoff
    big = {**_event("Send", "b", dt.datetime(2026, 1, 2, tzinfo=dt.UTC)), "eventType": noise}
    large = _write_day(dt.date(2026, 1, 2), [big])
    assert small < cutoff < large
    assert run_query(lake, f"SELECT count(*) FROM {TABLE} WHERE day = '01'").rows == [["1"]]
    query_id = _start(f"SELECT count(*) FROM {TABLE}")
    execution = _execution(query_id)
    assert execution["Status"]["State"] == "FAILED"
    assert execution["Status"]["StateChangeReason"] == "Query cancelled! : Bytes scanned limit was exceeded"
    assert execution["Statistics"]["DataScannedInBytes"] == small + large


@pytest.mark.parametrize(("sql", "reason"), [
    ("SHOW TABLES", "NOT_SUPPORTED: the sandbox runs only SELECT queries, not SHOW"),
    ("SELEC 1", "SYNTAX_ERROR: "),
    ("SELECT * FROM email_events_db_dev.nope", "TABLE_NOT_FOUND: Table 'awsdatacatalog.email_events_db_dev.nope' "
                                               "does not exist"),
    (f"SELECT nope FROM {TABLE}", "SEMANTIC_ERROR: "),
    ("SELECT ? AS a", "INVALID_PARAMETER_USAGE: the query has 1 parameter(s) (?) but 0 execution parameter(s)"),
])
def test_sql_the_engine_cannot_run_fails_the_query_with_a_reason(lake: AwsContext, sql: str, reason: str) -> None:
    query_id = _start(sql)
    status = _execution(query_id)["Status"]
    assert status["State"] == "FAILED"
    assert status["StateChangeReason"].startswith(reason)
    assert status["AthenaError"]["ErrorCategory"] == 2
    with pytest.raises(botocore.exceptions.ClientError, match="InvalidRequestException"):
        boto("athena").get_query_results(QueryExecutionId=query_id)


def test_an_unknown_execution_is_an_invalid_request_not_a_crash(lake: AwsContext) -> None:
    for call in (boto("athena").get_query_execution, boto("athena").get_query_results):
        with pytest.raises(botocore.exceptions.ClientError) as raised:
            call(QueryExecutionId="00000000-0000-0000-0000-000000000000")
        assert raised.value.response["Error"]["Code"] == "InvalidRequestException"


def test_execution_parameters_replace_the_question_marks_in_order(lake: AwsContext) -> None:
    query_id = _start("SELECT ? AS a, ? + 1 AS b, '?' AS literal", ExecutionParameters=["'x'", "41"])
    assert _execution(query_id)["ExecutionParameters"] == ["'x'", "41"]
    rows = boto("athena").get_query_results(QueryExecutionId=query_id)["ResultSet"]["Rows"]
    assert rows[1] == {"Data": [{"VarCharValue": "x"}, {"VarCharValue": "42"}, {"VarCharValue": "?"}]}


def test_results_page_header_first_with_column_info(lake: AwsContext) -> None:
    query_id = _start("SELECT x, CAST(x AS double) / 4 AS quarter, CAST(NULL AS varchar) AS nothing "
                      "FROM UNNEST(sequence(1, 2500)) AS t(x) ORDER BY x")
    athena = boto("athena")
    pages, token = [], None
    while True:
        page = athena.get_query_results(QueryExecutionId=query_id, MaxResults=1000,
                                        **({"NextToken": token} if token else {}))
        pages.append(page["ResultSet"]["Rows"])
        token = page.get("NextToken")
        if not token:
            break
    assert [len(p) for p in pages] == [1000, 1000, 501]  # the header row and 2,500 rows
    assert pages[0][0] == {"Data": [{"VarCharValue": "x"}, {"VarCharValue": "quarter"}, {"VarCharValue": "nothing"}]}
    assert pages[0][1] == {"Data": [{"VarCharValue": "1"}, {"VarCharValue": "0.25"}, {}]}
    assert pages[2][-1]["Data"][0] == {"VarCharValue": "2500"}
    info = page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
    assert [(c["Name"], c["Type"], c["Precision"], c["CaseSensitive"]) for c in info] == [
        ("x", "bigint", 19, False), ("quarter", "double", 17, False), ("nothing", "varchar", 2147483647, True)]
    assert info[0]["CatalogName"] == "hive" and info[0]["Nullable"] == "UNKNOWN"
    with pytest.raises(botocore.exceptions.ClientError, match="MaxResults must be between 1 and 1000"):
        athena.get_query_results(QueryExecutionId=query_id, MaxResults=1001)
    assert len(athena.get_query_results(QueryExecutionId=query_id, MaxResults=1)["ResultSet"]["Rows"]) == 1


def test_results_are_written_as_athena_s_csv_in_the_workgroup_s_location(lake: AwsContext) -> None:
    query_id = _start("SELECT 'a\"b' AS quoted, CAST(NULL AS varchar) AS nothing, 1.5e-5 AS small, true AS yes")
    execution = _execution(query_id)
    location = f"s3://{RESULTS}/query-results/{query_id}.csv"
    assert execution["ResultConfiguration"]["OutputLocation"] == location
    body = boto("s3").get_object(Bucket=RESULTS, Key=f"query-results/{query_id}.csv")["Body"].read()
    assert body == b'"quoted","nothing","small","yes"\n"a""b",,"1.5E-5","true"\n'


def test_a_query_goes_queued_running_then_succeeded_or_failed(lake: AwsContext) -> None:
    from moto.moto_api import state_manager

    # Each state lasts two reads of GetQueryExecution (moto's state manager, moto-notes.md §5).
    state_manager.set_transition("athena::execution", {"progression": "manual", "times": 2})
    try:
        ok, failed = _start("SELECT 1 AS one"), _start("SELECT nope")
        states = [[_execution(q)["Status"]["State"] for _ in range(5)] for q in (ok, failed)]
    finally:
        state_manager.unset_transition("athena::execution")
    assert states == [["QUEUED", "RUNNING", "RUNNING", "SUCCEEDED", "SUCCEEDED"],
                      ["QUEUED", "RUNNING", "RUNNING", "FAILED", "FAILED"]]


def test_doubles_are_rendered_the_way_java_writes_them() -> None:
    render = athena_engine._java_double
    assert [render(v) for v in (0.0, 1.0, 0.25, 1e-3, 1.5e-5, 1e7, 12345678.9, -2.5e-4)] == [
        "0.0", "1.0", "0.25", "0.001", "1.5E-5", "1.0E7", "1.23456789E7", "-2.5E-4"]
