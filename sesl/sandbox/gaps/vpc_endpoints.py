"""EC2 VPC endpoint behaviour moto 5.2.5 lacks: the pending state, AWS's limits per route table, VPC and zone.

- CreateVpcEndpoint answers `pending` (AWS CLI example create-vpc-endpoint); the endpoint reads `pending` once
  more, then `available`. A change of an interface endpoint's subnets makes it `pending` again the same way.
- A route table takes one gateway endpoint per service: AWS answers RouteAlreadyExists ("route table ...
  already has a route with destination-prefix-list-id ...", eksctl-io/eksctl#4377).
- One interface endpoint per service per VPC may have private DNS: InvalidParameter "private-dns-enabled
  cannot be set because there is already a conflicting DNS domain for ... in the VPC ..."
  (hashicorp/terraform-provider-aws#17535).
- At most one subnet per Availability Zone: DuplicateSubnetsInSameZone (CreateVpcEndpoint SubnetIds).
- The endpoint type is `Gateway` when none is sent (CreateVpcEndpoint VpcEndpointType, "Default: Gateway").
- ModifyVpcEndpoint PrivateDnsEnabled and ResetPolicy ("reset the policy document to the default policy"),
  which moto ignores.
"""

from __future__ import annotations

import json
from typing import Any

from sesl.sandbox.shapes.ec2 import DEFAULT_POLICY_TEXT

GONE = ("deleting", "deleted", "rejected", "expired")


def _error(code: str, message: str) -> Exception:
    from moto.ec2.exceptions import EC2ClientError

    return EC2ClientError(code, message)


def _live(backend: Any) -> list[Any]:
    return [e for e in backend.vpc_end_points.values() if e.state not in GONE]


def _is_interface(endpoint_type: str | None) -> bool:
    return (endpoint_type or "Gateway").lower() == "interface"


def _domain(service_name: str) -> str:
    """com.amazonaws.<region>.<service> -> <service>.<region>.amazonaws.com"""
    parts = service_name.split(".")
    return f"{parts[-1]}.{parts[-2]}.amazonaws.com" if len(parts) >= 4 else service_name


def _check_routes(backend: Any, service_name: str, route_table_ids: list[str]) -> None:
    for endpoint in _live(backend):
        if endpoint.service_name != service_name or _is_interface(endpoint.vpc_endpoint_type):
            continue
        for table in route_table_ids:
            if table in endpoint.route_table_ids:
                prefix_list = endpoint.destination_prefix_list_id or "pl-68a54001"
                raise _error("RouteAlreadyExists", f"route table {table} already has a route with "
                                                   f"destination-prefix-list-id {prefix_list}")


def _check_private_dns(backend: Any, vpc_id: str, service_name: str) -> None:
    for endpoint in _live(backend):
        if (endpoint.vpc_id == vpc_id and endpoint.service_name == service_name and endpoint.private_dns_enabled
                and _is_interface(endpoint.vpc_endpoint_type)):
            raise _error("InvalidParameter", "private-dns-enabled cannot be set because there is already a "
                                             f"conflicting DNS domain for {_domain(service_name)} in the VPC {vpc_id}")


def _check_zones(backend: Any, subnet_ids: list[str]) -> None:
    seen: dict[str, str] = {}
    for subnet_id in subnet_ids:
        zone = backend.get_subnet(subnet_id).availability_zone
        if zone in seen:
            raise _error("DuplicateSubnetsInSameZone", f"Found another VPC endpoint subnet in the availability zone "
                                                       f"of {subnet_id}. VPC endpoint subnets should be in different "
                                                       "availability zones supported by the VPC endpoint service.")
        seen[zone] = subnet_id


def _create(original: Any) -> Any:
    def create_vpc_endpoint(self: Any, vpc_id: str, service_name: str, endpoint_type: str | None,
                            policy_document: str | None, route_table_ids: list[str], *args: Any, **kwargs: Any) -> Any:
        if _is_interface(endpoint_type):
            _check_zones(self, kwargs.get("subnet_ids") or [])
            if kwargs.get("private_dns_enabled"):
                _check_private_dns(self, vpc_id, service_name)
        else:
            _check_routes(self, service_name, route_table_ids)
        endpoint = original(self, vpc_id, service_name, endpoint_type, policy_document, route_table_ids, *args,
                            **kwargs)
        endpoint.state = "pending"
        # "Default: Gateway" (CreateVpcEndpoint VpcEndpointType): moto leaves it unset, so the
        # vpc-endpoint-type filter would not find the endpoint.
        endpoint.vpc_endpoint_type = endpoint_type or "Gateway"
        return endpoint
    return create_vpc_endpoint


def _describe(original: Any) -> Any:
    def describe_vpc_endpoints(self: Any, *args: Any, **kwargs: Any) -> Any:
        found = original(self, *args, **kwargs)
        for endpoint in found:
            if endpoint.state != "pending":
                continue
            if getattr(endpoint, "_sesl_read_pending", False):
                endpoint.state = "available"
            endpoint._sesl_read_pending = not getattr(endpoint, "_sesl_read_pending", False)
        return found
    return describe_vpc_endpoints


def _pending(endpoint: Any) -> None:
    endpoint.state = "pending"
    endpoint._sesl_read_pending = False


def _modify(original: Any) -> Any:
    def modify_vpc_endpoint(self: Any) -> Any:
        answer = original(self)
        endpoint = self.ec2_backend.get_vpc_end_point(self._get_param("VpcEndpointId"))
        private_dns = self._get_param("PrivateDnsEnabled")
        if private_dns is not None:
            endpoint.private_dns_enabled = str(private_dns).lower() == "true"
        if str(self._get_param("ResetPolicy")).lower() == "true":
            endpoint.policy_document = json.dumps(json.loads(DEFAULT_POLICY_TEXT))
        if self._get_param("AddSubnetIds") or self._get_param("RemoveSubnetIds"):
            _pending(endpoint)
        return answer
    return modify_vpc_endpoint


def install() -> None:
    from moto.ec2.models.vpcs import VPCBackend
    from moto.ec2.responses.vpcs import VPCs

    VPCBackend.create_vpc_endpoint = _create(VPCBackend.create_vpc_endpoint)  # type: ignore[method-assign]
    VPCBackend.describe_vpc_endpoints = _describe(VPCBackend.describe_vpc_endpoints)  # type: ignore[method-assign]
    VPCs.modify_vpc_endpoint = _modify(VPCs.modify_vpc_endpoint)  # type: ignore[method-assign]
