"""Plan -> what people read (Terraform's vocabulary) and Plan -> JSON for machines."""

from __future__ import annotations

import difflib
import json
from typing import Any

from rich.console import Console
from rich.markup import escape

from sesl.model import Action, Change, FieldChange, Plan

_STYLE = {Action.CREATE: "green", Action.UPDATE: "yellow", Action.REPLACE: "magenta", Action.DELETE: "red",
          Action.KEEP: "cyan", Action.CONFLICT: "bold red", Action.ADOPT: "blue",
          Action.REFUSE: "bold red"}
LONG_VALUE = 80


def _short(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _lines(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.splitlines()
    return json.dumps(value, indent=2, sort_keys=True, default=str).splitlines()


def _field_lines(f: FieldChange, action: Action) -> list[str]:
    before, after = _short(f.before), _short(f.after)
    if action is Action.CREATE:
        return [f"{f.path}: {escape(after)}"]
    multiline_text = any(isinstance(v, str) and "\n" in v for v in (f.before, f.after))
    structured = isinstance(f.before or f.after, dict | list)
    if max(len(before), len(after)) <= LONG_VALUE or not (structured or multiline_text):
        return [f"{f.path}: {escape(before)} → {escape(after)}"]
    # Long documents (IAM and bucket policies, lifecycle rules, SQL) read best as a line diff.
    old, new = _lines(f.before), _lines(f.after)
    lines = [f"{f.path}:"]
    for line in difflib.unified_diff(old, new, lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
        lines.append(f"  [{style}]{escape(line)}[/{style}]")
    return lines


def _change_lines(change: Change) -> list[str]:
    style = _STYLE[change.action]
    aspect = "" if change.aspect == "resource" else f" [dim]({change.aspect})[/dim]"
    head = f"  [{style}]{change.action.symbol}[/{style}] {escape(change.address)}{aspect}"
    if change.reason:
        head += f" [dim]# {escape(change.reason)}[/dim]"
    return [head, *(f"      {line}" for f in change.fields for line in _field_lines(f, change.action))]


def summary_line(plan: Plan) -> str:
    s = plan.summary()
    if plan.mode == "destroy":
        text = f"Plan: 0 to add, 0 to change, {s['destroy']} to destroy."
        return text + (f" {s['keep']} kept." if s["keep"] else "")
    if not plan.has_changes:
        return "No changes. The live state matches the spec."
    text = f"Plan: {s['add']} to add, {s['change']} to change, {s['destroy']} to destroy."
    if s["replace"]:
        text = text[:-1] + f", {s['replace']} to replace."
    if s["conflict"]:
        text += f" {s['conflict']} conflict(s): not sesl's (see --adopt)."
    if s["refuse"]:
        text += f" {s['refuse']} refused: AWS cannot make them in place (see each one's reason)."
    return text


PLACEHOLDER = "env.<name>"


def concrete_warnings(warnings: tuple[str, ...], env: str) -> tuple[str, ...]:
    """Warnings name the env's own keys (`env.prod.alert_email`), not the placeholder."""
    return tuple(w.replace(PLACEHOLDER, f"env.{env}") for w in warnings)


def warnings_for_changes(plan: Plan) -> list[str]:
    """The warnings worth saying in a plan: those about a resource it changes, and those about the
    run itself (expired ignore rules, targets). The rest belong to `sesl validate`."""
    addresses = {c.address for c in plan.changes if c.action is not Action.KEEP}
    shown = []
    for warning in plan.warnings:
        subject = warning.split(": ", 1)[0]
        about_a_resource = "." in subject and " " not in subject
        if not about_a_resource or subject in addresses:
            shown.append(warning)
    return shown


def render_plan(console: Console, plan: Plan) -> None:
    verb = "destroy" if plan.mode == "destroy" else "plan"
    config = f" · config {escape(plan.config)}" if plan.config else ""
    console.print(f"[bold]sesl {verb}[/bold] env [bold]{plan.env}[/bold] · account {plan.account} · {plan.region}"
                  + config)
    for warning in warnings_for_changes(plan):
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    if plan.changes:
        console.print()
    for change in plan.changes:
        for line in _change_lines(change):
            console.print(line, highlight=False)
    if plan.ignored:
        console.print("\n[dim]Ignored by rules in the config (not applied):[/dim]")
        for change, why in plan.ignored:
            for line in _change_lines(change):
                console.print(f"[dim]{line}[/dim]", highlight=False)
            console.print(f"      [dim]reason: {escape(why)}[/dim]")
    console.print()
    console.print(f"[bold]{summary_line(plan)}[/bold]")


def plan_json(plan: Plan) -> str:
    return json.dumps(plan.to_json(), indent=2, sort_keys=False, default=str)
