"""Parse Glue/Hive type strings into sesl.schema types, and merge schemas without losing a field.

Used for schema evolution: what the raw-JSON crawler found is merged into the managed schema, only ever
adding fields (a column's type is never changed, a column is never dropped).

Crawler output needs more than the managed schema does: struct field names such as SES tag keys
(`ses:configuration-set`) contain `:` and `-`, because a JSON classifier sees an object with varying keys
as a struct; empty JSON objects (SES's `"send": {}`) come back as `struct<>`; and types such as
`decimal(10,2)` carry commas. Field names are folded to lowercase, as the OpenX deserializer folds
JSON keys with CaseInsensitive=true (Firehose guide, record-format-conversion).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from sesl.schema import Array, HiveType, Map, Prim, Struct

# Hive primitive types (Athena guide, data-types). Anything else is not a type.
PRIMITIVE = re.compile(r"(string|boolean|tinyint|smallint|int|integer|bigint|float|double|date|timestamp|binary"
                       r"|decimal(\(\s*\d+\s*(,\s*\d+\s*)?\))?|char\(\s*\d+\s*\)|varchar\(\s*\d+\s*\))")
# Athena: "For complex types, only alphanumeric characters, underscore (_), and period (.) are allowed in
# column names" (Athena guide, tables-databases-columns-names); sesl keeps them lowercase.
FIELD_NAME = re.compile(r"[a-z0-9_]+")
# What a crawler infers from the few values it saw is widened, so a later, bigger value does not
# read as a type change (a JSON classifier says `int` for 11893 and `bigint` for 2**40).
_WIDER = {"tinyint": "bigint", "smallint": "bigint", "int": "bigint", "integer": "bigint", "float": "double"}


class HiveTypeError(ValueError):
    pass


def _split_top(body: str) -> list[str]:
    """Split on commas not nested inside <...> or (...)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(body):
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth -= 1
            if depth < 0:
                raise HiveTypeError(f"unbalanced {ch!r} in {body!r}")
        elif ch == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    if depth:
        raise HiveTypeError(f"unbalanced brackets in {body!r}")
    parts.append(body[start:])
    return [p.strip() for p in parts]


def _struct_field(part: str) -> tuple[str, HiveType]:
    """`name:type`, where the name may itself hold `:` (`ses:from-domain:array<string>`) or be `quoted`."""
    if part.startswith("`"):
        end = part.find("`", 1)
        if end < 0 or part[end + 1:end + 2] != ":":
            raise HiveTypeError(f"struct field {part!r} needs `name`:type")
        return part[1:end].lower(), parse(part[end + 2:])
    colons = [i for i, ch in enumerate(part) if ch == ":"]
    for i in colons:  # the first split whose remainder is a type wins
        try:
            inner = parse(part[i + 1:])
        except HiveTypeError:
            continue
        if i:
            return part[:i].strip().lower(), inner
    raise HiveTypeError(f"struct field {part!r} needs name:type")


def parse(text: str) -> HiveType:
    t = text.strip()
    lower = t.lower()
    if lower.startswith("array<") and t.endswith(">"):
        return Array(parse(t[6:-1]))
    if lower.startswith("map<") and t.endswith(">"):
        parts = _split_top(t[4:-1])
        if len(parts) != 2:
            raise HiveTypeError(f"map needs key,value: {text!r}")
        return Map(parse(parts[0]), parse(parts[1]))
    if lower.startswith("struct<") and t.endswith(">"):
        body = t[7:-1].strip()
        return Struct(tuple(_struct_field(p) for p in _split_top(body)) if body else ())
    if not PRIMITIVE.fullmatch(lower):
        raise HiveTypeError(f"not a Hive type: {text!r}")
    return Prim(lower.replace(" ", ""))


def widen(t: HiveType) -> HiveType:
    """The type a crawler's guess should be stored as: integers as bigint, floats as double."""
    if isinstance(t, Prim):
        return Prim(_WIDER.get(t.name, t.name))
    if isinstance(t, Array):
        return Array(widen(t.item))
    if isinstance(t, Map):
        return Map(t.key, widen(t.value))
    return Struct(tuple((name, widen(ft)) for name, ft in t.fields))


def is_empty(t: HiveType) -> bool:
    """A type that can hold no value (SES's `send: {}` as a crawler sees it)."""
    return isinstance(t, Struct) and all(is_empty(ft) for _, ft in t.fields)


