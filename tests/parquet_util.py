"""SES records as Firehose would store them: lowercased keys (OpenX CaseInsensitive), Parquet with the
table's schema, under year=/month=/day= partitions; and a DuckDB view over them named like the table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from sesl import openx_json
from sesl.layout import partitions_for
from sesl.schema import COLUMNS, arrow_schema


def to_row(event: dict[str, Any]) -> dict[str, Any]:
    """The row Firehose's OpenX deserializer makes of `event` (the same code the sandbox converts with)."""
    return openx_json.to_row(event, [(name, t) for name, t, _ in COLUMNS])


def write_partitioned(root: Path, arrivals: Iterable[tuple[dt.date, Sequence[dict[str, Any]]]]) -> None:
    """One GZIP Parquet file per arrival day, in Firehose's partition layout."""
    for day, events in arrivals:
        folder = root / partitions_for(day)
        folder.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pylist([to_row(e) for e in events], schema=arrow_schema())
        pq.write_table(table, folder / f"part-{len(list(folder.iterdir()))}.parquet", compression="gzip")


def duckdb_over(tables: dict[tuple[str, str], Path]) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection where "<database>.<table>" reads the Parquet under each path."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for (database, table), root in tables.items():
        con.execute(f'CREATE SCHEMA IF NOT EXISTS "{database}"')
        con.execute(f"""CREATE VIEW "{database}"."{table}" AS SELECT * FROM read_parquet(
            '{root}/**/*.parquet', hive_partitioning = true, hive_types_autocast = false)""")
    return con
