"""VPC endpoints (sesl.resources.vpc_endpoint) against moto with the sandbox's EC2 shapes and gaps: the
ladder (create, converge, drift, fix), ownership, destroy, AWS's one-per-route-table and private DNS rules,
and the settings' one-line errors."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sesl import reconcile
from sesl.cli.main import cli
from sesl.context import AwsContext
from sesl.errors import ApplyError, SeslError
from sesl.model import Action, FieldChange, Plan
from sesl.naming import Names
from sesl.resources import vpc_endpoint
from sesl.resources.base import Env
from sesl.resources.vpc_endpoint import DEFAULT_POLICY, EndpointSpec, VpcEndpointKind, gateway_policy
from sesl.sandbox.shapes import shape
from sesl.spec import EnvSpec, VpcSettings, collect_problems, default_spec
from tests.conftest import ACCOUNT, boto

ONLY = reconcile.PlanOptions(targets=("vpc_endpoint",))
REGION = "us-west-2"
S3 = f"com.amazonaws.{REGION}.s3"
FIREHOSE = f"com.amazonaws.{REGION}.kinesis-firehose"
ATHENA = f"com.amazonaws.{REGION}.athena"
OWNER_TAGS = [{"Key": "sesl:env", "Value": "dev"}, {"Key": "sesl:managed-by", "Value": "sesl"}]
KIND = VpcEndpointKind()
VPC = "vpc-0123456789abcdef0"


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto answers at once: the pending-state polls need no sleep (their count is what is tested). No test here
    needs moto's thousands of default AMIs, which take most of an EC2 backend's start."""
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    monkeypatch.setattr(vpc_endpoint, "WAITS", (0.0, 0.0, 0.0))
    monkeypatch.setattr(vpc_endpoint, "SLEEP", lambda seconds: None)


