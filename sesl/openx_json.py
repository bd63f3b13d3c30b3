"""JSON records onto a Hive schema the way Firehose's OpenX JSON deserializer maps them.

Firehose guide, record-format-conversion (OpenXJsonSerDe) and the OpenX SerDe's own documentation
(rcongiu/Hive-JSON-Serde, "case.insensitive", "dots.in.keys", "mapping.<column>"):

- CaseInsensitive (default true): JSON keys are lowercased before they are matched to columns and
  struct fields (Hive column names are lowercase).
- ConvertDotsInJsonKeysToUnderscores (default false): `a.b` in a key is read as `a_b`.
- ColumnToJsonKeyMappings: a column reads the JSON key it is mapped to instead of its own name.
- Keys without a column or struct field are dropped; columns without a key are null.
- Map keys are data: kept as they are (see docs/schema.md, "Tag keys").
- A value that cannot be read as its column's type makes the whole record fail conversion; the
  caller sends it to the error prefix.

Used by the sandbox's Firehose delivery and by the tests that write Parquet the way Firehose does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sesl.schema import Array, HiveType, Map, Prim, Struct

_INTEGERS = ("tinyint", "smallint", "int", "integer", "bigint")
_FLOATS = ("float", "double")


class ConversionError(ValueError):
    """The record cannot be read with the table's schema."""


@dataclass(frozen=True)
class OpenXOptions:
    case_insensitive: bool = True
    dots_to_underscores: bool = False
    key_mappings: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_serde(cls, serde: Mapping[str, Any]) -> OpenXOptions:
        """From the OpenXJsonSerDe member of a DataFormatConversionConfiguration."""
        return cls(case_insensitive=serde.get("CaseInsensitive", True) is not False,
                   dots_to_underscores=bool(serde.get("ConvertDotsInJsonKeysToUnderscores", False)),
                   key_mappings=dict(serde.get("ColumnToJsonKeyMappings") or {}))


DEFAULT = OpenXOptions()


def documents(data: bytes) -> Iterator[Any]:
    """The JSON documents in one record: `{"a":1}{"b":1}` and newline-separated documents are valid input
    (Firehose guide, record-format-conversion: several documents may share a record)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConversionError(f"record is not UTF-8: {exc}") from None
    decoder = json.JSONDecoder()
    at = _skip_space(text, 0)
    if at == len(text):
        raise ConversionError("record holds no JSON document")
    while at < len(text):
        try:
            value, at = decoder.raw_decode(text, at)
        except json.JSONDecodeError as exc:
            raise ConversionError(f"malformed JSON: {exc.msg} at character {exc.pos}") from None
        yield value
        at = _skip_space(text, at)


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def _key(name: str, options: OpenXOptions) -> str:
    if options.dots_to_underscores:
        name = name.replace(".", "_")
    return name.lower() if options.case_insensitive else name


def _fields(value: Mapping[str, Any], options: OpenXOptions) -> dict[str, Any]:
    return {_key(k, options): v for k, v in value.items()}


def _prim(value: Any, t: Prim, path: str) -> Any:
    name = t.name
    if name == "string":
        if isinstance(value, dict | list):
            raise ConversionError(f"{path}: a JSON {type(value).__name__} cannot be read as string")
        return value if isinstance(value, str) else json.dumps(value)
    if name == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ConversionError(f"{path}: {value!r} is not a boolean")
    if name in _INTEGERS:
        return _integer(value, path)
    if name in _FLOATS:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ConversionError(f"{path}: {value!r} is not a number") from None
    raise ConversionError(f"{path}: type {name} is not supported by the sandbox")


def _integer(value: Any, path: str) -> int:
    if isinstance(value, bool):
        raise ConversionError(f"{path}: {value!r} is not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise ConversionError(f"{path}: {value!r} is not an integer")


def convert(value: Any, t: HiveType, options: OpenXOptions = DEFAULT, path: str = "$") -> Any:
    """`value` read as Hive type `t`, in the Python shape pyarrow takes for the matching Arrow type."""
    if value is None:
        return None
    if isinstance(t, Struct):
        if not isinstance(value, dict):
            raise ConversionError(f"{path}: expected a JSON object for struct, got {type(value).__name__}")
        fields = _fields(value, options)
        return {name: convert(fields.get(name), ft, options, f"{path}.{name}") for name, ft in t.fields}
    if isinstance(t, Array):
        if not isinstance(value, list):
            raise ConversionError(f"{path}: expected a JSON array, got {type(value).__name__}")
        return [convert(v, t.item, options, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(t, Map):
        if not isinstance(value, dict):
            raise ConversionError(f"{path}: expected a JSON object for map, got {type(value).__name__}")
        return [(convert(k, t.key, options, f"{path}{{key}}"), convert(v, t.value, options, f"{path}{{{k}}}"))
                for k, v in value.items()]
    return _prim(value, t, path)


def to_row(event: Any, columns: Sequence[tuple[str, HiveType]], options: OpenXOptions = DEFAULT) -> dict[str, Any]:
    """One JSON document as a row of `columns` (name, type)."""
    if not isinstance(event, dict):
        raise ConversionError(f"a record must be a JSON object, got {type(event).__name__}")
    fields = _fields(event, options)
    mapped = {column: event.get(key, fields.get(_key(key, options))) for column, key in options.key_mappings.items()}
    return {name: convert(mapped[name] if name in mapped else fields.get(name), t, options, f"$.{name}")
            for name, t in columns}
