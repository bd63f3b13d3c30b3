"""The IAM role kind's calls pinned whole: every request sent to IAM with its exact fields (CreateRole,
PutRolePolicy, AttachRolePolicy, UpdateAssumeRolePolicy, TagRole, the deletes), what read builds from IAM's
answers, and the plan's fields for each aspect. A recording client stands in for IAM: these are the calls'
parameters, which moto accepts whatever their order or count."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import botocore.exceptions
import pytest

from sesl.diff import normalize_policy
from sesl.model import Action, Change, FieldChange
from sesl.resources.base import Request
from sesl.resources.iam_role import IamRoleKind, RoleSpec, RoleState

V = "2012-10-17"
TRUST: dict[str, Any] = {"Version": V, "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
READ: dict[str, Any] = {"Version": V, "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]}]}
LIST: dict[str, Any] = {"Version": V, "Statement": [
    {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::b"]}]}
OWNED = {"sesl:managed-by": "sesl", "sesl:env": "dev"}


def _want(**changes: Any) -> RoleSpec:
    fields: dict[str, Any] = {"name": "role-a", "description": "what it is for", "trust": TRUST,
                              "inline": {"read": READ, "list": LIST}, "managed": (), "tags": {**OWNED, "team": "data"}}
    return RoleSpec(**{**fields, **changes})


def _have(**changes: Any) -> RoleState:
    fields: dict[str, Any] = {"name": "role-a", "owned": True, "trust": normalize_policy(TRUST),
                              "inline": {"read": normalize_policy(READ), "list": normalize_policy(LIST)},
                              "managed": (), "tags": {**OWNED, "team": "data"}}
    return RoleState(**{**fields, **changes})


def _normal(document: dict[str, Any]) -> dict[str, Any]:
    normal = normalize_policy(document)
    assert normal is not None
    return normal


class Recorder:
    """Records each IAM call as (operation, parameters), in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, operation: str) -> Any:
        return lambda **params: self.calls.append((operation, params))


def _ctx(client: Any, env: str = "dev") -> Any:
    return SimpleNamespace(client=lambda service: {"iam": client}[service], spec=SimpleNamespace(env=env))


# --- the requests ------------------------------------------------------------------------------------
def test_the_requests_are_create_role_then_each_policy_then_the_trust_update() -> None:
    want = _want(managed=("arn:aws:iam::aws:policy/P2", "arn:aws:iam::aws:policy/P1", "arn:aws:iam::aws:policy/P2"))
    role = {"RoleName": "role-a"}
    assert IamRoleKind().requests(want) == [
        Request("iam", "CreateRole", {**role, "Description": "what it is for",
                                      "AssumeRolePolicyDocument": json.dumps(TRUST),
                                      "Tags": [{"Key": "sesl:env", "Value": "dev"},
                                               {"Key": "sesl:managed-by", "Value": "sesl"},
                                               {"Key": "team", "Value": "data"}]}),
        Request("iam", "PutRolePolicy", {**role, "PolicyName": "read", "PolicyDocument": json.dumps(READ)}),
        Request("iam", "PutRolePolicy", {**role, "PolicyName": "list", "PolicyDocument": json.dumps(LIST)}),
        # each managed policy once, in ARN order
        Request("iam", "AttachRolePolicy", {**role, "PolicyArn": "arn:aws:iam::aws:policy/P1"}),
        Request("iam", "AttachRolePolicy", {**role, "PolicyArn": "arn:aws:iam::aws:policy/P2"}),
        # what update_trust sends, declared for the model check only: never part of create
        Request("iam", "UpdateAssumeRolePolicy", {**role, "PolicyDocument": json.dumps(TRUST)}, stage="update"),
    ]


def test_create_sends_the_create_stage_requests_in_order_and_not_the_trust_update() -> None:
    iam = Recorder()
    IamRoleKind().create(_ctx(iam), _want(managed=("arn:p",)))
    assert [op for op, _ in iam.calls] == ["create_role", "put_role_policy", "put_role_policy", "attach_role_policy"]
    assert iam.calls[0][1]["AssumeRolePolicyDocument"] == json.dumps(TRUST)
    assert iam.calls[3][1] == {"RoleName": "role-a", "PolicyArn": "arn:p"}


# --- the updates -------------------------------------------------------------------------------------
def test_update_trust_sends_the_whole_trust_policy() -> None:
    iam = Recorder()
    IamRoleKind().update_trust(_ctx(iam), _want(), _have(trust=None))
    assert iam.calls == [("update_assume_role_policy", {"RoleName": "role-a", "PolicyDocument": json.dumps(TRUST)})]