# Parquet has no empty group: parquet-mr's Types.GroupBuilder refuses one ("Cannot build an empty group",
# IllegalStateException; Spark users hit it on JSON holding an empty object). A struct
# with no fields at any depth cannot be written, and a Firehose conversion schema holding one sends every
# record to errors/.
EMPTY_STRUCT = "a struct with no fields: Parquet cannot store a group without fields"
NOTHING_LEFT = "none of its fields can be stored, so it would be an empty struct Parquet cannot store"
BAD_NAME = "field name not usable in Athena (only a-z, 0-9, _)"
MAP_KEY = "map keys must be a primitive type (Hive)"


def _admitted(name: str, t: HiveType, where: str) -> tuple[HiveType | None, list[str]]:
    """A field as Parquet and Athena can hold it (None when nothing of it can be), and what was left out."""
    if not FIELD_NAME.fullmatch(name):
        return None, [f"{where}: {BAD_NAME}"]
    return storable(t, where)


def storable(t: HiveType, path: str) -> tuple[HiveType | None, list[str]]:
    """`t` without what Parquet and Athena cannot hold, and `path: why` for each part left out.

    Struct fields whose names Athena cannot use, structs with no fields left (at any depth), arrays and
    maps of such, and maps with a complex key are left out; None when nothing of `t` is left.
    """
    if isinstance(t, Struct):
        return _storable_struct(t, path)
    if isinstance(t, Array):
        item, why = storable(t.item, f"{path}[]")
        return (Array(item) if item is not None else None), why
    if isinstance(t, Map):
        if not isinstance(t.key, Prim):
            return None, [f"{path}: {MAP_KEY}"]
        value, why = storable(t.value, f"{path}{{}}")
        return (Map(t.key, value) if value is not None else None), why
    return t, []


def _storable_struct(t: Struct, path: str) -> tuple[HiveType | None, list[str]]:
    fields: list[tuple[str, HiveType]] = []
    skipped: list[str] = []
    for name, ft in t.fields:
        kept, why = _admitted(name, ft, f"{path}.{name}")
        skipped += why
        if kept is not None:
            fields.append((name, kept))
    if fields:
        return Struct(tuple(fields)), skipped
    return None, [*skipped, f"{path}: {NOTHING_LEFT if t.fields else EMPTY_STRUCT}"]


class Merge(NamedTuple):
    type: HiveType
    added: list[str]      # field paths added
    conflicts: list[str]  # paths whose types disagree (base's type is kept)
    skipped: list[str]    # `path: why` for new fields left out because Parquet or Athena cannot hold them


def _same_prim(a: Prim, b: Prim) -> bool:
    return a.name == b.name or {a.name, b.name} <= {"int", "integer"}


def merge(base: HiveType, extra: HiveType, path: str) -> Merge:
    """`base` with what `extra` adds.

    Struct fields only `extra` has are appended (base's order is kept) as far as Parquet and Athena can
    hold them (`storable`; what is left out is reported in `skipped`); a map absorbs a struct's fields
    into its value type (a crawler sees tag maps as structs); everything else must agree, or it is a
    conflict, and base's type is kept.
    """
    if isinstance(base, Struct) and isinstance(extra, Struct):
        return _merge_struct(base, extra, path)
    if isinstance(base, Array) and isinstance(extra, Array):
        inner = merge(base.item, extra.item, f"{path}[]")
        return inner._replace(type=Array(inner.type))
    if isinstance(base, Map) and isinstance(extra, Map | Struct):
        return _merge_map(base, extra, path)
    if isinstance(base, Prim) and isinstance(extra, Prim) and _same_prim(base, extra):
        return Merge(base, [], [], [])
    return Merge(base, [], [f"{path}: {base.hive()} vs {extra.hive()}"], [])


def _merge_map(base: Map, extra: Map | Struct, path: str) -> Merge:
    values = [extra.value] if isinstance(extra, Map) else [t for _, t in extra.fields]
    result = Merge(base.value, [], [], [])
    for v in values:
        more = merge(result.type, v, f"{path}{{}}")
        result = Merge(more.type, result.added + more.added, result.conflicts + more.conflicts,
                       result.skipped + more.skipped)
    return result._replace(type=Map(base.key, result.type))


def _merge_struct(base: Struct, extra: Struct, path: str) -> Merge:
    fields = list(base.fields)
    added: list[str] = []
    conflicts: list[str] = []
    skipped: list[str] = []
    known = {name: i for i, (name, _) in enumerate(fields)}
    for name, t in extra.fields:
        where = f"{path}.{name}"
        if name in known:
            more = merge(fields[known[name]][1], t, where)
            fields[known[name]] = (name, more.type)
            added, conflicts, skipped = added + more.added, conflicts + more.conflicts, skipped + more.skipped
            continue
        kept, why = _admitted(name, t, where)
        skipped += why
        if kept is not None:
            fields.append((name, kept))
            added.append(where)
    return Merge(Struct(tuple(fields)), added, conflicts, skipped)

