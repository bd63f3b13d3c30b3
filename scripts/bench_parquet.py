"""How much Parquet + GZIP saves over raw JSON for a day of SES events, measured, not assumed.

Builds a realistic day of SES event records for one stream (a mix of event types in newsletter-like
proportions, real field sizes: headers, tags, user agents, links), then writes them as newline-delimited
JSON (as SES sends them; the raw backup stores them GZIP-compressed) and as Parquet with GZIP using the
real table schema, once as a single daily file and once as one file per minute (what Firehose's 60 s
buffering produces when events trickle in). Prints the sizes and the ratios measured in this run.

    .venv/bin/python scripts/bench_parquet.py [--events 2400] [--seed 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import io
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyarrow as pa
import pyarrow.parquet as pq

from sesl.events import ses_event, to_record
from sesl.schema import arrow_schema
from tests.parquet_util import to_row

# Per delivered newsletter: opens and clicks of an engaged audience (repeat opens count), few problems.
FOLLOW_UPS = (("Open", 0.55), ("Open", 0.25), ("Click", 0.12), ("Click", 0.04), ("Bounce", 0.01),
              ("Complaint", 0.0008))
AGENTS = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Mobile/15E148",
          "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
          "Safari/605.1.15",
          "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)")
LINKS = [f"https://dailysystemdesign.example/issues/2026-11-24/{slug}?utm_source=newsletter&utm_medium=email"
         for slug in ("consistent-hashing", "raft-in-practice", "sponsor-acme", "job-board", "archive")]


def a_day(events: int, seed: int) -> list[tuple[dt.datetime, dict[str, Any]]]:
    rng = random.Random(seed)
    day = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    out: list[tuple[dt.datetime, dict[str, Any]]] = []
    i = 0
    while len(out) < events:
        i += 1
        sent = day + dt.timedelta(hours=6, seconds=rng.randint(0, 1800))
        common = {"message_id": f"0101019{i:06d}-{rng.getrandbits(64):016x}-000000", "sent": sent,
                  "recipient": f"reader{i}@{rng.choice(('gmail.com', 'outlook.com', 'company.example'))}",
                  "account": "123456789012", "region": "us-west-2",
                  "configuration_set": "daily-system-design-newsletter-prod",
                  "tags": {"issue": ["2026-11-24"], "campaign": ["daily"]}}
        out.append((sent, ses_event("Send", **common)))
        out.append((sent + dt.timedelta(seconds=2), ses_event("Delivery", **common)))
        for kind, chance in FOLLOW_UPS:
            if rng.random() < chance:
                at = sent + dt.timedelta(minutes=rng.randint(1, 600))
                event = ses_event(kind, **common, at=at)
                if kind in ("Open", "Click"):
                    event[kind.lower()]["userAgent"] = rng.choice(AGENTS)
                if kind == "Click":
                    event["click"]["link"] = rng.choice(LINKS)
                out.append((at, event))
    return sorted(out[:events], key=lambda pair: pair[0])


def parquet_bytes(events: list[dict[str, Any]]) -> int:
    buffer = io.BytesIO()
    table = pa.Table.from_pylist([to_row(e) for e in events], schema=arrow_schema())
    pq.write_table(table, buffer, compression="gzip")
    return len(buffer.getvalue())


def leaf_columns() -> int:
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist([], schema=arrow_schema()), buffer)
    return int(pq.ParquetFile(io.BytesIO(buffer.getvalue())).metadata.num_columns)


def measure(events: int, seed: int) -> dict[str, float]:
    day = a_day(events, seed)
    ndjson = b"".join(to_record(e) for _, e in day)
    per_minute: dict[dt.datetime, list[dict[str, Any]]] = defaultdict(list)
    for at, event in day:
        per_minute[at.replace(second=0, microsecond=0)].append(event)
    daily = parquet_bytes([e for _, e in day])
    minutes = sum(parquet_bytes(batch) for batch in per_minute.values())
    return {"events": len(day), "json_bytes": len(ndjson), "json_gzip_bytes": len(gzip.compress(ndjson)),
            "parquet_daily_bytes": daily, "parquet_per_minute_bytes": minutes, "files_per_minute": len(per_minute),
            "avg_event_bytes": len(ndjson) / len(day)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2400, help="events of one stream in one day")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    m = measure(args.events, args.seed)
    json_bytes = m["json_bytes"]
    print(f"{m['events']:.0f} SES events, {m['avg_event_bytes']:.0f} bytes each on average as JSON")
    for label, key in (("newline-delimited JSON", "json_bytes"), ("JSON, GZIP (raw backup)", "json_gzip_bytes"),
                       ("Parquet GZIP, one daily file", "parquet_daily_bytes"),
                       (f"Parquet GZIP, {m['files_per_minute']:.0f} per-minute files", "parquet_per_minute_bytes")):
        change = 100 * (1 - m[key] / json_bytes)
        verdict = f"{change:6.1f} % smaller" if change >= 0 else f"{-change:6.1f} % LARGER"
        print(f"  {label:40} {m[key]:>12,.0f} bytes  {verdict} than the JSON")
    overhead = (m["parquet_per_minute_bytes"] - m["parquet_daily_bytes"]) / max(m["files_per_minute"] - 1, 1)
    print(f"  Parquet overhead per file (footer and metadata of {leaf_columns()} leaf columns): "
          f"{overhead:,.0f} bytes; per event in a daily file: {m['parquet_daily_bytes'] / m['events']:.0f} bytes")


if __name__ == "__main__":
    main()
