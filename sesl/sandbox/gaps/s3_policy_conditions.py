"""moto evaluates bucket policies on object calls but ignores their Condition blocks.

sesl's bucket policy denies requests *on condition* (plain HTTP, principals of other accounts).
moto drops the conditions and so denies every object call, which AWS would allow for an
in-account caller over TLS. The sandbox evaluates the policy without the conditioned statements:
the remaining statements apply as moto applies them. (The sandbox speaks plain HTTP on loopback;
in AWS, every call sesl, Firehose and Athena make is TLS.)
"""

from __future__ import annotations

import json
from typing import Any


def install() -> None:
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        document = json.loads(self.policy.decode())
        statements = document.get("Statement", [])
        if isinstance(statements, dict):
            statements = [statements]
        unconditioned = [s for s in statements if "Condition" not in s]
        if not unconditioned:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps({**document, "Statement": unconditioned})).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]
