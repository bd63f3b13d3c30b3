"""Ignore rules: differences a user has chosen to accept, listed apart and never applied.

A rule's path is `kind.name.aspect[.field]`, with `*` wildcards; it covers the fields under the path it
names, and a list index in it (`Rules[0]`, as the plan prints it) is literal. A rule past its
expiry date no longer applies and is reported as a warning, so accepted drift gets looked at again.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from sesl.model import Action, Change, FieldChange
from sesl.spec import IgnoreRule

# Creating, deleting or taking over a resource is never silenced: only differences of existing ones.
_IGNORABLE = (Action.UPDATE, Action.REPLACE)


def _pattern(rule: str) -> re.Pattern[str]:
    """A rule as a regular expression: `*` matches anything, every other character itself (a list index such
    as `Rules[0]`, as the plan prints it, is literal), and the rule covers the fields under the path it names."""
    body = ".*".join(re.escape(part) for part in rule.rstrip(".").split("*"))
    return re.compile(rf"{body}(\..*)?", re.DOTALL)


def _matching_rule(path: str, rules: Iterable[IgnoreRule]) -> IgnoreRule | None:
    for rule in rules:
        if _pattern(rule.path).fullmatch(path):
            return rule
    return None


def apply_ignore_rules(changes: Sequence[Change], rules: Sequence[IgnoreRule], today: dt.date,
                       ) -> tuple[list[Change], list[tuple[Change, str]], list[str]]:
    """(changes kept, (ignored change, reason) pairs, warnings)."""
    active = [r for r in rules if r.expires is None or r.expires >= today]
    warnings = [f"ignore rule {r.path!r} expired on {r.expires}: its differences are shown again"
                for r in rules if r.expires is not None and r.expires < today]
    kept: list[Change] = []
    ignored: list[tuple[Change, str]] = []
    for change in changes:
        base = f"{change.address}.{change.aspect}"
        if change.action not in _IGNORABLE:
            kept.append(change)
            continue
        rule = _matching_rule(base, active)
        if rule is not None:
            ignored.append((change, rule.reason))
            continue
        fields_kept: list[tuple[FieldChange, IgnoreRule | None]] = []
        fields_ignored: list[tuple[FieldChange, IgnoreRule | None]] = []
        for f in change.fields:
            hit = _matching_rule(f"{base}.{f.path}", active)
            if hit is None and f.path.startswith(f"{change.aspect}."):
                # A field whose path repeats its aspect (a tag: aspect `tags`, path `tags.team`) may be named
                # once: `kind.name.tags.team` as well as `kind.name.tags.tags.team`.
                hit = _matching_rule(f"{change.address}.{f.path}", active)
            (fields_ignored if hit else fields_kept).append((f, hit))
        if fields_ignored:
            reasons = "; ".join(sorted({h.reason for _, h in fields_ignored if h}))
            ignored.append((replace(change, fields=tuple(f for f, _ in fields_ignored)), reasons))
        if fields_kept:
            kept.append(replace(change, fields=tuple(f for f, _ in fields_kept)) if fields_ignored else change)
    return kept, ignored, warnings
