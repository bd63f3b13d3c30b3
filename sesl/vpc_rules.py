"""What AWS accepts for an env's VPC endpoints (`[env.<name>.vpc]`), checked offline.

Each rule names its source. What needs the account (which Availability Zone a subnet is in, whether the
VPC resolves DNS) is checked at plan time by the kind (sesl.resources.vpc_endpoint) with read-only calls.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from sesl.naming import INTERFACE_ENDPOINTS

# EC2 resource ids are the type's prefix and 8 or 17 hexadecimal characters (Amazon EC2 user guide,
# resource-ids: "longer IDs" of 17 characters since 2018; older resources keep 8).
_HEX_ID = "[0-9a-f]{8}(?:[0-9a-f]{9})?"
ID_PATTERNS: dict[str, str] = {
    "id": f"vpc-{_HEX_ID}",
    "route_table_ids": f"rtb-{_HEX_ID}",
    "subnet_ids": f"subnet-{_HEX_ID}",
    "security_group_ids": f"sg-{_HEX_ID}",
}
ID_WHAT: dict[str, str] = {"id": "a VPC id", "route_table_ids": "a route table id",
                           "subnet_ids": "a subnet id", "security_group_ids": "a security group id"}
# The S3 gateway endpoint: "scoped" (the env's buckets only), AWS's full-access default policy, or none.
S3_GATEWAY_MODES = ("scoped", "full-access", "none")
__all__ = ["INTERFACE_ENDPOINTS", "S3_GATEWAY_MODES", "id_problem", "vpc_problems"]


def id_problem(key: str, value: str) -> str | None:
    """Why `value` is not an id of the kind `key` holds, or None."""
    if re.fullmatch(ID_PATTERNS[key], value):
        return None
    prefix = ID_PATTERNS[key].split("-", 1)[0]
    return f"must be {ID_WHAT[key]} ({prefix}- and 8 or 17 hex digits), got {value!r}"


class VpcLike(Protocol):
    """The settings the rules read (sesl.spec.VpcSettings)."""

    @property
    def id(self) -> str | None: ...
    @property
    def route_table_ids(self) -> list[str]: ...
    @property
    def subnet_ids(self) -> list[str]: ...
    @property
    def security_group_ids(self) -> list[str]: ...
    @property
    def interface_endpoints(self) -> list[str]: ...
    @property
    def s3_gateway(self) -> str: ...


def duplicates(values: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    return sorted({v for v in values if v in seen or seen.add(v)})  # type: ignore[func-returns-value]


def _duplicate_problems(vpc: VpcLike) -> list[tuple[str, str]]:
    # A list given twice the same id is refused by AWS (CreateVpcEndpoint: a subnet twice is two endpoint
    # network interfaces in one Availability Zone) or is a typo; sesl refuses it offline either way.
    lists = {"route_table_ids": vpc.route_table_ids, "subnet_ids": vpc.subnet_ids,
             "security_group_ids": vpc.security_group_ids, "interface_endpoints": vpc.interface_endpoints}
    return [(f"vpc.{key}", f"lists {', '.join(found)} more than once: list each once")
            for key, values in lists.items() if (found := duplicates(values))]


def _unused_problems(vpc: VpcLike) -> list[tuple[str, str]]:
    given = [key for key in ("route_table_ids", "subnet_ids", "security_group_ids", "interface_endpoints")
             if getattr(vpc, key)]
    return [(f"vpc.{key}", "has no effect without vpc.id: set vpc.id (the VPC the endpoints go in) or remove it")
            for key in given]


def vpc_problems(vpc: VpcLike) -> list[tuple[str, str]]:
    """(key under env.<name>, problem) for settings that do not fit together."""
    if not vpc.id:
        return _unused_problems(vpc)
    problems = _duplicate_problems(vpc)
    if vpc.s3_gateway != "none" and not vpc.route_table_ids:
        # A gateway endpoint routes by prefix-list routes in route tables (CreateVpcEndpoint RouteTableIds,
        # "(Gateway endpoint) The route table IDs"; PrivateLink guide, gateway-endpoints): with none, no
        # traffic reaches it.
        problems.append(("vpc.route_table_ids", "the S3 gateway endpoint needs at least one route table: list "
                                                "the route tables of the subnets that reach S3, or set "
                                                "vpc.s3_gateway = \"none\""))
    if vpc.interface_endpoints and not vpc.subnet_ids:
        # An interface endpoint is network interfaces in subnets, at most one per Availability Zone
        # (CreateVpcEndpoint SubnetIds; PrivateLink guide, create-interface-endpoint). Offline sesl checks that
        # there is at least one and none twice; the one-per-zone rule is checked at plan time (DescribeSubnets).
        problems.append(("vpc.subnet_ids", f"interface endpoints ({', '.join(vpc.interface_endpoints)}) need at "
                                           "least one subnet, at most one per Availability Zone"))
    if vpc.interface_endpoints and not vpc.security_group_ids:
        # Without SecurityGroupIds AWS uses the VPC's default security group (CreateVpcEndpoint
        # SecurityGroupIds), whose rules sesl does not control: sesl asks for the groups explicitly.
        problems.append(("vpc.security_group_ids", "interface endpoints need at least one security group that "
                                                   "allows HTTPS (443) from the clients; sesl does not fall back "
                                                   "to the VPC's default group"))
    return problems
