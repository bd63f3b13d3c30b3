"""docs/sandbox.md, generated from the shaping registry and the gap modules (a test keeps it current)."""

from __future__ import annotations

import importlib

from sesl.sandbox.gaps import GAP_MODULES
from sesl.sandbox.shapes import ENV_SWITCH, SHAPE_MODULES, all_shapings


def _first_paragraph(module: str) -> str:
    doc = importlib.import_module(module).__doc__ or ""
    return " ".join(doc.strip().split("\n\n")[0].split())


def install_notes() -> list[tuple[str, str]]:
    """(module, docstring) of each shaping module's install(): the defaults it applies."""
    notes = []
    for module in SHAPE_MODULES:
        install = getattr(importlib.import_module(module), "install", None)
        if install is not None:
            notes.append((module.rsplit(".", 1)[1], install.__doc__ or ""))
    return notes


def sandbox_reference() -> str:
    lines = [
        "# The sandbox", "",
        "`sesl sandbox` and `sesl demo` run moto 5.2.5 with two layers of sesl's own on top. Generated from "
        "`sesl/sandbox/` by `scripts/gen_docs.py`; a test keeps it current.", "",
        "## Answers shaped the way AWS answers", "",
        "moto gives back what it was sent; AWS normalises values and fills in members nobody set. Each row "
        "reshapes moto's answer to one operation into what AWS returns, server side, so every client (boto3, "
        "the AWS CLI, the tests, the demo) sees it. The layer is on by default; "
        f"`{ENV_SWITCH}=0` in the sandbox's environment (or `sesl sandbox --moto-echo`) turns it off.", "",
        "| operation | what AWS answers differently | source |", "| --- | --- | --- |",
    ]
    lines += [f"| {s.service} `{s.operation}` | {s.what} | {s.source} |" for s in all_shapings()]
    lines += ["", "### Defaults AWS applies that a reshaped answer cannot express", "",
              "Applied to moto's backends when the layer is on (each shaping module's `install()`).", "",
              "| module | what AWS does |", "| --- | --- |"]
    lines += [f"| `{name}` | {' '.join(doc.split())} |" for name, doc in install_notes()]
    lines += ["", "## Calls moto lacks, filled", "",
              "Each module of `sesl/sandbox/gaps/` adds what moto does not implement, behaving as the AWS API "
              "reference says (request and response shapes, error codes).", "",
              "| module | what it fills |", "| --- | --- |"]
    lines += [f"| `{m.rsplit('.', 1)[1]}` | {_first_paragraph(m)} |" for m in GAP_MODULES]
    return "\n".join(lines) + "\n"
