"""`sesl query`: run a saved advertiser query in the env's workgroup and print its result."""

from __future__ import annotations

import csv
import io
import json

import click
from rich.table import Table

from sesl.athena_query import run_query
from sesl.cli.main import Globals
from sesl.context import AwsContext
from sesl.errors import SeslError
from sesl.naming import FLOWS
from sesl.queries import QUERIES, find, query_sql
from sesl.spec import ENVIRONMENTS, load_spec


@click.command()
@click.argument("name", required=False)
@click.option("--env", "env_name", required=True, type=click.Choice(ENVIRONMENTS), help="Environment to query.")
@click.option("--flow", type=click.Choice(FLOWS), default="newsletter", show_default=True, help="Which table.")
@click.option("--param", "params", multiple=True, help="Execution parameter (the query's days); repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print rows as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print rows as CSV.")
@click.option("--list", "list_only", is_flag=True, help="List the saved queries and exit.")
@click.option("--timeout", default=300.0, show_default=True, help="Seconds to wait for the query.")
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
    if list_only or not name:
        for q in QUERIES:
            console.print(f"{q.name.replace('_', '-'):24} {q.description} (default --param {q.default_days})")
        return
    try:
        definition = find(name)
    except KeyError:
        raise SeslError(f"no saved query {name!r}: `sesl query --list --env {env_name}` lists them") from None
    ctx = AwsContext(load_spec(env_name, g.config), profile=g.profile, region=g.region)
    ctx.allow_mutations()  # StartQueryExecution writes results to the results bucket
    sql = query_sql(definition.name, ctx.names, flow)
    result = run_query(ctx, sql, parameters=params or (str(definition.default_days),), timeout=timeout)
    if as_json:
        click.echo(json.dumps([dict(zip(result.columns, row, strict=False)) for row in result.rows], indent=2))
    elif as_csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(result.columns)
        writer.writerows(result.rows)
        click.echo(buffer.getvalue(), nl=False)
    else:
        table = Table(title=f"{definition.name} · {flow} · env {env_name}")
        for column in result.columns:
            table.add_column(column)
        for row in result.rows:
            table.add_row(*[v if v is not None else "" for v in row])
        console.print(table)
    click.echo(f"{len(result.rows)} row(s); scanned {result.scanned_bytes:,} bytes; cost ${result.cost_usd:.6f} "
               f"(execution {result.execution_id})", err=True)


COMMANDS = (query,)
