"""Calls sesl needs that moto 5.2.5 lacks, added to moto's in-process backends.

Each module here fills one gap with a small addition that behaves as the AWS API reference says
(request and response shapes, error codes), and has a test that calls it through a real boto3
client. `install()` is idempotent and must run before a moto server builds its URL map.
"""

from __future__ import annotations

import importlib

GAP_MODULES: tuple[str, ...] = (
    "sesl.sandbox.gaps.s3_policy_conditions",
    "sesl.sandbox.gaps.sesv2_event_destinations",
    "sesl.sandbox.gaps.athena_gaps",
    "sesl.sandbox.gaps.budgets_gaps",
    "sesl.sandbox.gaps.glue_update_crawler",
    "sesl.sandbox.gaps.firehose_delivery",
    "sesl.sandbox.gaps.athena_engine",
    "sesl.sandbox.gaps.ses_event_publishing",
    "sesl.sandbox.gaps.vpc_endpoints",
)

_installed: list[bool] = []


def install() -> None:
    if _installed:
        return
    for name in GAP_MODULES:
        importlib.import_module(name).install()
    _installed.append(True)
