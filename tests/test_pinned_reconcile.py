"""sesl.reconcile pinned on in-memory kinds (no AWS, no moto): what a plan holds for each kind of live state,
the operations and the call each change declares, how ignored differences are kept or the plan refused, the
order and grouping of apply's steps, what destroy keeps, and every error's key facts.

The two kinds below stand for any registered kind: `alpha` writes each aspect with its own call, some with
one whole-resource call, one it cannot change in place, one with no fold; `beta` needs `alpha`, reads in
batches and keeps what holds data on destroy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import botocore.exceptions
import pytest

from sesl import reconcile, retired, ui
from sesl.errors import ApplyError, AwsCallError, RefusedError, SeslError, ValidationError
from sesl.fold import FoldError, fold_attribute, fold_whole_attribute
from sesl.model import Action, Change, DestroyOptions, FieldChange, Plan
from sesl.resources.base import Aspect, Env, Kind, Request
from sesl.spec import EnvSpec, IgnoreRule, default_spec
from tests.conftest import ACCOUNT

REGION = "us-west-2"
CALLS: list[tuple[str, ...]] = []


@dataclass(frozen=True)
class Want:
    name: str
    size: int = 1
    tags: dict[str, str] = field(default_factory=dict, hash=False)
    labels: dict[str, str] = field(default_factory=dict, hash=False)
    config: str = "c"
    note: str = "n"
    blob: str = "b"
    mode: str = "m"
    extra: str = "e"
    stubborn: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Have(Want):
    owned: bool = True
    replace_with: tuple[str, ...] = ()  # aspects the diff says must be replaced


def _keep_stubborn(want: Want, have: Have, fields: Sequence[FieldChange]) -> Want:
    return want  # a fold that claims success and changes nothing


def _fold_fails(want: Want, have: Have, fields: Sequence[FieldChange]) -> Want:
    raise FoldError("cannot")


class Alpha(Kind[Want, Have]):
    kind = "alpha"
    ownership = "alpha's ownership proof"
    wants: ClassVar[list[Want]] = []
    live: ClassVar[dict[str, Have]] = {}
    warned: ClassVar[dict[str, list[str]]] = {}
    seen: ClassVar[dict[str, list[str]]] = {}
    invalid: ClassVar[dict[str, list[str]]] = {}

    def desired(self, env: Env) -> list[Want]:
        assert isinstance(env, Env) and env.spec.env == "dev"
        return list(type(self).wants)

    def read(self, ctx: Any, want: Want) -> Have | None:
        assert isinstance(ctx, FakeContext)
        CALLS.append(("read", self.kind, want.name))
        return type(self).live.get(want.name)

    def validate(self, env: Env, want: Want) -> list[str]:
        assert isinstance(env, Env)
        return type(self).invalid.get(want.name, [])

    def warnings(self, env: Env, want: Want) -> list[str]:
        assert isinstance(env, Env)
        return type(self).warned.get(want.name, [])

    def observed_warnings(self, ctx: Any, want: Want, have: Have | None) -> list[str]:
        assert isinstance(ctx, FakeContext)
        return [f"{w} (seen {'absent' if have is None else have.name})" for w in type(self).seen.get(want.name, [])]

    def create_fields(self, want: Want) -> tuple[FieldChange, ...]:
        return (FieldChange("Size", None, want.size),)

    def diff(self, have: Have, want: Want) -> list[Change]:
        out = [Change(self.kind, want.name, Action.REPLACE, aspect, (FieldChange(aspect, 1, 2),), want=want, have=have)
               for aspect in have.replace_with]
        for aspect in ("size", "config", "note", "blob", "extra"):
            before, after = getattr(have, aspect), getattr(want, aspect)
            out += self.change(want, have, aspect, [FieldChange(aspect, before, after)] if before != after else [])
        out += self.change(want, have, "mode", [FieldChange("mode", have.mode, want.mode)] if have.mode != want.mode
                           else [], reason="the mode was set at creation" if want.mode == "why" else "")
        for aspect in ("tags", "labels", "stubborn"):
            before, after = getattr(have, aspect), getattr(want, aspect)
            keys = sorted(k for k in {*before, *after} if before.get(k) != after.get(k))
            out += self.change(want, have, aspect, [FieldChange(f"{aspect}.{k}", before.get(k), after.get(k))
                                                    for k in keys])
        return out

    def create(self, ctx: Any, want: Want) -> None:
        CALLS.append(("create", self.kind, want.name))

    def delete(self, ctx: Any, have: Have) -> None:
        CALLS.append(("delete", self.kind, have.name))

    def update_whole(self, ctx: Any, want: Want, have: Have) -> None:
        CALLS.append(("whole", self.kind, want.name))

    def update_size(self, ctx: Any, want: Want, have: Have) -> None:
        CALLS.append(("size", self.kind, want.name, str(want.size)))

    def update_tags(self, ctx: Any, want: Want, have: Have) -> None:
        CALLS.append(("tags", self.kind, want.name))

    def update_labels(self, ctx: Any, want: Want, have: Have) -> None:
        CALLS.append(("labels", self.kind, want.name))

    def update_extra(self, ctx: Any, want: Want, have: Have) -> None:
        CALLS.append(("extra", self.kind, want.name))

    def update_stubborn(self, ctx: Any, want: Want, have: Have) -> None:
        CALLS.append(("stubborn", self.kind, want.name))

    ASPECTS = (
        Aspect[Want, Have]("size", ("svc:SetSize",), update_size, fold=fold_whole_attribute("size")),
        Aspect("tags", ("svc:TagResource",), update_tags, fold=fold_attribute("tags", "tags.")),
        Aspect("labels", ("svc:SetLabels",), update_labels),  # no fold: an ignored label cannot be kept
        Aspect("config", fold=fold_whole_attribute("config")),  # the whole-resource call writes these three
        Aspect("note", fold=fold_whole_attribute("note")),
        Aspect("blob"),
        Aspect("mode", refuse="AWS cannot change the mode in place: delete and create it again"),
        Aspect("extra", ("svc:SetExtra",), update_extra, also_writes=("size", "mode")),
        Aspect("stubborn", ("svc:SetStubborn",), update_stubborn, fold=_keep_stubborn),
    )
    CREATE = ("svc:Create", "svc:TagResource")
    DELETE = ("svc:Delete", "svc:Create")  # the overlap shows a replace lists each operation once
    WHOLE = ("svc:PutWhole",)


class Beta(Alpha):
    kind = "beta"
    needs = ("alpha",)
    ownership = "beta's ownership proof"
    wants: ClassVar[list[Want]] = []
    live: ClassVar[dict[str, Have]] = {}
    warned: ClassVar[dict[str, list[str]]] = {}
    seen: ClassVar[dict[str, list[str]]] = {}
    invalid: ClassVar[dict[str, list[str]]] = {}
    holding: ClassVar[dict[str, str]] = {}
    ADOPT_ASPECT = "config"  # written by the whole-resource call

    def read_many(self, ctx: Any, wants: Sequence[Want]) -> list[Have | None]:
        assert isinstance(ctx, FakeContext)
        CALLS.append(("read_many", self.kind, *(w.name for w in wants)))
        return [type(self).live.get(w.name) for w in wants]

    def keep_reason(self, ctx: Any, have: Have, options: DestroyOptions) -> str | None:
        assert isinstance(ctx, FakeContext)
        if options.delete_data:
            return None
        return type(self).holding.get(have.name)


class Gamma(Alpha):
    kind = "gamma"
    needs = ("beta",)
    wants: ClassVar[list[Want]] = []
    live: ClassVar[dict[str, Have]] = {}
    warned: ClassVar[dict[str, list[str]]] = {}
    seen: ClassVar[dict[str, list[str]]] = {}
    invalid: ClassVar[dict[str, list[str]]] = {}
    ADOPT_ASPECT = ""  # adopting is the whole-resource call


KINDS: list[Kind[Any, Any]] = [Alpha(), Beta(), Gamma()]


class FakeContext:
    """What reconcile reads of an AwsContext, recording the gate and each step's allowed operations."""

    def __init__(self, spec: EnvSpec | None = None) -> None:
        self.spec = spec or default_spec("dev")
        self.region, self.account = REGION, ACCOUNT
        self.names = self.spec.names_for(REGION, ACCOUNT)
        self.allowed = False
        self.steps: list[tuple[frozenset[str], str]] = []

    def allow_mutations(self) -> None:
        self.allowed = True

    @contextmanager
    def only(self, operations: frozenset[str], what: str) -> Iterator[None]:
        self.steps.append((operations, what))
        yield


