"""Properties of the normalisers (issue 14, item 2): each is idempotent, and two IAM policies that differ only in
what AWS rewrites (key order, a scalar vs a one-element list, statement order, an account id vs its root ARN,
the case of a condition key) normalise to the same value."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sesl.diff import normalize_policy, tags_to_dict
from sesl.resources.budget import amount
from sesl.resources.cloudwatch_alarm import _comparable
from sesl.resources.glue_crawler import s3_targets
from sesl.resources.s3_bucket import normalize_rules
from sesl.resources.ses_event_destination import event_type
from sesl.resources.sns_topic import _by_sid
from tests.conftest import examples

FAST = settings(max_examples=examples(30), deadline=None)

ACCOUNTS = ("123456789012", "210987654321")
ACTIONS = ("s3:GetObject", "s3:PutObject", "firehose:PutRecordBatch", "sts:AssumeRole", "glue:GetTable")
RESOURCES = ("*", "arn:aws:s3:::b", "arn:aws:s3:::b/*", "arn:aws:glue:us-west-2:123456789012:catalog")
SERVICES = ("firehose.amazonaws.com", "ses.amazonaws.com", "glue.amazonaws.com")
CONDITION_KEYS = ("aws:SourceAccount", "aws:SourceArn", "sts:ExternalId", "s3:prefix")


def some(values: tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True)


def mixed_case(key: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(key), max_size=len(key)).map(
        lambda ups: "".join(c.upper() if u else c.lower() for c, u in zip(key, ups, strict=True)))


principals = st.one_of(
    st.just("*"),
    st.fixed_dictionaries({"AWS": some(ACCOUNTS)}),
    st.fixed_dictionaries({"Service": some(SERVICES)}),
    st.fixed_dictionaries({"AWS": some(ACCOUNTS), "Service": some(SERVICES)}),
)


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, Any]:
    ops = draw(st.lists(st.sampled_from(("StringEquals", "ArnLike", "StringLike")), min_size=1, max_size=2,
                        unique=True))
    return {op: {draw(mixed_case(k)): draw(some(ACCOUNTS + RESOURCES))
                 for k in draw(st.lists(st.sampled_from(CONDITION_KEYS), min_size=1, max_size=3, unique=True))}
            for op in ops}


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": draw(st.sampled_from(("Allow", "Deny"))),
                                 draw(st.sampled_from(("Action", "NotAction"))): draw(some(ACTIONS)),
                                 draw(st.sampled_from(("Resource", "NotResource"))): draw(some(RESOURCES))}
    if draw(st.booleans()):
        statement["Sid"] = draw(st.sampled_from(("", "One", "Two")))
    if draw(st.booleans()):
        statement["Principal"] = draw(principals)
    if draw(st.booleans()):
        statement["Condition"] = draw(conditions())
    return statement


policies = st.lists(statements(), min_size=1, max_size=4).map(lambda s: {"Version": "2012-10-17", "Statement": s})


def rewritten(policy: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The same policy as AWS may return it: keys and statements reordered, one-element lists as scalars (and
    scalars as lists), account ids as root ARNs, condition keys in another case, one statement unwrapped."""
    def value(v: Any) -> Any:
        if isinstance(v, list) and len(v) == 1 and rng.random() < 0.5:
            return v[0]
        return rng.sample(v, len(v)) if isinstance(v, list) else v

    def account(v: Any) -> Any:
        return [f"arn:aws:iam::{a}:root" if rng.random() < 0.5 else a for a in v] if isinstance(v, list) else v

    def statement(s: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in rng.sample(list(s), len(s)):
            v = s[key]
            if key == "Principal" and isinstance(v, dict):
                v = {k: value(account(p) if k == "AWS" else p) for k, p in rng.sample(list(v.items()), len(v))}
            elif key == "Condition":
                v = {op: {(k.upper() if rng.random() < 0.5 else k.lower()): value(x) for k, x in body.items()}
                     for op, body in v.items()}
            else:
                v = value(v)
            out[key] = v
        return out

    listed = [statement(s) for s in rng.sample(policy["Statement"], len(policy["Statement"]))]
    return {"Statement": listed[0] if len(listed) == 1 and rng.random() < 0.5 else listed, "Version": "2012-10-17"}


@FAST
@given(policies)
def test_normalize_policy_is_idempotent(policy: dict[str, Any]) -> None:
    once = normalize_policy(policy)
    assert normalize_policy(once) == once


@FAST
@given(policies, st.randoms(use_true_random=False))
def test_policies_equal_up_to_what_aws_rewrites_normalise_alike(policy: dict[str, Any], rng: random.Random) -> None:
    assert normalize_policy(rewritten(policy, rng)) == normalize_policy(policy)


def with_sids(policy: dict[str, Any]) -> dict[str, Any]:
    """sesl's topic statements each have their own Sid (the key sns_topic compares them by)."""
    return {**policy, "Statement": [{**s, "Sid": f"S{i}"} for i, s in enumerate(policy["Statement"])]}


@FAST
@given(policies.map(with_sids), st.randoms(use_true_random=False))
def test_sns_statements_by_sid_are_the_same_for_a_rewritten_policy(policy: dict[str, Any], rng: random.Random) -> None:
    assert _by_sid(rewritten(policy, rng)) == _by_sid(policy)


def test_a_different_action_is_not_normalised_away() -> None:
    one = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    two = {"Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]}
    assert normalize_policy(one) != normalize_policy(two)
    assert normalize_policy(one) == {"Statement": [{"Action": ["s3:GetObject"], "Effect": "Allow",
                                                     "Resource": ["*"]}]}


tag_text = st.text(min_size=0, max_size=8)
tag_shapes = st.one_of(
    st.dictionaries(tag_text, tag_text, max_size=4),
    st.lists(st.builds(lambda k, v: {"Key": k, "Value": v}, tag_text, tag_text), max_size=4),
    st.lists(st.builds(lambda k, v: {"key": k, "value": v}, tag_text, tag_text), max_size=4),
)


@FAST
@given(tag_shapes)
def test_tags_to_dict_is_idempotent_and_drops_only_aws_keys(tags: Any) -> None:
    once = tags_to_dict(tags)
    assert tags_to_dict(once) == once
    pairs = tags if isinstance(tags, dict) else {t.get("Key", t.get("key")): t.get("Value", t.get("value"))
                                                  for t in tags}
    assert once == {k: v for k, v in pairs.items() if not k.startswith("aws:")}


alarm_params = st.fixed_dictionaries({
    "Dimensions": st.none() | st.lists(st.fixed_dictionaries({"Name": st.sampled_from("ab"),
                                                               "Value": st.sampled_from("xy")}), max_size=3),
    "AlarmActions": st.lists(st.sampled_from(("arn:t1", "arn:t2")), max_size=2),
    "Threshold": st.none() | st.integers(0, 100) | st.floats(0, 1, allow_nan=False),
    "TreatMissingData": st.none() | st.sampled_from(("missing", "breaching")),
})


@FAST
@given(alarm_params)
def test_alarm_comparable_is_idempotent(params: dict[str, Any]) -> None:
    once = _comparable(params)
    assert _comparable(once) == once


lifecycle_rules = st.lists(st.fixed_dictionaries({
    "ID": st.sampled_from(("a", "b", "c")), "Status": st.just("Enabled"),
    "Filter": st.sampled_from(({}, {"Prefix": ""}, {"Prefix": "raw/"})),
    "Prefix": st.sampled_from(("", "raw/")),
    "Expiration": st.sampled_from(({}, {"Days": 30})),
}), max_size=3)


@FAST
@given(lifecycle_rules)
def test_normalize_rules_is_idempotent(rules: list[dict[str, Any]]) -> None:
    once = normalize_rules(rules)
    assert normalize_rules(once) == once


crawler_targets = st.fixed_dictionaries({
    "S3Targets": st.lists(st.fixed_dictionaries({"Path": st.sampled_from(("s3://b/raw/a/", "s3://b/raw/b/")),
                                                 "Exclusions": st.sampled_from(([], ["*.tmp"]))}), max_size=2),
    "JdbcTargets": st.sampled_from(([], [{"ConnectionName": "c"}])),
})


@FAST
@given(crawler_targets)
def test_crawler_targets_are_idempotent(targets: dict[str, Any]) -> None:
    once = s3_targets(targets)
    assert s3_targets(once) == once


@FAST
@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2))
def test_budget_amount_is_idempotent_and_ignores_trailing_zeros(value: Decimal) -> None:
    once = amount(str(value))
    assert amount(once) == once
    assert amount(f"{value}0") == once == amount(float(value))


@FAST
@given(st.sampled_from(("SEND", "RENDERING_FAILURE", "DELIVERY_DELAY", "renderingFailure", "deliveryDelay", "send")))
def test_event_type_is_idempotent(value: str) -> None:
    assert event_type(event_type(value)) == event_type(value)
