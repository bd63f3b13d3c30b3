"""VPC endpoints of an environment: an S3 gateway endpoint and the interface endpoints the config lists.

Only with `[env.<name>.vpc] id`; without it the kind desires nothing and makes no call. The S3 gateway
endpoint (`com.amazonaws.<region>.s3`, free) routes the listed route tables' S3 traffic inside AWS's network;
its policy lets through only the env's two buckets (vpc.s3_gateway = "scoped"), AWS's full-access default
("full-access") or the endpoint is left out ("none"). A gateway endpoint's policy applies to all S3 traffic
of its route tables, whoever sends it: docs/security.md says what that does to other workloads. Interface
endpoints (Firehose `kinesis-firehose`, Athena, Glue) are network interfaces in the listed subnets, with the
listed security groups and, by default, private DNS (the services' usual names resolve to them).

Endpoints have ids, not names: sesl's endpoint of a service is the one tagged with sesl's ownership tags for
this env (DescribeVpcEndpoints filtered by service-name and tag:<key>, in any VPC, so a changed vpc.id is
seen as a move); an endpoint of the same service and type in the VPC without them is someone else's (a
conflict; --adopt tags it). AWS allows one gateway endpoint per service per route table ("RouteAlreadyExists:
route table ... already has a route with destination-prefix-list-id", eksctl-io/eksctl#4377) and one
interface endpoint with private DNS per service per VPC ("InvalidParameter: private-dns-enabled cannot be
set because there is already a conflicting DNS domain", hashicorp/terraform-provider-aws#17535): both are
answered with what to change.

States (DescribeVpcEndpoints `State`; botocore's enum is capitalised, the wire value is lower case as in
the AWS CLI examples): an endpoint is `pending` after CreateVpcEndpoint and after a change of its subnets,
then `available`; `failed` carries a LastError. Like terraform-provider-aws (internal/service/ec2/wait.go,
waitVPCEndpointAvailable: pending -> available | pendingAcceptance), apply waits for an endpoint to leave
`pending` after creating it and before modifying it, and reports `failed` with AWS's LastError. `deleting`,
`deleted`, `rejected` and `expired` endpoints are gone (terraform's findVPCEndpoint treats `deleted` as not
found); a replace waits for the old one to be gone before creating the new (its routes go with it).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import botocore.exceptions

from sesl.aws_errors import error_code, error_message
from sesl.context import AwsContext
from sesl.diff import diff_tags, is_owned, normalize_policy, ownership_tags, parse_policy, tag_list, tags_to_dict
from sesl.errors import AwsCallError
from sesl.fold import fold_attribute, fold_whole_attribute
from sesl.model import Action, Change, FieldChange
from sesl.naming import ENV_TAG_KEY, INTERFACE_ENDPOINTS, OWNER_TAG_KEY, OWNER_TAG_VALUE, Names
from sesl.resources.base import Aspect, Env, Kind, Request, create_requests, send

GATEWAY, INTERFACE = "Gateway", "Interface"
# The policy AWS attaches when none is given (CreateVpcEndpoint PolicyDocument: "a default policy that allows
# full access to the service"; its text in the AWS CLI example describe-vpc-endpoints).
DEFAULT_POLICY: dict[str, Any] = {"Version": "2008-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
# "The maximum size of an endpoint policy is 20,480 characters, including white space" (PrivateLink guide,
# vpc-endpoints-access).
POLICY_MAX_CHARS = 20480
PENDING, FAILED = "pending", "failed"
GONE_STATES = ("deleting", "deleted", "rejected", "expired")
FAILED_ASPECT = "failed"
# Seconds between reads while an endpoint is pending (about 5 minutes in all; an interface endpoint
# usually takes one to two).
WAITS: tuple[float, ...] = (2.0, 3.0, 5.0, 10.0, 10.0, 15.0, 15.0, 30.0, 30.0, 30.0, 30.0, 30.0, 30.0, 30.0, 30.0)
SLEEP: Callable[[float], None] = time.sleep

# What crosses the S3 gateway endpoint on the way to the env's buckets, from a host in the VPC: sesl's own
# calls (apply's bucket settings, verify, queries reading results, compaction, destroy; every S3 action of
# docs/iam/operator-policy.json, a test keeps them in step) and Athena clients fetching results. Firehose
# writes and Athena reads run in AWS's own network and never cross a customer's endpoint.
S3_BUCKET_ACTIONS = ("s3:CreateBucket", "s3:DeleteBucket", "s3:GetBucketLocation", "s3:GetBucketPolicy",
                     "s3:GetBucketPublicAccessBlock", "s3:GetBucketTagging", "s3:GetBucketVersioning",
                     "s3:GetEncryptionConfiguration", "s3:GetLifecycleConfiguration", "s3:ListBucket",
                     "s3:ListBucketMultipartUploads", "s3:ListBucketVersions", "s3:PutBucketPolicy",
                     "s3:PutBucketPublicAccessBlock", "s3:PutBucketTagging", "s3:PutBucketVersioning",
                     "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration")
S3_OBJECT_ACTIONS = ("s3:AbortMultipartUpload", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:GetObject",
                     "s3:ListMultipartUploadParts", "s3:PutObject")
GATEWAY_SID = "SeslEnvBuckets"


def gateway_policy(names: Names) -> dict[str, Any]:
    """Only the env's two buckets and their objects, for the actions above, whoever the principal (IAM still
    decides who may; the endpoint policy only narrows)."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": GATEWAY_SID, "Effect": "Allow", "Principal": "*",
        "Action": sorted(S3_BUCKET_ACTIONS + S3_OBJECT_ACTIONS), "Resource": list(names.lake_s3_resources)}]}


