"""The exit codes of every command: published in docs/cli.md, and each one tested.

2 is kept for "changes present" (Terraform's -detailed-exitcode); every error, usage errors and
refusals by a safety guard included, is 1.
"""

from __future__ import annotations

OK = 0
ERROR = 1
CHANGES = 2
INTERRUPTED = 130

MEANING = {
    OK: "success: nothing to change (`diff`), in sync (`drift`), every step passed (`verify`)",
    ERROR: "error: a usage error, an invalid config, missing or expired credentials, an unreachable endpoint, "
           "a failed AWS call, a refusal by a safety guard, a failed `verify` step; one line on stderr",
    CHANGES: "changes present (`diff`) or drift found (`drift`); only these two commands use it",
    INTERRUPTED: "interrupted (Ctrl-C); run the command again, sesl converges from whatever state it finds",
}

BY_COMMAND: dict[str, tuple[int, ...]] = {
    "apply": (OK, ERROR, INTERRUPTED),
    "compact": (OK, ERROR, INTERRUPTED),
    "cost": (OK, ERROR, INTERRUPTED),
    "demo": (OK, ERROR, INTERRUPTED),
    "destroy": (OK, ERROR, INTERRUPTED),
    "diff": (OK, ERROR, CHANGES, INTERRUPTED),
    "drift": (OK, ERROR, CHANGES, INTERRUPTED),
    "query": (OK, ERROR, INTERRUPTED),
    "sandbox": (OK, ERROR, INTERRUPTED),
    "unlock": (OK, ERROR, INTERRUPTED),
    "validate": (OK, ERROR, INTERRUPTED),
    "verify": (OK, ERROR, INTERRUPTED),
}
