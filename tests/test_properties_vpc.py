"""Property tests of the VPC endpoint kind's diff (issue 14, item 2), on answers shaped as DescribeVpcEndpoints
gives them (tests/test_vpc_endpoint.py's `aws_answer`: the policy as reformatted text, lists in another order,
members nobody set, someone else's tag).

The kind compares whole lists and a parsed policy, not leaf by leaf, so it has its own strategies here rather than
a site in tests/test_properties_diff.py: for any VPC settings the spec accepts, AWS's answer for the desired
endpoints diffs to nothing, and one attribute changed in that answer is exactly one change of the aspect owning it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sesl.diff import normalize_policy
from sesl.model import Action, FieldChange
from sesl.naming import Names
from sesl.resources.base import Env
from sesl.resources.vpc_endpoint import DEFAULT_POLICY, GATEWAY, INTERFACE, EndpointSpec, VpcEndpointKind
from sesl.spec import VpcSettings, default_spec
from tests.conftest import ACCOUNT, examples
from tests.test_vpc_endpoint import REGION, VPC, aws_answer, endpoint_state

KIND = VpcEndpointKind()
HEX = st.text("0123456789abcdef", min_size=8, max_size=8)


def ids(prefix: str, min_size: int) -> st.SearchStrategy[list[str]]:
    return st.lists(HEX.map(lambda h: f"{prefix}-{h}"), min_size=min_size, max_size=3, unique=True)


@st.composite
def vpc_settings(draw: st.DrawFn) -> VpcSettings:
    return VpcSettings(id=VPC, route_table_ids=draw(ids("rtb", 1)), subnet_ids=draw(ids("subnet", 1)),
                       security_group_ids=draw(ids("sg", 1)),
                       interface_endpoints=draw(st.lists(st.sampled_from(["firehose", "athena", "glue"]), unique=True)),
                       private_dns=draw(st.booleans()),
                       s3_gateway=draw(st.sampled_from(["scoped", "full-access", "none"])))


def wants(vpc: VpcSettings) -> list[EndpointSpec]:
    spec = replace(default_spec("dev"), vpc=vpc, tags={"team": "mail"})
    return KIND.desired(Env(spec, Names("dev", REGION, ACCOUNT)))


def diffed(want: EndpointSpec, **changed: Any) -> list[tuple[str, Action, tuple[FieldChange, ...]]]:
    return [(c.aspect, c.action, c.fields) for c in KIND.diff(endpoint_state(want, aws_answer(want, **changed)), want)]


@settings(max_examples=examples(40), deadline=None)
@given(vpc_settings())
def test_aws_s_answer_for_any_desired_endpoints_diffs_to_nothing(vpc: VpcSettings) -> None:
    made = wants(vpc)
    expected = (["s3"] if vpc.s3_gateway != "none" else []) + [
        n for n in ("firehose", "athena", "glue") if n in vpc.interface_endpoints]
    assert [w.name for w in made] == expected
    for want in made:
        assert diffed(want) == [], want.name


def _extra(values: tuple[str, ...], prefix: str) -> list[str]:
    return [*values, f"{prefix}-ffffffff"]


@settings(max_examples=examples(60), deadline=None)
@given(vpc_settings(), st.data())
def test_one_changed_attribute_is_exactly_the_change_of_its_aspect(vpc: VpcSettings, data: st.DataObject) -> None:
    made = wants(vpc)
    if not made:
        return
    want = data.draw(st.sampled_from(made), label="endpoint")
    narrowed = {**want.policy, "Statement": [{**want.policy["Statement"][0], "Action": "s3:GetObject"}]}
    # (attribute in AWS's answer, its changed value, aspect, the field as the plan shows it)
    options: list[tuple[str, Any, str, FieldChange]] = [
        ("PolicyDocument", json.dumps(narrowed), "policy", FieldChange("PolicyDocument", None, None)),  # below
        ("Tags", [{"Key": k, "Value": v + "-edited" if k == "team" else v} for k, v in want.tags.items()], "tags",
         FieldChange("tags.team", "mail-edited", "mail"))]
    if want.type == GATEWAY:
        routes = _extra(want.route_table_ids, "rtb")
        options.append(("RouteTableIds", routes, "route_tables",
                        FieldChange("RouteTableIds", sorted(routes), sorted(want.route_table_ids))))
    if want.type == INTERFACE:
        subnets, groups = _extra(want.subnet_ids, "subnet"), _extra(want.security_group_ids, "sg")
        options += [("SubnetIds", subnets, "subnets",
                     FieldChange("SubnetIds", sorted(subnets), sorted(want.subnet_ids))),
                    ("Groups", [{"GroupId": g} for g in groups], "security_groups",
                     FieldChange("SecurityGroupIds", sorted(groups), sorted(want.security_group_ids))),
                    ("PrivateDnsEnabled", not want.private_dns, "private_dns",
                     FieldChange("PrivateDnsEnabled", not want.private_dns, want.private_dns))]
    attribute, value, aspect, field = data.draw(st.sampled_from(options), label="change")
    ((got_aspect, action, fields),) = diffed(want, **{attribute: value})
    assert (got_aspect, action) == (aspect, Action.UPDATE)
    if attribute == "PolicyDocument":  # the whole policy, parsed and normalised, both sides
        assert fields == (FieldChange("PolicyDocument", normalize_policy(narrowed), normalize_policy(want.policy)),)
    else:
        assert fields == (field,)


@settings(max_examples=examples(30), deadline=None)
@given(vpc_settings(), st.data())
def test_a_gateway_never_reports_interface_attributes_nor_an_interface_route_tables(
        vpc: VpcSettings, data: st.DataObject) -> None:
    for want in wants(vpc):
        if want.type == GATEWAY:
            assert diffed(want, SubnetIds=["subnet-ffffffff"], Groups=[{"GroupId": "sg-ffffffff"}],
                          PrivateDnsEnabled=not want.private_dns) == []
        else:
            assert diffed(want, RouteTableIds=["rtb-ffffffff"]) == []


def test_the_default_policy_is_what_full_access_and_every_interface_endpoint_want() -> None:
    full = wants(VpcSettings(id=VPC, route_table_ids=["rtb-0123abcd"], subnet_ids=["subnet-0123abcd"],
                             security_group_ids=["sg-0123abcd"], interface_endpoints=["glue"],
                             s3_gateway="full-access"))
    assert [w.policy for w in full] == [DEFAULT_POLICY, DEFAULT_POLICY]
