"""Shared set-up of the sandbox benchmarks: moto in this process, the sandbox installed, `dev` applied."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

for name, value in (("AWS_ACCESS_KEY_ID", "bench"), ("AWS_SECRET_ACCESS_KEY", "bench"),
                    ("AWS_DEFAULT_REGION", "us-west-2"), ("AWS_CONFIG_FILE", os.devnull),
                    ("AWS_SHARED_CREDENTIALS_FILE", os.devnull)):
    os.environ[name] = value
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

from sesl import reconcile  # noqa: E402
from sesl.context import AwsContext  # noqa: E402
from sesl.sandbox import install  # noqa: E402
from sesl.sandbox.server import seed_in_process  # noqa: E402
from sesl.spec import default_spec  # noqa: E402


def applied_dev() -> AwsContext:
    """Inside `mock_aws()`: the seeded sandbox with the `dev` environment applied."""
    install()
    seed_in_process()
    reconcile.READ_BACK_WAITS = ()  # moto is consistent at once
    ctx = AwsContext(default_spec("dev"))
    ctx.allow_mutations()
    reconcile.execute(ctx, reconcile.plan(ctx, reconcile.PlanOptions()))
    return ctx
