"""sesl's own error types. The CLI turns each into one line on stderr and a non-zero exit."""

from __future__ import annotations


class SeslError(Exception):
    """A permanent problem the user must act on. The message says what, where and what to do."""

    exit_code = 1


class ConfigError(SeslError):
    """The environment spec or config file is invalid."""


class ValidationError(SeslError):
    """The desired state breaks a rule AWS documents; nothing was called."""


class AccountMismatchError(SeslError):
    """The credentials belong to another account than the one pinned for the environment."""


class AwsCallError(SeslError):
    """An AWS call failed permanently (after retries)."""


class ApplyError(SeslError):
    """A change failed mid-apply; the message lists what was and was not done."""


class StalePlanError(SeslError):
    """A saved plan no longer matches the live state."""


class LockError(SeslError):
    """The environment lock is held by someone else."""


class RefusedError(SeslError):
    """A safety guard refused the operation (prod destroy, data deletion, replacement)."""
