"""Records shaped like the examples AWS publishes for each of the ten event types (SES developer guide,
"Examples of event data that Amazon SES publishes to Firehose"; fixture files written for this project)
survive, leaf by leaf, a trip through Parquet written with the schema derived from the Glue columns."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sesl.schema import EVENT_TYPES, arrow_schema
from tests.parquet_util import to_row

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ses_examples"
EXAMPLES = sorted(FIXTURES.glob("*.json"))


def leaves(value: Any, path: str = "") -> dict[str, Any]:
    """Every leaf of a JSON value, keyed by its path with struct keys lowercased as OpenX does; map keys
    (tag names) are data and keep their case."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        is_map = path.endswith(("tags", "linktags"))
        for key, inner in value.items():
            out |= leaves(inner, f"{path}.{key if is_map else key.lower()}" if path else key.lower())
        return out
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in leaves(item, f"{path}[{i}]").items()}
    return {path: value}


def _roundtrip(event: dict[str, Any]) -> dict[str, Any]:
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist([to_row(event)], schema=arrow_schema()), buffer, compression="gzip")
    row: dict[str, Any] = pq.read_table(io.BytesIO(buffer.getvalue())).to_pylist()[0]
    return _maps_as_dicts(row)


def _maps_as_dicts(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _maps_as_dicts(v) for k, v in value.items()}
    if isinstance(value, list):
        if value and all(isinstance(v, tuple) and len(v) == 2 for v in value):  # a map read back from Parquet
            return {k: _maps_as_dicts(v) for k, v in value}
        return [_maps_as_dicts(v) for v in value]
    return value


def test_there_is_an_example_for_each_of_the_ten_event_types() -> None:
    types = {json.loads(p.read_text())["eventType"] for p in EXAMPLES}
    assert types == set(EVENT_TYPES)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_leaf_survives_parquet_with_a_compatible_type(path: Path) -> None:
    event = json.loads(path.read_text())
    # The send object is always {} and has no column: eventtype = 'Send' carries the information.
    expected = leaves(event)
    got = leaves(_roundtrip(event))
    missing = sorted(k for k in expected if k not in got)
    assert missing == [], f"fields the schema drops: {missing}"
    for key, value in expected.items():
        assert got[key] == value, f"{key}: {value!r} came back as {got[key]!r}"
        assert type(got[key]) is type(value) or value is None, key


def test_a_field_the_schema_lacks_fails_the_check() -> None:
    event = json.loads((FIXTURES / "open.json").read_text())
    event["open"]["deviceType"] = "phone"  # not in the schema: Firehose would drop it
    got = leaves(_roundtrip(event))
    assert "open.devicetype" in leaves(event) and "open.devicetype" not in got
