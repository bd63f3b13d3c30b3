"""sesl.resources.vpc_endpoint pinned against a recording EC2 client (no moto): the exact requests each change
sends (CreateVpcEndpoint, ModifyVpcEndpoint's Add/Remove members, ResetPolicy for a gateway's default policy,
CreateTags, DeleteVpcEndpoints), how DescribeVpcEndpoints answers are read (the filters, the states that are
gone, LastError), the waits for `pending` and for deletion, and every message's key facts."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import botocore.exceptions
import pytest

from sesl.diff import normalize_policy
from sesl.errors import AwsCallError
from sesl.model import Action, FieldChange
from sesl.naming import Names
from sesl.resources import vpc_endpoint
from sesl.resources.base import Env
from sesl.resources.vpc_endpoint import (
    DEFAULT_POLICY,
    EndpointSpec,
    EndpointState,
    VpcEndpointKind,
    gateway_policy,
)
from sesl.spec import VpcSettings, default_spec
from tests.conftest import ACCOUNT

REGION = "us-west-2"
VPC = "vpc-0123abcd"
KIND = VpcEndpointKind()
NAMES = Names("dev", REGION, ACCOUNT)
OWNED = {"sesl:env": "dev", "sesl:managed-by": "sesl"}
S3 = f"com.amazonaws.{REGION}.s3"
GLUE = f"com.amazonaws.{REGION}.glue"


def client_error(code: str, message: str = "m", operation: str = "Op") -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, operation)


class Ec2:
    """Records every call; DescribeVpcEndpoints answers from `answers` (a list per call, or an error)."""

    def __init__(self, *answers: Any, subnets: Any = None, created: str = "vpce-new",
                 unsuccessful: list[dict[str, Any]] | None = None) -> None:
        self.answers = list(answers)
        self.subnets = subnets
        self.created = created
        self.unsuccessful = unsuccessful or []
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def get_paginator(self, name: str) -> Ec2:
        assert name == "describe_vpc_endpoints"
        return self

    def paginate(self, **params: Any) -> list[dict[str, Any]]:
        self.calls.append(("describe_vpc_endpoints", params))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return [{"VpcEndpoints": answer[:1]}, {}, {"VpcEndpoints": answer[1:]}]  # three pages, one without the key

    def describe_subnets(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("describe_subnets", params))
        if isinstance(self.subnets, Exception):
            raise self.subnets
        return {"Subnets": self.subnets} if self.subnets is not None else {}

    def create_vpc_endpoint(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("create_vpc_endpoint", params))
        if isinstance(self.created, Exception):
            raise self.created
        return {"VpcEndpoint": {"VpcEndpointId": self.created, "State": "pending"}}

    def modify_vpc_endpoint(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("modify_vpc_endpoint", params))
        return {"Return": True}

    def create_tags(self, **params: Any) -> None:
        self.calls.append(("create_tags", params))

    def delete_vpc_endpoints(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("delete_vpc_endpoints", params))
        return {"Unsuccessful": self.unsuccessful} if self.unsuccessful else {}

    def writes(self) -> list[tuple[str, dict[str, Any]]]:
        return [c for c in self.calls if not c[0].startswith("describe")]


class Ctx:
    def __init__(self, ec2: Ec2, interface_endpoints: tuple[str, ...] = ("firehose", "glue"), env: str = "dev") -> None:
        self.ec2 = ec2
        self.spec = replace(default_spec(env), vpc=VpcSettings(id=VPC, interface_endpoints=list(interface_endpoints)))

    def client(self, service: str) -> Ec2:
        assert service == "ec2"
        return self.ec2


SLEPT: list[float] = []


@pytest.fixture(autouse=True)
def _waits(monkeypatch: pytest.MonkeyPatch) -> None:
    SLEPT.clear()
    monkeypatch.setattr(vpc_endpoint, "WAITS", (1.0, 2.5))
    monkeypatch.setattr(vpc_endpoint, "SLEEP", SLEPT.append)


def gateway(**changed: Any) -> EndpointSpec:
    want = EndpointSpec("s3", VPC, S3, "Gateway", ("rtb-1", "rtb-2"), (), (), False, gateway_policy(NAMES), OWNED)
    return replace(want, **changed)


def interface(**changed: Any) -> EndpointSpec:
    want = EndpointSpec("glue", VPC, GLUE, "Interface", (), ("subnet-1", "subnet-2"), ("sg-1",), True, DEFAULT_POLICY,
                        OWNED)
    return replace(want, **changed)


def state(want: EndpointSpec, **changed: Any) -> EndpointState:
    have = EndpointState(want.name, True, "vpce-1", want.vpc_id, want.service, want.type, "available",
                         want.route_table_ids, want.subnet_ids, want.security_group_ids, want.private_dns,
                         dict(want.policy), dict(want.tags))
    return replace(have, **changed)


def answer(endpoint_id: str = "vpce-1", **fields: Any) -> dict[str, Any]:
    return {"VpcEndpointId": endpoint_id, "VpcId": VPC, "ServiceName": S3, "State": "available", **fields}


# --- the policy and the desired endpoints ------------------------------------------------------------------------
def test_the_scoped_gateway_policy_is_one_statement_for_both_buckets_and_every_action_sorted() -> None:
    assert gateway_policy(NAMES) == {"Version": "2012-10-17", "Statement": [{
        "Sid": "SeslEnvBuckets", "Effect": "Allow", "Principal": "*",
        "Action": sorted(vpc_endpoint.S3_BUCKET_ACTIONS + vpc_endpoint.S3_OBJECT_ACTIONS),
        "Resource": ["arn:aws:s3:::daily-system-design-email-events-dev",
                     "arn:aws:s3:::daily-system-design-email-events-dev/*",
                     "arn:aws:s3:::daily-system-design-athena-results-dev",
                     "arn:aws:s3:::daily-system-design-athena-results-dev/*"]}]}
    assert len(gateway_policy(NAMES)["Statement"][0]["Action"]) == 24


def env_with(**vpc: Any) -> Env:
    settings = VpcSettings(**{"id": VPC, "route_table_ids": ["rtb-2", "rtb-1"], "subnet_ids": ["subnet-2", "subnet-1"],
                              "security_group_ids": ["sg-2", "sg-1"], **vpc})
    return Env(replace(default_spec("dev"), vpc=settings, tags={"team": "data"}), NAMES)


def test_desired_is_the_gateway_then_the_listed_interface_endpoints_in_sesl_s_order() -> None:
    tags = {"team": "data", **OWNED}
    wants = KIND.desired(env_with(interface_endpoints=["glue", "firehose"]))
    assert wants == [
        EndpointSpec("s3", VPC, S3, "Gateway", ("rtb-1", "rtb-2"), (), (), False, gateway_policy(NAMES), tags),
        EndpointSpec("firehose", VPC, f"com.amazonaws.{REGION}.kinesis-firehose", "Interface", (),
                     ("subnet-1", "subnet-2"), ("sg-1", "sg-2"), True, DEFAULT_POLICY, tags),
        EndpointSpec("glue", VPC, GLUE, "Interface", (), ("subnet-1", "subnet-2"), ("sg-1", "sg-2"), True,
                     DEFAULT_POLICY, tags)]
    (full,) = KIND.desired(env_with(s3_gateway="full-access"))
    assert (full.name, full.policy) == ("s3", DEFAULT_POLICY)
    (athena,) = KIND.desired(env_with(s3_gateway="none", interface_endpoints=["athena"], private_dns=False))
    assert (athena.name, athena.type, athena.private_dns) == ("athena", "Interface", False)
    assert KIND.desired(env_with(id=None, interface_endpoints=["glue"])) == []
    assert KIND.desired(env_with(id="", interface_endpoints=["glue"])) == []


def test_only_a_scoped_gateway_warns_and_names_its_route_tables() -> None:
    env = env_with()
    assert KIND.warnings(env, gateway()) == [
        "the S3 gateway endpoint lets through only this env's two buckets: any other S3 request from subnets using "
        "route tables rtb-1, rtb-2 is denied (package repositories, ECR image layers, other teams' buckets); set "
        "vpc.s3_gateway = \"full-access\" or \"none\" if anything else there uses S3 (docs/security.md)"]
    assert KIND.warnings(env, gateway(policy=DEFAULT_POLICY)) == []
    assert KIND.warnings(env, interface(policy=gateway_policy(NAMES))) == []


# --- reading ---------------------------------------------------------------------------------------------------
def test_reading_an_answer_takes_every_field_sorted_with_aws_s_defaults() -> None:
    have = vpc_endpoint._state("glue", {
        "VpcEndpointId": "vpce-9", "VpcId": VPC, "ServiceName": GLUE, "VpcEndpointType": "Interface",
        "State": "Available", "RouteTableIds": ["rtb-2", "rtb-1"], "SubnetIds": ["subnet-2", "subnet-1"],
        "Groups": [{"GroupId": "sg-2", "GroupName": "b"}, {"GroupId": "sg-1", "GroupName": "a"}],
        "PrivateDnsEnabled": True, "PolicyDocument": json.dumps(DEFAULT_POLICY),
        "Tags": [{"Key": "sesl:managed-by", "Value": "sesl"}, {"Key": "sesl:env", "Value": "dev"}],
        "LastError": {"Code": "Boom", "Message": "it broke"}}, "dev")
    assert have == EndpointState("glue", True, "vpce-9", VPC, GLUE, "Interface", "available", ("rtb-1", "rtb-2"),
                                 ("subnet-1", "subnet-2"), ("sg-1", "sg-2"), True, DEFAULT_POLICY, OWNED,
                                 "Boom: it broke")
    bare = vpc_endpoint._state("s3", {"VpcEndpointId": "vpce-8", "VpcId": VPC, "ServiceName": S3,
                                      "PolicyDocument": ""}, "staging")
    assert bare == EndpointState("s3", False, "vpce-8", VPC, S3, "Gateway", "", (), (), (), False, None, {}, "")
    assert vpc_endpoint._state("s3", answer(Tags=[{"Key": "sesl:managed-by", "Value": "sesl"},
                                                  {"Key": "sesl:env", "Value": "dev"}]), "staging").owned is False


def test_last_error_is_code_and_message_with_placeholders() -> None:
    assert vpc_endpoint._last_error({}) == ""
    assert vpc_endpoint._last_error({"LastError": None}) == ""
    assert vpc_endpoint._last_error({"LastError": {}}) == ""
    assert vpc_endpoint._last_error({"LastError": {"Message": "m"}}) == "?: m"
    assert vpc_endpoint._last_error({"LastError": {"Code": "C"}}) == "C: "


def test_deleting_deleted_rejected_and_expired_endpoints_are_gone_in_either_case() -> None:
    endpoints = [{"VpcEndpointId": f"vpce-{s}", "State": s} for s in (
        "pending", "Available", "failed", "deleting", "Deleted", "rejected", "EXPIRED", "pendingAcceptance")]
    endpoints.append({"VpcEndpointId": "vpce-none"})
    assert [e["VpcEndpointId"] for e in vpc_endpoint._live(endpoints)] == [
        "vpce-pending", "vpce-Available", "vpce-failed", "vpce-pendingAcceptance", "vpce-none"]


def test_read_finds_sesl_s_endpoint_by_service_and_tags_in_any_vpc() -> None:
    ec2 = Ec2([answer("vpce-2", Tags=[{"Key": k, "Value": v} for k, v in OWNED.items()]),
               answer("vpce-gone", State="deleted"),
               answer("vpce-1", Tags=[{"Key": k, "Value": v} for k, v in OWNED.items()])])
    have = KIND.read(Ctx(ec2), gateway())  # type: ignore[arg-type]
    assert ec2.calls == [("describe_vpc_endpoints", {"Filters": [
        {"Name": "service-name", "Values": [S3]}, {"Name": "tag:sesl:managed-by", "Values": ["sesl"]},
        {"Name": "tag:sesl:env", "Values": ["dev"]}]})]
    assert have is not None
    assert (have.id, have.owned, have.extra_ids, have.name) == ("vpce-1", True, ("vpce-2",), "s3")


def test_without_sesl_s_endpoint_read_looks_for_one_of_the_service_and_type_in_the_vpc() -> None:
    ec2 = Ec2([], [answer("vpce-b", ServiceName=GLUE, VpcEndpointType="Interface"),
                   answer("vpce-a", ServiceName=GLUE, VpcEndpointType="Interface")])
    have = KIND.read(Ctx(ec2), interface())  # type: ignore[arg-type]
    assert ec2.calls[1] == ("describe_vpc_endpoints", {"Filters": [
        {"Name": "vpc-id", "Values": [VPC]}, {"Name": "service-name", "Values": [GLUE]},
        {"Name": "vpc-endpoint-type", "Values": ["Interface"]}]})
    assert have is not None
    assert (have.id, have.owned, have.extra_ids) == ("vpce-a", False, ())  # not sesl's: no others are named
    assert KIND.read(Ctx(Ec2([], [answer(State="deleting")])), interface()) is None  # type: ignore[arg-type]


# --- warnings from the live state -----------------------------------------------------------------------------------
def test_other_endpoints_with_sesl_s_tags_are_named() -> None:
    have = state(gateway(), extra_ids=("vpce-2", "vpce-3"))
    assert KIND.observed_warnings(Ctx(Ec2()), gateway(), have) == [  # type: ignore[arg-type]
        "vpce-2, vpce-3 also carry sesl's tags for this env; sesl manages vpce-1 only: delete the others (aws ec2 "
        "delete-vpc-endpoints)"]
    assert KIND.observed_warnings(Ctx(Ec2()), gateway(), state(gateway())) == []  # type: ignore[arg-type]
    assert KIND.observed_warnings(Ctx(Ec2()), gateway(), None) == []  # type: ignore[arg-type]


def test_an_endpoint_of_another_env_is_named_only_when_it_carries_sesl_s_owner_tag() -> None:
    staging = state(gateway(), owned=False, tags={"sesl:env": "staging", "sesl:managed-by": "sesl"})
    assert KIND.observed_warnings(Ctx(Ec2()), gateway(), staging) == [  # type: ignore[arg-type]
        f"vpce-1 in {VPC} is sesl's endpoint of env staging: two envs in one VPC cannot both have a {S3} endpoint "
        "there; do not --adopt it, leave it out of one env's vpc settings instead"]
    for tags in ({"sesl:env": "staging"}, {"sesl:env": "staging", "sesl:managed-by": "other"},
                 {"sesl:managed-by": "sesl"}, {}):
        foreign = state(gateway(), owned=False, tags=tags)
        assert KIND.observed_warnings(Ctx(Ec2()), gateway(), foreign) == [], tags  # type: ignore[arg-type]


def test_the_subnets_are_checked_once_per_plan_for_the_first_interface_endpoint() -> None:
    subnets = [{"SubnetId": "subnet-1", "VpcId": VPC, "AvailabilityZone": "us-west-2a"},
               {"SubnetId": "subnet-3", "VpcId": VPC, "AvailabilityZone": "us-west-2a"},
               {"SubnetId": "subnet-4", "VpcId": "vpc-other", "AvailabilityZone": "us-west-2b"},
               {"SubnetId": "subnet-2", "VpcId": "vpc-other", "AvailabilityZone": "us-west-2b"},
               {"SubnetId": "subnet-5", "VpcId": VPC, "AvailabilityZone": "us-west-2c"}]
    ec2 = Ec2(subnets=subnets)
    want = interface(subnet_ids=("subnet-1", "subnet-2", "subnet-3", "subnet-4", "subnet-5"))
    assert KIND.observed_warnings(Ctx(ec2, ("glue", "firehose")), want, None) == [  # type: ignore[arg-type]
        f"vpc.subnet_ids: subnet-2, subnet-4 not in {VPC}; apply would fail: list subnets of vpc.id",
        "vpc.subnet_ids: subnet-1, subnet-3 are all in us-west-2a; an interface endpoint takes at most one subnet per "
        "Availability Zone, so apply would fail: keep one of them",
        "vpc.subnet_ids: subnet-2, subnet-4 are all in us-west-2b; an interface endpoint takes at most one subnet per "
        "Availability Zone, so apply would fail: keep one of them"]
    assert ec2.calls == [("describe_subnets", {"SubnetIds": ["subnet-1", "subnet-2", "subnet-3", "subnet-4",
                                                             "subnet-5"]})]
    ec2.calls.clear()
    assert KIND.observed_warnings(Ctx(ec2, ("firehose", "glue")), want, None) == []  # type: ignore[arg-type]
    assert KIND.observed_warnings(Ctx(ec2, ()), want, None) == []  # type: ignore[arg-type]
    assert KIND.observed_warnings(Ctx(ec2, ("glue",)), gateway(name="glue"), None) == []  # type: ignore[arg-type]
    assert ec2.calls == []
    assert KIND.observed_warnings(Ctx(Ec2(subnets=[]), ("glue",)), want, None) == []  # type: ignore[arg-type]
    assert KIND.observed_warnings(Ctx(Ec2(), ("glue",)), want, None) == []  # type: ignore[arg-type]


def test_the_subnet_warnings_come_after_the_endpoint_s_own() -> None:
    ec2 = Ec2(subnets=[{"SubnetId": "subnet-1", "VpcId": "vpc-other", "AvailabilityZone": "us-west-2a"}])
    warnings = KIND.observed_warnings(Ctx(ec2, ("glue",)), interface(),  # type: ignore[arg-type]
                                      state(interface(), extra_ids=("vpce-2",)))
    assert [w.split(" ", 1)[0] for w in warnings] == ["vpce-2", "vpc.subnet_ids:"]


def test_a_subnet_that_does_not_exist_is_a_warning_and_any_other_error_is_raised() -> None:
    missing = Ec2(subnets=client_error("InvalidSubnetID.NotFound", "The subnet ID 'subnet-9' does not exist"))
    assert KIND.observed_warnings(Ctx(missing, ("glue",)), interface(), None) == [  # type: ignore[arg-type]
        f"vpc.subnet_ids: The subnet ID 'subnet-9' does not exist; apply would fail: list subnets of {VPC}"]
    denied = Ec2(subnets=client_error("UnauthorizedOperation"))
    with pytest.raises(botocore.exceptions.ClientError):
        KIND.observed_warnings(Ctx(denied, ("glue",)), interface(), None)  # type: ignore[arg-type]


# --- diffing -----------------------------------------------------------------------------------------------------
def test_create_fields_are_the_service_the_type_the_vpc_and_where_it_goes() -> None:
    assert KIND.create_fields(gateway()) == (
        FieldChange("ServiceName", None, S3), FieldChange("VpcEndpointType", None, "Gateway"),
        FieldChange("VpcId", None, VPC), FieldChange("RouteTableIds", None, ["rtb-1", "rtb-2"]))
    assert KIND.create_fields(interface()) == (
        FieldChange("ServiceName", None, GLUE), FieldChange("VpcEndpointType", None, "Interface"),
        FieldChange("VpcId", None, VPC), FieldChange("SubnetIds", None, ["subnet-1", "subnet-2"]),
        FieldChange("SecurityGroupIds", None, ["sg-1"]), FieldChange("PrivateDnsEnabled", None, True))


def test_a_failed_endpoint_is_replaced_whatever_else_differs() -> None:
    want = interface()
    (change,) = KIND.diff(state(want, state="failed", vpc_id="vpc-other"), want)
    assert (change.action, change.aspect, change.fields) == (
        Action.REPLACE, "failed", (FieldChange("State", "failed", "available"),))
    assert change.reason == ("the endpoint failed (no LastError) and carries no traffic: it is deleted and created "
                             "again")
    assert change.address == "vpc_endpoint.glue"


def test_a_changed_type_or_vpc_is_one_replace_listing_both() -> None:
    want = interface()
    (change,) = KIND.diff(state(want, vpc_id="vpc-other", type="Gateway"), want)
    assert (change.action, change.aspect) == (Action.REPLACE, "resource")
    assert change.fields == (FieldChange("VpcId", ["vpc-other"], [VPC]),
                             FieldChange("VpcEndpointType", ["Gateway"], ["Interface"]))
    assert change.reason == ("an endpoint cannot move to another VPC or change its type (ModifyVpcEndpoint has "
                             "neither): it is deleted and created again")
    assert (change.address, change.want, change.have) == ("vpc_endpoint.glue", want, state(want, vpc_id="vpc-other",
                                                                                               type="Gateway"))
    (typed,) = KIND.diff(state(want, type="Gateway"), want)
    assert typed.fields == (FieldChange("VpcEndpointType", ["Gateway"], ["Interface"]),)


def test_each_aspect_differs_only_for_the_endpoint_type_that_has_it() -> None:
    want = interface()
    drifted = state(want, route_table_ids=("rtb-9",), subnet_ids=("subnet-1",), security_group_ids=("sg-1", "sg-2"),
                    private_dns=False, policy=gateway_policy(NAMES), tags={"sesl:env": "dev"})
    assert [(c.aspect, c.action, c.fields) for c in KIND.diff(drifted, want)] == [
        ("subnets", Action.UPDATE, (FieldChange("SubnetIds", ["subnet-1"], ["subnet-1", "subnet-2"]),)),
        ("security_groups", Action.UPDATE, (FieldChange("SecurityGroupIds", ["sg-1", "sg-2"], ["sg-1"]),)),
        ("private_dns", Action.UPDATE, (FieldChange("PrivateDnsEnabled", False, True),)),
        ("policy", Action.UPDATE, (FieldChange("PolicyDocument", normalize_policy(gateway_policy(NAMES)),
                                               normalize_policy(DEFAULT_POLICY)),)),
        ("tags", Action.UPDATE, (FieldChange("tags.sesl:managed-by", None, "sesl"),))]
    # what apply writes each change with: the desired and the observed endpoint
    assert all((c.address, c.want, c.have) == ("vpc_endpoint.glue", want, drifted) for c in KIND.diff(drifted, want))
    want = gateway()
    drifted = state(want, route_table_ids=("rtb-9",), subnet_ids=("subnet-1",), security_group_ids=("sg-1",),
                    private_dns=True)
    assert [(c.aspect, c.fields) for c in KIND.diff(drifted, want)] == [
        ("route_tables", (FieldChange("RouteTableIds", ["rtb-9"], ["rtb-1", "rtb-2"]),))]
    assert KIND.diff(state(want, policy=None), replace(want, policy=DEFAULT_POLICY)) == []


def test_listed_and_added_removed_compare_as_sets_and_sort() -> None:
    assert vpc_endpoint._listed(["b", "a"], ["a", "b"], "P") == []
    assert vpc_endpoint._listed(["b"], ["c", "a"], "P") == [FieldChange("P", ["b"], ["a", "c"])]
    assert vpc_endpoint._added_removed(["a", "d", "b"], ["c", "b", "e"], "Add", "Remove") == {
        "Add": ["c", "e"], "Remove": ["a", "d"]}
    assert vpc_endpoint._added_removed(["a"], ["a", "b"], "Add", "Remove") == {"Add": ["b"]}
    assert vpc_endpoint._added_removed(["a", "b"], ["a"], "Add", "Remove") == {"Remove": ["b"]}


# --- writing ------------------------------------------------------------------------------------------------------
def test_the_requests_are_exactly_what_create_and_modify_send() -> None:
    tags = [{"Key": "sesl:env", "Value": "dev"}, {"Key": "sesl:managed-by", "Value": "sesl"}]
    create, modify = KIND.requests(gateway())
    assert (create.service, create.operation, create.stage) == ("ec2", "CreateVpcEndpoint", "create")
    assert create.params == {"VpcId": VPC, "ServiceName": S3, "VpcEndpointType": "Gateway",
                             "TagSpecifications": [{"ResourceType": "vpc-endpoint", "Tags": tags}],
                             "RouteTableIds": ["rtb-1", "rtb-2"], "PolicyDocument": json.dumps(gateway_policy(NAMES))}
    assert (modify.service, modify.operation, modify.stage) == ("ec2", "ModifyVpcEndpoint", "update")
    assert modify.params == {"VpcEndpointId": "vpce-0123456789abcdef0",
                             "PolicyDocument": json.dumps(gateway_policy(NAMES)),
                             "AddRouteTableIds": ["rtb-1", "rtb-2"], "RemoveRouteTableIds": ["rtb-1", "rtb-2"]}
    create, modify = KIND.requests(interface())
    assert create.params == {"VpcId": VPC, "ServiceName": GLUE, "VpcEndpointType": "Interface",
                             "TagSpecifications": [{"ResourceType": "vpc-endpoint", "Tags": tags}],
                             "SubnetIds": ["subnet-1", "subnet-2"], "SecurityGroupIds": ["sg-1"],
                             "PrivateDnsEnabled": True}  # no policy: AWS attaches its full-access default
    assert modify.params == {"VpcEndpointId": "vpce-0123456789abcdef0", "PolicyDocument": json.dumps(DEFAULT_POLICY),
                             "AddSubnetIds": ["subnet-1", "subnet-2"], "AddSecurityGroupIds": ["sg-1"],
                             "PrivateDnsEnabled": True}


def test_create_sends_the_request_with_a_fresh_token_and_waits_for_pending_to_end(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vpc_endpoint.uuid, "uuid4", lambda: "token-1")
    ec2 = Ec2([answer("vpce-new", State="pending")], [answer("vpce-new", State="available")])
    KIND.create(Ctx(ec2), interface())  # type: ignore[arg-type]
    (create,) = ec2.writes()
    assert create == ("create_vpc_endpoint", {**KIND.requests(interface())[0].params, "ClientToken": "token-1"})
    assert ec2.calls[1:] == [("describe_vpc_endpoints", {"VpcEndpointIds": ["vpce-new"]})] * 2
    assert SLEPT == [0.0, 1.0]


@pytest.mark.parametrize(("code", "message", "way_out"), [
    ("RouteAlreadyExists", "route table rtb-1 already has a route with destination-prefix-list-id pl-1",
     "; AWS allows one gateway endpoint per service per route table: drop that route table from "
     "vpc.route_table_ids, or set vpc.s3_gateway = \"none\" to keep the endpoint already there"),
    ("InvalidParameter", "Private-DNS-Enabled cannot be set because there is already a conflicting DNS domain",
     f"; the VPC already has an endpoint with private DNS for {GLUE} (one per service per VPC): set "
     "vpc.private_dns = false or take glue out of vpc.interface_endpoints"),
    ("DuplicateSubnetsInSameZone", "Found another VPC endpoint subnet in the availability zone",
     "; keep one subnet per zone in vpc.subnet_ids"),
    ("InvalidParameter", "the service name is wrong", ""),
    ("RouteLimitExceeded", "too many routes", ""),
])
def test_a_refused_create_is_one_line_with_the_way_out(code: str, message: str, way_out: str) -> None:
    ec2 = Ec2(created=client_error(code, message, "CreateVpcEndpoint"))  # type: ignore[arg-type]
    with pytest.raises(AwsCallError) as info:
        KIND.create(Ctx(ec2), interface())  # type: ignore[arg-type]
    assert str(info.value) == f"vpc_endpoint.glue: CreateVpcEndpoint failed: {code}: {message}{way_out}"
    assert isinstance(info.value.__cause__, botocore.exceptions.ClientError)


def test_a_create_failure_without_a_code_says_question_mark() -> None:
    exc = botocore.exceptions.ClientError({"Error": {"Message": "odd"}}, "CreateVpcEndpoint")
    assert KIND._create_failure(interface(), exc) == "vpc_endpoint.glue: CreateVpcEndpoint failed: ?: odd"


def test_an_endpoint_that_fails_after_its_create_is_named_in_the_error() -> None:
    ec2 = Ec2([answer("vpce-new", State="failed", LastError={"Code": "C", "Message": "m"})])
    with pytest.raises(AwsCallError, match=r"^vpc_endpoint\.glue: vpce-new failed: C: m; fix the cause"):
        KIND.create(Ctx(ec2), interface())  # type: ignore[arg-type]


def test_waiting_for_pending_reads_after_each_wait_and_stops_at_failed_or_the_last_wait() -> None:
    ec2 = Ec2([answer(State="Pending")], [answer(State="pending")], [answer(State="pending")])
    with pytest.raises(AwsCallError) as info:
        KIND._settled(Ctx(ec2), "s3", "vpce-1")  # type: ignore[arg-type]
    assert str(info.value) == "vpc_endpoint.s3: vpce-1 is still pending after 4 s; run the command again later"
    assert SLEPT == [0.0, 1.0, 2.5]
    failed = Ec2([answer(State="pending")], [answer(State="Failed", LastError={"Code": "C", "Message": "m"})])
    with pytest.raises(AwsCallError) as why:
        KIND._settled(Ctx(failed), "s3", "vpce-1")  # type: ignore[arg-type]
    assert str(why.value) == ("vpc_endpoint.s3: vpce-1 failed: C: m; fix the cause and run apply again (it replaces "
                              "a failed endpoint)")
    with pytest.raises(AwsCallError, match="vpce-1 failed: no LastError; fix"):
        KIND._settled(Ctx(Ec2([answer(State="failed")])), "s3", "vpce-1")  # type: ignore[arg-type]
    settled = Ec2([answer(State="")])
    assert KIND._settled(Ctx(settled), "s3", "vpce-1")["VpcEndpointId"] == "vpce-1"  # type: ignore[arg-type]


def modified(want: EndpointSpec, have: EndpointState, aspect: str) -> list[tuple[str, dict[str, Any]]]:
    ec2 = Ec2([answer(State="pending")], [answer()])
    KIND.aspect(aspect).update(KIND, Ctx(ec2), want, have)  # type: ignore[arg-type, misc]
    assert ec2.calls[:2] == [("describe_vpc_endpoints", {"VpcEndpointIds": ["vpce-1"]})] * 2  # waited first
    return ec2.writes()


def test_each_update_sends_only_what_changed_after_the_endpoint_settles() -> None:
    want = gateway(route_table_ids=("rtb-1", "rtb-3"))
    assert modified(want, state(gateway()), "route_tables") == [("modify_vpc_endpoint", {
        "VpcEndpointId": "vpce-1", "AddRouteTableIds": ["rtb-3"], "RemoveRouteTableIds": ["rtb-2"]})]
    want = interface(subnet_ids=("subnet-3",), security_group_ids=("sg-1", "sg-2"), private_dns=False)
    have = state(interface())
    assert modified(want, have, "subnets") == [("modify_vpc_endpoint", {
        "VpcEndpointId": "vpce-1", "AddSubnetIds": ["subnet-3"], "RemoveSubnetIds": ["subnet-1", "subnet-2"]})]
    assert modified(want, have, "security_groups") == [("modify_vpc_endpoint", {
        "VpcEndpointId": "vpce-1", "AddSecurityGroupIds": ["sg-2"]})]
    assert modified(want, have, "private_dns") == [("modify_vpc_endpoint", {
        "VpcEndpointId": "vpce-1", "PrivateDnsEnabled": False})]


def test_an_update_of_an_endpoint_that_fails_while_pending_names_it_and_sends_nothing() -> None:
    ec2 = Ec2([answer(State="failed", LastError={"Code": "C", "Message": "m"})])
    with pytest.raises(AwsCallError, match=r"^vpc_endpoint\.glue: vpce-1 failed: C: m; fix the cause"):
        KIND.update_private_dns(Ctx(ec2), interface(), state(interface()))  # type: ignore[arg-type]
    assert ec2.writes() == []


def test_a_gateway_s_default_policy_is_a_reset_and_any_other_policy_is_written() -> None:
    assert modified(gateway(policy=DEFAULT_POLICY), state(gateway()), "policy") == [("modify_vpc_endpoint", {
        "VpcEndpointId": "vpce-1", "ResetPolicy": True})]
    assert modified(gateway(), state(gateway(policy=DEFAULT_POLICY)), "policy") == [("modify_vpc_endpoint", {
        "VpcEndpointId": "vpce-1", "PolicyDocument": json.dumps(gateway_policy(NAMES))})]
    # ResetPolicy is for gateway endpoints only (ModifyVpcEndpoint): an interface endpoint is sent the document
    assert modified(interface(), state(interface(), policy=None), "policy") == [("modify_vpc_endpoint", {
        "VpcEndpointId": "vpce-1", "PolicyDocument": json.dumps(DEFAULT_POLICY)})]


def test_tags_are_written_on_the_endpoint_without_waiting() -> None:
    ec2 = Ec2()
    KIND.update_tags(Ctx(ec2), gateway(tags={"b": "2", "a": "1"}), state(gateway()))  # type: ignore[arg-type]
    assert ec2.calls == [("create_tags", {"Resources": ["vpce-1"], "Tags": [{"Key": "a", "Value": "1"},
                                                                           {"Key": "b", "Value": "2"}]})]


def test_delete_sends_the_id_and_an_unsuccessful_item_is_an_error() -> None:
    ec2 = Ec2()
    KIND.delete(Ctx(ec2), state(gateway()))  # type: ignore[arg-type]
    assert ec2.calls == [("delete_vpc_endpoints", {"VpcEndpointIds": ["vpce-1"]})]
    refused = Ec2(unsuccessful=[{"ResourceId": "vpce-1", "Error": {"Code": "InvalidState", "Message": "busy"}}])
    with pytest.raises(AwsCallError) as info:
        KIND.delete(Ctx(refused), state(gateway()))  # type: ignore[arg-type]
    assert str(info.value) == "vpc_endpoint.s3: DeleteVpcEndpoints did not delete vpce-1: InvalidState: busy"
    bare = Ec2(unsuccessful=[{"ResourceId": "vpce-1"}])
    with pytest.raises(AwsCallError, match=r"did not delete vpce-1: \?: $"):
        KIND.delete(Ctx(bare), state(gateway()))  # type: ignore[arg-type]


def test_a_replace_deletes_waits_for_the_old_one_to_be_gone_then_creates() -> None:
    ec2 = Ec2([answer(State="available")], [answer(State="deleted")], [answer("vpce-new")])
    KIND.replace(Ctx(ec2), gateway(), state(gateway()))  # type: ignore[arg-type]
    assert [c[0] for c in ec2.calls] == ["delete_vpc_endpoints", "describe_vpc_endpoints", "describe_vpc_endpoints",
                                         "create_vpc_endpoint", "describe_vpc_endpoints"]
    assert ec2.calls[1] == ("describe_vpc_endpoints", {"VpcEndpointIds": ["vpce-1"]})
    assert ec2.calls[4] == ("describe_vpc_endpoints", {"VpcEndpointIds": ["vpce-new"]})
    assert SLEPT == [0.0, 1.0, 0.0]


def test_waiting_for_a_deletion_ends_when_aws_no_longer_knows_the_id_or_gives_up() -> None:
    ec2 = Ec2([answer(State="available")], client_error("InvalidVpcEndpointId.NotFound"))
    KIND._gone(Ctx(ec2), state(gateway()))  # type: ignore[arg-type]
    assert SLEPT == [0.0, 1.0]
    SLEPT.clear()
    with pytest.raises(AwsCallError) as info:
        KIND._gone(Ctx(Ec2(*[[answer(State="available")]] * 3)), state(gateway()))  # type: ignore[arg-type]
    assert str(info.value) == ("vpc_endpoint.s3: vpce-1 is still being deleted after 4 s; run the command again "
                               "later")
    assert SLEPT == [0.0, 1.0, 2.5]
    with pytest.raises(botocore.exceptions.ClientError):
        KIND._gone(Ctx(Ec2(client_error("UnauthorizedOperation"))), state(gateway()))  # type: ignore[arg-type]
