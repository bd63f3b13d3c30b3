"""sesl.vpc_rules pinned: the EC2 id shapes (8 or 17 lower-case hex digits after the type's prefix, Amazon EC2
user guide, resource-ids), the duplicates each list refuses, and which settings need which (CreateVpcEndpoint:
RouteTableIds for a gateway endpoint, SubnetIds and SecurityGroupIds for an interface endpoint)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from sesl import vpc_rules
from sesl.vpc_rules import duplicates, id_problem, vpc_problems

VPC = "vpc-0123abcd"
RTB, SUBNET, SG = "rtb-0123abcd", "subnet-0123abcd", "sg-0123abcd"


@dataclass
class Vpc:
    """The settings vpc_problems reads (sesl.spec.VpcSettings' fields, any values)."""

    id: str | None = None
    route_table_ids: list[str] = field(default_factory=list)
    subnet_ids: list[str] = field(default_factory=list)
    security_group_ids: list[str] = field(default_factory=list)
    interface_endpoints: list[str] = field(default_factory=list)
    s3_gateway: str = "scoped"


# --- id_problem -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("key", "prefix", "what"), [
    ("id", "vpc", "a VPC id"), ("route_table_ids", "rtb", "a route table id"),
    ("subnet_ids", "subnet", "a subnet id"), ("security_group_ids", "sg", "a security group id")])
def test_each_id_kind_takes_8_or_17_lower_case_hex_digits_after_its_prefix(key: str, prefix: str, what: str) -> None:
    assert id_problem(key, f"{prefix}-0123abcd") is None
    assert id_problem(key, f"{prefix}-0123456789abcdef0") is None
    for wrong in (f"{prefix}-0123abc", f"{prefix}-0123abcd0", f"{prefix}-0123456789abcdef",
                  f"{prefix}-0123456789abcdef01", f"{prefix}-0123ABCD", f"{prefix}-0123abcg", f"{prefix}0123abcd",
                  f"x{prefix}-0123abcd", f"{prefix}-0123abcd ", "0123abcd"):
        assert id_problem(key, wrong) == (f"must be {what} ({prefix}- and 8 or 17 hex digits), got {wrong!r}"), wrong


def test_an_id_of_another_kind_is_refused() -> None:
    assert id_problem("subnet_ids", "sg-0123abcd") == ("must be a subnet id (subnet- and 8 or 17 hex digits), "
                                                       "got 'sg-0123abcd'")
    assert id_problem("id", "rtb-0123abcd") is not None


# --- duplicates -------------------------------------------------------------------------------------------------
def test_duplicates_are_each_repeated_value_once_sorted() -> None:
    assert duplicates([]) == []
    assert duplicates(["b", "a"]) == []
    assert duplicates(["b", "a", "b", "c", "a", "b"]) == ["a", "b"]
    assert duplicates(["z", "z", "z"]) == ["z"]


# --- vpc_problems ---------------------------------------------------------------------------------------------
def test_without_a_vpc_id_every_list_given_is_one_problem_in_the_settings_order() -> None:
    assert vpc_problems(Vpc()) == []
    assert vpc_problems(Vpc(s3_gateway="full-access")) == []  # the mode alone does nothing without an id
    unused = "has no effect without vpc.id: set vpc.id (the VPC the endpoints go in) or remove it"
    assert vpc_problems(Vpc(route_table_ids=[RTB], subnet_ids=[SUBNET], security_group_ids=[SG],
                            interface_endpoints=["glue"])) == [
        ("vpc.route_table_ids", unused), ("vpc.subnet_ids", unused), ("vpc.security_group_ids", unused),
        ("vpc.interface_endpoints", unused)]
    assert vpc_problems(Vpc(id="", security_group_ids=[SG])) == [("vpc.security_group_ids", unused)]
    # Without an id, duplicates are not checked: the lists are refused as a whole.
    assert vpc_problems(Vpc(interface_endpoints=["glue", "glue"])) == [("vpc.interface_endpoints", unused)]