@dataclass(frozen=True)
class EndpointSpec:
    name: str  # s3 | firehose | athena | glue
    vpc_id: str
    service: str
    type: str
    route_table_ids: tuple[str, ...]
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    private_dns: bool
    policy: dict[str, Any]
    tags: dict[str, str]


@dataclass(frozen=True)
class EndpointState:
    name: str
    owned: bool
    id: str
    vpc_id: str
    service: str
    type: str
    state: str
    route_table_ids: tuple[str, ...]
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    private_dns: bool
    policy: dict[str, Any] | None
    tags: dict[str, str]
    last_error: str = ""
    extra_ids: tuple[str, ...] = ()  # more endpoints of the service with sesl's tags (e.g. two racing applies)


def _filters(values: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"Name": name, "Values": [value]} for name, value in values.items()]


def _describe(ec2: Any, **params: Any) -> list[dict[str, Any]]:
    pages = ec2.get_paginator("describe_vpc_endpoints").paginate(**params)
    found = [e for page in pages for e in page.get("VpcEndpoints", [])]
    return sorted(found, key=lambda e: str(e.get("VpcEndpointId")))


def _live(endpoints: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in endpoints if str(e.get("State", "")).lower() not in GONE_STATES]


def _last_error(endpoint: Mapping[str, Any]) -> str:
    error = endpoint.get("LastError") or {}
    return f"{error.get('Code', '?')}: {error.get('Message', '')}" if error else ""


def _state(name: str, endpoint: Mapping[str, Any], env: str) -> EndpointState:
    tags = tags_to_dict(endpoint.get("Tags", []))
    groups = tuple(sorted(g["GroupId"] for g in endpoint.get("Groups", [])))
    # AWS returns the policy as a string it reformats (AWS CLI describe-vpc-endpoints example): compared
    # parsed and normalised (terraform-provider-aws suppresses equivalent policy diffs the same way, #7645).
    return EndpointState(
        name, is_owned(tags, env), str(endpoint["VpcEndpointId"]), str(endpoint["VpcId"]),
        str(endpoint["ServiceName"]), str(endpoint.get("VpcEndpointType") or GATEWAY),
        str(endpoint.get("State", "")).lower(), tuple(sorted(endpoint.get("RouteTableIds", []))),
        tuple(sorted(endpoint.get("SubnetIds", []))), groups, bool(endpoint.get("PrivateDnsEnabled")),
        parse_policy(endpoint.get("PolicyDocument") or None), tags, _last_error(endpoint))


def _listed(before: Sequence[str], after: Sequence[str], path: str) -> list[FieldChange]:
    return [] if sorted(before) == sorted(after) else [FieldChange(path, sorted(before), sorted(after))]


def _added_removed(before: Sequence[str], after: Sequence[str], add: str, remove: str) -> dict[str, list[str]]:
    params = {add: sorted(set(after) - set(before)), remove: sorted(set(before) - set(after))}
    return {key: ids for key, ids in params.items() if ids}


