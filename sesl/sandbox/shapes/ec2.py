"""EC2: what CreateVpcEndpoint and DescribeVpcEndpoints really return.

moto echoes the policy text it was sent, leaves out the endpoint type of a gateway endpoint created without
one, and some members AWS always fills. AWS stores the policy and gives back its own text of it: its
full-access default compact, a custom one with sorted keys and indented (AWS CLI examples below).
"""

from __future__ import annotations

import json
from typing import Any

from sesl.sandbox.shapes import Response, shaping

DEFAULT_POLICY_TEXT = ('{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*",'
                       '"Resource":"*"}]}')
_DEFAULT = json.loads(DEFAULT_POLICY_TEXT)
_SOURCE = ("aws/aws-cli awscli/examples/ec2/describe-vpc-endpoints.rst and create-vpc-endpoint.rst (default policy "
           "compact, a custom one reformatted with sorted keys; VpcEndpointType, RequesterManaged, OwnerId, State "
           "`pending` on create); botocore ec2 VpcEndpoint shape (IpAddressType, DnsOptions); CreateVpcEndpoint "
           "VpcEndpointType \"Default: Gateway\"")


def _policy_text(text: Any) -> Any:
    if not isinstance(text, str) or not text.strip():
        return DEFAULT_POLICY_TEXT
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    if parsed == _DEFAULT:
        return DEFAULT_POLICY_TEXT
    return json.dumps(parsed, indent=2, sort_keys=True)


def _endpoint(endpoint: dict[str, Any]) -> dict[str, Any]:
    out = {**endpoint, "PolicyDocument": _policy_text(endpoint.get("PolicyDocument"))}
    out.setdefault("VpcEndpointType", "Gateway")
    out.setdefault("RequesterManaged", False)
    if out["VpcEndpointType"] == "Interface":
        out.setdefault("IpAddressType", "ipv4")
        out.setdefault("DnsOptions", {"DnsRecordIpType": "ipv4"})
    if not out.get("Tags"):
        out.pop("Tags", None)
    return out


@shaping("ec2", "CreateVpcEndpoint",
         what="the policy is AWS's text of it (the full-access default when none was sent); VpcEndpointType is "
              "`Gateway` when not sent; RequesterManaged, and for interface endpoints IpAddressType and DnsOptions, "
              "are filled; no empty Tags",
         source=_SOURCE)
def create_vpc_endpoint(response: Response, request: Response) -> Response:
    return {**response, "VpcEndpoint": _endpoint(dict(response.get("VpcEndpoint", {})))}


@shaping("ec2", "DescribeVpcEndpoints", what="each endpoint as CreateVpcEndpoint's answer is shaped", source=_SOURCE)
def describe_vpc_endpoints(response: Response, request: Response) -> Response:
    return {**response, "VpcEndpoints": [_endpoint(dict(e)) for e in response.get("VpcEndpoints", [])]}