def test_update_inline_policies_puts_only_what_differs_and_deletes_what_sesl_did_not_put() -> None:
    iam = Recorder()
    # "read" as IAM returns it (normalised, scalars as lists): the same, not sent again; "list" differs;
    # "debugging" is not sesl's.
    have = _have(inline={"read": normalize_policy(READ), "list": normalize_policy(READ),
                         "debugging": normalize_policy(LIST)})
    IamRoleKind().update_inline_policies(_ctx(iam), _want(), have)
    assert iam.calls == [
        ("put_role_policy", {"RoleName": "role-a", "PolicyName": "list", "PolicyDocument": json.dumps(LIST)}),
        ("delete_role_policy", {"RoleName": "role-a", "PolicyName": "debugging"}),
    ]


def test_update_inline_policies_without_a_read_role_puts_every_policy() -> None:
    iam = Recorder()
    IamRoleKind().update_inline_policies(_ctx(iam), _want(), None)
    assert iam.calls == [
        ("put_role_policy", {"RoleName": "role-a", "PolicyName": "read", "PolicyDocument": json.dumps(READ)}),
        ("put_role_policy", {"RoleName": "role-a", "PolicyName": "list", "PolicyDocument": json.dumps(LIST)}),
    ]


def test_update_managed_policies_attaches_the_missing_and_detaches_the_others_in_arn_order() -> None:
    iam = Recorder()
    have = _have(managed=("arn:keep", "arn:z-extra", "arn:a-extra"))
    IamRoleKind().update_managed_policies(_ctx(iam), _want(managed=("arn:z-new", "arn:keep", "arn:a-new")), have)
    assert iam.calls == [
        ("attach_role_policy", {"RoleName": "role-a", "PolicyArn": "arn:a-new"}),
        ("attach_role_policy", {"RoleName": "role-a", "PolicyArn": "arn:z-new"}),
        ("detach_role_policy", {"RoleName": "role-a", "PolicyArn": "arn:a-extra"}),
        ("detach_role_policy", {"RoleName": "role-a", "PolicyArn": "arn:z-extra"}),
    ]
    iam = Recorder()
    IamRoleKind().update_managed_policies(_ctx(iam), _want(managed=("arn:one",)), None)
    assert iam.calls == [("attach_role_policy", {"RoleName": "role-a", "PolicyArn": "arn:one"})]


def test_update_tags_sends_every_sesl_tag_as_a_key_value_list() -> None:
    iam = Recorder()
    IamRoleKind().update_tags(_ctx(iam), _want(tags={"b": "2", "a": "1"}), _have())
    assert iam.calls == [("tag_role", {"RoleName": "role-a", "Tags": [{"Key": "a", "Value": "1"},
                                                                      {"Key": "b", "Value": "2"}]})]


def test_delete_removes_each_inline_and_managed_policy_before_the_role() -> None:
    # DeleteRole fails with DeleteConflict while the role has policies (IAM API reference, DeleteRole).
    iam = Recorder()
    IamRoleKind().delete(_ctx(iam), _have(inline={"read": {}, "list": {}}, managed=("arn:p1", "arn:p2")))
    assert iam.calls == [
        ("delete_role_policy", {"RoleName": "role-a", "PolicyName": "read"}),
        ("delete_role_policy", {"RoleName": "role-a", "PolicyName": "list"}),
        ("detach_role_policy", {"RoleName": "role-a", "PolicyArn": "arn:p1"}),
        ("detach_role_policy", {"RoleName": "role-a", "PolicyArn": "arn:p2"}),
        ("delete_role", {"RoleName": "role-a"}),
    ]


# --- the read ----------------------------------------------------------------------------------------
def _not_found(operation: str) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError({"Error": {"Code": "NoSuchEntity", "Message": "not found"}}, operation)


class FakeIam:
    """IAM's answers for one role: URL-encoded documents (IAM API reference, GetRole/GetRolePolicy), paged lists."""

    def __init__(self, tags: list[dict[str, str]] | None, exists: bool = True) -> None:
        self.tags, self.exists = tags, exists
        self.asked: list[tuple[str, dict[str, Any]]] = []
        self.pages: dict[str, list[dict[str, Any]]] = {
            "list_role_policies": [{"PolicyNames": ["read"]}, {"PolicyNames": ["list"]}],
            "list_attached_role_policies": [
                {"AttachedPolicies": [{"PolicyName": "Z", "PolicyArn": "arn:aws:iam::aws:policy/Z"}]},
                {"AttachedPolicies": [{"PolicyName": "A", "PolicyArn": "arn:aws:iam::aws:policy/A"}]}],
        }

    def get_role(self, **params: Any) -> dict[str, Any]:
        self.asked.append(("get_role", params))
        if not self.exists:
            raise _not_found("GetRole")
        return {"Role": {"RoleName": params["RoleName"], "AssumeRolePolicyDocument": quote(json.dumps(TRUST))}}

    def list_role_tags(self, **params: Any) -> dict[str, Any]:
        self.asked.append(("list_role_tags", params))
        return {} if self.tags is None else {"Tags": self.tags}

    def get_role_policy(self, **params: Any) -> dict[str, Any]:
        self.asked.append(("get_role_policy", params))
        document = {"read": READ, "list": LIST}[params["PolicyName"]]
        return {"PolicyDocument": quote(json.dumps(document))}

    def get_paginator(self, operation: str) -> Any:
        def paginate(**params: Any) -> list[dict[str, Any]]:
            self.asked.append((operation, params))
            return self.pages[operation]

        return SimpleNamespace(paginate=paginate)