class VpcEndpointKind(Kind[EndpointSpec, EndpointState]):
    kind = "vpc_endpoint"
    needs = ()  # the gateway policy names the buckets by ARN: they need not exist first
    ownership = "tags sesl:managed-by=sesl and sesl:env=<env>, found by service name in any VPC"

    def desired(self, env: Env) -> list[EndpointSpec]:
        vpc, names = env.spec.vpc, env.names
        if not vpc.id:
            return []
        tags = ownership_tags(env.spec.env, env.spec.tags)
        wanted: list[EndpointSpec] = []
        if vpc.s3_gateway != "none":
            policy = gateway_policy(names) if vpc.s3_gateway == "scoped" else DEFAULT_POLICY
            wanted.append(EndpointSpec("s3", vpc.id, names.endpoint_service("s3"), GATEWAY,
                                       tuple(sorted(vpc.route_table_ids)), (), (), False, policy, tags))
        for name in (n for n in INTERFACE_ENDPOINTS if n in vpc.interface_endpoints):
            wanted.append(EndpointSpec(name, vpc.id, names.endpoint_service(name), INTERFACE, (),
                                       tuple(sorted(vpc.subnet_ids)), tuple(sorted(vpc.security_group_ids)),
                                       vpc.private_dns, DEFAULT_POLICY, tags))
        return wanted

    def validate(self, env: Env, want: EndpointSpec) -> list[str]:
        size = len(json.dumps(want.policy))
        if size > POLICY_MAX_CHARS:
            return [f"endpoint policy is {size} characters, AWS allows {POLICY_MAX_CHARS} (PrivateLink guide, "
                    "vpc-endpoints-access)"]
        return []

    def warnings(self, env: Env, want: EndpointSpec) -> list[str]:
        if want.type != GATEWAY or normalize_policy(want.policy) == normalize_policy(DEFAULT_POLICY):
            return []
        return [f"the S3 gateway endpoint lets through only this env's two buckets: any other S3 request from "
                f"subnets using route tables {', '.join(want.route_table_ids)} is denied (package repositories, "
                "ECR image layers, other teams' buckets); set vpc.s3_gateway = \"full-access\" or \"none\" if "
                "anything else there uses S3 (docs/security.md)"]

    # --- reading ----------------------------------------------------------------------------
    def read(self, ctx: AwsContext, want: EndpointSpec) -> EndpointState | None:
        ec2 = ctx.client("ec2")
        ours = {"service-name": want.service, f"tag:{OWNER_TAG_KEY}": OWNER_TAG_VALUE,
                f"tag:{ENV_TAG_KEY}": ctx.spec.env}
        found = _live(_describe(ec2, Filters=_filters(ours)))
        if not found:  # someone else's of the same service and type in the VPC: a conflict, or --adopt
            theirs = {"vpc-id": want.vpc_id, "service-name": want.service, "vpc-endpoint-type": want.type}
            found = _live(_describe(ec2, Filters=_filters(theirs)))
        if not found:
            return None
        state = _state(want.name, found[0], ctx.spec.env)
        return replace(state, extra_ids=tuple(str(e["VpcEndpointId"]) for e in found[1:])) if state.owned else state

    def observed_warnings(self, ctx: AwsContext, want: EndpointSpec, have: EndpointState | None) -> list[str]:
        warnings = []
        if have is not None and have.extra_ids:
            warnings.append(f"{', '.join(have.extra_ids)} also carry sesl's tags for this env; sesl manages "
                            f"{have.id} only: delete the others (aws ec2 delete-vpc-endpoints)")
        other_env = have.tags.get(ENV_TAG_KEY) if have is not None and not have.owned else None
        if other_env and have is not None and have.tags.get(OWNER_TAG_KEY) == OWNER_TAG_VALUE:
            warnings.append(f"{have.id} in {have.vpc_id} is sesl's endpoint of env {other_env}: two envs in one VPC "
                            f"cannot both have a {want.service} endpoint there; do not --adopt it, leave it out of "
                            "one env's vpc settings instead")
        if want.type == INTERFACE and want.name == next(iter(ctx.spec.vpc.interface_endpoints), None):
            warnings += self._zone_warnings(ctx, want)  # once per plan: the subnets are the same for all
        return warnings

    def _zone_warnings(self, ctx: AwsContext, want: EndpointSpec) -> list[str]:
        """The subnets exist in the VPC, at most one per Availability Zone (CreateVpcEndpoint SubnetIds; AWS
        answers DuplicateSubnetsInSameZone): known only online, from DescribeSubnets."""
        try:
            subnets = ctx.client("ec2").describe_subnets(SubnetIds=list(want.subnet_ids)).get("Subnets", [])
        except botocore.exceptions.ClientError as exc:
            if error_code(exc) != "InvalidSubnetID.NotFound":
                raise
            return [f"vpc.subnet_ids: {error_message(exc)}; apply would fail: list subnets of {want.vpc_id}"]
        elsewhere = sorted(str(s["SubnetId"]) for s in subnets if s.get("VpcId") != want.vpc_id)
        zones: dict[str, list[str]] = {}
        for subnet in subnets:
            zones.setdefault(str(subnet.get("AvailabilityZone")), []).append(str(subnet["SubnetId"]))
        warnings = [f"vpc.subnet_ids: {', '.join(elsewhere)} not in {want.vpc_id}; apply would fail: list subnets "
                    "of vpc.id"] if elsewhere else []
        return warnings + [f"vpc.subnet_ids: {', '.join(sorted(ids))} are all in {zone}; an interface endpoint takes "
                           "at most one subnet per Availability Zone, so apply would fail: keep one of them"
                           for zone, ids in sorted(zones.items()) if len(ids) > 1]

    # --- diffing ----------------------------------------------------------------------------
    def create_fields(self, want: EndpointSpec) -> tuple[FieldChange, ...]:
        where = ((FieldChange("RouteTableIds", None, list(want.route_table_ids)),) if want.type == GATEWAY else
                 (FieldChange("SubnetIds", None, list(want.subnet_ids)),
                  FieldChange("SecurityGroupIds", None, list(want.security_group_ids)),
                  FieldChange("PrivateDnsEnabled", None, want.private_dns)))
        return (FieldChange("ServiceName", None, want.service), FieldChange("VpcEndpointType", None, want.type),
                FieldChange("VpcId", None, want.vpc_id), *where)

    def diff(self, have: EndpointState, want: EndpointSpec) -> list[Change]:
        if have.state == FAILED:
            return [Change(self.kind, want.name, Action.REPLACE, FAILED_ASPECT,
                           (FieldChange("State", have.state, "available"),),
                           reason=f"the endpoint failed ({have.last_error or 'no LastError'}) and carries no "
                                  "traffic: it is deleted and created again", want=want, have=have)]
        moved = [*_listed([have.vpc_id], [want.vpc_id], "VpcId"), *_listed([have.type], [want.type], "VpcEndpointType")]
        if moved:
            return [Change(self.kind, want.name, Action.REPLACE, "resource", tuple(moved),
                           reason="an endpoint cannot move to another VPC or change its type (ModifyVpcEndpoint "
                                  "has neither): it is deleted and created again", want=want, have=have)]
        return [*self.change(want, have, "route_tables", self._route_fields(have, want)),
                *self.change(want, have, "subnets", self._interface_fields(have, want, "subnet_ids", "SubnetIds")),
                *self.change(want, have, "security_groups",
                             self._interface_fields(have, want, "security_group_ids", "SecurityGroupIds")),
                *self.change(want, have, "private_dns", self._dns_fields(have, want)),
                *self.change(want, have, "policy", self._policy_fields(have, want)),
                *self.change(want, have, "tags", diff_tags(have.tags, want.tags))]

    @staticmethod
    def _route_fields(have: EndpointState, want: EndpointSpec) -> list[FieldChange]:
        return _listed(have.route_table_ids, want.route_table_ids, "RouteTableIds") if want.type == GATEWAY else []

    @staticmethod
    def _interface_fields(have: EndpointState, want: EndpointSpec, attribute: str, path: str) -> list[FieldChange]:
        if want.type != INTERFACE:
            return []
        return _listed(getattr(have, attribute), getattr(want, attribute), path)

    @staticmethod
    def _dns_fields(have: EndpointState, want: EndpointSpec) -> list[FieldChange]:
        # A gateway endpoint has no private DNS (CreateVpcEndpoint PrivateDnsEnabled: "(Interface endpoint)").
        if want.type != INTERFACE or have.private_dns == want.private_dns:
            return []
        return [FieldChange("PrivateDnsEnabled", have.private_dns, want.private_dns)]

    @staticmethod
    def _policy_fields(have: EndpointState, want: EndpointSpec) -> list[FieldChange]:
        # No policy read back is AWS's default (it always attaches one; a read without it is not drift).
        current = normalize_policy(have.policy or DEFAULT_POLICY)
        wanted = normalize_policy(want.policy)
        return [] if current == wanted else [FieldChange("PolicyDocument", current, wanted)]

    # --- writing ----------------------------------------------------------------------------
    def requests(self, want: EndpointSpec) -> list[Request]:
        create: dict[str, Any] = {
            "VpcId": want.vpc_id, "ServiceName": want.service, "VpcEndpointType": want.type,
            "TagSpecifications": [{"ResourceType": "vpc-endpoint", "Tags": tag_list(want.tags)}]}
        modify: dict[str, Any] = {"VpcEndpointId": "vpce-0123456789abcdef0", "PolicyDocument": json.dumps(want.policy)}
        if want.type == GATEWAY:
            create["RouteTableIds"] = list(want.route_table_ids)
            modify.update(AddRouteTableIds=list(want.route_table_ids), RemoveRouteTableIds=list(want.route_table_ids))
        else:
            create.update(SubnetIds=list(want.subnet_ids), SecurityGroupIds=list(want.security_group_ids),
                          PrivateDnsEnabled=want.private_dns)
            modify.update(AddSubnetIds=list(want.subnet_ids), AddSecurityGroupIds=list(want.security_group_ids),
                          PrivateDnsEnabled=want.private_dns)
        if normalize_policy(want.policy) != normalize_policy(DEFAULT_POLICY):
            create["PolicyDocument"] = json.dumps(want.policy)  # else AWS attaches its full-access default
        return [Request("ec2", "CreateVpcEndpoint", create), Request("ec2", "ModifyVpcEndpoint", modify, "update")]

    def create(self, ctx: AwsContext, want: EndpointSpec) -> None:
        ec2 = ctx.client("ec2")
        (request,) = create_requests(self.requests(want))
        # A retried CreateVpcEndpoint whose first answer was lost must not make a second endpoint: one token per
        # create, the same on botocore's retries (EC2 API reference, "Ensuring idempotency").
        tokened = Request(request.service, request.operation, {**request.params, "ClientToken": str(uuid.uuid4())})
        try:
            created = send(ec2, tokened)["VpcEndpoint"]
        except botocore.exceptions.ClientError as exc:
            raise AwsCallError(self._create_failure(want, exc)) from exc
        self._settled(ctx, want.name, str(created["VpcEndpointId"]))

    def _create_failure(self, want: EndpointSpec, exc: botocore.exceptions.ClientError) -> str:
        code, message = error_code(exc) or "?", error_message(exc)
        address = f"{self.kind}.{want.name}"
        if code == "RouteAlreadyExists":
            return (f"{address}: CreateVpcEndpoint failed: {code}: {message}; AWS allows one gateway endpoint per "
                    "service per route table: drop that route table from vpc.route_table_ids, or set "
                    "vpc.s3_gateway = \"none\" to keep the endpoint already there")
        if code == "InvalidParameter" and "private-dns" in message.lower():
            return (f"{address}: CreateVpcEndpoint failed: {code}: {message}; the VPC already has an endpoint with "
                    f"private DNS for {want.service} (one per service per VPC): set vpc.private_dns = false or take "
                    f"{want.name} out of vpc.interface_endpoints")
        if code == "DuplicateSubnetsInSameZone":
            return f"{address}: CreateVpcEndpoint failed: {code}: {message}; keep one subnet per zone in vpc.subnet_ids"
        return f"{address}: CreateVpcEndpoint failed: {code}: {message}"

    def _settled(self, ctx: AwsContext, name: str, endpoint_id: str) -> dict[str, Any]:
        """The endpoint once it is no longer pending; a failed one is an error with AWS's LastError."""
        ec2 = ctx.client("ec2")
        for delay in (0.0, *WAITS):
            SLEEP(delay)
            (endpoint,) = _describe(ec2, VpcEndpointIds=[endpoint_id])
            state = str(endpoint.get("State", "")).lower()
            if state == FAILED:
                why = _last_error(endpoint) or "no LastError"
                raise AwsCallError(f"{self.kind}.{name}: {endpoint_id} failed: {why}; fix the cause and run apply "
                                   "again (it replaces a failed endpoint)")
            if state != PENDING:
                return endpoint
        raise AwsCallError(f"{self.kind}.{name}: {endpoint_id} is still pending after {sum(WAITS):.0f} s; run the "
                           "command again later")

    def _modify(self, ctx: AwsContext, have: EndpointState, **params: Any) -> None:
        # A pending endpoint is waited for first: AWS changes one in a stable state (terraform-provider-aws waits
        # for available after each ModifyVpcEndpoint).
        self._settled(ctx, have.name, have.id)
        ctx.client("ec2").modify_vpc_endpoint(VpcEndpointId=have.id, **params)

    def update_route_tables(self, ctx: AwsContext, want: EndpointSpec, have: EndpointState) -> None:
        self._modify(ctx, have, **_added_removed(have.route_table_ids, want.route_table_ids,
                                                 "AddRouteTableIds", "RemoveRouteTableIds"))

    def update_subnets(self, ctx: AwsContext, want: EndpointSpec, have: EndpointState) -> None:
        self._modify(ctx, have, **_added_removed(have.subnet_ids, want.subnet_ids, "AddSubnetIds", "RemoveSubnetIds"))

    def update_security_groups(self, ctx: AwsContext, want: EndpointSpec, have: EndpointState) -> None:
        self._modify(ctx, have, **_added_removed(have.security_group_ids, want.security_group_ids,
                                                 "AddSecurityGroupIds", "RemoveSecurityGroupIds"))

    def update_private_dns(self, ctx: AwsContext, want: EndpointSpec, have: EndpointState) -> None:
        self._modify(ctx, have, PrivateDnsEnabled=want.private_dns)

    def update_policy(self, ctx: AwsContext, want: EndpointSpec, have: EndpointState) -> None:
        full_access = normalize_policy(want.policy) == normalize_policy(DEFAULT_POLICY)
        if full_access and want.type == GATEWAY:
            # "(Gateway endpoint) Specify true to reset the policy document to the default policy" (ModifyVpcEndpoint).
            self._modify(ctx, have, ResetPolicy=True)
        else:
            self._modify(ctx, have, PolicyDocument=json.dumps(want.policy))

    def update_tags(self, ctx: AwsContext, want: EndpointSpec, have: EndpointState) -> None:
        ctx.client("ec2").create_tags(Resources=[have.id], Tags=tag_list(want.tags))

    def delete(self, ctx: AwsContext, have: EndpointState) -> None:
        # DeleteVpcEndpoints answers 200 with the endpoints it could not delete in `Unsuccessful` (botocore ec2
        # DeleteVpcEndpointsResult): that is a failure too.
        answer = ctx.client("ec2").delete_vpc_endpoints(VpcEndpointIds=[have.id])
        for item in answer.get("Unsuccessful", []):
            error = item.get("Error", {})
            raise AwsCallError(f"{self.kind}.{have.name}: DeleteVpcEndpoints did not delete {have.id}: "
                               f"{error.get('Code', '?')}: {error.get('Message', '')}")

    def replace(self, ctx: AwsContext, want: EndpointSpec, have: EndpointState) -> None:
        self.delete(ctx, have)
        self._gone(ctx, have)
        self.create(ctx, want)

    def _gone(self, ctx: AwsContext, have: EndpointState) -> None:
        """Wait for `deleted` (a gateway endpoint's routes go with it; a new one on the same route tables would
        meet RouteAlreadyExists until then)."""
        ec2 = ctx.client("ec2")
        for delay in (0.0, *WAITS):
            SLEEP(delay)
            if not _live(self._by_id(ec2, have.id)):
                return
        raise AwsCallError(f"{self.kind}.{have.name}: {have.id} is still being deleted after {sum(WAITS):.0f} s; "
                           "run the command again later")

    @staticmethod
    def _by_id(ec2: Any, endpoint_id: str) -> list[dict[str, Any]]:
        try:
            return _describe(ec2, VpcEndpointIds=[endpoint_id])
        except botocore.exceptions.ClientError as exc:
            if error_code(exc) == "InvalidVpcEndpointId.NotFound":
                return []
            raise

    _MODIFY = ("ec2:ModifyVpcEndpoint",)
    ASPECTS = (
        Aspect[EndpointSpec, EndpointState]("route_tables", _MODIFY, update_route_tables,
                                            fold=fold_whole_attribute("route_table_ids")),
        Aspect("subnets", _MODIFY, update_subnets, fold=fold_whole_attribute("subnet_ids")),
        Aspect("security_groups", _MODIFY, update_security_groups, fold=fold_whole_attribute("security_group_ids")),
        Aspect("private_dns", _MODIFY, update_private_dns, fold=fold_whole_attribute("private_dns")),
        Aspect("policy", _MODIFY, update_policy, fold=fold_whole_attribute("policy")),
        Aspect("tags", ("ec2:CreateTags",), update_tags, fold=fold_attribute("tags", "tags.")),
    )
    CREATE = ("ec2:CreateVpcEndpoint",)
    DELETE = ("ec2:DeleteVpcEndpoints",)
