"""sesl.resources.base pinned: what a kind's declarations make of each change (the operations apply allows, the
function that runs it), the defaults every kind inherits, and the helpers kinds call (send, read_or_none)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import botocore.exceptions
import pytest

from sesl.errors import SeslError
from sesl.model import Action, Change, DestroyOptions, FieldChange
from sesl.resources.base import Aspect, Env, Kind, Request, create_requests, read_or_none, send
from sesl.spec import default_spec
from tests.conftest import ACCOUNT

CALLS: list[tuple[str, str]] = []
CTX: Any = object()  # the context apply hands on: each function checks it is given this one


def record(kind: Any, ctx: Any, call: str, name: str) -> None:
    assert isinstance(kind, Plain) and ctx is CTX
    CALLS.append((call, name))


@dataclass(frozen=True)
class Thing:
    name: str
    owned: bool = True


class Plain(Kind[Thing, Thing]):
    """Only what a kind must define: every default of Kind shows."""

    kind = "plain"

    def desired(self, env: Env) -> list[Thing]:
        return [Thing("p")]

    def read(self, ctx: Any, want: Thing) -> Thing | None:
        record(self, ctx, "read", want.name)
        return Thing(want.name) if want.name != "absent" else None

    def diff(self, have: Thing, want: Thing) -> list[Change]:
        return []

    def create(self, ctx: Any, want: Thing) -> None:
        record(self, ctx, "create", want.name)

    def delete(self, ctx: Any, have: Thing) -> None:
        record(self, ctx, "delete", have.name)


class Declared(Plain):
    kind = "declared"

    def update_size(self, ctx: Any, want: Thing, have: Thing) -> None:
        record(self, ctx, "size", f"{want.name}<{have.name}")

    def update_tags(self, ctx: Any, want: Thing, have: Thing) -> None:
        record(self, ctx, "tags", f"{want.name}<{have.name}")

    def update_whole(self, ctx: Any, want: Thing, have: Thing) -> None:
        record(self, ctx, "whole", f"{want.name}<{have.name}")

    ASPECTS = (
        Aspect[Thing, Thing]("size", ("svc:SetSize", "svc:Check"), update_size),
        Aspect("tags", ("svc:Tag", "svc:Untag"), update_tags),
        Aspect("config", ("svc:Ignored",)),  # written whole: its own operations are not the ones called
        Aspect("mode", ("svc:SetMode",), refuse="cannot change the mode: recreate it"),
    )
    CREATE = ("svc:Create", "svc:Tag")
    DELETE = ("svc:Delete", "svc:Tag")
    WHOLE = ("svc:PutWhole",)


class NoAdoptAspect(Declared):
    kind = "noadopt"
    ADOPT_ASPECT = ""


class AdoptSize(Declared):
    kind = "adoptsize"
    ADOPT_ASPECT = "size"


class AdoptWhole(Declared):
    kind = "adoptwhole"
    ADOPT_ASPECT = "config"


@pytest.fixture(autouse=True)
def _calls() -> None:
    CALLS.clear()


def test_an_aspect_is_written_whole_only_without_its_own_update_and_when_aws_can_change_it() -> None:
    def update(kind: Any, ctx: Any, want: Any, have: Any) -> None:
        return None

    assert Aspect("a").whole is True
    assert Aspect("a", ("x:Y",)).whole is True
    assert Aspect("a", update=update).whole is False
    assert Aspect("a", refuse="no").whole is False
    assert Aspect("a", update=update, refuse="no").whole is False
    declared = Aspect("a")
    assert (declared.operations, declared.update, declared.fold, declared.refuse, declared.also_writes) == (
        (), None, None, "", ())


def test_the_operations_of_each_action_are_the_declared_ones() -> None:
    assert Declared.operations(Action.CREATE, "resource") == ("svc:Create", "svc:Tag")
    assert Declared.operations(Action.DELETE, "resource") == ("svc:Delete", "svc:Tag")
    assert Declared.operations(Action.REPLACE, "resource") == ("svc:Delete", "svc:Tag", "svc:Create")
    assert Declared.operations(Action.UPDATE, "size") == ("svc:SetSize", "svc:Check")
    assert Declared.operations(Action.UPDATE, "config") == ("svc:PutWhole",)
    assert Declared.operations(Action.UPDATE, "mode") == ("svc:SetMode",)
    assert Declared.operations(Action.ADOPT, "ownership") == ("svc:Tag", "svc:Untag")  # the tags aspect's
    assert AdoptSize.operations(Action.ADOPT, "ownership") == ("svc:SetSize", "svc:Check")
    assert NoAdoptAspect.operations(Action.ADOPT, "ownership") == ("svc:PutWhole",)
    # adopt() writes an adopt aspect without its own update by the whole-resource call: its operations are allowed
    assert AdoptWhole.operations(Action.ADOPT, "ownership") == ("svc:PutWhole",)
    for action in (Action.KEEP, Action.CONFLICT, Action.REFUSE):
        assert Declared.operations(action, "size") == ()


def test_an_aspect_a_kind_does_not_declare_is_an_error_naming_both() -> None:
    assert Declared.aspect("tags").operations == ("svc:Tag", "svc:Untag")
    assert Declared.aspect("mode").refuse == "cannot change the mode: recreate it"
    with pytest.raises(SeslError) as info:
        Declared.aspect("colour")
    assert str(info.value) == "declared: aspect 'colour' is not declared"
    with pytest.raises(SeslError, match=r"^plain: aspect 'tags' is not declared$"):
        Plain.aspect("tags")


def change(kind: str, action: Action, aspect: str = "resource") -> Change:
    return Change(kind, "t", action, aspect, want=Thing("want"), have=Thing("have"))


@pytest.mark.parametrize(("action", "aspect", "calls"), [
    (Action.CREATE, "resource", [("create", "want")]),
    (Action.DELETE, "resource", [("delete", "have")]),
    (Action.REPLACE, "resource", [("delete", "have"), ("create", "want")]),
    (Action.ADOPT, "ownership", [("tags", "want<have")]),
    (Action.UPDATE, "size", [("size", "want<have")]),
    (Action.UPDATE, "tags", [("tags", "want<have")]),
    (Action.UPDATE, "config", [("whole", "want<have")]),
    (Action.KEEP, "resource", []),
    (Action.CONFLICT, "ownership", []),
    (Action.REFUSE, "mode", []),
])
def test_apply_runs_the_function_the_declarations_name(action: Action, aspect: str,
                                                       calls: list[tuple[str, str]]) -> None:
    Declared().apply(CTX, change("declared", action, aspect))
    assert calls == CALLS


def test_an_update_aws_cannot_make_in_place_is_refused_if_it_ever_reaches_apply() -> None:
    with pytest.raises(SeslError) as info:
        Declared().apply(CTX, change("declared", Action.UPDATE, "mode"))
    assert str(info.value) == "declared.t (mode): cannot change the mode: recreate it"
    assert CALLS == []


def test_adopting_writes_the_adopt_aspect_or_the_whole_resource() -> None:
    AdoptSize().adopt(CTX, Thing("w"), Thing("h"))
    NoAdoptAspect().adopt(CTX, Thing("w"), Thing("h"))
    AdoptWhole().adopt(CTX, Thing("w"), Thing("h"))
    assert CALLS == [("size", "w<h"), ("whole", "w<h"), ("whole", "w<h")]


def test_a_kind_without_a_whole_resource_call_says_so() -> None:
    with pytest.raises(SeslError) as info:
        Plain().update_whole(None, Thing("w"), Thing("h"))  # type: ignore[arg-type]
    assert str(info.value) == "plain: no whole-resource update is declared"


def test_the_defaults_every_kind_inherits() -> None:
    kind = Plain()
    env = Env(default_spec("dev"), default_spec("dev").names_for("us-west-2", ACCOUNT))
    assert kind.validate(env, Thing("p")) == []
    assert kind.requests(Thing("p")) == []
    assert kind.warnings(env, Thing("p")) == []
    assert kind.observed_warnings(None, Thing("p"), None) == []  # type: ignore[arg-type]
    assert kind.keep_reason(None, Thing("p"), DestroyOptions()) is None  # type: ignore[arg-type]
    assert kind.create_fields(Thing("p")) == ()
    assert (Plain.needs, Plain.ASPECTS, Plain.CREATE, Plain.DELETE, Plain.WHOLE, Plain.ADOPT_ASPECT) == (
        (), (), (), (), (), "tags")
    assert Plain.ownership == "tags sesl:managed-by=sesl and sesl:env=<env>"


def test_read_many_reads_each_in_order_and_only_an_override_makes_a_kind_read_in_batches() -> None:
    kind = Plain()
    assert kind.read_many(CTX, [Thing("a"), Thing("absent"), Thing("b")]) == [Thing("a"), None, Thing("b")]
    assert CALLS == [("read", "a"), ("read", "absent"), ("read", "b")]
    assert kind.reads_in_batches is False

    class Batched(Plain):
        def read_many(self, ctx: Any, wants: Sequence[Thing]) -> list[Thing | None]:
            return []

    assert Batched().reads_in_batches is True


def test_change_is_one_change_of_the_aspect_or_none_when_nothing_differs() -> None:
    kind = Declared()
    want, have = Thing("w"), Thing("h")
    assert kind.change(want, have, "size", []) == []
    fields = [FieldChange("Size", 1, 2), FieldChange("Other", "a", "b")]
    (made,) = kind.change(want, have, "size", fields)
    assert made == Change("declared", "w", Action.UPDATE, "size", tuple(fields), "")
    assert (made.want, made.have) == (want, have)
    (refused,) = kind.change(want, have, "mode", fields[:1], Action.REPLACE, "it moved")
    assert (refused.action, refused.reason, refused.fields) == (Action.REPLACE, "it moved", tuple(fields[:1]))


# --- helpers for kinds ------------------------------------------------------------------------------------------
class Client:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def create_vpc_endpoint(self, **params: Any) -> str:
        self.sent.append(("create_vpc_endpoint", params))
        return "answer"

    def put_bucket_policy(self, **params: Any) -> str:
        self.sent.append(("put_bucket_policy", params))
        return "ok"


def test_send_calls_the_client_method_of_the_api_name_with_exactly_the_parameters() -> None:
    client = Client()
    assert send(client, Request("ec2", "CreateVpcEndpoint", {"VpcId": "vpc-1", "ServiceName": "s"})) == "answer"
    assert send(client, Request("s3", "PutBucketPolicy", {})) == "ok"
    assert client.sent == [("create_vpc_endpoint", {"VpcId": "vpc-1", "ServiceName": "s"}), ("put_bucket_policy", {})]


def test_create_requests_are_the_create_stage_ones_in_order() -> None:
    first, update, second = (Request("s", "A", {}), Request("s", "B", {}, "update"), Request("s", "C", {}, "create"))
    assert create_requests([first, update, second]) == [first, second]
    assert Request("s", "A", {}).stage == "create"


def test_read_or_none_is_none_only_for_the_codes_that_say_absent() -> None:
    def failing(code: str) -> Any:
        def call() -> None:
            raise botocore.exceptions.ClientError({"Error": {"Code": code, "Message": "m"}}, "GetThing")
        return call

    assert read_or_none(lambda: {"Thing": 1}, "NoSuchThing") == {"Thing": 1}
    assert read_or_none(failing("NoSuchThing"), "NoSuchThing") is None
    assert read_or_none(failing("NotFound"), "NoSuchThing", "NotFound") is None
    with pytest.raises(botocore.exceptions.ClientError):
        read_or_none(failing("AccessDenied"), "NoSuchThing", "NotFound")
    with pytest.raises(botocore.exceptions.ClientError):
        read_or_none(failing("NoSuchThing"))
