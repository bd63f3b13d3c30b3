"""The diff helpers pinned value by value: policy normalisation, tag shapes, ownership, scoped diffs."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from sesl.diff import (
    diff_tags,
    diff_values,
    is_owned,
    normalize_policy,
    ownership_tags,
    parse_policy,
    tag_list,
    tags_to_dict,
)
from sesl.model import FieldChange

ACCOUNT = "123456789012"


def _policy(**statement: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [statement]}


# -- parse_policy ------------------------------------------------------------------------------------------------

def test_parse_policy_takes_json_url_encoded_json_a_mapping_and_none() -> None:
    doc = {"Version": "2012-10-17", "Statement": []}
    text = json.dumps(doc)
    assert parse_policy(None) is None
    assert parse_policy(doc) == doc
    assert parse_policy(f"  {text}\n") == doc
    assert parse_policy(quote(text)) == doc
    assert quote(text).startswith("%7B")
    assert parse_policy(quote(text).replace("%7B", "%7b", 1)) == doc


def test_parse_policy_refuses_json_that_is_not_an_object() -> None:
    with pytest.raises(ValueError, match=r"^policy document is not a JSON object$"):
        parse_policy("[1, 2]")


# -- normalize_policy --------------------------------------------------------------------------------------------

def test_normalize_policy_of_none_is_none() -> None:
    assert normalize_policy(None) is None


def test_a_scalar_and_a_one_element_list_are_the_same_for_every_listy_key() -> None:
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        assert normalize_policy(_policy(Effect="Allow", **{key: "s3:GetObject"})) == \
            normalize_policy(_policy(Effect="Allow", **{key: ["s3:GetObject"]}))
        assert normalize_policy(_policy(**{key: "x"})) == {"Statement": [{key: ["x"]}], "Version": "2012-10-17"}


def test_listy_values_are_sorted_and_other_values_are_kept_as_they_are() -> None:
    got = normalize_policy(_policy(Effect="Allow", Action=["s3:PutObject", "s3:GetObject"], Sid="Write"))
    assert got == {"Version": "2012-10-17", "Statement": [
        {"Action": ["s3:GetObject", "s3:PutObject"], "Effect": "Allow", "Sid": "Write"}]}
    assert list(got["Statement"][0]) == ["Action", "Effect", "Sid"]  # keys sorted


def test_an_empty_sid_is_dropped_and_a_set_one_is_kept() -> None:
    assert normalize_policy(_policy(Sid="", Effect="Allow")) == normalize_policy(_policy(Effect="Allow"))
    assert normalize_policy(_policy(Sid="A", Effect="Allow")) != normalize_policy(_policy(Effect="Allow"))


def test_a_single_statement_object_is_a_list_of_one_and_the_id_is_dropped() -> None:
    single = {"Version": "2012-10-17", "Id": "abc", "Statement": {"Effect": "Allow", "Action": "s3:GetObject"}}
    assert normalize_policy(single) == {"Version": "2012-10-17",
                                        "Statement": [{"Action": ["s3:GetObject"], "Effect": "Allow"}]}
    assert list(normalize_policy(single) or {}) == ["Statement", "Version"]


def test_a_policy_without_statements_has_an_empty_list() -> None:
    assert normalize_policy({"Version": "2012-10-17"}) == {"Statement": [], "Version": "2012-10-17"}


def test_statements_are_ordered_whatever_order_they_come_in() -> None:
    a = {"Effect": "Allow", "Action": "a:A"}
    b = {"Effect": "Deny", "Action": "b:B"}
    one = normalize_policy({"Statement": [a, b]})
    assert one == normalize_policy({"Statement": [b, a]})
    assert one == {"Statement": [{"Action": ["a:A"], "Effect": "Allow"}, {"Action": ["b:B"], "Effect": "Deny"}]}


def test_an_account_id_principal_is_the_account_root_arn() -> None:
    by_id = normalize_policy(_policy(Principal={"AWS": ACCOUNT}))
    assert by_id == normalize_policy(_policy(Principal={"AWS": [f"arn:aws:iam::{ACCOUNT}:root"]}))
    assert by_id == {"Statement": [{"Principal": {"AWS": [f"arn:aws:iam::{ACCOUNT}:root"]}}],
                     "Version": "2012-10-17"}


@pytest.mark.parametrize("value", ["12345678901", "1234567890123", "12345678901a", f"x{ACCOUNT}"])
def test_only_a_twelve_digit_id_is_taken_for_an_account(value: str) -> None:
    assert normalize_policy(_policy(Principal={"AWS": value})) == {
        "Statement": [{"Principal": {"AWS": [value]}}], "Version": "2012-10-17"}


def test_principals_of_every_service_are_sorted_lists_and_a_star_stays_a_star() -> None:
    got = normalize_policy(_policy(Principal={"Service": ["glue.amazonaws.com", "firehose.amazonaws.com"],
                                              "AWS": ["arn:aws:iam::111111111111:role/b", ACCOUNT]}))
    assert got == {"Statement": [{"Principal": {
        "AWS": ["arn:aws:iam::111111111111:role/b", f"arn:aws:iam::{ACCOUNT}:root"],
        "Service": ["firehose.amazonaws.com", "glue.amazonaws.com"]}}], "Version": "2012-10-17"}
    assert normalize_policy(_policy(Principal="*")) == {"Statement": [{"Principal": "*"}], "Version": "2012-10-17"}
    assert normalize_policy(_policy(NotPrincipal={"Service": "s3.amazonaws.com"})) == {
        "Statement": [{"NotPrincipal": {"Service": ["s3.amazonaws.com"]}}], "Version": "2012-10-17"}


def test_condition_keys_are_case_insensitive_and_values_sorted_lists() -> None:
    upper = normalize_policy(_policy(Condition={"StringEquals": {"AWS:SourceAccount": ACCOUNT,
                                                                 "aws:SourceArn": ["b", "a"]}}))
    lower = normalize_policy(_policy(Condition={"StringEquals": {"aws:sourceaccount": [ACCOUNT],
                                                                 "AWS:SOURCEARN": ["a", "b"]}}))
    assert upper == lower
    assert upper == {"Statement": [{"Condition": {"StringEquals": {
        "aws:sourceaccount": [ACCOUNT], "aws:sourcearn": ["a", "b"]}}}], "Version": "2012-10-17"}
    # the account in a condition is a value, not a principal: it stays an id
    assert upper["Statement"][0]["Condition"]["StringEquals"]["aws:sourceaccount"] == [ACCOUNT]


def test_condition_operators_are_not_merged() -> None:
    a = normalize_policy(_policy(Condition={"StringEquals": {"k": "v"}}))
    b = normalize_policy(_policy(Condition={"StringLike": {"k": "v"}}))
    assert a != b


# -- tags --------------------------------------------------------------------------------------------------------

def test_tags_to_dict_reads_every_aws_shape_and_drops_aws_keys() -> None:
    want = {"a": "1", "b": "2"}
    assert tags_to_dict(None) == {}
    assert tags_to_dict([{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}]) == want
    assert tags_to_dict([{"key": "b", "value": "2"}, {"key": "a", "value": "1"}]) == want
    assert tags_to_dict({"b": "2", "a": "1", "aws:cloudformation:stack-name": "s"}) == want
    assert tags_to_dict([{"Key": "aws:createdBy", "Value": "x"}, {"Key": "a", "Value": "1"}]) == {"a": "1"}
    assert tags_to_dict([{"Key": "noValue"}]) == {"noValue": ""}
    assert tags_to_dict([{"Value": "orphan"}]) == {"": "orphan"}
    assert list(tags_to_dict({"z": "1", "a": "2"})) == ["a", "z"]


def test_ownership_tags_and_is_owned() -> None:
    assert ownership_tags("dev") == {"sesl:managed-by": "sesl", "sesl:env": "dev"}
    assert ownership_tags("dev", {"team": "x", "sesl:env": "prod"}) == {
        "team": "x", "sesl:managed-by": "sesl", "sesl:env": "dev"}
    assert is_owned({"sesl:managed-by": "sesl", "sesl:env": "dev"}, "dev")
    assert not is_owned({"sesl:managed-by": "sesl", "sesl:env": "dev"}, "prod")
    assert not is_owned({"sesl:managed-by": "other", "sesl:env": "dev"}, "dev")
    assert not is_owned({"sesl:env": "dev"}, "dev")
    assert not is_owned({"sesl:managed-by": "sesl"}, "dev")


def test_tag_list_is_sorted_key_value_records() -> None:
    assert tag_list({"b": "2", "a": "1"}) == [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    assert tag_list({}) == []


def test_diff_tags_changes_only_sesls_keys_that_differ() -> None:
    have = {"a": "1", "b": "old", "theirs": "x"}
    assert diff_tags(have, {"b": "new", "a": "1", "c": "3"}) == [
        FieldChange("tags.b", "old", "new"), FieldChange("tags.c", None, "3")]
    assert diff_tags(have, {"a": "1"}) == []


# -- diff_values -------------------------------------------------------------------------------------------------

def test_diff_values_compares_only_what_want_sets_with_dotted_paths() -> None:
    have = {"a": {"b": 1, "extra": 9}, "c": 2, "unset": 5}
    want = {"a": {"b": 2}, "c": 2}
    assert diff_values(have, want) == [FieldChange("a.b", 1, 2)]
    assert diff_values(have, want, "top") == [FieldChange("top.a.b", 1, 2)]


def test_diff_values_of_scalars_is_one_change_named_value_or_the_path() -> None:
    assert diff_values(1, 2) == [FieldChange("value", 1, 2)]
    assert diff_values(1, 2, "p") == [FieldChange("p", 1, 2)]
    assert diff_values(1, 1) == []


@pytest.mark.parametrize(("have", "want"), [(None, []), ([], None), (None, {}), ({}, None), ((), None), (None, None)])
def test_absent_null_and_empty_are_alike(have: Any, want: Any) -> None:
    assert diff_values(have, want) == []


@pytest.mark.parametrize(("have", "want"), [(None, [1]), ([1], None), (None, 0), (0, None), ("", None), (None, "")])
def test_a_value_against_nothing_is_a_change(have: Any, want: Any) -> None:
    assert diff_values(have, want, "f") == [FieldChange("f", have, want)]


def test_records_of_the_same_length_compare_record_by_record_by_the_fields_want_sets() -> None:
    have = [{"Path": "s3://a", "Exclusions": []}, {"Path": "s3://b", "Exclusions": []}]
    assert diff_values(have, [{"Path": "s3://a"}, {"Path": "s3://b"}], "Targets") == []
    assert diff_values(have, [{"Path": "s3://a"}, {"Path": "s3://c"}], "Targets") == [
        FieldChange("Targets[1].Path", "s3://b", "s3://c")]


def test_lists_of_another_length_or_of_non_records_compare_whole() -> None:
    have = [{"Path": "s3://a", "Exclusions": []}]
    want = [{"Path": "s3://a"}, {"Path": "s3://b"}]
    assert diff_values(have, want, "T") == [FieldChange("T", have, want)]
    assert diff_values([1, 2], [1, 3], "L") == [FieldChange("L", [1, 2], [1, 3])]
    assert diff_values([{"a": 1}, 2], [{"a": 1}, 3], "M") == [FieldChange("M", [{"a": 1}, 2], [{"a": 1}, 3])]
    assert diff_values([1, {"a": 1}], [1, {"a": 2}], "N") == [FieldChange("N", [1, {"a": 1}], [1, {"a": 2}])]


def test_list_values_of_mixed_types_sort_by_their_json() -> None:
    # numbers and strings together (a numeric condition written both ways) cannot be compared directly
    got = normalize_policy(_policy(Condition={"NumericLessThan": {"s3:max-keys": [10, "9"]}}))
    assert got == {"Statement": [{"Condition": {"NumericLessThan": {"s3:max-keys": ["9", 10]}}}],
                   "Version": "2012-10-17"}


def test_list_values_that_are_maps_sort_by_their_keys_in_order() -> None:
    got = normalize_policy(_policy(Resource=[{"b": 1}, {"z": 0, "a": 2}]))
    assert got == {"Statement": [{"Resource": [{"z": 0, "a": 2}, {"b": 1}]}], "Version": "2012-10-17"}


def test_a_principal_that_is_neither_a_star_nor_a_map_is_kept_as_it_is() -> None:
    assert normalize_policy(_policy(Principal="arn:aws:iam::123456789012:root")) == {
        "Statement": [{"Principal": "arn:aws:iam::123456789012:root"}], "Version": "2012-10-17"}


def test_the_same_condition_key_twice_in_two_cases_keeps_the_later_one() -> None:
    got = normalize_policy(_policy(Condition={"StringEquals": {"aws:SourceAccount": "1", "AWS:SourceAccount": "2"}}))
    assert got == {"Statement": [{"Condition": {"StringEquals": {"aws:sourceaccount": ["2"]}}}],
                   "Version": "2012-10-17"}


def test_a_list_of_records_against_a_list_of_scalars_compares_whole() -> None:
    assert diff_values([{"a": 1}], [5], "M") == [FieldChange("M", [{"a": 1}], [5])]
    assert diff_values([5], [{"a": 1}], "M") == [FieldChange("M", [5], [{"a": 1}])]
