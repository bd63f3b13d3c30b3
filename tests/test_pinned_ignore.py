"""Ignore rules pinned: expiry on the exact day, prefix rules with and without a trailing dot, whole changes
without fields, and the reasons of several rules together."""

from __future__ import annotations

import datetime as dt

import pytest

from sesl.ignore import apply_ignore_rules
from sesl.model import Action, Change, FieldChange
from sesl.spec import IgnoreRule

DAY = dt.date(2026, 3, 15)
TAGS = Change("iam_role", "r", Action.UPDATE, aspect="tags",
              fields=(FieldChange("tags.team", "a", "b"), FieldChange("tags.owner", "x", "y")))


@pytest.mark.parametrize(("expires", "applies"), [
    (DAY - dt.timedelta(days=1), False), (DAY, True), (DAY + dt.timedelta(days=1), True), (None, True)])
def test_a_rule_applies_through_its_expiry_day_and_not_a_day_later(expires: dt.date | None, applies: bool) -> None:
    kept, ignored, warnings = apply_ignore_rules([TAGS], [IgnoreRule("iam_role.r.tags", "accepted", expires)], DAY)
    if applies:
        assert (kept, warnings) == ([], [])
        assert ignored == [(TAGS, "accepted")]
    else:
        assert (kept, ignored) == ([TAGS], [])
        assert warnings == [f"ignore rule 'iam_role.r.tags' expired on {expires}: its differences are shown again"]


@pytest.mark.parametrize("path", ["iam_role.r", "iam_role.r.", "iam_role.r.tags.", "iam_role.*"])
def test_a_rule_covers_everything_below_its_path(path: str) -> None:
    kept, ignored, warnings = apply_ignore_rules([TAGS], [IgnoreRule(path, "why")], DAY)
    assert (kept, ignored, warnings) == ([], [(TAGS, "why")], [])


@pytest.mark.parametrize("path", ["iam_role.rr", "iam_role.r.tag", "iam_role.r.tags.team.x", "iam_role.r.tagsx.",
                                  "iam_role.rX", "iam_role.r.tagsX"])
def test_a_rule_does_not_cover_a_longer_name_or_a_deeper_path(path: str) -> None:
    kept, ignored, _ = apply_ignore_rules([TAGS], [IgnoreRule(path, "why")], DAY)
    assert (kept, ignored) == ([TAGS], [])


def test_a_change_without_fields_is_ignored_whole_by_its_aspect() -> None:
    change = Change("s3_bucket", "b", Action.REPLACE, aspect="resource")
    kept, ignored, _ = apply_ignore_rules([change], [IgnoreRule("s3_bucket.b.resource", "known")], DAY)
    assert (kept, ignored) == ([], [(change, "known")])


def test_fields_ignored_by_two_rules_carry_both_reasons_sorted_and_the_rest_is_kept() -> None:
    three = Change("iam_role", "r", Action.UPDATE, aspect="tags", fields=(
        FieldChange("tags.team", "a", "b"), FieldChange("tags.owner", "x", "y"), FieldChange("tags.cost", 1, 2)))
    rules = [IgnoreRule("iam_role.r.tags.tags.team", "zeta"), IgnoreRule("iam_role.r.tags.tags.owner", "alpha")]
    kept, ignored, _ = apply_ignore_rules([three], rules, DAY)
    assert ignored == [(Change("iam_role", "r", Action.UPDATE, aspect="tags", fields=three.fields[:2]), "alpha; zeta")]
    assert kept == [Change("iam_role", "r", Action.UPDATE, aspect="tags", fields=three.fields[2:])]
    assert kept[0].fields == (FieldChange("tags.cost", 1, 2),)


@pytest.mark.parametrize("action", [Action.CREATE, Action.DELETE])
def test_creating_and_deleting_are_never_ignored(action: Action) -> None:
    change = Change("iam_role", "r", action)
    kept, ignored, _ = apply_ignore_rules([change], [IgnoreRule("iam_role.*", "why")], DAY)
    assert (kept, ignored) == ([change], [])
