"""Property: ignore rules remove exactly what they match (issue 14, item 2).

The matching predicate here is written from the rule semantics (sesl.ignore's docstring and docs/operations.md,
"Ignore rules"), not from the implementation: a rule's path is `kind.name.aspect[.field]` with shell-style `*`
wildcards; it covers the difference it names and everything under it; a rule whose expiry date has passed no
longer applies and is reported once; creating, deleting and adopting are never ignored."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from fnmatch import fnmatchcase

from hypothesis import given, settings
from hypothesis import strategies as st

from sesl.ignore import apply_ignore_rules
from sesl.model import Action, Change, FieldChange
from sesl.spec import IgnoreRule
from tests.conftest import examples

TODAY = dt.date(2026, 11, 30)
KINDS = ("s3_bucket", "iam_role", "firehose_stream")
NAMES = ("alpha", "beta-1")
ASPECTS = ("tags", "policy", "buffering")
SEGMENTS = ("BufferingHints", "IntervalInSeconds", "Key", "Statement", "a", "ab")
IGNORABLE = (Action.UPDATE, Action.REPLACE)


def segments_of(path: str) -> list[str]:
    return path.split(".")


def covers(rule: str, path: str) -> bool:
    """A rule names a difference (exactly or by wildcards) and covers everything under it: it matches a path
    when the path itself or the path cut at one of its dots is the rule's path or fits its pattern."""
    parts = segments_of(path)
    heads = [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
    return any(head == rule or fnmatchcase(head, rule) for head in heads)


def active(rule: IgnoreRule) -> bool:
    return rule.expires is None or rule.expires >= TODAY  # expired = past its date: the day itself still counts


def is_ignored(change: Change, field: FieldChange, rules: list[IgnoreRule]) -> bool:
    path = f"{change.kind}.{change.name}.{change.aspect}.{field.path}"
    return change.action in IGNORABLE and any(active(r) and covers(r.path, path) for r in rules)


field_paths = st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=3).map(".".join)


@st.composite
def plans(draw: st.DrawFn, field_path: st.SearchStrategy[str] = field_paths) -> list[Change]:
    keys = draw(st.lists(st.tuples(st.sampled_from(KINDS), st.sampled_from(NAMES), st.sampled_from(ASPECTS)),
                         min_size=1, max_size=6, unique=True))
    changes = []
    for kind, name, aspect in keys:
        paths = draw(st.lists(field_path, min_size=1, max_size=4, unique=True))
        action = draw(st.sampled_from((Action.UPDATE, Action.UPDATE, Action.REPLACE, Action.CREATE, Action.DELETE,
                                       Action.ADOPT)))
        changes.append(Change(kind, name, action, aspect, tuple(FieldChange(p, "before", "after") for p in paths)))
    return changes


def wildcard(draw: st.DrawFn, parts: list[str]) -> str:
    """Some segments replaced by `*`, or the tail by one `*`."""
    starred = [("*" if draw(st.booleans()) else p) for p in parts]
    if draw(st.booleans()):
        cut = draw(st.integers(1, len(parts)))
        starred = [*starred[:cut], "*"]
    return ".".join(starred)


@st.composite
def rule_paths(draw: st.DrawFn, changes: list[Change], full_wildcards: bool) -> str:
    change = draw(st.sampled_from(changes))
    field = draw(st.sampled_from(change.fields)).path if change.fields else ""
    parts = [change.kind, change.name, change.aspect, *([] if not field else segments_of(field))]
    parts = parts[:draw(st.integers(2, len(parts)))]  # name, aspect or field level
    if draw(st.integers(0, 3)) == 0:
        parts[-1] = draw(st.sampled_from(SEGMENTS))  # a rule that may match nothing
    if not draw(st.booleans()):
        return ".".join(parts)
    if full_wildcards:
        return wildcard(draw, parts)
    # Wildcards at the aspect level or ending in `*`: the shapes where the rule's pattern reaches the field.
    return wildcard(draw, parts) if len(parts) == 3 else ".".join([*parts[:-1], "*"])


@st.composite
def rules_for(draw: st.DrawFn, changes: list[Change], full_wildcards: bool = False) -> list[IgnoreRule]:
    out = []
    for i in range(draw(st.integers(0, 4))):
        expires = draw(st.none() | st.integers(-3, 3).map(lambda d: TODAY + dt.timedelta(days=d)))
        out.append(IgnoreRule(draw(rule_paths(changes, full_wildcards)), f"reason {i}", expires))
    return out


@st.composite
def plans_and_rules(draw: st.DrawFn, full_wildcards: bool = False,
                    field_path: st.SearchStrategy[str] = field_paths) -> tuple[list[Change], list[IgnoreRule]]:
    changes = draw(plans(field_path))
    return changes, draw(rules_for(changes, full_wildcards))


