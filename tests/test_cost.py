"""The cost model follows AWS's billing rules, checked against numbers worked out by hand; the
benchmark measures real bytes."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner

from sesl.cli.main import cli
from sesl.cost import GB, MB, TB, Volume, athena_billed_bytes, billed_record_bytes, estimate, load_prices, total
from sesl.spec import default_spec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))


def _lines(volume: Volume, **prices: float) -> dict[str, float]:
    data = load_prices()
    for key, value in prices.items():
        data["prices"][key]["value"] = value
    return {line.item: line.usd for line in estimate(default_spec("dev"), volume, data)}


def test_records_are_billed_in_5_kb_increments() -> None:
    assert billed_record_bytes(1) == billed_record_bytes(5120) == 5120
    assert billed_record_bytes(5121) == 10240
    assert billed_record_bytes(12 * 1024) == 15 * 1024  # the pricing page's own example


def test_one_million_1_kb_records_bill_as_5_gb_of_ingestion_and_of_conversion() -> None:
    # 2 streams x 30 days x 16,667 events ~ 1,000,020 records of 1 KB: billed as 5 KB each.
    volume = Volume(events_per_day=16_667, avg_event_bytes=1024, queries_per_day=0)
    lines = _lines(volume, firehose_ingestion_per_gb=1.0, firehose_conversion_per_gb=1.0)
    expected_gb = 2 * 30 * 16_667 * 5120 / GB
    assert abs(lines["Firehose ingestion"] - expected_gb) < 1e-9
    assert abs(lines["Firehose Parquet conversion"] - expected_gb) < 1e-9
    assert 4.7 < expected_gb < 4.8  # ~1M records x 5 KB = 4.77 GiB


def test_athena_bills_at_least_10_mb_per_query_rounded_up_to_the_mb() -> None:
    assert athena_billed_bytes(1) == 10 * MB
    assert athena_billed_bytes(10 * MB + 1) == 11 * MB
    lines = _lines(Volume(queries_per_day=10, avg_scan_mb=0.5))
    assert abs(lines["Athena"] - 300 * 10 * MB / TB * 5.0) < 1e-12


def test_small_objects_never_reach_standard_ia() -> None:
    small = _lines(Volume(events_per_day=2400))
    assert small["S3 storage (Standard-IA)"] == 0.0 and small["S3 storage (Standard)"] > 0
    spec = replace(default_spec("dev"), firehose=replace(default_spec("dev").firehose, buffer_interval_seconds=900))
    big = {x.item: x for x in estimate(spec, Volume(events_per_day=5_000_000), load_prices())}
    assert big["S3 storage (Standard-IA)"].usd > 0


def test_the_cli_prints_a_dated_estimate_and_json() -> None:
    result = CliRunner().invoke(cli, ["--no-color", "cost", "--env", "dev"])
    assert result.exit_code == 0, result.output
    assert "as of 2026-11-25" in result.output and "rounded up to 5 KB" in result.output
    doc = json.loads(CliRunner().invoke(cli, ["cost", "--env", "dev", "--json"]).output)
    assert abs(doc["total_usd"] - round(sum(x["usd"] for x in doc["lines"]), 4)) < 1e-3
    assert doc["prices_as_of"] == "2026-11-25"


def test_every_price_names_its_source() -> None:
    data = load_prices()
    assert all(p["source"].startswith("https://aws.amazon.com/") and p["unit"] for p in data["prices"].values())
    assert total(estimate(default_spec("prod"), Volume(), data)) > 0


def test_the_benchmark_measures_real_bytes() -> None:
    import bench_parquet

    m = bench_parquet.measure(events=200, seed=1)
    assert m["events"] == 200
    assert m["json_gzip_bytes"] < m["json_bytes"]
    assert m["parquet_daily_bytes"] < m["parquet_per_minute_bytes"]  # every small file carries a footer
    assert m["files_per_minute"] > 1


MEASURED = {"parquet_file_overhead_bytes": 26192, "parquet_bytes_per_event": 40}


def test_buffer_advice_picks_the_shortest_interval_whose_files_are_mostly_data() -> None:
    from sesl.cost import buffer_advice

    # 60 s: 1,440 files of 26,192 + 40 x events/1,440 bytes; the footer is half the file once a file
    # holds 655 events (26,192 / 40 = 654.8): 942,634 events a day at 60 s.
    at_60 = buffer_advice(60, 943_000, MEASURED)
    assert (at_60.seconds, at_60.compact, at_60.files_per_day) == (60, False, 1440)
    assert at_60.footer_share <= 0.5
    below = buffer_advice(60, 942_000, MEASURED)
    assert below.seconds == 120 and below.footer_share <= 0.5


def test_buffer_advice_at_the_designs_volume_is_900_s_and_daily_compaction() -> None:
    from sesl.cost import buffer_advice

    advice = buffer_advice(60, 2400, MEASURED)
    assert (advice.seconds, advice.compact, advice.files_per_day) == (900, True, 96)
    assert round(advice.file_bytes) == 26192 + 40 * 25 and advice.footer_share > 0.9
    assert "compact" in advice.reason


def test_sesl_cost_prints_the_buffer_advice() -> None:
    from click.testing import CliRunner

    from sesl.cli.main import cli

    result = CliRunner().invoke(cli, ["--no-color", "cost", "--env", "dev", "--json"])
    assert result.exit_code == 0, result.output
    advice = json.loads(result.output)["buffer_advice"]
    assert (advice["current_seconds"], advice["recommended_seconds"], advice["compact_daily"]) == (60, 900, True)
