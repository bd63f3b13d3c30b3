"""Streams taken out of the config: found again by their Glue tables, their resources planned for deletion.

sesl keeps no state file, so a stream removed from `[[env.<name>.streams]]` must be found in the account.
Every Glue table sesl makes records its stream in its parameters (`sesl.naming.Names.stream_record`: the
stream's name, configuration set and Firehose stream). A plan lists the env's database once (GetTables), and
each table sesl made for this env that no configured stream has is a retired stream's.

A retired stream's resources are the desired objects of the env with only that stream, less every object the
env still wants: the roles, the database, the dashboard and the account alarms are shared and stay (they are
updated by the plan's other changes), the stream's own are deleted as destroy deletes them, sesl's only. Its
data stays: the objects under its prefix are the events bucket's, which is not the stream's. Its table is
deleted last (`LAST`), after every other deletion of the run, so a run stopped half-way finds the stream again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import botocore.exceptions

from sesl.aws_errors import error_code
from sesl.context import AwsContext
from sesl.diff import is_owned
from sesl.naming import CONFIGURATION_SET_PARAM, DELIVERY_STREAM_PARAM, STREAM_PARAM, StreamNames
from sesl.resources import REGISTRY
from sesl.resources.base import Env, Kind
from sesl.spec import StreamSettings

# The kind whose deletion waits for every other deletion of a run: what a retired stream is found by.
LAST = frozenset({"glue_table"})
LEGACY_SUFFIX = "_events"  # tables made before they recorded their stream: newsletter_events, ...


def retired_streams(ctx: AwsContext, env: Env) -> list[StreamNames]:
    """The streams of the env's tables that the config no longer lists, with the names they were made with."""
    current = {env.names.table(flow) for flow in env.spec.flows}
    found = []
    for table in _tables(ctx, env.names.database):
        params = table.get("Parameters") or {}
        if table["Name"] in current or not is_owned(params, env.spec.env):
            continue
        stream = _recorded(table["Name"], params, env)
        if stream is not None:
            found.append(stream)
    return found


def _tables(ctx: AwsContext, database: str) -> list[dict[str, Any]]:
    glue = ctx.client("glue")
    try:
        return [t for page in glue.get_paginator("get_tables").paginate(DatabaseName=database)
                for t in page.get("TableList", [])]
    except botocore.exceptions.ClientError as exc:
        if error_code(exc) == "EntityNotFoundException":
            return []
        raise


def _recorded(table: str, params: dict[str, str], env: Env) -> StreamNames | None:
    flow = params.get(STREAM_PARAM) or (table.removesuffix(LEGACY_SUFFIX).replace("_", "-")
                                        if table.endswith(LEGACY_SUFFIX) else "")
    if not flow:
        return None
    default = StreamNames(flow)
    return StreamNames(flow, params.get(CONFIGURATION_SET_PARAM, default.configuration_set),
                       params.get(DELIVERY_STREAM_PARAM, default.delivery_stream), table,
                       env.names.stream_names(flow).prefix)


def retired_env(env: Env, streams: Sequence[StreamNames]) -> Env:
    """The env as it was with only these streams."""
    settings = [StreamSettings(s.name, s.configuration_set, s.delivery_stream, s.table, s.prefix) for s in streams]
    return Env(replace(env.spec, streams=settings), replace(env.names, streams=tuple(streams)))


def retired_pairs(ctx: AwsContext, env: Env, kinds: Iterable[Kind[Any, Any]]) -> list[tuple[Kind[Any, Any], Any]]:
    """(kind, object) for every resource of a retired stream, in the order deletions run: the reverse of the
    registry, the tables last."""
    streams = retired_streams(ctx, env)
    if not streams:
        return []
    kept = {(kind.kind, want.name) for kind in REGISTRY for want in kind.desired(env)}
    old = retired_env(env, streams)
    pairs = [(kind, want) for kind in reversed(list(kinds)) for want in kind.desired(old)
             if (kind.kind, want.name) not in kept]
    return sorted(pairs, key=lambda pair: pair[0].kind in LAST)
