"""Compaction of a closed day's small files (sesl/compaction.py)."""

from __future__ import annotations

import datetime as dt

from sesl.compaction import closed

DAY = dt.date(2026, 11, 28)


def test_a_day_is_closed_only_after_midnight_plus_the_buffer_interval_and_a_margin() -> None:
    midnight = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
    assert not closed(DAY, 60, now=midnight)
    assert not closed(DAY, 60, now=midnight + dt.timedelta(seconds=60 + 899))
    assert closed(DAY, 60, now=midnight + dt.timedelta(seconds=60 + 900))
    assert not closed(DAY, 900, now=midnight + dt.timedelta(seconds=60 + 900))
    assert not closed(DAY + dt.timedelta(days=1), 60, now=midnight + dt.timedelta(hours=3))


# --- end to end in the sandbox: Firehose's small files, then one file, the same numbers ---

from sesl.athena_query import run_query  # noqa: E402
from sesl.compaction import compact_day  # noqa: E402
from sesl.context import AwsContext  # noqa: E402
from sesl.events import put_records, to_record  # noqa: E402
from sesl.queries import query_sql  # noqa: E402
from sesl.sandbox.gaps.firehose_delivery import flush_all  # noqa: E402
from sesl.traffic import Where, newsletter  # noqa: E402
from tests.conftest import ACCOUNT, boto  # noqa: E402
from tests.ladder import applied, converge  # noqa: E402

EVENTS = "daily-system-design-email-events-dev"
KINDS = ["s3_bucket", "iam_role", "glue_database", "glue_table", "log_group", "firehose_stream", "athena_workgroup"]


def _partition_keys(prefix: str) -> list[str]:
    found = boto("s3").list_objects_v2(Bucket=EVENTS, Prefix=prefix).get("Contents", [])
    return sorted(o["Key"] for o in found)


def test_a_day_of_small_files_becomes_one_with_the_same_numbers_and_recoverable_originals(ctx: AwsContext) -> None:
    converge(ctx, KINDS)
    ctx.allow_mutations()
    today = dt.datetime.now(dt.UTC).date()
    arrivals = newsletter(today, 1, 90, Where(ACCOUNT, "us-west-2", "daily-system-design-newsletter-dev"))
    records = [to_record(a.event) for a in arrivals]
    for start in range(0, len(records), 40):  # three buffers: three small files
        put_records(ctx, "email-events-newsletter-dev", records[start:start + 40])
        flush_all()
    prefix = f"newsletter/year={today:%Y}/month={today:%m}/day={today:%d}/"
    originals = _partition_keys(prefix)
    assert len(originals) == 3
    sql = query_sql("daily_engagement", ctx.names, "newsletter")
    before = run_query(ctx, sql, parameters=["3"]).rows

    report = compact_day(ctx, "newsletter", today, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=2))

    assert (report.rows, report.files_before, report.files_after, report.kept_versions) == (len(records), 3, 1, 3)
    after = _partition_keys(prefix)
    assert len(after) == 1 and after[0].startswith(prefix + "compacted-") and after[0] not in originals
    assert run_query(ctx, sql, parameters=["3"]).rows == before
    versions = boto("s3").list_object_versions(Bucket=EVENTS, Prefix=prefix)
    markers = {m["Key"] for m in versions.get("DeleteMarkers", [])}
    kept = {v["Key"] for v in versions.get("Versions", []) if not v["IsLatest"]}
    assert markers == kept == set(originals)  # every original recoverable
    assert _partition_keys("compaction/") == []  # the staging copy is gone


def test_a_partition_with_one_file_is_left_alone(ctx: AwsContext) -> None:
    converge(ctx, KINDS)
    ctx.allow_mutations()
    today = dt.datetime.now(dt.UTC).date()
    arrivals = newsletter(today, 1, 30, Where(ACCOUNT, "us-west-2", "daily-system-design-newsletter-dev"))
    put_records(ctx, "email-events-newsletter-dev", [to_record(a.event) for a in arrivals])
    flush_all()
    report = compact_day(ctx, "newsletter", today, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=2))
    assert (report.rows, report.files_before, report.files_after) == (-1, 1, 1)


def test_unload_refuses_a_location_that_holds_objects_as_athena_does(ctx: AwsContext) -> None:
    import pytest

    from sesl.errors import AwsCallError

    converge(ctx, KINDS)
    ctx.allow_mutations()
    boto("s3").put_object(Bucket=EVENTS, Key="compaction/taken/x.parquet", Body=b"x")
    sql = (f"UNLOAD (SELECT eventtype FROM {ctx.names.database}.newsletter_events) "
           f"TO 's3://{EVENTS}/compaction/taken/' WITH (format = 'PARQUET', compression = 'GZIP')")
    with pytest.raises(AwsCallError, match="HIVE_PATH_ALREADY_EXISTS"):
        run_query(ctx, sql)


def test_verify_still_passes_after_a_compaction(ctx: AwsContext) -> None:
    from sesl.verify import INFO, PASS, run_verify

    applied(ctx)
    ctx.allow_mutations()
    today = dt.datetime.now(dt.UTC).date()
    arrivals = newsletter(today, 1, 60, Where(ACCOUNT, "us-west-2", "daily-system-design-newsletter-dev"))
    records = [to_record(a.event) for a in arrivals]
    for start in range(0, len(records), 30):
        put_records(ctx, "email-events-newsletter-dev", records[start:start + 30])
        flush_all()
    report = compact_day(ctx, "newsletter", today, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=2))
    assert report.files_after == 1 < report.files_before
    verified = run_verify(ctx, wait_seconds=5, poll_seconds=0.05)
    # CloudTrail: the sandbox has no trail, reported and not required by default.
    assert [(s.name, s.status) for s in verified.steps if s.status != PASS] == [("CloudTrail", INFO)]
