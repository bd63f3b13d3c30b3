"""Parse Glue/Hive type strings into sesl.schema types, and merge schemas without losing a field.

Used for schema evolution: what the raw-JSON crawler found is merged into the managed schema, only ever
adding fields (a column's type is never changed, a column is never dropped).
"""

from __future__ import annotations

from sesl.schema import Array, HiveType, Map, Prim, Struct


class HiveTypeError(ValueError):
    pass


def _split_top(body: str) -> list[str]:
    """Split on commas not nested inside <...>."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(body):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
            if depth < 0:
                raise HiveTypeError(f"unbalanced '>' in {body!r}")
        elif ch == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    if depth:
        raise HiveTypeError(f"unbalanced '<' in {body!r}")
    parts.append(body[start:])
    return [p.strip() for p in parts]


def parse(text: str) -> HiveType:
    t = text.strip()
    lower = t.lower()
    if lower.startswith("array<") and t.endswith(">"):
        return Array(parse(t[6:-1]))
    if lower.startswith("map<") and t.endswith(">"):
        key, value = _split_top(t[4:-1])
        return Map(parse(key), parse(value))
    if lower.startswith("struct<") and t.endswith(">"):
        fields = []
        for part in _split_top(t[7:-1]):
            name, sep, inner = part.partition(":")
            if not sep or not name:
                raise HiveTypeError(f"struct field {part!r} needs name:type")
            fields.append((name.strip().strip("`").lower(), parse(inner)))
        return Struct(tuple(fields))
    if not t or any(c in t for c in "<>:,"):
        raise HiveTypeError(f"not a Hive type: {text!r}")
    return Prim(lower)


def merge(base: HiveType, extra: HiveType, path: str) -> tuple[HiveType, list[str], list[str]]:
    """`base` with what `extra` adds: (merged, added field paths, conflicting paths)."""
    if isinstance(base, Struct) and isinstance(extra, Struct):
        fields, added, conflicts = list(base.fields), [], []
        known = {name: i for i, (name, _) in enumerate(fields)}
        for name, t in extra.fields:
            if name not in known:
                fields.append((name, t))
                added.append(f"{path}.{name}")
                continue
            merged, more, clash = merge(fields[known[name]][1], t, f"{path}.{name}")
            fields[known[name]] = (name, merged)
            added += more
            conflicts += clash
        return Struct(tuple(fields)), added, conflicts
    if isinstance(base, Array) and isinstance(extra, Array):
        item, added, conflicts = merge(base.item, extra.item, f"{path}[]")
        return Array(item), added, conflicts
    if isinstance(base, Map) and isinstance(extra, Map):
        value, added, conflicts = merge(base.value, extra.value, f"{path}{{}}")
        return Map(base.key, value), added, conflicts
    if base == extra:
        return base, [], []
    return base, [], [f"{path}: {base.hive()} vs {extra.hive()}"]