def test_a_complete_vpc_has_no_problem() -> None:
    assert vpc_problems(Vpc(VPC, [RTB], [SUBNET], [SG], ["firehose", "athena", "glue"])) == []
    assert vpc_problems(Vpc(VPC, [RTB])) == []
    assert vpc_problems(Vpc(VPC, s3_gateway="none")) == []


def test_every_list_given_an_id_twice_is_one_problem_naming_the_ids() -> None:
    vpc = Vpc(VPC, [RTB, "rtb-1123abcd", RTB], [SUBNET, SUBNET], ["sg-1123abcd", SG, "sg-1123abcd", SG],
              ["glue", "athena", "glue"])
    assert vpc_problems(vpc) == [
        ("vpc.route_table_ids", f"lists {RTB} more than once: list each once"),
        ("vpc.subnet_ids", f"lists {SUBNET} more than once: list each once"),
        ("vpc.security_group_ids", f"lists {SG}, sg-1123abcd more than once: list each once"),
        ("vpc.interface_endpoints", "lists glue more than once: list each once")]


ROUTE_TABLES = ("vpc.route_table_ids", "the S3 gateway endpoint needs at least one route table: list the route "
                                       "tables of the subnets that reach S3, or set vpc.s3_gateway = \"none\"")
GROUPS = ("vpc.security_group_ids", "interface endpoints need at least one security group that allows HTTPS (443) "
                                    "from the clients; sesl does not fall back to the VPC's default group")


@pytest.mark.parametrize("mode", ["scoped", "full-access"])
def test_a_gateway_endpoint_needs_a_route_table_in_both_modes_that_make_one(mode: str) -> None:
    assert vpc_problems(Vpc(VPC, s3_gateway=mode)) == [ROUTE_TABLES]
    assert vpc_problems(Vpc(VPC, [RTB], s3_gateway=mode)) == []


def test_interface_endpoints_need_subnets_and_security_groups_and_name_themselves() -> None:
    assert vpc_problems(Vpc(VPC, s3_gateway="none", interface_endpoints=["firehose", "glue"])) == [
        ("vpc.subnet_ids", "interface endpoints (firehose, glue) need at least one subnet, at most one per "
                           "Availability Zone"), GROUPS]
    assert vpc_problems(Vpc(VPC, s3_gateway="none", subnet_ids=[SUBNET], interface_endpoints=["athena"])) == [GROUPS]
    assert vpc_problems(Vpc(VPC, s3_gateway="none", security_group_ids=[SG], interface_endpoints=["athena"])) == [
        ("vpc.subnet_ids", "interface endpoints (athena) need at least one subnet, at most one per Availability Zone")]
    # Subnets and groups without an interface endpoint are unused but harmless once the VPC is set.
    assert vpc_problems(Vpc(VPC, s3_gateway="none", subnet_ids=[SUBNET], security_group_ids=[SG])) == []


def test_every_problem_is_reported_at_once_duplicates_first() -> None:
    assert vpc_problems(Vpc(VPC, subnet_ids=[], interface_endpoints=["glue", "glue"])) == [
        ("vpc.interface_endpoints", "lists glue more than once: list each once"), ROUTE_TABLES,
        ("vpc.subnet_ids", "interface endpoints (glue, glue) need at least one subnet, at most one per "
                           "Availability Zone"), GROUPS]


def test_the_modes_and_the_id_kinds_are_aws_s() -> None:
    assert vpc_rules.S3_GATEWAY_MODES == ("scoped", "full-access", "none")
    assert vpc_rules.ID_PATTERNS == {"id": "vpc-[0-9a-f]{8}(?:[0-9a-f]{9})?",
                                     "route_table_ids": "rtb-[0-9a-f]{8}(?:[0-9a-f]{9})?",
                                     "subnet_ids": "subnet-[0-9a-f]{8}(?:[0-9a-f]{9})?",
                                     "security_group_ids": "sg-[0-9a-f]{8}(?:[0-9a-f]{9})?"}
