"""Right-scoped diffs and the normalisers that keep AWS's rewriting from showing as changes.

Only the fields the desired state sets are compared: AWS fills in defaults that are not drift.
Both sides go through the same normaliser before comparing (IAM policy documents, tag sets,
unordered lists such as SES event types).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote

from sesl.model import FieldChange
from sesl.naming import ENV_TAG_KEY, OWNER_TAG_KEY, OWNER_TAG_VALUE, account_root_arn

_LISTY_STATEMENT_KEYS = ("Action", "NotAction", "Resource", "NotResource")


def _as_sorted_list(value: Any) -> list[Any]:
    items = value if isinstance(value, list) else [value]
    return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))


_ACCOUNT_ID = re.compile(r"[0-9]{12}")


def _account_as_root_arn(value: Any) -> Any:
    # An account id and the account's root ARN are the same principal, and IAM and S3 may store the id as
    # the ARN (IAM user guide, reference_policies_elements_principal, AWS account principals;
    # hashicorp/awspolicyequivalence stringPrincipalsEqual: "AWS converting account ID principal to root ARN").
    return account_root_arn(value) if isinstance(value, str) and _ACCOUNT_ID.fullmatch(value) else value


def _normalize_principal(principal: Any) -> Any:
    if principal == "*" or not isinstance(principal, Mapping):
        return principal
    out = {k: _as_sorted_list(v) for k, v in sorted(principal.items())}
    if "AWS" in out:
        out["AWS"] = _as_sorted_list([_account_as_root_arn(p) for p in out["AWS"]])
    return out


def _normalize_condition(condition: Mapping[str, Any]) -> dict[str, Any]:
    # Condition key names are case-insensitive (IAM user guide, reference_policies_elements_condition):
    # the SES guide writes `AWS:SourceAccount`, IAM may return `aws:SourceAccount`.
    return {op: {key.lower(): _as_sorted_list(v) for key, v in sorted(body.items(), key=lambda kv: kv[0].lower())}
            for op, body in sorted(condition.items())}


def _normalize_statement(statement: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in statement.items():
        if key == "Sid" and not value:
            continue
        if key in _LISTY_STATEMENT_KEYS:
            out[key] = _as_sorted_list(value)
        elif key in ("Principal", "NotPrincipal"):
            out[key] = _normalize_principal(value)
        elif key == "Condition":
            out[key] = _normalize_condition(value)
        else:
            out[key] = value
    return dict(sorted(out.items()))


def parse_policy(document: str | Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A policy document as a dict, whether AWS returned it as JSON, URL-encoded JSON or a dict."""
    if document is None:
        return None
    if isinstance(document, Mapping):
        return dict(document)
    text = document.strip()
    if text.startswith("%7B") or text.startswith("%7b"):
        text = unquote(text)
    parsed = json.loads(text)
    if not isinstance(parsed, dict):
        raise ValueError("policy document is not a JSON object")
    return parsed


def normalize_policy(document: str | Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Canonical form of an IAM/S3 policy: key order, scalar vs one-element list, principal forms."""
    parsed = parse_policy(document)
    if parsed is None:
        return None
    statements = parsed.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    normalized = [_normalize_statement(s) for s in statements]
    normalized.sort(key=lambda s: json.dumps(s, sort_keys=True))
    out = {k: v for k, v in parsed.items() if k not in ("Statement", "Id")}
    out["Statement"] = normalized
    return dict(sorted(out.items()))


def tags_to_dict(tags: Iterable[Mapping[str, str]] | Mapping[str, str] | None) -> dict[str, str]:
    """Tags from any AWS shape ([{Key,Value}], [{key,value}], or a map), without `aws:` keys."""
    if tags is None:
        return {}
    if isinstance(tags, Mapping):
        pairs = dict(tags)
    else:
        pairs = {t.get("Key", t.get("key", "")): t.get("Value", t.get("value", "")) for t in tags}
    return {k: v for k, v in sorted(pairs.items()) if not k.startswith("aws:")}


def ownership_tags(env: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    return {**(extra or {}), OWNER_TAG_KEY: OWNER_TAG_VALUE, ENV_TAG_KEY: env}


def is_owned(tags: Mapping[str, str], env: str) -> bool:
    return tags.get(OWNER_TAG_KEY) == OWNER_TAG_VALUE and tags.get(ENV_TAG_KEY) == env


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def diff_values(have: Any, want: Any, path: str = "") -> list[FieldChange]:
    """Field changes needed to make `have` look like `want`, scoped to what `want` sets.

    Dicts recurse key by key (keys absent from `want` are not compared); lists of records of the same
    length recurse record by record; anything else compares whole, with absent, null and empty alike.
    Callers normalise set-like lists first.
    """
    if isinstance(want, Mapping) and isinstance(have, Mapping):
        changes: list[FieldChange] = []
        for key, value in want.items():
            changes += diff_values(have.get(key), value, f"{path}.{key}" if path else str(key))
        return changes
    if _records_alike(have, want):
        # Lists of records compare record by record, each by the fields sesl sets: AWS adds members
        # to records it returns (e.g. Glue's S3 targets gain `Exclusions: []`).
        return [c for i, (h, w) in enumerate(zip(have, want, strict=True)) for c in diff_values(h, w, f"{path}[{i}]")]
    if have == want or (_is_empty(have) and _is_empty(want)):
        return []
    return [FieldChange(path or "value", have, want)]


def _records_alike(have: Any, want: Any) -> bool:
    return (isinstance(have, list) and isinstance(want, list) and len(have) == len(want)
            and all(isinstance(h, Mapping) and isinstance(w, Mapping) for h, w in zip(have, want, strict=True)))


def _is_empty(value: Any) -> bool:
    """AWS treats an absent member, null and an empty list or map alike, and often leaves empty ones out."""
    return value is None or (isinstance(value, list | dict | tuple) and not value)


def diff_tags(have: Mapping[str, str], want: Mapping[str, str]) -> list[FieldChange]:
    """Tag changes: sesl's tags are authoritative for the keys it sets; others' keys are left alone."""
    return [FieldChange(f"tags.{k}", have.get(k), v) for k, v in sorted(want.items()) if have.get(k) != v]