def test_read_builds_the_state_from_every_page_of_iams_answers() -> None:
    iam = FakeIam([{"Key": "sesl:managed-by", "Value": "sesl"}, {"Key": "sesl:env", "Value": "dev"}])
    assert IamRoleKind().read(_ctx(iam), _want()) == RoleState(
        "role-a", True, normalize_policy(TRUST), {"read": _normal(READ), "list": _normal(LIST)},
        ("arn:aws:iam::aws:policy/A", "arn:aws:iam::aws:policy/Z"), OWNED)
    assert ("get_role_policy", {"RoleName": "role-a", "PolicyName": "list"}) in iam.asked
    assert all(params["RoleName"] == "role-a" for _, params in iam.asked)


@pytest.mark.parametrize(("tags", "env", "owned"), [
    (None, "dev", False),  # ListRoleTags may leave Tags out when the role has none
    ([{"Key": "sesl:managed-by", "Value": "sesl"}, {"Key": "sesl:env", "Value": "prod"}], "dev", False),
    ([{"Key": "sesl:managed-by", "Value": "sesl"}, {"Key": "sesl:env", "Value": "prod"}], "prod", True),
])
def test_read_says_the_role_is_sesls_only_with_both_tags_for_this_env(tags: Any, env: str, owned: bool) -> None:
    state = IamRoleKind().read(_ctx(FakeIam(tags), env), _want())
    assert state is not None and (state.owned, state.tags) == (owned, {t["Key"]: t["Value"] for t in tags or []})


def test_read_of_a_missing_role_is_none_and_asks_nothing_else() -> None:
    iam = FakeIam(None, exists=False)
    assert IamRoleKind().read(_ctx(iam), _want()) is None
    assert iam.asked == [("get_role", {"RoleName": "role-a"})]


# --- the plan ----------------------------------------------------------------------------------------
def test_a_role_as_sesl_left_it_has_no_change() -> None:
    assert IamRoleKind().diff(_have(), _want()) == []


def test_each_aspect_names_its_fields() -> None:
    kind = IamRoleKind()
    loose = {"Version": V, "Statement": [{"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"},
                                          "Action": "sts:*"}]}
    have = _have(trust=normalize_policy(loose), inline={"read": normalize_policy(READ), "debugging": {}},
                 managed=("arn:extra",), tags={"sesl:managed-by": "sesl", "sesl:env": "dev", "team": "other"})
    want = _want()
    changes = kind.diff(have, want)
    assert [(c.kind, c.name, c.action, c.aspect) for c in changes] == [
        ("iam_role", "role-a", Action.UPDATE, "trust"), ("iam_role", "role-a", Action.UPDATE, "inline_policies"),
        ("iam_role", "role-a", Action.UPDATE, "managed_policies"), ("iam_role", "role-a", Action.UPDATE, "tags")]
    trust, inline, managed, tags = (c.fields for c in changes)
    # statements compare record by record, after normalisation (scalars as one-element lists)
    assert trust == (FieldChange("AssumeRolePolicy.Statement[0].Action", ["sts:*"], ["sts:AssumeRole"]),)
    assert inline == (FieldChange("list", None, normalize_policy(LIST)),
                      FieldChange("debugging", "present (not sesl's)", None))
    assert managed == (FieldChange("AttachedPolicies", ["arn:extra"], []),)
    assert tags == (FieldChange("tags.team", "other", "data"),)
    assert all(isinstance(c, Change) and c.want == want and c.have == have for c in changes)


def test_extra_inline_policies_are_listed_in_name_order() -> None:
    have = _have(inline={"read": normalize_policy(READ), "list": normalize_policy(LIST), "zz": {}, "aa": {}})
    (change,) = IamRoleKind().diff(have, _want())
    assert change.fields == (FieldChange("aa", "present (not sesl's)", None),
                             FieldChange("zz", "present (not sesl's)", None))


def test_managed_policies_compare_as_sets() -> None:
    have = _have(managed=("arn:b", "arn:a"))
    assert IamRoleKind().diff(have, _want(managed=("arn:a", "arn:b"))) == []
