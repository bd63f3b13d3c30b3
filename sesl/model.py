"""The plan: frozen, JSON-serialisable data produced by planning and executed by apply.

`diff` renders a Plan, `apply` renders then executes the same Plan, `destroy` builds a Plan of
deletions. Each Change is one aspect of one resource (e.g. a bucket's lifecycle), so the output says
exactly which aspect drifted.
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

FORMAT_VERSION = "1.0"  # of the JSON documents of drift, verify, cost and compact
# Of plans (diff --json, saved plans). 2.0: each change lists the AWS operations apply calls for it.
PLAN_FORMAT_VERSION = "2.0"


class Action(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    KEEP = "keep"          # destroy keeps it (it holds data, or sesl must not delete it)
    CONFLICT = "conflict"  # exists with sesl's name but is not sesl's: nothing is done without --adopt
    ADOPT = "adopt"        # --adopt: take an existing resource over by tagging it
    REFUSE = "refuse"      # AWS cannot make this change in place: apply refuses the plan, saying the way out

    @property
    def symbol(self) -> str:
        return {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "keep": "=",
                "conflict": "!", "adopt": "&", "refuse": "x"}[self.value]

    @property
    def mutates(self) -> bool:
        return self not in (Action.KEEP, Action.CONFLICT, Action.REFUSE)


@dataclass(frozen=True)
class DestroyOptions:
    """What a destroy may delete beyond sesl's empty resources (both off by default)."""

    delete_data: bool = False
    delete_saved_queries: bool = False


@dataclass(frozen=True)
class FieldChange:
    path: str
    before: Any
    after: Any

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class Change:
    kind: str
    name: str
    action: Action
    aspect: str = "resource"
    fields: tuple[FieldChange, ...] = ()
    reason: str = ""
    # The AWS operations apply calls for this change (`service:Operation`), from the kind's declarations,
    # and the call that writes it: "whole" when it shares the resource's one whole-resource call.
    operations: tuple[str, ...] = ()
    call: str = ""
    # What the kind's apply() needs; not part of the plan's identity or its JSON.
    want: Any = field(default=None, compare=False, repr=False)
    have: Any = field(default=None, compare=False, repr=False)

    @property
    def address(self) -> str:
        return f"{self.kind}.{self.name}"

    def to_json(self) -> dict[str, Any]:
        return {"address": self.address, "kind": self.kind, "name": self.name, "action": self.action.value,
                "aspect": self.aspect, "reason": self.reason,
                "fields": [f.to_json() for f in self.fields],
                "operations": list(self.operations), "call": self.call}


@dataclass(frozen=True)
class Plan:
    env: str
    account: str
    region: str
    changes: tuple[Change, ...] = ()
    warnings: tuple[str, ...] = ()
    ignored: tuple[tuple[Change, str], ...] = ()
    mode: str = "apply"  # "apply" or "destroy"
    config: str = ""  # the config file the spec came from, or "built-in defaults" (set by the CLI)

    def count(self, *actions: Action) -> int:
        return sum(1 for c in self.changes if c.action in actions)

    @property
    def actionable(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action.mutates)

    @property
    def has_changes(self) -> bool:
        return any(c.action is not Action.KEEP for c in self.changes)

    def summary(self) -> dict[str, int]:
        return {"add": self.count(Action.CREATE), "change": self.count(Action.UPDATE, Action.ADOPT),
                "replace": self.count(Action.REPLACE), "destroy": self.count(Action.DELETE),
                "keep": self.count(Action.KEEP), "conflict": self.count(Action.CONFLICT),
                "refuse": self.count(Action.REFUSE),
                "ignored": len(self.ignored)}

    def fingerprint(self) -> str:
        """A digest of what the plan would do: two plans with the same fingerprint are the same plan."""
        body = json.dumps([c.to_json() for c in self.changes], sort_keys=True, default=str)
        return hashlib.sha256(body.encode()).hexdigest()

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": PLAN_FORMAT_VERSION,
            "mode": self.mode,
            "env": self.env,
            "account": self.account,
            "region": self.region,
            "config": self.config,
            "summary": self.summary(),
            "fingerprint": self.fingerprint(),
            "changes": [c.to_json() for c in self.changes],
            "ignored": [{**c.to_json(), "ignore_reason": why} for c, why in self.ignored],
            "warnings": list(self.warnings),
        }
