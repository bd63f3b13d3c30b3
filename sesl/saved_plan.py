"""Saved plans: `sesl diff --out plan.json`, then `sesl apply plan.json` applies exactly that plan.

A saved plan is the plan's JSON plus the options it was made with. Applying it re-reads the live state
and plans again with the same options; if the fresh plan differs in any change, the saved plan is stale
and apply refuses, naming what changed (Terraform's "Saved plan is stale"). Otherwise the fresh plan,
identical to the saved one, is executed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sesl.errors import SeslError, StalePlanError
from sesl.model import PLAN_FORMAT_VERSION, Plan

KIND = "sesl-plan"


def save_plan(plan: Plan, path: str | Path, targets: tuple[str, ...], adopt: bool) -> None:
    document = {"kind": KIND, **plan.to_json(), "options": {"targets": list(targets), "adopt": adopt}}
    Path(path).write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")


def load_plan(path: str | Path) -> dict[str, Any]:
    try:
        document: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SeslError(f"plan file {path} does not exist") from None
    except ValueError as exc:
        raise SeslError(f"plan file {path} is not JSON: {exc}") from None
    if document.get("kind") != KIND or document.get("mode") != "apply":
        raise SeslError(f"{path} is not a plan saved by `sesl diff --out`")
    if document.get("format_version") != PLAN_FORMAT_VERSION:
        raise SeslError(f"{path} has plan format {document.get('format_version')}, this sesl reads "
                        f"{PLAN_FORMAT_VERSION}: make the plan again")
    return document


def _index(changes: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(c["address"], c["aspect"]): c for c in changes}


def check_current(saved: dict[str, Any], fresh: Plan) -> None:
    """Refuse, naming the differences, unless the fresh plan is the saved one."""
    for key in ("env", "account", "region"):
        current = getattr(fresh, key)
        if saved[key] != current:
            raise StalePlanError(f"the plan was made for {key} {saved[key]}, not {current}: nothing was changed")
    old, new = _index(saved["changes"]), _index([c.to_json() for c in fresh.changes])
    reasons = [f"{a} ({s}) no longer needed" for a, s in sorted(set(old) - set(new))]
    reasons += [f"{a} ({s}) is new" for a, s in sorted(set(new) - set(old))]
    reasons += [f"{a} ({s}) changed" for a, s in sorted(set(old) & set(new)) if old[(a, s)] != new[(a, s)]]
    if reasons:
        raise StalePlanError("saved plan is stale, the live state changed since it was made: " + "; ".join(reasons)
                             + "; nothing was changed: run `sesl diff --out` again")
