"""Keeping ignored differences: the live value of an ignored field is folded into what apply writes.

Terraform's `ignore_changes` works this way: a value the user chose to accept is not reverted when
another part of the same resource is written. sesl's field paths are the ones `sesl.diff.diff_values`
makes (`Key.Inner[2].Leaf`), relative to one attribute of the desired and observed objects (the
aspect's container, e.g. a workgroup's `configuration`), so the live value is read at the path in the
observed container and written at the same path in the desired one. A path's key may itself contain
dots (Glue table parameters such as `projection.day.type`): the longest key that exists wins. A JSON
text met on the way (a crawler's `Configuration`) is parsed, changed and written back as text.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from sesl.model import FieldChange

D = TypeVar("D")
O = TypeVar("O")  # noqa: E741 - the observed type, as in Kind[D, O]

ABSENT: Any = object()
_INDEX = re.compile(r"\[(\d+)\]")


class FoldError(Exception):
    """The path does not lead anywhere in the desired value: the field cannot be kept."""


def _split_index(segment: str) -> tuple[str, list[int]]:
    indexes = [int(i) for i in _INDEX.findall(segment)]
    return _INDEX.sub("", segment), indexes


def _keys(path: str, containers: Sequence[Any]) -> tuple[str, str]:
    """The first key of `path` (the longest dotted prefix that is a key of any container) and the rest."""
    parts = path.split(".")
    for n in range(len(parts), 0, -1):
        head = ".".join(parts[:n])
        key, _ = _split_index(head)
        if any(isinstance(c, Mapping) and key in c for c in containers):
            return head, ".".join(parts[n:])
    return parts[0], ".".join(parts[1:])


def _parsed(value: Any) -> tuple[Any, bool]:
    if isinstance(value, str) and value.lstrip().startswith(("{", "[")):
        try:
            return json.loads(value), True
        except ValueError:
            return value, False
    return value, False


def get_path(value: Any, path: str, *, hint: Any = None) -> Any:
    """The value at `path`, or ABSENT. `hint` is the other side's value, used to split dotted keys."""
    if not path:
        return value
    value, _ = _parsed(value)
    hint, _ = _parsed(hint)
    head, rest = _keys(path, (value, hint))
    key, indexes = _split_index(head)
    if not isinstance(value, Mapping) or key not in value:
        return ABSENT
    found, other = value[key], hint.get(key) if isinstance(hint, Mapping) else None
    for i in indexes:
        if not isinstance(found, list) or i >= len(found):
            return ABSENT
        found = found[i]
        other = other[i] if isinstance(other, list) and i < len(other) else None
    return get_path(found, rest, hint=other)


def set_path(value: Any, path: str, new: Any) -> Any:
    """A copy of `value` with `path` set to `new` (ABSENT removes the key)."""
    if not path:
        return new
    value, was_text = _parsed(value)
    head, rest = _keys(path, (value,))
    key, indexes = _split_index(head)
    if not isinstance(value, Mapping):
        raise FoldError(f"{path}: not inside a mapping")
    out = dict(value)
    if not indexes:
        inner = set_path(out.get(key), rest, new) if rest else new
        if inner is ABSENT:
            out.pop(key, None)
        else:
            out[key] = inner
        return json.dumps(out) if was_text else out
    items = out.get(key)
    if not isinstance(items, list):
        raise FoldError(f"{path}: {key} is not a list")
    out[key] = _set_in_list(items, indexes, rest, new, path)
    return json.dumps(out) if was_text else out


def _set_in_list(items: list[Any], indexes: list[int], rest: str, new: Any, path: str) -> list[Any]:
    index = indexes[0]
    if index >= len(items):
        raise FoldError(f"{path}: index {index} out of range")
    copied = list(items)
    if len(indexes) > 1:
        copied[index] = _set_in_list(copied[index], indexes[1:], rest, new, path)
    else:
        copied[index] = set_path(copied[index], rest, new) if rest else new
    return copied


def fold_fields(desired: Any, observed: Any, fields: Sequence[FieldChange], prefix: str = "") -> Any:
    """`desired` with each field's path set to the observed value there (removed when AWS has none)."""
    out = copy.deepcopy(desired)
    for f in fields:
        path = f.path[len(prefix):] if prefix and f.path.startswith(prefix) else f.path
        out = set_path(out, path, get_path(observed, path, hint=out))
    return out


def fold_attribute(attribute: str, prefix: str = "") -> Callable[[D, O, Sequence[FieldChange]], D]:
    """The fold of an aspect whose field paths are relative to `attribute` of both objects."""

    def fold(want: D, have: O, fields: Sequence[FieldChange]) -> D:
        folded = fold_fields(getattr(want, attribute), getattr(have, attribute), fields, prefix)
        return replace(want, **{attribute: folded})  # type: ignore[type-var]

    return fold


def fold_whole_attribute(attribute: str) -> Callable[[D, O, Sequence[FieldChange]], D]:
    """The fold of an aspect that is one value: the observed value replaces the desired one."""

    def fold(want: D, have: O, fields: Sequence[FieldChange]) -> D:
        return replace(want, **{attribute: copy.deepcopy(getattr(have, attribute))})  # type: ignore[type-var]

    return fold


def fold_keys(attribute: str) -> Callable[[D, O, Sequence[FieldChange]], D]:
    """The fold of an aspect that is a map of whole documents (e.g. a role's inline policies by name):
    each ignored entry is written as it lives (or left out when AWS has none), never merged field by field."""

    def fold(want: D, have: O, fields: Sequence[FieldChange]) -> D:
        desired, observed = dict(getattr(want, attribute)), getattr(have, attribute)
        for f in fields:
            key, _ = _keys(f.path, (desired, observed))
            if key in observed:
                desired[key] = copy.deepcopy(observed[key])
            else:
                desired.pop(key, None)
        return replace(want, **{attribute: desired})  # type: ignore[type-var]

    return fold
