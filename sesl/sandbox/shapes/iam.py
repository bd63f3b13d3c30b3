"""IAM: what GetRole and the role-policy reads really return.

Checked and found alike in moto 5.2.5 (no shaping needed): GetRole answers `MaxSessionDuration: 3600`,
`RoleLastUsed: {}` for a role never used, `Tags` only when the role has some, and no `Description` or
`PermissionsBoundary` when none was set (IAM API reference, GetRole / Role data type; AWS CLI example
awscli/examples/iam/get-role.rst); ListRolePolicies and ListAttachedRolePolicies answer `IsTruncated:
false` (awscli/examples/iam/list-attached-role-policies.rst). Policy documents come back URL-encoded;
the hook hands them to moto decoded, and boto3 decodes them into a dict, so whitespace never reaches sesl.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sesl.sandbox.shapes import Response, shaping

_ACCOUNT_ID = re.compile(r"[0-9]{12}")


def _as_root_arn(value: Any) -> Any:
    return f"arn:aws:iam::{value}:root" if isinstance(value, str) and _ACCOUNT_ID.fullmatch(value) else value


def _principal(principal: Any) -> Any:
    if not isinstance(principal, dict) or "AWS" not in principal:
        return principal
    aws = principal["AWS"]
    return {**principal, "AWS": [_as_root_arn(v) for v in aws] if isinstance(aws, list) else _as_root_arn(aws)}


def trust_as_stored(document: Any) -> Any:
    """A trust policy with each account-id principal rewritten as the account's root ARN.

    The parsed answer holds the document as JSON text (boto3 turns it into a dict only later, client side);
    text stays text, a dict stays a dict.
    """
    if isinstance(document, str):
        return json.dumps(trust_as_stored(json.loads(document)))
    if not isinstance(document, dict):
        return document
    statements = document.get("Statement", [])
    rewrite = [{k: _principal(v) if k in ("Principal", "NotPrincipal") else v for k, v in s.items()}
               for s in (statements if isinstance(statements, list) else [statements])]
    return {**document, "Statement": rewrite if isinstance(statements, list) else rewrite[0]}


@shaping("iam", "GetRole",
         what="an account-id principal in the trust policy comes back as the account's root ARN "
              "(`\"AWS\": \"123456789012\"` -> `\"arn:aws:iam::123456789012:root\"`)",
         source="IAM user guide reference_policies_elements_principal (AWS account principals: the account id "
                "and the root ARN are the same principal, and the service may convert the id to the ARN); "
                "hashicorp/awspolicyequivalence aws_policy_equivalence.go stringPrincipalsEqual (\"Handle AWS "
                "converting account ID principal to root IAM user ARN\")")
def trust_principals_as_arns(response: Response, request: Response) -> Response:
    role = dict(response.get("Role", {}))
    if "AssumeRolePolicyDocument" in role:
        role["AssumeRolePolicyDocument"] = trust_as_stored(role["AssumeRolePolicyDocument"])
    return {**response, "Role": role}