def check_partition(changes: list[Change], rules: list[IgnoreRule]) -> None:
    kept, ignored, warnings = apply_ignore_rules(changes, rules, TODAY)
    by_key = {(c.kind, c.name, c.aspect): c for c in changes}
    seen: Counter[tuple[str, str, str, str]] = Counter()
    for change in kept:
        original = by_key[(change.kind, change.name, change.aspect)]
        assert change.action is original.action
        for f in change.fields:
            assert not is_ignored(original, f, rules), (change.address, change.aspect, f.path)
            seen[(change.kind, change.name, change.aspect, f.path)] += 1
    for change, reason in ignored:
        original = by_key[(change.kind, change.name, change.aspect)]
        assert original.action in IGNORABLE
        assert reason
        for f in change.fields:
            assert is_ignored(original, f, rules), (change.address, change.aspect, f.path)
            seen[(change.kind, change.name, change.aspect, f.path)] += 1
    every = Counter((c.kind, c.name, c.aspect, f.path) for c in changes for f in c.fields)
    assert seen == every  # each field exactly once, in kept or in ignored
    assert all(c.action in IGNORABLE for c, _ in ignored)
    expired = [r for r in rules if not active(r)]
    assert len(warnings) == len(expired)
    assert all(repr(r.path) in w and str(r.expires) in w for r, w in zip(expired, warnings, strict=True))


@settings(max_examples=examples(100), deadline=None)
@given(plans_and_rules())
def test_ignore_rules_partition_the_plan_and_remove_exactly_what_they_match(
        drawn: tuple[list[Change], list[IgnoreRule]]) -> None:
    check_partition(*drawn)


@settings(max_examples=examples(40), deadline=None)
@given(plans(), st.sampled_from(("*", "*.*", "*.*.*")), st.integers(-2, 2))
def test_create_delete_and_adopt_are_never_ignored_even_by_a_rule_matching_everything(
        changes: list[Change], pattern: str, days: int) -> None:
    rules = [IgnoreRule(pattern, "everything", TODAY + dt.timedelta(days=days))]
    kept, ignored, warnings = apply_ignore_rules(changes, rules, TODAY)
    never = [c for c in changes if c.action not in IGNORABLE]
    assert [c for c in kept if c.action not in IGNORABLE] == never
    if days >= 0:
        assert [c for c, _ in ignored] == [c for c in changes if c.action in IGNORABLE]
        assert warnings == []
    else:  # expired yesterday or before: nothing is ignored and the rule is reported once
        assert (kept, ignored, len(warnings)) == (changes, [], 1)


def test_a_rule_expiring_today_still_applies_and_one_that_expired_yesterday_does_not() -> None:
    change = Change("s3_bucket", "alpha", Action.UPDATE, "tags", (FieldChange("tags.team", "a", "b"),))
    today = IgnoreRule("s3_bucket.alpha.tags", "accepted", TODAY)
    yesterday = IgnoreRule("s3_bucket.alpha.tags", "accepted", TODAY - dt.timedelta(days=1))
    assert apply_ignore_rules([change], [today], TODAY) == ([], [(change, "accepted")], [])
    kept, ignored, warnings = apply_ignore_rules([change], [yesterday], TODAY)
    assert (kept, ignored) == ([change], [])
    assert warnings == ["ignore rule 's3_bucket.alpha.tags' expired on 2026-11-29: its differences are shown again"]


# -- fields under a named path, and indexed paths (both were found by these properties) ------------------------------

indexed_fields = st.lists(st.sampled_from((*SEGMENTS, "Rules[0]", "S3Targets[1]")), min_size=1, max_size=3).map(
    ".".join).filter(lambda p: "[" in p)


@settings(max_examples=examples(20), deadline=None)
@given(indexed_fields)
def test_a_rule_naming_an_indexed_field_exactly_ignores_it(field: str) -> None:
    change = Change("s3_bucket", "alpha", Action.UPDATE, "lifecycle", (FieldChange(field, "a", "b"),))
    rule = IgnoreRule(f"s3_bucket.alpha.lifecycle.{field}", "accepted")
    assert is_ignored(change, change.fields[0], [rule])
    check_partition([change], [rule])


@settings(max_examples=examples(20), deadline=None)
@given(st.lists(st.sampled_from(SEGMENTS), min_size=2, max_size=3).map(".".join))
def test_a_wildcard_rule_naming_a_field_covers_the_fields_under_it(field: str) -> None:
    change = Change("s3_bucket", "alpha", Action.UPDATE, "buffering", (FieldChange(field, 1, 2),))
    head = field.split(".")[0]
    literal = IgnoreRule(f"s3_bucket.alpha.buffering.{head}", "accepted")
    assert apply_ignore_rules([change], [literal], TODAY)[1] == [(change, "accepted")]
    check_partition([change], [IgnoreRule(f"s3_bucket.*.buffering.{head}", "accepted")])