RETIRED: list[tuple[Kind[Any, Any], Any]] = []


def retired_pairs(ctx: Any, env: Env, kinds: Sequence[Kind[Any, Any]]) -> list[tuple[Kind[Any, Any], Any]]:
    assert isinstance(ctx, FakeContext) and isinstance(env, Env)
    return list(RETIRED)


@pytest.fixture(autouse=True)
def _kinds(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(reconcile, "REGISTRY", KINDS)
    monkeypatch.setattr(reconcile, "KINDS", {k.kind: k for k in KINDS})
    monkeypatch.setattr(retired, "retired_pairs", retired_pairs)
    for kind in (Alpha, Beta, Gamma):
        kind.wants, kind.live, kind.warned, kind.seen, kind.invalid = [], {}, {}, {}, {}
    Beta.holding = {}
    CALLS.clear()
    RETIRED.clear()
    yield


def ctx_with(**spec: Any) -> Any:
    return FakeContext(replace(default_spec("dev"), **spec))


def summary(changes: Sequence[Change]) -> list[tuple[str, Action, str, tuple[str, ...], str]]:
    return [(c.address, c.action, c.aspect, c.operations, c.call) for c in changes]


def client_error(code: str, message: str = "msg", operation: str = "DoThing") -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, operation)


# --- describe_client_error and aws_call --------------------------------------------------------------------------
@pytest.mark.parametrize(("code", "hint"), [
    *[(c, "; grant the caller this permission (see docs/iam.md) or use another profile")
      for c in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation")],
    *[(c, "; the credentials expired: refresh them (e.g. `aws sso login`)")
      for c in ("ExpiredToken", "ExpiredTokenException", "RequestExpired")],
    *[(c, "; the credentials are not valid for this account/endpoint")
      for c in ("InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch")],
    ("ThrottlingException", ""), ("NoSuchBucket", "")])
def test_each_client_error_is_one_line_with_the_hint_of_its_code(code: str, hint: str) -> None:
    exc = client_error(code, "it said no", "PutThing")
    assert reconcile.describe_client_error("kind.name", exc) == f"kind.name: PutThing failed: {code}: it said no{hint}"


def test_a_client_error_without_a_code_says_question_mark() -> None:
    exc = botocore.exceptions.ClientError({"Error": {"Message": "odd"}}, "PutThing")
    assert reconcile.describe_client_error("k.n", exc) == "k.n: PutThing failed: ?: odd"


def test_aws_call_returns_the_answer_and_turns_each_botocore_failure_into_one_line(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert reconcile.aws_call("k.n", lambda: {"answer": 42}) == {"answer": 42}
    denied = client_error("AccessDenied", "no", "GetThing")

    def raising(exc: BaseException) -> Any:
        def call() -> None:
            raise exc
        return call

    with pytest.raises(AwsCallError) as info:
        reconcile.aws_call("k.n", raising(denied))
    assert str(info.value).startswith("k.n: GetThing failed: AccessDenied: no; grant")
    assert info.value.__cause__ is denied
    with pytest.raises(SeslError) as missing:
        reconcile.aws_call("k.n", raising(botocore.exceptions.NoCredentialsError()))
    assert type(missing.value) is SeslError
    assert str(missing.value) == ("no AWS credentials found: set AWS_PROFILE (or --profile), or "
                                  "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with pytest.raises(AwsCallError) as unreachable:
        reconcile.aws_call("k.n", raising(botocore.exceptions.EndpointConnectionError(
            endpoint_url="https://glue.us-west-2.amazonaws.com/")))
    assert str(unreachable.value) == ("k.n: cannot reach https://glue.us-west-2.amazonaws.com/: check the network "
                                      "connection (or set AWS_ENDPOINT_URL to use the sandbox)")
    assert unreachable.value.__cause__ is None
    other = botocore.exceptions.ReadTimeoutError(endpoint_url="https://x")
    with pytest.raises(AwsCallError) as timed_out:
        reconcile.aws_call("k.n", raising(other))
    assert str(timed_out.value) == f"k.n: {other}"
    assert timed_out.value.__cause__ is other


def test_an_error_that_is_not_botocore_s_passes_through_aws_call() -> None:
    def broken() -> None:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        reconcile.aws_call("k.n", broken)


# --- selection ---------------------------------------------------------------------------------------------------
def test_targets_select_kinds_in_registry_order_and_unknown_kinds_are_named() -> None:
    assert reconcile.selected_kinds(()) == KINDS
    assert [k.kind for k in reconcile.selected_kinds(("gamma", "alpha.a1"))] == ["alpha", "gamma"]
    assert [k.kind for k in reconcile.selected_kinds(("beta.v1.2",))] == ["beta"]  # a name may hold dots
    with pytest.raises(SeslError) as info:
        reconcile.selected_kinds(("zeta.q", "alpha", "omega", "zeta"))
    assert str(info.value) == "unknown --target kind(s) omega, zeta: known kinds are alpha, beta, gamma"


def test_desired_objects_are_those_the_targets_name_in_kind_then_desired_order() -> None:
    Alpha.wants = [Want("a1"), Want("a2")]
    Beta.wants = [Want("b1"), Want("v1.2")]
    env = reconcile.make_env(FakeContext())
    assert env.spec == default_spec("dev") and env.names == default_spec("dev").names_for(REGION, ACCOUNT)

    def names(targets: Sequence[str]) -> list[str]:
        return [f"{k.kind}.{w.name}" for k, w in reconcile.desired_objects(env, KINDS, targets)]

    assert names(()) == ["alpha.a1", "alpha.a2", "beta.b1", "beta.v1.2"]
    assert names(("alpha.a2", "beta")) == ["alpha.a2", "beta.b1", "beta.v1.2"]
    assert names(("beta.v1.2",)) == ["beta.v1.2"]
    assert names(("alpha.a",)) == []  # a name is matched whole
    assert names(("beta.a1",)) == []  # with its kind


# --- validation ----------------------------------------------------------------------------------------------------
def test_validate_env_prefixes_each_problem_with_the_address_and_covers_every_kind() -> None:
    Alpha.wants, Gamma.wants = [Want("a1"), Want("a2")], [Want("g1")]
    Alpha.invalid = {"a1": ["too big", "too small"]}
    Gamma.invalid = {"g1": ["wrong"]}
    env = reconcile.make_env(FakeContext())
    assert reconcile.validate_env(env) == ["alpha.a1: too big", "alpha.a1: too small", "gamma.g1: wrong"]


def test_plan_refuses_invalid_settings_before_reading_anything() -> None:
    Alpha.wants, Gamma.wants = [Want("a1")], [Want("g1")]
    Alpha.invalid, Gamma.invalid = {"a1": ["too big"]}, {"g1": ["wrong"]}
    with pytest.raises(ValidationError) as info:
        reconcile.plan(FakeContext(), reconcile.PlanOptions(targets=("alpha",)))
    assert str(info.value) == "2 invalid setting(s): alpha.a1: too big | gamma.g1: wrong"
    assert CALLS == []


class Requesting(Alpha):
    kind = "requesting"

    def requests(self, want: Want) -> list[Request]:
        long_key = "k" * 200
        return [Request("sns", "CreateTopic", {"Name": "t", "Tags": [{"Key": long_key, "Value": "v"}],
                                               "Bogus": 1}),
                # the same member breaking the same rule again, at another index: reported once
                Request("sns", "TagResource", {"ResourceArn": "arn", "Tags": [{"Key": "ok", "Value": "v"},
                                                                              {"Key": long_key, "Value": "v"}]},
                        "update"),
                Request("sns", "TagResource", {"ResourceArn": "arn", "Tags": [], "Other": 2}, "update")]


def test_model_problems_report_a_value_an_update_sends_again_once() -> None:
    problems = reconcile.model_problems(Requesting(), Want("r"))
    assert [p.split(":", 1)[0] for p in problems] == ["CreateTopic.Tags[0].Key", "CreateTopic.Bogus",
                                                      "TagResource.Other"]
    assert problems[0].endswith("200 characters is above the maximum length 128 (botocore sns TagKey max)")


class TwoKeys(Alpha):
    kind = "twokeys"

    def requests(self, want: Want) -> list[Request]:
        return [Request("sns", "CreateTopic", {"Name": "t", "Tags": [{"Key": "k" * 200, "Value": "v"}]}),
                Request("sns", "TagResource", {"ResourceArn": "arn", "Tags": [{"Key": "j" * 200, "Value": "v"}]},
                        "update")]


def test_model_problems_with_other_values_are_each_reported() -> None:
    problems = reconcile.model_problems(TwoKeys(), Want("r"))
    assert [p[:30] for p in problems] == ["CreateTopic.Tags[0].Key: 'kkkk", "TagResource.Tags[0].Key: 'jjjj"]


def test_validate_env_includes_the_model_s_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    kinds: list[Kind[Any, Any]] = [Requesting()]
    monkeypatch.setattr(reconcile, "REGISTRY", kinds)
    Requesting.wants = [Want("r")]
    try:
        problems = reconcile.validate_env(reconcile.make_env(FakeContext()))
    finally:
        Requesting.wants = []
    assert [p.split(":", 1)[0] for p in problems] == ["requesting.r"] * 3
    assert problems[1].startswith("requesting.r: CreateTopic.Bogus: is not a member")


# --- reading --------------------------------------------------------------------------------------------------------
def test_read_all_reads_each_object_once_a_batched_kind_in_one_call_answers_in_pair_order() -> None:
    a1, a2, b1, b2, b3 = Want("a1"), Want("a2"), Want("b1"), Want("b2"), Want("b3")
    Alpha.live = {"a2": Have("a2")}
    Beta.live = {"b1": Have("b1", size=5), "b3": Have("b3", size=7)}
    alpha, beta = KINDS[0], KINDS[1]
    pairs = [(beta, b1), (alpha, a1), (beta, b2), (alpha, a2), (beta, b3)]
    observed = reconcile.read_all(FakeContext(), pairs)
    assert [h and (h.name, h.size) for h in observed] == [("b1", 5), None, None, ("a2", 1), ("b3", 7)]
    assert sorted(CALLS) == [("read", "alpha", "a1"), ("read", "alpha", "a2"), ("read_many", "beta", "b1", "b2", "b3")]
    CALLS.clear()
    # One object of a batched kind is read alone.
    assert reconcile.read_all(FakeContext(), [(beta, b1)]) == [Beta.live["b1"]]
    assert CALLS == [("read", "beta", "b1")]
    assert reconcile.read_all(FakeContext(), []) == []


class Short(Beta):
    kind = "short"

    def read_many(self, ctx: Any, wants: Sequence[Want]) -> list[Have | None]:
        return [Have(w.name) for w in wants[1:]]  # an answer missing


def test_a_batched_read_with_an_answer_missing_is_an_error_not_an_absent_resource() -> None:
    kind = Short()
    with pytest.raises(ValueError, match="zip"):  # read as absent, it would be planned as a create
        reconcile.read_all(FakeContext(), [(kind, Want("s1")), (kind, Want("s2"))])


class Failing(Alpha):
    kind = "failing"

    def read(self, ctx: Any, want: Want) -> Have | None:
        raise client_error("AccessDenied", "no", "GetThing")

    def read_many(self, ctx: Any, wants: Sequence[Want]) -> list[Have | None]:
        raise client_error("AccessDenied", "no", "BatchGetThings")


def test_a_failed_read_names_the_object_or_for_a_batch_the_kind() -> None:
    kind = Failing()
    with pytest.raises(AwsCallError, match=r"^failing\.f1: GetThing failed: AccessDenied: no; grant"):
        reconcile.read_all(FakeContext(), [(kind, Want("f1"))])
    with pytest.raises(AwsCallError, match=r"^failing: BatchGetThings failed: AccessDenied: no; grant"):
        reconcile.read_all(FakeContext(), [(kind, Want("f1")), (kind, Want("f2"))])


# --- plan -------------------------------------------------------------------------------------------------------------
def test_plan_creates_what_is_absent_updates_what_differs_and_reports_what_is_not_sesl_s() -> None:
    Alpha.wants = [Want("a1", size=3), Want("a2", size=2), Want("a3"), Want("a4")]
    Alpha.live = {"a2": Have("a2", size=1), "a3": Have("a3", owned=False, size=9), "a4": Have("a4")}
    the_plan = reconcile.plan(FakeContext())
    assert (the_plan.env, the_plan.account, the_plan.region, the_plan.mode) == ("dev", ACCOUNT, REGION, "apply")
    assert summary(the_plan.changes) == [
        ("alpha.a1", Action.CREATE, "resource", ("svc:Create", "svc:TagResource"), "create"),
        ("alpha.a2", Action.UPDATE, "size", ("svc:SetSize",), "size"),
        ("alpha.a3", Action.CONFLICT, "ownership", (), "conflict")]
    create, update, conflict = the_plan.changes
    assert create.fields == (FieldChange("Size", None, 3),)
    assert (create.want, create.have) == (Alpha.wants[0], None)
    assert update.fields == (FieldChange("size", 1, 2),)
    assert (update.want, update.have) == (Alpha.wants[1], Alpha.live["a2"])
    assert conflict.reason == ("exists but is not owned by sesl (alpha's ownership proof); re-run with --adopt to "
                               "take it over")
    assert conflict.fields == ()
    assert (conflict.want, conflict.have) == (Alpha.wants[2], Alpha.live["a3"])
    assert the_plan.warnings == () and the_plan.ignored == ()
    targeted = reconcile.plan(FakeContext(), reconcile.PlanOptions(targets=("alpha.a2",)))
    assert [c.address for c in targeted.changes] == ["alpha.a2"]


def test_adopt_takes_over_what_is_not_sesl_s_and_fixes_its_differences_in_the_same_plan() -> None:
    Alpha.wants, Beta.wants, Gamma.wants = [Want("a1", size=2)], [Want("b1")], [Want("g1")]
    Alpha.live = {"a1": Have("a1", owned=False)}
    Beta.live = {"b1": Have("b1", owned=False)}
    Gamma.live = {"g1": Have("g1", owned=False)}
    the_plan = reconcile.plan(FakeContext(), reconcile.PlanOptions(adopt=True))
    assert summary(the_plan.changes) == [
        ("alpha.a1", Action.ADOPT, "ownership", ("svc:TagResource",), "adopt"),
        ("alpha.a1", Action.UPDATE, "size", ("svc:SetSize",), "size"),
        ("beta.b1", Action.ADOPT, "ownership", ("svc:PutWhole",), "whole"),  # its adopt aspect is written whole
        ("gamma.g1", Action.ADOPT, "ownership", ("svc:PutWhole",), "whole")]  # no adopt aspect: the whole call
    adopt = the_plan.changes[0]
    assert adopt.reason == "taken over with --adopt"
    assert (adopt.want, adopt.have) == (Alpha.wants[0], Alpha.live["a1"])


REPLACE_OPERATIONS = ("svc:Delete", "svc:Create", "svc:TagResource")  # DELETE then CREATE, each once
DELETE_OPERATIONS = ("svc:Delete", "svc:Create")


def test_a_replace_is_the_only_change_of_its_resource_and_the_first_one_of_its_kind() -> None:
    Alpha.wants = [Want("a1", size=2), Want("a2", size=2)]
    Alpha.live = {"a1": Have("a1", replace_with=("vpc", "type")), "a2": Have("a2", owned=False, replace_with=("vpc",))}
    the_plan = reconcile.plan(FakeContext(), reconcile.PlanOptions(adopt=True))
    assert summary(the_plan.changes) == [
        ("alpha.a1", Action.REPLACE, "vpc", REPLACE_OPERATIONS, "replace"),
        # adopted: every change of the diff is kept (an adoption is not a replace)
        ("alpha.a2", Action.ADOPT, "ownership", ("svc:TagResource",), "adopt"),
        ("alpha.a2", Action.REPLACE, "vpc", REPLACE_OPERATIONS, "replace"),
        ("alpha.a2", Action.UPDATE, "size", ("svc:SetSize",), "size")]


def test_an_update_aws_cannot_make_in_place_is_a_refusal_with_the_kind_s_reason() -> None:
    Alpha.wants = [Want("a1", mode="new"), Want("a2", mode="why")]
    Alpha.live = {"a1": Have("a1"), "a2": Have("a2")}
    refused = reconcile.plan(FakeContext()).changes
    assert summary(refused) == [("alpha.a1", Action.REFUSE, "mode", (), ""),
                                ("alpha.a2", Action.REFUSE, "mode", (), "")]
    assert refused[0].reason == "AWS cannot change the mode in place: delete and create it again"
    assert refused[1].reason == ("the mode was set at creation; AWS cannot change the mode in place: delete and "
                                 "create it again")
    assert refused[0].fields == (FieldChange("mode", "m", "new"),)


def test_aspects_written_by_the_whole_resource_call_declare_it() -> None:
    Alpha.wants = [Want("a1", config="c2", note="n2", size=4)]
    Alpha.live = {"a1": Have("a1")}
    assert summary(reconcile.plan(FakeContext()).changes) == [
        ("alpha.a1", Action.UPDATE, "size", ("svc:SetSize",), "size"),
        ("alpha.a1", Action.UPDATE, "config", ("svc:PutWhole",), "whole"),
        ("alpha.a1", Action.UPDATE, "note", ("svc:PutWhole",), "whole")]


def test_plan_warnings_are_the_ignore_rules_then_the_kinds_then_the_live_state_then_the_targets() -> None:
    Alpha.wants, Beta.wants, Gamma.wants = [Want("a1")], [Want("b1"), Want("b2")], [Want("g1")]
    Beta.live = {"b2": Have("b2")}
    Alpha.warned = {"a1": ["big"]}
    Beta.warned = {"b1": ["odd", "new"]}
    Beta.seen = {"b1": ["look"], "b2": ["here"]}
    expired = IgnoreRule("alpha.a1.size", "old", dt.date(2020, 1, 1))
    ctx = ctx_with(ignore=[expired])
    the_plan = reconcile.plan(ctx, reconcile.PlanOptions(targets=("beta", "gamma")))
    assert the_plan.warnings == (
        "ignore rule 'alpha.a1.size' expired on 2020-01-01: its differences are shown again",
        "beta.b1: odd", "beta.b1: new",
        "beta.b1: look (seen absent)", "beta.b2: here (seen b2)",
        "--target beta depends on alpha, which this run does not touch: make sure they are in place")
    # the kind of a target is not in the plan's warnings when its needs are chosen too
    both = reconcile.PlanOptions(targets=("alpha", "beta"))
    assert reconcile.plan(ctx, both).warnings[-1] == "beta.b2: here (seen b2)"
    assert reconcile.plan(ctx).warnings[1:2] == ("alpha.a1: big",)  # no targets: no note


def test_dependency_notes_name_every_missing_need() -> None:
    class Needy(Alpha):
        kind = "needy"
        needs = ("alpha", "beta", "gamma")

    needy = Needy()
    assert reconcile._dependency_notes([needy, KINDS[1]], ("needy", "beta")) == [
        "--target needy depends on alpha, gamma, which this run does not touch: make sure they are in place",
        "--target beta depends on alpha, which this run does not touch: make sure they are in place"]
    assert reconcile._dependency_notes([needy], ()) == []


def test_a_failed_live_state_check_names_the_object() -> None:
    class Checking(Alpha):
        kind = "checking"

        def observed_warnings(self, ctx: Any, want: Want, have: Have | None) -> list[str]:
            raise client_error("AccessDenied", "no", "DescribeSubnets")

    pairs = [(Checking(), Want("c1"))]
    with pytest.raises(AwsCallError, match=r"^checking\.c1: DescribeSubnets failed: AccessDenied: no; grant"):
        reconcile._observed_warnings(FakeContext(), pairs, [None])


# --- ignored differences -------------------------------------------------------------------------------------------
def ignoring(*paths: str) -> Any:
    return ctx_with(ignore=[IgnoreRule(p, "accepted") for p in paths])


def test_an_ignored_field_of_an_aspect_that_is_written_keeps_its_live_value_in_what_is_written() -> None:
    Alpha.wants = [Want("a1", tags={"team": "data", "owner": "me"})]
    Alpha.live = {"a1": Have("a1", tags={"team": "ops", "owner": "you"})}
    the_plan = reconcile.plan(ignoring("alpha.a1.tags.team"))
    (change,) = the_plan.changes
    assert (change.aspect, change.fields) == ("tags", (FieldChange("tags.owner", "you", "me"),))
    assert change.want.tags == {"team": "ops", "owner": "me"}  # the live team, the desired owner
    ((ignored, reason),) = the_plan.ignored
    assert (ignored.aspect, ignored.fields, reason) == ("tags", (FieldChange("tags.team", "ops", "data"),), "accepted")


def test_an_ignored_aspect_another_aspect_also_writes_is_kept_when_it_can_be_or_refused() -> None:
    Alpha.wants = [Want("a1", size=2, extra="e2")]
    Alpha.live = {"a1": Have("a1", size=1)}
    (change,) = reconcile.plan(ignoring("alpha.a1.size")).changes
    assert (change.aspect, change.action, change.call) == ("extra", Action.UPDATE, "extra")
    assert change.want.size == 1  # `extra` writes the size too: the live one


def test_the_ignored_fields_of_several_resources_are_each_kept_in_their_own_writes() -> None:
    Alpha.wants = [Want("a1", size=2, extra="e2"), Want("a2", size=3, extra="e3")]
    Alpha.live = {"a1": Have("a1", size=1), "a2": Have("a2", size=5)}
    changes = reconcile.plan(ignoring("alpha.a1.size", "alpha.a2.size")).changes
    assert [(c.address, c.aspect, c.want.size) for c in changes] == [("alpha.a1", "extra", 1), ("alpha.a2", "extra", 5)]


def test_an_ignored_aspect_written_by_the_whole_resource_call_is_kept_in_it() -> None:
    Alpha.wants = [Want("a1", config="c2", note="n2", size=2)]
    Alpha.live = {"a1": Have("a1")}
    changes = reconcile.plan(ignoring("alpha.a1.config")).changes
    assert summary(changes) == [("alpha.a1", Action.UPDATE, "size", ("svc:SetSize",), "size"),
                                ("alpha.a1", Action.UPDATE, "note", ("svc:PutWhole",), "whole")]
    assert [c.want.config for c in changes] == ["c", "c"]  # every change of the resource writes the kept value


def test_an_ignored_whole_aspect_is_not_folded_when_nothing_writes_the_whole_resource() -> None:
    Alpha.wants = [Want("a1", config="c2", size=2)]
    Alpha.live = {"a1": Have("a1")}
    (change,) = reconcile.plan(ignoring("alpha.a1.config")).changes
    assert change.aspect == "size" and change.want.config == "c2"  # not written: the desired object as it was


def test_an_ignored_field_nothing_can_keep_refuses_the_change_that_would_overwrite_it() -> None:
    Alpha.wants = [Want("a1", labels={"x": "1", "y": "1"}, size=2)]
    Alpha.live = {"a1": Have("a1", labels={"x": "0", "y": "0"})}
    changes = reconcile.plan(ignoring("alpha.a1.labels.labels.x")).changes
    assert summary(changes) == [("alpha.a1", Action.UPDATE, "size", ("svc:SetSize",), "size"),
                                ("alpha.a1", Action.REFUSE, "labels", (), "")]
    assert changes[1].reason == ("applying it would overwrite the ignored labels.labels.x, which sesl cannot keep in "
                                 "the same call: ignore the whole aspect (or resource), or remove the ignore rule")
    assert changes[1].fields == (FieldChange("labels.y", "0", "1"),)
    with pytest.raises(RefusedError) as info:
        reconcile.refuse_unappliable(Plan("dev", ACCOUNT, REGION, changes), allow_replace=True)
    assert str(info.value) == f"x alpha.a1 (labels): {changes[1].reason}; nothing was changed"


def test_a_fold_that_does_not_remove_the_difference_is_a_refusal_naming_each_field() -> None:
    Alpha.wants = [Want("a1", size=2, extra="e2", stubborn={"a": "1", "b": "1", "c": "1"})]
    Alpha.live = {"a1": Have("a1", size=1, stubborn={"a": "0", "b": "0", "c": "0"})}
    changes = reconcile.plan(ignoring("alpha.a1.size", "alpha.a1.stubborn.stubborn.a",
                                      "alpha.a1.stubborn.stubborn.b")).changes
    assert [(c.aspect, c.action) for c in changes] == [("extra", Action.UPDATE), ("stubborn", Action.REFUSE)]
    assert changes[1].reason.startswith("applying it would overwrite the ignored stubborn.stubborn.a, "
                                        "stubborn.stubborn.b, which sesl")


@pytest.mark.parametrize("fold", [None, _fold_fails])
def test_an_aspect_that_writes_an_ignored_aspect_it_cannot_keep_is_refused(fold: Any) -> None:
    class Lossy(Alpha):
        kind = "lossy"
        ASPECTS = tuple(replace(a, fold=fold) if a.name == "size" else a for a in Alpha.ASPECTS)

    kinds: list[Kind[Any, Any]] = [Lossy()]
    reconcile.KINDS["lossy"] = kinds[0]
    Lossy.wants = [Want("l1", size=2, extra="e2", tags={"t": "2"})]
    Lossy.live = {"l1": Have("l1", size=1, tags={"t": "1"})}
    try:
        kept, ignored, _ = reconcile.apply_ignore_rules(
            [c for w in Lossy.wants for c in kinds[0].diff(Lossy.live[w.name], w)],
            [IgnoreRule("lossy.l1.size", "accepted")], dt.date.today())
        changes = reconcile.declared_changes(kept, ignored)
    finally:
        del reconcile.KINDS["lossy"]
        Lossy.wants, Lossy.live = [], {}
    assert [(c.aspect, c.action) for c in changes] == [("extra", Action.REFUSE), ("tags", Action.UPDATE)]
    assert "the ignored size.size, which" in changes[0].reason


def test_an_ignored_whole_aspect_without_a_fold_refuses_every_whole_change_of_the_resource() -> None:
    Alpha.wants = [Want("a1", blob="b2", note="n2", config="c2", size=2), Want("a2", note="n2")]
    Alpha.live = {"a1": Have("a1"), "a2": Have("a2")}
    changes = reconcile.plan(ignoring("alpha.a1.blob")).changes
    assert summary(changes) == [("alpha.a1", Action.UPDATE, "size", ("svc:SetSize",), "size"),
                                ("alpha.a1", Action.REFUSE, "config", (), ""),
                                ("alpha.a1", Action.REFUSE, "note", (), ""),
                                ("alpha.a2", Action.UPDATE, "note", ("svc:PutWhole",), "whole")]
    assert "the ignored blob.blob, which" in changes[1].reason


def test_an_ignored_difference_aws_cannot_change_in_place_needs_nothing_kept() -> None:
    Alpha.wants = [Want("a1", mode="new", size=2, extra="e2")]
    Alpha.live = {"a1": Have("a1")}
    the_plan = reconcile.plan(ignoring("alpha.a1.mode"))
    # `extra` declares that it writes the mode too, and the mode has no fold: it is never written all the same
    assert summary(the_plan.changes) == [("alpha.a1", Action.UPDATE, "size", ("svc:SetSize",), "size"),
                                         ("alpha.a1", Action.UPDATE, "extra", ("svc:SetExtra",), "extra")]
    assert [c.want.mode for c in the_plan.changes] == ["new", "new"]


def test_an_adoption_writes_the_kept_value_too_and_an_ignored_resource_with_nothing_written_is_left_as_is() -> None:
    Alpha.wants = [Want("a1", tags={"team": "data", "owner": "me"}), Want("a2", size=3)]
    Alpha.live = {"a1": Have("a1", owned=False, tags={"team": "ops", "owner": "you"}), "a2": Have("a2")}
    the_plan = reconcile.plan(ignoring("alpha.a1.tags.team", "alpha.a2.size"), reconcile.PlanOptions(adopt=True))
    assert [(c.address, c.action, c.aspect) for c in the_plan.changes] == [
        ("alpha.a1", Action.ADOPT, "ownership"), ("alpha.a1", Action.UPDATE, "tags")]
    assert [c.want.tags for c in the_plan.changes] == [{"team": "ops", "owner": "me"}] * 2
    assert [c.address for c, _ in the_plan.ignored] == ["alpha.a1", "alpha.a2"]


def test_an_adoption_written_whole_counts_as_writing_the_whole_resource() -> None:
    Beta.wants = [Want("b1", note="n2")]
    Beta.live = {"b1": Have("b1", owned=False, note="n1")}
    changes = reconcile.plan(ignoring("beta.b1.note"), reconcile.PlanOptions(adopt=True)).changes
    assert summary(changes) == [("beta.b1", Action.ADOPT, "ownership", ("svc:PutWhole",), "whole")]
    assert changes[0].want.note == "n1"  # the adoption's whole call writes the live note


def test_a_refusal_keeps_the_changes_that_do_not_overwrite_and_the_adoption() -> None:
    Alpha.wants = [Want("a1", labels={"x": "1", "y": "1"}, size=2)]
    Alpha.live = {"a1": Have("a1", owned=False, labels={"x": "0", "y": "0"})}
    changes = reconcile.plan(ignoring("alpha.a1.labels.labels.x"), reconcile.PlanOptions(adopt=True)).changes
    assert [(c.aspect, c.action) for c in changes] == [("ownership", Action.ADOPT), ("size", Action.UPDATE),
                                                       ("labels", Action.REFUSE)]


# --- refusals before apply -------------------------------------------------------------------------------------
def test_refuse_unappliable_names_the_refusals_the_replaces_and_the_conflicts() -> None:
    refuse = Change("alpha", "a1", Action.REFUSE, "mode", reason="cannot")
    refuse2 = Change("alpha", "a2", Action.REFUSE, "labels", reason="lost")
    replace_ = Change("alpha", "a3", Action.REPLACE, "resource")
    replace2 = Change("beta", "b1", Action.REPLACE, "vpc")
    failed = Change("alpha", "a4", Action.REPLACE, "failed")
    conflict = Change("alpha", "a5", Action.CONFLICT, "ownership")
    conflict2 = Change("beta", "b2", Action.CONFLICT, "ownership")

    def refused(*changes: Change, allow_replace: bool = False) -> str:
        with pytest.raises(SeslError) as info:
            reconcile.refuse_unappliable(Plan("dev", ACCOUNT, REGION, changes), allow_replace)
        return f"{type(info.value).__name__}: {info.value}"

    assert refused(refuse, replace_, conflict, refuse2) == (
        "RefusedError: x alpha.a1 (mode): cannot; x alpha.a2 (labels): lost; nothing was changed")
    assert refused(replace_, failed, conflict, replace2) == (
        "RefusedError: alpha.a3, beta.b1 must be replaced (deleted and created again), which drops records in "
        "flight; nothing was changed; re-run with --allow-replace to do it")
    assert refused(replace_, conflict, conflict2, allow_replace=True) == (
        "SeslError: 2 resource(s) exist but are not sesl's: alpha.a5, beta.b2; nothing was changed; re-run with "
        "--adopt to take them over")
    reconcile.refuse_unappliable(Plan("dev", ACCOUNT, REGION, (failed, replace_)), allow_replace=True)
    reconcile.refuse_unappliable(Plan("dev", ACCOUNT, REGION, (failed, Change("k", "n", Action.KEEP))), False)


def test_a_protected_env_is_never_destroyed() -> None:
    ctx = ctx_with(protect=True)
    Alpha.wants = [Want("a1")]
    with pytest.raises(RefusedError) as info:
        reconcile.plan_destroy(ctx)
    assert str(info.value) == ("env dev is protected (env.dev.protect = true): nothing was changed; set it to false "
                               "in the config to destroy the env")
    assert CALLS == []
    destroy = Plan("dev", ACCOUNT, REGION, (Change("alpha", "a1", Action.DELETE, operations=("svc:Delete",),
                                                   call="delete", have=Have("a1")),), mode="destroy")
    with pytest.raises(RefusedError):
        reconcile.execute(ctx, destroy)
    assert CALLS == [] and not ctx.allowed
    # an apply plan of a protected env runs
    reconcile.execute(ctx, replace(destroy, mode="apply"), allow_replace=False)
    reconcile.refuse_protected(FakeContext())


# --- destroy -----------------------------------------------------------------------------------------------------
def test_destroy_deletes_sesl_s_resources_in_reverse_registry_order_and_keeps_the_rest_with_why() -> None:
    Alpha.wants, Beta.wants = [Want("a0"), Want("a1"), Want("a2"), Want("a3")], [Want("b1"), Want("b2")]
    Alpha.live = {"a0": Have("a0", owned=False), "a1": Have("a1"), "a3": Have("a3", owned=False)}
    Beta.live = {"b1": Have("b1"), "b2": Have("b2")}
    Beta.holding = {"b1": "it holds 3 objects: pass --delete-data"}
    the_plan = reconcile.plan_destroy(FakeContext())
    assert (the_plan.mode, the_plan.env, the_plan.account, the_plan.region) == ("destroy", "dev", ACCOUNT, REGION)
    assert summary(the_plan.changes) == [
        ("beta.b1", Action.KEEP, "resource", (), "keep"),
        ("beta.b2", Action.DELETE, "resource", DELETE_OPERATIONS, "delete"),
        ("alpha.a0", Action.KEEP, "ownership", (), ""),
        ("alpha.a1", Action.DELETE, "resource", DELETE_OPERATIONS, "delete"),
        ("alpha.a3", Action.KEEP, "ownership", (), "")]
    keep, delete, _, _, foreign = the_plan.changes
    assert keep.reason == "it holds 3 objects: pass --delete-data"
    assert delete.reason == ""
    assert (delete.want, delete.have) == (Beta.wants[1], Beta.live["b2"])
    assert foreign.reason == "not owned by sesl: left alone"
    assert (foreign.want, foreign.have) == (Alpha.wants[3], Alpha.live["a3"])
    data = reconcile.PlanOptions(destroy=DestroyOptions(delete_data=True))
    assert [c.action for c in reconcile.plan_destroy(FakeContext(), data).changes][:1] == [Action.DELETE]
    targeted = reconcile.plan_destroy(FakeContext(), reconcile.PlanOptions(targets=("alpha.a1",)))
    assert [c.address for c in targeted.changes] == ["alpha.a1"]


def test_destroy_and_plan_delete_the_resources_of_retired_streams_that_are_sesl_s_only() -> None:
    alpha, beta = KINDS[0], KINDS[1]
    RETIRED.extend([(beta, Want("old-b")), (alpha, Want("old-a")), (alpha, Want("other-a")), (alpha, Want("gone"))])
    Alpha.live = {"old-a": Have("old-a"), "other-a": Have("other-a", owned=False)}
    Beta.live = {"old-b": Have("old-b")}
    Beta.holding = {"old-b": "holds data"}
    expected = [("beta.old-b", Action.KEEP, "resource", (), "keep"),
                ("alpha.old-a", Action.DELETE, "resource", DELETE_OPERATIONS, "delete")]
    assert summary(reconcile.plan_destroy(FakeContext()).changes) == expected
    assert summary(reconcile.plan(FakeContext()).changes) == expected
    assert summary(reconcile.plan(FakeContext(), reconcile.PlanOptions(targets=("alpha.old-a",))).changes) == \
        expected[1:]


def test_a_failed_look_for_retired_streams_or_keep_check_names_what_was_looked_at(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(*args: Any) -> Any:
        raise client_error("AccessDenied", "no", "GetTables")

    monkeypatch.setattr(retired, "retired_pairs", denied)
    with pytest.raises(AwsCallError, match=r"^glue_table \(streams no longer in env\.dev\.streams\): GetTables failed"):
        reconcile.plan_destroy(FakeContext())
    monkeypatch.setattr(retired, "retired_pairs", lambda ctx, env, kinds: [])
    monkeypatch.setattr(Beta, "keep_reason", lambda self, ctx, have, options: denied())
    Beta.wants, Beta.live = [Want("b1")], {"b1": Have("b1")}
    with pytest.raises(AwsCallError, match=r"^beta\.b1: GetTables failed"):
        reconcile.plan_destroy(FakeContext())


def test_the_retired_pairs_are_looked_for_among_the_selected_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[list[str]] = []

    def pairs(ctx: Any, env: Env, kinds: Sequence[Kind[Any, Any]]) -> list[Any]:
        asked.append([k.kind for k in kinds])
        assert env.spec.env == "dev"
        return []

    monkeypatch.setattr(retired, "retired_pairs", pairs)
    reconcile.plan(FakeContext(), reconcile.PlanOptions(targets=("gamma", "alpha")))
    reconcile.plan_destroy(FakeContext(), reconcile.PlanOptions(targets=("gamma", "alpha")))
    assert asked == [["alpha", "gamma"], ["gamma", "alpha"]]


# --- apply: steps ---------------------------------------------------------------------------------------------
def test_the_whole_resource_changes_of_one_resource_share_one_step_where_the_first_is() -> None:
    c1 = Change("alpha", "a1", Action.UPDATE, "config", call="whole")
    s1 = Change("alpha", "a1", Action.UPDATE, "size", call="size")
    c2 = Change("alpha", "a2", Action.UPDATE, "config", call="whole")
    n1 = Change("alpha", "a1", Action.UPDATE, "note", call="whole")
    s2 = Change("alpha", "a2", Action.UPDATE, "size", call="size")
    n2 = Change("alpha", "a2", Action.UPDATE, "note", call="whole")
    assert reconcile.steps([c1, s1, c2, n1, s2, n2]) == [[c1, n1], [s1], [c2, n2], [s2]]
    assert reconcile.steps([s1, s1]) == [[s1], [s1]]
    assert reconcile.steps([]) == []


def test_apply_runs_each_step_allowed_only_its_operations_and_reports_progress() -> None:
    Alpha.wants = [Want("a1", config="c2", note="n2", size=5), Want("a2")]
    Alpha.live = {"a1": Have("a1")}
    Gamma.wants = [Want("g1")]
    Gamma.live = {"g1": Have("g1", owned=False)}
    ctx = FakeContext()
    the_plan = reconcile.plan(ctx, reconcile.PlanOptions(adopt=True))
    told: list[tuple[str, str, str]] = []
    report = reconcile.execute(ctx, the_plan, progress=lambda c, stage: told.append((c.address, c.aspect, stage)))
    assert ctx.allowed
    assert CALLS[-4:] == [("size", "alpha", "a1", "5"), ("whole", "alpha", "a1"), ("create", "alpha", "a2"),
                          ("whole", "gamma", "g1")]
    assert ctx.steps == [(frozenset({"svc:SetSize"}), "alpha.a1 (size)"),
                         (frozenset({"svc:PutWhole"}), "alpha.a1 (config, note)"),
                         (frozenset({"svc:Create", "svc:TagResource"}), "alpha.a2 (resource)"),
                         (frozenset({"svc:PutWhole"}), "gamma.g1 (ownership)")]
    assert told == [("alpha.a1", "size", "start"), ("alpha.a1", "size", "done"),
                    ("alpha.a1", "config", "start"), ("alpha.a1", "note", "start"),
                    ("alpha.a1", "config", "done"), ("alpha.a1", "note", "done"),
                    ("alpha.a2", "resource", "start"), ("alpha.a2", "resource", "done"),
                    ("gamma.g1", "ownership", "start"), ("gamma.g1", "ownership", "done")]
    assert report.done == list(the_plan.changes)
    assert reconcile.execute(FakeContext(), Plan("dev", ACCOUNT, REGION, ())).done == []


def test_apply_skips_what_it_does_not_mutate() -> None:
    keep = Change("alpha", "a1", Action.KEEP, "resource")
    delete = Change("alpha", "a2", Action.DELETE, "resource", operations=("svc:Delete",), call="delete",
                    have=Have("a2"))
    report = reconcile.execute(FakeContext(), Plan("dev", ACCOUNT, REGION, (keep, delete), mode="destroy"))
    assert report.done == [delete] and CALLS == [("delete", "alpha", "a2")]


class Breaking(Alpha):
    kind = "breaking"
    needs = ("alpha",)

    def create(self, ctx: Any, want: Want) -> None:
        if want.name.startswith("x1"):
            raise client_error("LimitExceeded", "too many", "CreateThing")
        if want.name == "x2":
            raise ValueError("a bug")
        CALLS.append(("create", self.kind, want.name))

    def update_whole(self, ctx: Any, want: Want, have: Have) -> None:
        raise client_error("ValidationException", "bad body", "PutWhole")


@pytest.fixture
def breaking(monkeypatch: pytest.MonkeyPatch) -> Breaking:
    kind = Breaking()
    monkeypatch.setitem(reconcile.KINDS, "breaking", kind)
    return kind


def creating(*addresses: str) -> Plan:
    return Plan("dev", ACCOUNT, REGION, tuple(
        Change(a.split(".")[0], a.split(".")[1], Action.CREATE, operations=("svc:Create",), call="create",
               want=Want(a.split(".")[1])) for a in addresses))


def test_a_failed_step_says_what_was_applied_what_failed_and_what_was_not_started(breaking: Breaking) -> None:
    gamma = Change("gamma", "g1", Action.CREATE, operations=("svc:Create",), call="create", want=Want("g1"))
    the_plan = creating("alpha.a1", "breaking.x1", "breaking.x3")
    the_plan = replace(the_plan, changes=(*the_plan.changes, gamma,
                                          Change("breaking", "x1", Action.UPDATE, "size", call="size",
                                                 operations=("svc:SetSize",), want=Want("x1"), have=Have("x1"))))
    with pytest.raises(ApplyError) as info:
        reconcile.execute(FakeContext(), the_plan)
    assert str(info.value) == (
        "breaking.x1 (resource): CreateThing failed: LimitExceeded: too many -- applied 3 of 5 change(s): "
        "+ alpha.a1 (resource), + breaking.x3 (resource), + gamma.g1 (resource); failed: + breaking.x1 (resource); "
        "not started: ~ breaking.x1 (size); fix the cause and run the command again to finish")
    assert info.value.exit_code == 1
    assert isinstance(info.value.__cause__, AwsCallError)
    assert str(info.value.__cause__).startswith("breaking.x1 (resource): CreateThing failed")


def test_every_failure_and_every_step_not_started_is_listed(breaking: Breaking) -> None:
    def update(name: str) -> Change:
        return Change("breaking", name, Action.UPDATE, "size", call="size", operations=("svc:SetSize",),
                      want=Want(name), have=Have(name))

    the_plan = creating("breaking.x1", "breaking.x1b")
    the_plan = replace(the_plan, changes=(*the_plan.changes, update("x1"), update("x1b")))
    with pytest.raises(ApplyError) as info:
        reconcile.execute(FakeContext(), the_plan)
    assert str(info.value) == (
        "breaking.x1 (resource): CreateThing failed: LimitExceeded: too many | breaking.x1b (resource): CreateThing "
        "failed: LimitExceeded: too many -- applied 0 of 4 change(s); failed: + breaking.x1 (resource), "
        "+ breaking.x1b (resource); not started: ~ breaking.x1 (size), ~ breaking.x1b (size); fix the cause and run "
        "the command again to finish")


def test_a_failed_whole_resource_call_names_every_aspect_it_writes(breaking: Breaking) -> None:
    def whole(aspect: str) -> Change:
        return Change("breaking", "x5", Action.UPDATE, aspect, call="whole", operations=("svc:PutWhole",),
                      want=Want("x5"), have=Have("x5"))

    with pytest.raises(ApplyError) as info:
        reconcile.execute(FakeContext(), Plan("dev", ACCOUNT, REGION, (whole("config"), whole("note"))))
    assert str(info.value).startswith("breaking.x5 (config, note): PutWhole failed: ValidationException: bad body -- "
                                      "applied 0 of 2 change(s); failed: ~ breaking.x5 (config), ~ breaking.x5 (note);")


def test_a_replace_is_refused_unless_allowed(breaking: Breaking) -> None:
    replacing = Plan("dev", ACCOUNT, REGION, (Change("alpha", "a1", Action.REPLACE, operations=("svc:Delete",),
                                                     call="replace", want=Want("a1"), have=Have("a1")),))
    with pytest.raises(RefusedError, match=r"^alpha\.a1 must be replaced"):
        reconcile.execute(FakeContext(), replacing)
    assert CALLS == []
    reconcile.execute(FakeContext(), replacing, allow_replace=True)
    assert CALLS == [("delete", "alpha", "a1"), ("create", "alpha", "a1")]


def test_a_failure_with_nothing_applied_and_nothing_left_says_so(breaking: Breaking) -> None:
    with pytest.raises(ApplyError) as info:
        reconcile.execute(FakeContext(), creating("breaking.x1"))
    assert str(info.value) == ("breaking.x1 (resource): CreateThing failed: LimitExceeded: too many -- applied 0 of 1 "
                               "change(s); failed: + breaking.x1 (resource); fix the cause and run the command again "
                               "to finish")


def test_a_bug_in_a_step_is_raised_as_it_is(breaking: Breaking) -> None:
    with pytest.raises(ValueError, match="a bug"):
        reconcile.execute(FakeContext(), creating("alpha.a1", "breaking.x2"))


def test_a_stop_between_steps_or_ctrl_c_starts_nothing_more_and_says_so() -> None:
    the_plan = creating("alpha.a1", "alpha.a2")
    checks = {"n": 0}

    def lease() -> None:
        checks["n"] += 1
        if checks["n"] == 2:
            raise SeslError("the lease was lost")

    with pytest.raises(ApplyError) as info:
        reconcile.execute(FakeContext(), the_plan, between=lease)
    assert str(info.value) == ("the lease was lost -- applied 1 of 2 change(s): + alpha.a1 (resource); not started: "
                               "+ alpha.a2 (resource); fix the cause and run the command again to finish")
    assert str(info.value.__cause__) == "the lease was lost"
    assert info.value.exit_code == 1

    def interrupt() -> None:
        raise KeyboardInterrupt

    with pytest.raises(ApplyError) as stopped:
        reconcile.execute(FakeContext(), the_plan, between=interrupt)
    assert stopped.value.exit_code == 130
    assert str(stopped.value).startswith("interrupted: no step was started after Ctrl-C")
    assert stopped.value.__cause__ is None


def test_steps_run_in_parallel_up_to_the_limit_follow_the_needs() -> None:
    the_plan = creating("gamma.g1", "alpha.a1", "beta.b1", "alpha.a2")
    ctx = FakeContext()
    reconcile.execute(ctx, the_plan, parallelism=4)
    # beta needs alpha and gamma needs beta: the plan's order is kept where the needs say so
    order = [c[2] for c in CALLS]
    assert order.index("a1") < order.index("b1") and order.index("a2") < order.index("b1")
    assert sorted(order) == ["a1", "a2", "b1", "g1"]


def test_a_deletion_in_an_apply_waits_for_what_needs_its_kind() -> None:
    started: list[str] = []
    the_plan = Plan("dev", ACCOUNT, REGION, (
        Change("alpha", "a1", Action.DELETE, operations=("svc:Delete",), call="delete", have=Have("a1")),
        Change("beta", "b1", Action.DELETE, operations=("svc:Delete",), call="delete", have=Have("b1"))))
    deps: list[Any] = []
    original = reconcile.graph.dependencies

    def spy(*args: Any) -> Any:
        deps.append(args[2:])
        return original(*args)

    reconcile.graph.dependencies = spy  # type: ignore[assignment]
    try:
        reconcile.execute(FakeContext(), the_plan, progress=lambda c, s: started.append(f"{c.address} {s}"))
    finally:
        reconcile.graph.dependencies = original
    assert deps == [("apply", retired.LAST)]


# --- read-back ---------------------------------------------------------------------------------------------------
def test_read_back_says_why_it_reads_again_and_gives_up_naming_what_still_differs(
        monkeypatch: pytest.MonkeyPatch) -> None:
    notes: list[str] = []

    class Notes(ui.Reporter):
        def info(self, message: str) -> None:
            notes.append(message)

    monkeypatch.setattr(ui, "_current", [Notes()])
    stale = Change("alpha", "a1", Action.UPDATE, "size")
    monkeypatch.setattr(reconcile, "READ_BACK_WAITS", (0.5, 3.0))
    asked: list[tuple[Any, ...]] = []

    def still(*args: Any) -> list[Change]:
        asked.append(args)
        return [stale, stale]

    monkeypatch.setattr(reconcile, "_still_to_do", still)
    slept: list[float] = []
    ctx, options = FakeContext(), reconcile.PlanOptions(targets=("alpha",))
    with pytest.raises(ApplyError) as info:
        reconcile.read_back(ctx, options, "destroy", sleep=slept.append)
    assert asked == [(ctx, options, "destroy")] * 3
    assert str(info.value) == ("read-back after destroy still differs: ~ alpha.a1 (size), ~ alpha.a1 (size); run "
                               "`sesl diff` to see the details")
    assert slept == [0.5, 3.0]
    assert notes == [f"read-back still differs (~ alpha.a1 (size), ~ alpha.a1 (size)); AWS reads are eventually "
                     f"consistent: reading again in {d}s" for d in ("0.5", "3")]
    notes.clear()
    slept.clear()
    monkeypatch.setattr(reconcile, "_still_to_do", lambda ctx, options, mode: [])
    reconcile.read_back(FakeContext(), reconcile.PlanOptions(), "apply", sleep=slept.append)
    assert (notes, slept) == ([], [])


def test_still_to_do_is_a_new_plan_of_the_same_mode_without_what_destroy_keeps() -> None:
    Alpha.wants, Beta.wants = [Want("a1", size=2), Want("a2")], [Want("b1")]
    Alpha.live = {"a1": Have("a1")}
    Beta.live = {"b1": Have("b1")}
    Beta.holding = {"b1": "holds data"}
    Beta.wants.append(Want("b2", size=2))
    options = reconcile.PlanOptions(targets=("alpha",))
    assert [(c.address, c.action) for c in reconcile._still_to_do(FakeContext(), options, "apply")] == [
        ("alpha.a1", Action.UPDATE), ("alpha.a2", Action.CREATE)]
    assert [(c.address, c.action) for c in reconcile._still_to_do(FakeContext(), reconcile.PlanOptions(),
                                                                  "destroy")] == [("alpha.a1", Action.DELETE)]
    data = reconcile.PlanOptions(destroy=DestroyOptions(delete_data=True))
    assert [(c.address, c.action) for c in reconcile._still_to_do(FakeContext(), data, "destroy")] == [
        ("beta.b1", Action.DELETE), ("alpha.a1", Action.DELETE)]
