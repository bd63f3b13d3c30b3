"""Every value sesl sends, checked against botocore's own service model, offline.

botocore itself validates only required members, types and `min` on the client; `max`, `enum` and
`pattern` are left to the service, which answers ValidationException mid-apply. `check` walks the
operation's input shape and reports every member that breaks its shape's documented constraints:
missing required members, unknown members, wrong types, length and value bounds, enums, patterns.

botocore patterns are Java regular expressions (`\\p{L}` classes, possessive quantifiers, UTF-16
surrogate pairs), which Python's `re` cannot read: they are matched with the `regex` module after
`python_pattern` rewrites the rest; a pattern that still does not compile is skipped and listed in
`SKIPPED`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator
from typing import Any

import botocore.session
import regex
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape

from sesl.botomodels import botocore_session

# A Java surrogate pair in a pattern (`\\uD800\\uDC00`) is one code point above U+FFFF.
_SURROGATE_PAIR = re.compile(r"\\u(D[89AB][0-9A-F]{2})\\u(D[C-F][0-9A-F]{2})", re.IGNORECASE)
_LONE_SURROGATE = re.compile(r"\\uD[89A-F][0-9A-F]{2}", re.IGNORECASE)

# Patterns that could not be translated: (shape name, pattern). Filled as they are met.
SKIPPED: set[tuple[str, str]] = set()


def python_pattern(java: str) -> str | None:
    """The Java pattern in the syntax of the `regex` module, or None when it cannot be translated safely.

    `regex` reads \\p{L}-style classes and possessive quantifiers as Java does; what is left is Java's
    UTF-16 view of text: a surrogate pair becomes the code point it encodes, a lone surrogate (which a
    Python str of valid text never holds) is dropped, and \\z becomes \\Z.
    """
    def pair(match: re.Match[str]) -> str:
        high, low = int(match.group(1), 16), int(match.group(2), 16)
        return f"\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08X}"

    text = _SURROGATE_PAIR.sub(pair, java)
    text = _LONE_SURROGATE.sub("", text).replace("\\z", "\\Z")
    try:
        regex.compile(text)
    except regex.error:
        return None
    return text


@functools.cache
def _compiled(java: str) -> regex.Pattern[str] | None:
    text = python_pattern(java)
    return regex.compile(text) if text is not None else None


@functools.cache
def _session() -> botocore.session.Session:
    return botocore_session()


@functools.cache
def service_model(service: str) -> ServiceModel:
    return _session().get_service_model(service)


def operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)


def enum(service: str, shape: str) -> tuple[str, ...]:
    """The values a botocore enum shape allows."""
    return tuple(service_model(service).shape_for(shape).metadata.get("enum", ()))


def value_problem(service: str, shape: str, value: Any) -> str | None:
    """What is wrong with one value of a named botocore shape (min, max, enum, pattern), or None."""
    problems = [message for _, message, _ in _walk(service_model(service).shape_for(shape), value, "")]
    return "; ".join(problems) or None


def check(service: str, operation: str, params: dict[str, Any]) -> list[str]:
    """Problems of one request against botocore's model: `<operation>.<path>: <value> is ... (botocore ...)`."""
    shape = operation_model(service, operation).input_shape
    if shape is None:
        return [f"{operation}: takes no parameters"] if params else []
    return [f"{operation}.{path}: {message} (botocore {service} {source})"
            for path, message, source in _walk(shape, params, "")]


Problem = tuple[str, str, str]  # path, what is wrong, which shape and constraint


def _join(path: str, member: str) -> str:
    return f"{path}.{member}" if path else member


def _walk(shape: Shape, value: Any, path: str) -> Iterator[Problem]:
    kind = shape.type_name
    if not _type_ok(kind, value):
        yield path, f"{value!r} is {type(value).__name__}, not {kind}", shape.name
        return
    if isinstance(shape, StructureShape):
        yield from _structure(shape, value, path)
    elif isinstance(shape, ListShape):
        yield from _length(shape, value, path, "items")
        for i, item in enumerate(value):
            yield from _walk(shape.member, item, f"{path}[{i}]")
    elif isinstance(shape, MapShape):
        yield from _length(shape, value, path, "entries")
        for key, item in value.items():
            yield from _walk(shape.key, key, f"{path}<key>")
            yield from _walk(shape.value, item, f"{path}.{key}")
    elif kind == "string":
        yield from _string(shape, value, path)
    elif kind in ("integer", "long", "double", "float"):
        yield from _number(shape, value, path)


def _type_ok(kind: str, value: Any) -> bool:
    if kind == "structure" or kind == "map":
        return isinstance(value, dict)
    if kind == "list":
        return isinstance(value, list | tuple)
    if kind == "string":
        return isinstance(value, str)
    if kind in ("integer", "long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind in ("double", "float"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "blob":
        return isinstance(value, bytes | bytearray | str)
    if kind == "timestamp":
        return isinstance(value, dt.datetime | dt.date | str | int | float)
    return True


def _structure(shape: StructureShape, value: dict[str, Any], path: str) -> Iterator[Problem]:
    for name in shape.required_members:
        if value.get(name) is None:
            yield _join(path, name), "is required but missing", f"{shape.name} required"
    for name, item in value.items():
        member = shape.members.get(name)
        if member is None:
            yield _join(path, name), f"is not a member (known: {', '.join(shape.members)})", shape.name
        elif item is not None:
            yield from _walk(member, item, _join(path, name))


def _length(shape: Shape, value: Any, path: str, unit: str) -> Iterator[Problem]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and len(value) < low:
        yield path, f"{len(value)} {unit} is below the minimum length {low}", f"{shape.name} min"
    if high is not None and len(value) > high:
        yield path, f"{len(value)} {unit} is above the maximum length {high}", f"{shape.name} max"


def _string(shape: Shape, value: str, path: str) -> Iterator[Problem]:
    shown = value if len(value) <= 60 else value[:57] + "..."
    yield from ((p, f"{shown!r}: {m}", s) for p, m, s in _length(shape, value, path, "characters"))
    enum = shape.metadata.get("enum")
    if enum and value not in enum:
        yield path, f"{shown!r} is not one of {', '.join(enum)}", f"{shape.name} enum"
    pattern = shape.metadata.get("pattern")
    if pattern:
        compiled = _compiled(pattern)
        if compiled is None:
            SKIPPED.add((shape.name, pattern))
        elif not compiled.fullmatch(value):
            # AWS matches the whole value ("Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
            # rejects "bad name!"), as Java's Pattern.matches does.
            yield path, f"{shown!r} does not match {pattern}", f"{shape.name} pattern"


def _number(shape: Shape, value: float, path: str) -> Iterator[Problem]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and value < low:
        yield path, f"{value} is below the minimum {low}", f"{shape.name} min"
    if high is not None and value > high:
        yield path, f"{value} is above the maximum {high}", f"{shape.name} max"
