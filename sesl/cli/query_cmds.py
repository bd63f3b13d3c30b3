"""`sesl query`: run a saved advertiser query in the env's workgroup and print its result."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

import click
from rich.table import Table

from sesl.athena_query import QueryResult, run_query
from sesl.cli.common import check_streams, env_option, exclusive, load, open_context
from sesl.cli.globals import Globals
from sesl.errors import SeslError
from sesl.queries import QUERIES, find, query_sql

MAX_DAYS = 36_500


def days_parameter(value: str) -> str:
    """The saved queries take one parameter, a number of days."""
    if not value.isdigit() or not 1 <= int(value) <= MAX_DAYS:
        raise SeslError(f"--param {value!r}: must be a whole number of days from 1 to {MAX_DAYS}")
    return str(int(value))


@click.command()
@click.argument("name", required=False)
@env_option
@click.option("--stream", "--flow", "flow", default="newsletter", show_default=True, metavar="NAME",
              help="Which stream's table (one of the env's streams).")
@click.option("--param", "params", multiple=True, metavar="DAYS",
              help="The query's parameter: how many days back (default: the query's own).")
@click.option("--json", "as_json", is_flag=True, help="Print rows as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print rows as CSV.")
@click.option("--list", "list_only", is_flag=True, help="List the saved queries and exit.")
@click.option("--timeout", default=300.0, show_default=True, type=click.FloatRange(min=1),
              help="Seconds to wait for the query.")
@click.pass_obj
def query(g: Globals, name: str | None, env_name: str, flow: str, params: tuple[str, ...], as_json: bool,
          as_csv: bool, list_only: bool, timeout: float) -> None:
    """Run a saved advertiser query through the env's Athena workgroup and print the result.

    Prints the data scanned and its cost ($5 per TB, 10 MB minimum per query).

    \b
    Example:
      sesl query --list --env dev
      sesl query daily-engagement --env prod --param 30
      sesl query top-links --env prod --flow newsletter --csv > links.csv
    """
    console = g.console()
    exclusive({"--json": as_json, "--csv": as_csv})
    spec = load(g, env_name)  # an env the config does not define is an error, even where the list needs no env
    check_streams(spec, [flow])
    if list_only or not name:
        for q in QUERIES:
            console.print(f"{q.name.replace('_', '-'):24} {q.description} (default --param {q.default_days})")
        return
    try:
        definition = find(name)
    except KeyError:
        raise SeslError(f"no saved query {name!r}: `sesl query --list --env {env_name}` lists them") from None
    if len(params) > 1:
        raise SeslError(f"{definition.name.replace('_', '-')} takes one --param (days), got {len(params)}")
    days = [days_parameter(p) for p in params] or [str(definition.default_days)]
    ctx = open_context(g, env_name, "query")
    ctx.allow_mutations()  # StartQueryExecution writes results to the results bucket
    sql = query_sql(definition.name, ctx.names, flow)
    result = run_query(ctx, sql, parameters=days, timeout=timeout)
    if not result.columns:  # an empty result may come without its metadata: the header is still known
        result = replace(result, columns=list(definition.columns))
    if as_json:
        click.echo(json.dumps([dict(zip(result.columns, row, strict=False)) for row in result.rows], indent=2))
    elif as_csv:
        click.echo(_csv(result), nl=False)
    else:
        _table(g, result, f"{definition.name} · {flow} · env {env_name}")
    # The rows go to stdout; the count and cost to stderr, so `--json`/`--csv` output stays clean.
    click.echo(f"{len(result.rows)} row(s); scanned {result.scanned_bytes:,} bytes; cost ${result.cost_usd:.6f} "
               f"(execution {result.execution_id})", err=as_json or as_csv)


def _csv(result: QueryResult) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(result.columns)
    writer.writerows(result.rows)
    return buffer.getvalue()


def _table(g: Globals, result: QueryResult, title: str) -> None:
    if not result.rows:
        click.echo(f"{title}: 0 rows")
        return
    table = Table(title=title)
    for column in result.columns:
        table.add_column(column)
    for row in result.rows:
        table.add_row(*[v if v is not None else "" for v in row])
    g.console().print(table)


COMMANDS = (query,)