@pytest.fixture
def net(aws: None) -> dict[str, str]:
    """A VPC with two route tables, subnets in two zones (and a second one in the first zone), two groups."""
    ec2 = boto("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]

    def subnet(cidr: str, zone: str) -> str:
        return str(ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"])

    def group(name: str) -> str:
        return str(ec2.create_security_group(VpcId=vpc, GroupName=name, Description=name)["GroupId"])

    return {"vpc": vpc, "rt1": ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"],
            "rt2": ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"],
            "a": subnet("10.0.1.0/24", "us-west-2a"), "b": subnet("10.0.2.0/24", "us-west-2b"),
            "a2": subnet("10.0.3.0/24", "us-west-2a"), "sg1": group("endpoints"), "sg2": group("other")}


def vpc_settings(net: dict[str, str], **overrides: Any) -> VpcSettings:
    settings = VpcSettings(id=net["vpc"], route_table_ids=[net["rt1"]], subnet_ids=[net["b"], net["a"]],
                           security_group_ids=[net["sg1"]], interface_endpoints=["firehose", "athena"])
    return replace(settings, **overrides)


@pytest.fixture
def spec(net: dict[str, str]) -> EnvSpec:
    return replace(default_spec("dev"), vpc=vpc_settings(net))


def live(**filters: str) -> list[dict[str, Any]]:
    named = [{"Name": k.replace("_", "-"), "Values": [v]} for k, v in filters.items()]
    found = boto("ec2").describe_vpc_endpoints(Filters=named)["VpcEndpoints"]
    return sorted((e for e in found if e["State"] not in ("deleted", "deleting")), key=lambda e: e["ServiceName"])


def one(service: str) -> dict[str, Any]:
    (endpoint,) = live(service_name=service)
    return endpoint


def apply(ctx: AwsContext, options: reconcile.PlanOptions = ONLY) -> Plan:
    the_plan = reconcile.plan(ctx, options)
    ctx.allow_mutations()
    reconcile.execute(ctx, the_plan)
    return the_plan


def mutating_after(ctx: AwsContext, options: reconcile.PlanOptions = ONLY) -> list[tuple[str, int]]:
    """Apply the plan and return the mutating calls it made, with their counts."""
    ctx.log.clear()
    apply(ctx, options)
    return [(call, ctx.log.calls[call]) for call in ctx.log.mutating]


def changes(ctx: AwsContext, options: reconcile.PlanOptions = ONLY) -> list[tuple[str, Action, str]]:
    return [(c.address, c.action, c.aspect) for c in reconcile.plan(ctx, options).changes]


# --- pure diffs on AWS-shaped answers (no moto) ---------------------------------------------------------------
def aws_answer(want: EndpointSpec, **changed: Any) -> dict[str, Any]:
    """A DescribeVpcEndpoints entry for `want` as AWS writes it: the policy as AWS's reformatted text, members
    nobody set, lists in another order (AWS CLI example describe-vpc-endpoints)."""
    interface = want.type == "Interface"
    answer = {
        "VpcEndpointId": "vpce-0123456789abcdef0", "VpcEndpointType": want.type, "VpcId": want.vpc_id,
        "ServiceName": want.service, "State": "available",
        "PolicyDocument": json.dumps(want.policy, indent=2, sort_keys=True),
        "RouteTableIds": list(reversed(want.route_table_ids)), "SubnetIds": list(reversed(want.subnet_ids)),
        "Groups": [{"GroupId": g, "GroupName": "endpoints"} for g in reversed(want.security_group_ids)],
        "PrivateDnsEnabled": want.private_dns if interface else True, "RequesterManaged": False,
        "NetworkInterfaceIds": ["eni-0123456789abcdef0"] if interface else [],
        "DnsEntries": [{"DnsName": "vpce-0123-abcd.example", "HostedZoneId": "Z7HUB22UULQXV"}] if interface else [],
        "CreationTimestamp": "2026-11-30T09:00:00Z", "OwnerId": ACCOUNT, "IpAddressType": "ipv4",
        "Tags": [{"Key": k, "Value": v} for k, v in want.tags.items()] + [{"Key": "Name", "Value": "by hand"}]}
    return {**answer, **changed}


def endpoint_state(want: EndpointSpec, answer: dict[str, Any]) -> vpc_endpoint.EndpointState:
    return vpc_endpoint._state(want.name, answer, "dev")


def pure_wants() -> list[EndpointSpec]:
    settings = VpcSettings(id=VPC, route_table_ids=["rtb-0123abcd", "rtb-1123abcd"],
                           subnet_ids=["subnet-0123abcd", "subnet-1123abcd"], security_group_ids=["sg-0123abcd"],
                           interface_endpoints=["glue"])
    return KIND.desired(Env(replace(default_spec("dev"), vpc=settings), Names("dev", REGION, ACCOUNT)))



def test_aws_s_answer_for_the_desired_endpoints_diffs_to_nothing() -> None:
    for want in pure_wants():
        assert KIND.diff(endpoint_state(want, aws_answer(want)), want) == [], want.name


def test_aws_s_compact_default_policy_and_a_missing_one_are_the_full_access_default() -> None:
    glue = pure_wants()[1]
    compact = ('{"Version":"2008-10-17","Statement":[{"Sid":"","Effect":"Allow","Principal":"*","Action":"*",'
               '"Resource":"*"}]}')
    assert KIND.diff(endpoint_state(glue, aws_answer(glue, PolicyDocument=compact)), glue) == []
    assert KIND.diff(endpoint_state(glue, aws_answer(glue, PolicyDocument=None)), glue) == []
    narrowed = json.dumps({**DEFAULT_POLICY, "Statement": [{**DEFAULT_POLICY["Statement"][0], "Action": "glue:Get*"}]})
    (change,) = KIND.diff(endpoint_state(glue, aws_answer(glue, PolicyDocument=narrowed)), glue)
    assert (change.aspect, change.fields[0].path) == ("policy", "PolicyDocument")


def test_each_drifted_aspect_is_exactly_its_change() -> None:
    s3, glue = pure_wants()

    def diff(want: EndpointSpec, **changed: Any) -> list[tuple[str, Action, tuple[FieldChange, ...]]]:
        return [(c.aspect, c.action, c.fields) for c in KIND.diff(endpoint_state(want, aws_answer(want, **changed)),
                                                                 want)]

    assert diff(s3, RouteTableIds=["rtb-0123abcd"]) == [
        ("route_tables", Action.UPDATE, (FieldChange("RouteTableIds", ["rtb-0123abcd"],
                                                     ["rtb-0123abcd", "rtb-1123abcd"]),))]
    assert diff(glue, SubnetIds=["subnet-0123abcd", "subnet-2123abcd"]) == [
        ("subnets", Action.UPDATE, (FieldChange("SubnetIds", ["subnet-0123abcd", "subnet-2123abcd"],
                                                ["subnet-0123abcd", "subnet-1123abcd"]),))]
    assert diff(glue, PrivateDnsEnabled=False) == [
        ("private_dns", Action.UPDATE, (FieldChange("PrivateDnsEnabled", False, True),))]
    assert diff(s3, PrivateDnsEnabled=False) == []  # a gateway endpoint has no private DNS
    assert diff(glue, Tags=[{"Key": "sesl:managed-by", "Value": "sesl"}, {"Key": "sesl:env", "Value": "dev"},
                            {"Key": "team", "Value": "x"}]) == []  # others' tags are left alone
    assert diff(s3, VpcId="vpc-1123abcd") == [
        ("resource", Action.REPLACE, (FieldChange("VpcId", ["vpc-1123abcd"], [VPC]),))]
    assert diff(glue, State="failed", LastError={"Code": "InsufficientIpAddresses", "Message": "subnet full"}) == [
        ("failed", Action.REPLACE, (FieldChange("State", "failed", "available"),))]
    (failed,) = KIND.diff(endpoint_state(glue, aws_answer(glue, State="failed", LastError={
        "Code": "InsufficientIpAddresses", "Message": "subnet full"})), glue)
    assert failed.reason.startswith("the endpoint failed (InsufficientIpAddresses: subnet full)")


# --- no VPC settings: nothing at all -------------------------------------------------------------------
def test_without_a_vpc_id_the_kind_desires_nothing_and_calls_nothing(aws: None) -> None:
    ctx = AwsContext(default_spec("dev"))
    the_plan = reconcile.plan(ctx, ONLY)
    destroy = reconcile.plan_destroy(ctx, ONLY)
    assert the_plan.changes == () and destroy.changes == ()
    assert [c for c in ctx.log.calls if c.startswith("ec2:")] == []
    assert "sts:GetCallerIdentity" in ctx.log.calls  # the run did reach AWS: no EC2 call is not no call at all
    assert VpcEndpointKind().desired(Env(ctx.spec, ctx.names)) == []


# --- the ladder ------------------------------------------------------------------------------------------
def test_apply_creates_the_gateway_and_the_listed_interface_endpoints_tagged_then_nothing_is_left(
        ctx: AwsContext, net: dict[str, str]) -> None:
    the_plan = reconcile.plan(ctx, ONLY)
    assert [(c.address, c.action, c.operations) for c in the_plan.changes] == [
        (f"vpc_endpoint.{name}", Action.CREATE, ("ec2:CreateVpcEndpoint",)) for name in ("s3", "firehose", "athena")]
    ctx.allow_mutations()
    reconcile.execute(ctx, the_plan)
    assert ctx.log.calls["ec2:CreateVpcEndpoint"] == 3
    gateway, firehose, athena = one(S3), one(FIREHOSE), one(ATHENA)
    assert (gateway["VpcEndpointType"], gateway["VpcId"], gateway["RouteTableIds"]) == ("Gateway", net["vpc"],
                                                                                          [net["rt1"]])
    names = Names("dev", REGION, ACCOUNT)
    assert json.loads(gateway["PolicyDocument"]) == gateway_policy(names)
    for endpoint in (firehose, athena):
        assert endpoint["VpcEndpointType"] == "Interface"
        assert sorted(endpoint["SubnetIds"]) == sorted([net["a"], net["b"]])
        assert [g["GroupId"] for g in endpoint["Groups"]] == [net["sg1"]]
        assert endpoint["PrivateDnsEnabled"] is True
        assert json.loads(endpoint["PolicyDocument"]) == DEFAULT_POLICY
    for endpoint in (gateway, firehose, athena):
        assert sorted(endpoint["Tags"], key=lambda t: t["Key"]) == OWNER_TAGS
        assert endpoint["State"] == "available"  # apply waited for it to leave `pending`
    ctx.log.clear()
    again = reconcile.plan(ctx, ONLY)
    assert again.changes == ()
    assert ctx.log.mutating == []
    assert [w for w in again.warnings if "S3 gateway" in w] == [
        f"vpc_endpoint.s3: the S3 gateway endpoint lets through only this env's two buckets: any other S3 request "
        f"from subnets using route tables {net['rt1']} is denied (package repositories, ECR image layers, other "
        "teams' buckets); set vpc.s3_gateway = \"full-access\" or \"none\" if anything else there uses S3 "
        "(docs/security.md)"]


def test_the_scoped_gateway_policy_names_both_buckets_and_every_s3_action_of_the_operator_policy() -> None:
    policy = gateway_policy(Names("dev", REGION, ACCOUNT))
    (statement,) = policy["Statement"]
    assert statement["Resource"] == [
        "arn:aws:s3:::daily-system-design-email-events-dev", "arn:aws:s3:::daily-system-design-email-events-dev/*",
        "arn:aws:s3:::daily-system-design-athena-results-dev", "arn:aws:s3:::daily-system-design-athena-results-dev/*"]
    assert (statement["Effect"], statement["Principal"]) == ("Allow", "*")
    document = json.loads((Path(__file__).parent.parent / "docs" / "iam" / "operator-policy.json").read_text())
    operator_s3 = {a for s in document["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str)
                                                              else s["Action"]) if a.startswith("s3:")}
    assert operator_s3 <= set(statement["Action"])
    assert set(statement["Action"]) - operator_s3 == {"s3:ListMultipartUploadParts"}  # Athena clients' results


def test_a_route_table_added_outside_sesl_is_one_change_and_apply_removes_it_with_one_modify(
        ctx: AwsContext, net: dict[str, str]) -> None:
    apply(ctx)
    boto("ec2").modify_vpc_endpoint(VpcEndpointId=one(S3)["VpcEndpointId"], AddRouteTableIds=[net["rt2"]])
    (change,) = reconcile.plan(ctx, ONLY).changes
    assert (change.address, change.aspect, change.operations) == ("vpc_endpoint.s3", "route_tables",
                                                                  ("ec2:ModifyVpcEndpoint",))
    assert change.fields == (FieldChange("RouteTableIds", sorted([net["rt1"], net["rt2"]]), [net["rt1"]]),)
    assert mutating_after(ctx) == [("ec2:ModifyVpcEndpoint", 1)]
    assert one(S3)["RouteTableIds"] == [net["rt1"]]
    assert reconcile.plan(ctx, ONLY).changes == ()


def test_a_widened_gateway_policy_is_one_change_and_apply_writes_the_scoped_one_back(ctx: AwsContext) -> None:
    apply(ctx)
    endpoint_id = one(S3)["VpcEndpointId"]
    boto("ec2").modify_vpc_endpoint(VpcEndpointId=endpoint_id, PolicyDocument=json.dumps(DEFAULT_POLICY))
    (change,) = reconcile.plan(ctx, ONLY).changes
    assert (change.address, change.aspect) == ("vpc_endpoint.s3", "policy")
    assert mutating_after(ctx) == [("ec2:ModifyVpcEndpoint", 1)]
    assert json.loads(one(S3)["PolicyDocument"]) == gateway_policy(Names("dev", REGION, ACCOUNT))


def test_a_policy_aws_reformatted_or_reordered_is_not_drift(ctx: AwsContext) -> None:
    apply(ctx)
    policy = gateway_policy(Names("dev", REGION, ACCOUNT))
    statement = dict(policy["Statement"][0])
    reordered = {"Statement": [{**statement, "Action": list(reversed(statement["Action"]))}],
                 "Version": policy["Version"]}
    boto("ec2").modify_vpc_endpoint(VpcEndpointId=one(S3)["VpcEndpointId"], PolicyDocument=json.dumps(reordered))
    assert "\n" in one(S3)["PolicyDocument"]  # AWS's text of it, not what was sent
    assert reconcile.plan(ctx, ONLY).changes == ()


def test_an_extra_security_group_is_one_change_and_apply_removes_only_it(ctx: AwsContext, net: dict[str, str]) -> None:
    apply(ctx)
    boto("ec2").modify_vpc_endpoint(VpcEndpointId=one(FIREHOSE)["VpcEndpointId"], AddSecurityGroupIds=[net["sg2"]])
    (change,) = reconcile.plan(ctx, ONLY).changes
    assert (change.address, change.aspect) == ("vpc_endpoint.firehose", "security_groups")
    assert change.fields == (FieldChange("SecurityGroupIds", sorted([net["sg1"], net["sg2"]]), [net["sg1"]]),)
    assert mutating_after(ctx) == [("ec2:ModifyVpcEndpoint", 1)]
    assert [g["GroupId"] for g in one(FIREHOSE)["Groups"]] == [net["sg1"]]


def test_private_dns_turned_off_outside_sesl_is_turned_on_again(ctx: AwsContext) -> None:
    apply(ctx)
    boto("ec2").modify_vpc_endpoint(VpcEndpointId=one(ATHENA)["VpcEndpointId"], PrivateDnsEnabled=False)
    (change,) = reconcile.plan(ctx, ONLY).changes
    assert (change.address, change.aspect, change.fields) == (
        "vpc_endpoint.athena", "private_dns", (FieldChange("PrivateDnsEnabled", False, True),))
    assert mutating_after(ctx) == [("ec2:ModifyVpcEndpoint", 1)]
    assert one(ATHENA)["PrivateDnsEnabled"] is True


def test_full_access_resets_the_gateway_policy_to_aws_default(ctx: AwsContext, net: dict[str, str]) -> None:
    apply(ctx)
    ctx.spec = replace(ctx.spec, vpc=vpc_settings(net, s3_gateway="full-access"))
    (change,) = reconcile.plan(ctx, ONLY).changes
    assert (change.address, change.aspect) == ("vpc_endpoint.s3", "policy")
    assert mutating_after(ctx) == [("ec2:ModifyVpcEndpoint", 1)]
    assert json.loads(one(S3)["PolicyDocument"]) == DEFAULT_POLICY
    assert reconcile.plan(ctx, ONLY).changes == ()


def test_a_moved_vpc_replaces_the_endpoint_only_with_allow_replace(ctx: AwsContext, net: dict[str, str]) -> None:
    apply(ctx)
    ec2 = boto("ec2")
    other = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    table = ec2.create_route_table(VpcId=other)["RouteTable"]["RouteTableId"]
    ctx.spec = replace(ctx.spec, vpc=vpc_settings(net, id=other, route_table_ids=[table], interface_endpoints=[]))
    the_plan = reconcile.plan(ctx, reconcile.PlanOptions(targets=("vpc_endpoint.s3",)))
    (change,) = the_plan.changes
    assert (change.action, change.fields) == (Action.REPLACE, (FieldChange("VpcId", [net["vpc"]], [other]),))
    with pytest.raises(SeslError, match="--allow-replace"):
        reconcile.execute(ctx, the_plan)
    reconcile.execute(ctx, the_plan, allow_replace=True)
    assert (one(S3)["VpcId"], one(S3)["RouteTableIds"]) == (other, [table])


# --- ownership -----------------------------------------------------------------------------------------------
def test_someone_elses_gateway_endpoint_in_the_vpc_is_a_conflict_until_adopted(
        ctx: AwsContext, net: dict[str, str]) -> None:
    foreign = boto("ec2").create_vpc_endpoint(VpcId=net["vpc"], ServiceName=S3, RouteTableIds=[net["rt1"]])
    ctx.spec = replace(ctx.spec, vpc=vpc_settings(net, interface_endpoints=[]))
    assert changes(ctx) == [("vpc_endpoint.s3", Action.CONFLICT, "ownership")]
    with pytest.raises(SeslError, match=re.escape("not sesl's: vpc_endpoint.s3; nothing was changed")):
        apply(ctx)
    adopt = reconcile.PlanOptions(adopt=True, targets=("vpc_endpoint",))
    assert changes(ctx, adopt) == [("vpc_endpoint.s3", Action.ADOPT, "ownership"),
                                   ("vpc_endpoint.s3", Action.UPDATE, "policy"),
                                   ("vpc_endpoint.s3", Action.UPDATE, "tags")]
    # The adoption writes sesl's tags, as the tags change does (the engine runs both, as for every kind).
    assert mutating_after(ctx, adopt) == [("ec2:CreateTags", 2), ("ec2:ModifyVpcEndpoint", 1)]
    assert one(S3)["VpcEndpointId"] == foreign["VpcEndpoint"]["VpcEndpointId"]
    assert reconcile.plan(ctx, ONLY).changes == ()


def test_another_envs_endpoint_in_the_vpc_is_a_conflict_with_a_warning_not_to_adopt_it(
        ctx: AwsContext, net: dict[str, str]) -> None:
    ctx.spec = replace(ctx.spec, vpc=vpc_settings(net, interface_endpoints=[]))
    apply(ctx)
    staging = AwsContext(replace(default_spec("staging"), vpc=vpc_settings(net, interface_endpoints=[])))
    the_plan = reconcile.plan(staging, ONLY)
    assert [(c.address, c.action) for c in the_plan.changes] == [("vpc_endpoint.s3", Action.CONFLICT)]
    endpoint = one(S3)["VpcEndpointId"]
    assert [w for w in the_plan.warnings if endpoint in w] == [
        f"vpc_endpoint.s3: {endpoint} in {net['vpc']} is sesl's endpoint of env dev: two envs in one VPC cannot both "
        f"have a {S3} endpoint there; do not --adopt it, leave it out of one env's vpc settings instead"]


def test_a_second_endpoint_with_sesl_s_tags_is_named_and_left_alone(ctx: AwsContext, net: dict[str, str]) -> None:
    ctx.spec = replace(ctx.spec, vpc=vpc_settings(net, interface_endpoints=[]))
    apply(ctx)
    first = one(S3)["VpcEndpointId"]
    tags = [{"ResourceType": "vpc-endpoint", "Tags": OWNER_TAGS}]
    second = boto("ec2").create_vpc_endpoint(VpcId=net["vpc"], ServiceName=S3, RouteTableIds=[net["rt2"]],
                                             TagSpecifications=tags)["VpcEndpoint"]["VpcEndpointId"]
    the_plan = reconcile.plan(ctx, ONLY)
    managed, extra = sorted([first, second])
    assert [w for w in the_plan.warnings if "also carry" in w] == [
        f"vpc_endpoint.s3: {extra} also carry sesl's tags for this env; sesl manages {managed} only: delete the "
        "others (aws ec2 delete-vpc-endpoints)"]


def test_destroy_deletes_seslss_endpoints_and_leaves_others(ctx: AwsContext, net: dict[str, str]) -> None:
    apply(ctx)
    foreign = boto("ec2").create_vpc_endpoint(VpcId=net["vpc"], ServiceName=f"com.amazonaws.{REGION}.dynamodb",
                                              RouteTableIds=[net["rt2"]])["VpcEndpoint"]["VpcEndpointId"]
    the_plan = reconcile.plan_destroy(ctx, ONLY)
    assert [(c.address, c.action, c.operations) for c in the_plan.changes] == [
        (f"vpc_endpoint.{name}", Action.DELETE, ("ec2:DeleteVpcEndpoints",)) for name in ("s3", "firehose", "athena")]
    ctx.log.clear()
    reconcile.execute(ctx, the_plan)
    assert ctx.log.mutating == ["ec2:DeleteVpcEndpoints"] and ctx.log.calls["ec2:DeleteVpcEndpoints"] == 3
    assert [e["VpcEndpointId"] for e in live(vpc_id=net["vpc"])] == [foreign]
    assert reconcile.plan_destroy(ctx, ONLY).changes == ()


def test_destroy_keeps_someone_elses_endpoint_of_a_service_sesl_wants(ctx: AwsContext, net: dict[str, str]) -> None:
    boto("ec2").create_vpc_endpoint(VpcId=net["vpc"], ServiceName=S3, RouteTableIds=[net["rt1"]])
    (change,) = reconcile.plan_destroy(ctx, ONLY).changes
    assert (change.address, change.action) == ("vpc_endpoint.s3", Action.KEEP)
    assert change.reason == "not owned by sesl: left alone"


# --- AWS's rules met at apply time ---------------------------------------------------------------------------
def test_a_route_table_already_routing_s3_elsewhere_is_one_line_that_names_the_setting(
        ctx: AwsContext, net: dict[str, str]) -> None:
    ctx.spec = replace(ctx.spec, vpc=vpc_settings(net, interface_endpoints=[]))
    the_plan = reconcile.plan(ctx, ONLY)
    other = boto("ec2").create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    # Made after the plan (in another VPC, so the plan's conflict check cannot see it): AWS refuses the route.
    boto("ec2").create_vpc_endpoint(VpcId=other, ServiceName=S3, RouteTableIds=[net["rt1"]])
    ctx.allow_mutations()
    with pytest.raises(ApplyError) as raised:
        reconcile.execute(ctx, the_plan)
    message = str(raised.value)
    assert "RouteAlreadyExists: route table " + net["rt1"] + " already has a route" in message
    assert "drop that route table from vpc.route_table_ids, or set vpc.s3_gateway = \"none\"" in message
    assert "\n" not in message


def test_a_second_private_dns_endpoint_of_a_service_is_refused_with_the_way_out(
        ctx: AwsContext, net: dict[str, str]) -> None:
    ctx.spec = replace(ctx.spec, vpc=vpc_settings(net, s3_gateway="none", interface_endpoints=["athena"]))
    the_plan = reconcile.plan(ctx, ONLY)
    boto("ec2").create_vpc_endpoint(VpcId=net["vpc"], ServiceName=ATHENA, VpcEndpointType="Interface",
                                    SubnetIds=[net["a"]], PrivateDnsEnabled=True)
    ctx.allow_mutations()
    way_out = re.escape("set vpc.private_dns = false or take athena out of vpc.interface_endpoints")
    with pytest.raises(ApplyError, match=r"conflicting DNS domain for athena\.us-west-2\.amazonaws\.com in the VPC .*"
                                         + way_out):
        reconcile.execute(ctx, the_plan)


def test_two_subnets_in_one_zone_are_a_plan_warning_and_a_one_line_apply_error(
        ctx: AwsContext, net: dict[str, str]) -> None:
    ctx.spec = replace(ctx.spec, vpc=vpc_settings(net, s3_gateway="none", subnet_ids=[net["a"], net["a2"]]))
    the_plan = reconcile.plan(ctx, ONLY)
    pair = ", ".join(sorted([net["a"], net["a2"]]))
    assert [w for w in the_plan.warnings if "Availability Zone" in w] == [
        f"vpc_endpoint.firehose: vpc.subnet_ids: {pair} are all in us-west-2a; an interface endpoint takes at most "
        "one subnet per Availability Zone, so apply would fail: keep one of them"]
    ctx.allow_mutations()
    with pytest.raises(ApplyError, match=r"DuplicateSubnetsInSameZone: .*keep one subnet per zone in vpc\.subnet_ids"):
        reconcile.execute(ctx, the_plan)


def test_subnets_of_another_vpc_or_none_at_all_are_plan_warnings(ctx: AwsContext, net: dict[str, str]) -> None:
    other = boto("ec2").create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
    stray = boto("ec2").create_subnet(VpcId=other, CidrBlock="10.3.1.0/24", AvailabilityZone="us-west-2c")
    stray_id = stray["Subnet"]["SubnetId"]
    ctx.spec = replace(ctx.spec, vpc=vpc_settings(net, s3_gateway="none", subnet_ids=[net["a"], stray_id]))
    assert [w for w in reconcile.plan(ctx, ONLY).warnings if "vpc.subnet_ids" in w] == [
        f"vpc_endpoint.firehose: vpc.subnet_ids: {stray_id} not in {net['vpc']}; apply would fail: list subnets of "
        "vpc.id"]
    ctx.spec = replace(ctx.spec, vpc=vpc_settings(net, s3_gateway="none", subnet_ids=[net["a"], "subnet-0123abcd"]))
    (warning,) = [w for w in reconcile.plan(ctx, ONLY).warnings if "vpc.subnet_ids" in w]
    assert warning.startswith("vpc_endpoint.firehose: vpc.subnet_ids: The subnet ID ")  # moto's message names a subnet
    assert warning.endswith(f"; apply would fail: list subnets of {net['vpc']}")


def test_apply_waits_for_pending_and_gives_up_after_the_last_wait(ctx: AwsContext, net: dict[str, str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    created = boto("ec2").create_vpc_endpoint(VpcId=net["vpc"], ServiceName=S3, RouteTableIds=[net["rt1"]])
    endpoint_id = created["VpcEndpoint"]["VpcEndpointId"]
    assert created["VpcEndpoint"]["State"] == "pending"
    monkeypatch.setattr(vpc_endpoint, "WAITS", ())
    with pytest.raises(SeslError, match=f"vpc_endpoint.s3: {endpoint_id} is still pending after 0 s"):
        KIND._settled(ctx, "s3", endpoint_id)  # one read: still pending
    monkeypatch.setattr(vpc_endpoint, "WAITS", (0.0,))
    assert KIND._settled(ctx, "s3", endpoint_id)["State"] == "available"  # the second read


def test_a_failed_endpoint_is_reported_with_its_last_error_and_replaced_without_allow_replace(
        ctx: AwsContext, net: dict[str, str]) -> None:
    from moto.ec2.models import ec2_backends

    apply(ctx)
    endpoint_id = one(ATHENA)["VpcEndpointId"]
    ec2_backends[ACCOUNT][REGION].vpc_end_points[endpoint_id].state = "failed"
    (change,) = reconcile.plan(ctx, ONLY).changes
    assert (change.address, change.action, change.aspect) == ("vpc_endpoint.athena", Action.REPLACE, "failed")
    apply(ctx)
    assert one(ATHENA)["VpcEndpointId"] != endpoint_id


# --- settings --------------------------------------------------------------------------------------------------


def problems(**vpc: Any) -> list[str]:
    return collect_problems("dev", {"env": {"dev": {"vpc": vpc}}})[1]


def test_valid_settings_have_no_problem_and_8_or_17_hex_digits_are_ids() -> None:
    assert problems(id="vpc-0123abcd", route_table_ids=["rtb-0123456789abcdef0"]) == []
    assert problems(id=VPC, route_table_ids=["rtb-0123abcd"], subnet_ids=["subnet-0123abcd"],
                    security_group_ids=["sg-0123abcd"], interface_endpoints=["glue"]) == []
    assert problems(id=VPC, s3_gateway="none") == []


@pytest.mark.parametrize(("vpc", "expected"), [
    ({"id": "vpc-0123abc"}, "env.dev.vpc.id: must be a VPC id (vpc- and 8 or 17 hex digits), got 'vpc-0123abc'"),
    ({"id": "vpc-0123456789abcdef"}, "env.dev.vpc.id: must be a VPC id (vpc- and 8 or 17 hex digits), got "
                                     "'vpc-0123456789abcdef'"),
    ({"id": VPC, "route_table_ids": ["rtb-0123ABCD"]},
     "env.dev.vpc.route_table_ids: must be a route table id (rtb- and 8 or 17 hex digits), got 'rtb-0123ABCD'"),
    ({"id": VPC, "route_table_ids": ["rtb-0123abcd"], "security_group_ids": ["sg0123abcd"]},
     "env.dev.vpc.security_group_ids: must be a security group id (sg- and 8 or 17 hex digits), got 'sg0123abcd'"),
    ({"id": VPC}, "env.dev.vpc.route_table_ids: the S3 gateway endpoint needs at least one route table: list the "
                  "route tables of the subnets that reach S3, or set vpc.s3_gateway = \"none\""),
    ({"id": VPC, "s3_gateway": "none", "interface_endpoints": ["firehose"], "security_group_ids": ["sg-0123abcd"]},
     "env.dev.vpc.subnet_ids: interface endpoints (firehose) need at least one subnet, at most one per "
     "Availability Zone"),
    ({"id": VPC, "s3_gateway": "none", "interface_endpoints": ["glue"], "subnet_ids": ["subnet-0123abcd"]},
     "env.dev.vpc.security_group_ids: interface endpoints need at least one security group that allows HTTPS (443) "
     "from the clients; sesl does not fall back to the VPC's default group"),
    ({"id": VPC, "route_table_ids": ["rtb-0123abcd", "rtb-0123abcd"]},
     "env.dev.vpc.route_table_ids: lists rtb-0123abcd more than once: list each once"),
    ({"id": VPC, "s3_gateway": "none", "interface_endpoints": ["glue", "glue"], "subnet_ids": ["subnet-0123abcd"],
      "security_group_ids": ["sg-0123abcd"]}, "env.dev.vpc.interface_endpoints: lists glue more than once: list "
                                              "each once"),
    ({"id": VPC, "s3_gateway": "none", "interface_endpoints": ["s3"]},
     "env.dev.vpc.interface_endpoints: must be one of firehose, athena, glue; got s3"),
    ({"id": VPC, "s3_gateway": "open"}, "env.dev.vpc.s3_gateway: must be one of scoped, full-access, none; got open"),
    ({"subnet_ids": ["subnet-0123abcd"]},
     "env.dev.vpc.subnet_ids: has no effect without vpc.id: set vpc.id (the VPC the endpoints go in) or remove it"),
])
def test_each_wrong_setting_is_one_line_naming_its_key(vpc: dict[str, Any], expected: str) -> None:
    assert problems(**vpc) == [expected]


def test_the_endpoint_policy_size_limit_is_checked_on_both_sides() -> None:
    env = Env(default_spec("dev"), Names("dev", REGION, ACCOUNT))
    base = EndpointSpec("s3", VPC, S3, "Gateway", ("rtb-0123abcd",), (), (), False, {}, {})
    at_limit = replace(base, policy={"Version": "x" * (vpc_endpoint.POLICY_MAX_CHARS - 15)})
    assert len(json.dumps(at_limit.policy)) == vpc_endpoint.POLICY_MAX_CHARS
    assert KIND.validate(env, at_limit) == []
    over = replace(base, policy={"Version": "x" * (vpc_endpoint.POLICY_MAX_CHARS - 14)})
    assert KIND.validate(env, over) == ["endpoint policy is 20481 characters, AWS allows 20480 (PrivateLink guide, "
                                        "vpc-endpoints-access)"]


def test_every_request_fits_botocore_s_model() -> None:
    settings = VpcSettings(id=VPC, route_table_ids=["rtb-0123abcd"], subnet_ids=["subnet-0123abcd"],
                           security_group_ids=["sg-0123abcd"], interface_endpoints=["firehose", "athena", "glue"])
    spec = replace(default_spec("dev"), vpc=settings)
    env = Env(spec, Names("dev", REGION, ACCOUNT))
    wants = KIND.desired(env)
    assert [w.service for w in wants] == [S3, FIREHOSE, ATHENA, f"com.amazonaws.{REGION}.glue"]
    assert reconcile.validate_env(env) == []
    assert {(r.operation, r.stage) for w in wants for r in KIND.requests(w)} == {
        ("CreateVpcEndpoint", "create"), ("ModifyVpcEndpoint", "update")}


# --- the sandbox's answers ------------------------------------------------------------------------------------
def test_the_shaped_answer_is_aws_s_text_of_the_policy_and_fills_the_type() -> None:
    custom = json.dumps({"Version": "2012-10-17", "Statement": [{"Resource": "*", "Effect": "Allow"}]})
    answer = shape("ec2", "DescribeVpcEndpoints", {"VpcEndpoints": [
        {"VpcEndpointId": "vpce-1", "PolicyDocument": json.dumps(DEFAULT_POLICY), "Tags": []},
        {"VpcEndpointId": "vpce-2", "VpcEndpointType": "Interface", "PolicyDocument": custom}]}, {})
    gateway, interface = answer["VpcEndpoints"]
    assert gateway["PolicyDocument"] == ('{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*",'
                                         '"Action":"*","Resource":"*"}]}')
    assert (gateway["VpcEndpointType"], gateway["RequesterManaged"], "Tags" in gateway) == ("Gateway", False, False)
    assert interface["PolicyDocument"] == json.dumps(json.loads(custom), indent=2, sort_keys=True)
    assert (interface["IpAddressType"], interface["DnsOptions"]) == ("ipv4", {"DnsRecordIpType": "ipv4"})


# --- from the CLI ---------------------------------------------------------------------------------------------
def test_diff_and_apply_reach_the_endpoints_from_a_config(aws: None, net: dict[str, str], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "sesl.toml"
    config.write_text(f'[env.dev.vpc]\nid = "{net["vpc"]}"\nroute_table_ids = ["{net["rt1"]}"]\n'
                      f'subnet_ids = ["{net["a"]}"]\nsecurity_group_ids = ["{net["sg1"]}"]\n'
                      'interface_endpoints = ["glue"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SESL_CONFIG", raising=False)
    target = ["--target", "vpc_endpoint"]
    diff = CliRunner().invoke(cli, ["--no-color", "diff", "--env", "dev", *target])
    assert diff.exit_code == 2, diff.output
    assert "vpc_endpoint.s3" in diff.output and "vpc_endpoint.glue" in diff.output
    applied = CliRunner().invoke(cli, ["--no-color", "apply", "--env", "dev", "--yes", *target])
    assert applied.exit_code == 0, applied.output
    assert [e["ServiceName"] for e in live(vpc_id=net["vpc"])] == [f"com.amazonaws.{REGION}.glue", S3]
    again = CliRunner().invoke(cli, ["--no-color", "diff", "--env", "dev", *target])
    assert again.exit_code == 0, again.output


def test_a_wrong_vpc_setting_is_one_line_and_exit_1(tmp_path: Path) -> None:
    config = tmp_path / "sesl.toml"
    config.write_text('[env.dev.vpc]\nid = "vpc-nothex00"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--no-color", "--config", str(config), "diff", "--env", "dev"])
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert "env.dev.vpc.id: must be a VPC id (vpc- and 8 or 17 hex digits), got 'vpc-nothex00'" in line


# --- permissions ------------------------------------------------------------------------------------------------
def test_the_iam_policies_cover_every_call_of_the_endpoints_lifecycle(ctx: AwsContext, net: dict[str, str]) -> None:
    from sesl.context import is_read
    from tests.test_iam_policies import DOCS, uncovered

    apply(ctx)
    boto("ec2").modify_vpc_endpoint(VpcEndpointId=one(S3)["VpcEndpointId"], AddRouteTableIds=[net["rt2"]])
    boto("ec2").delete_tags(Resources=[one(ATHENA)["VpcEndpointId"]], Tags=[{"Key": "sesl:env"}])
    reconcile.plan(ctx, reconcile.PlanOptions(adopt=True, targets=("vpc_endpoint",)))
    apply(ctx, reconcile.PlanOptions(adopt=True, targets=("vpc_endpoint",)))
    reconcile.execute(ctx, reconcile.plan_destroy(ctx, ONLY))
    calls = {c for c in ctx.log.calls if c.startswith("ec2:")}
    assert calls == {"ec2:DescribeVpcEndpoints", "ec2:DescribeSubnets", "ec2:CreateVpcEndpoint",
                     "ec2:ModifyVpcEndpoint", "ec2:CreateTags", "ec2:DeleteVpcEndpoints"}
    operator = json.loads((DOCS / "operator-policy.json").read_text())
    readonly = json.loads((DOCS / "readonly-policy.json").read_text())
    assert uncovered(calls, operator) == []
    assert uncovered({c for c in calls if is_read(c.split(":", 1)[1])}, readonly) == []


# --- cost ---------------------------------------------------------------------------------------------------------
def test_interface_endpoints_cost_per_zone_hour_and_the_gateway_nothing() -> None:
    from sesl.cost import Volume, estimate, load_prices

    data = load_prices()
    assert [line.item for line in estimate(default_spec("dev"), Volume(), data) if "VPC" in line.item] == []
    settings = VpcSettings(id=VPC, route_table_ids=["rtb-0123abcd"], subnet_ids=["subnet-0123abcd", "subnet-1123abcd"],
                           security_group_ids=["sg-0123abcd"], interface_endpoints=["firehose", "athena", "glue"])
    lines = {line.item: line for line in estimate(replace(default_spec("dev"), vpc=settings), Volume(), data)}
    assert lines["VPC interface endpoints"].usd == pytest.approx(3 * 2 * 720 * 0.01)  # $43.20
    assert lines["VPC interface endpoints"].detail.startswith("3 endpoint(s) x 2 zone(s) x 720 h")
    assert lines["VPC S3 gateway endpoint"].usd == 0.0
    none = replace(settings, s3_gateway="none", interface_endpoints=["glue"], subnet_ids=["subnet-0123abcd"])
    lines = {line.item: line for line in estimate(replace(default_spec("dev"), vpc=none), Volume(), data)}
    assert lines["VPC interface endpoints"].usd == pytest.approx(7.2) and "VPC S3 gateway endpoint" not in lines
