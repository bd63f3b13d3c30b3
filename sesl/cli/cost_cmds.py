"""`sesl cost`: a monthly estimate for the design at a given volume, line by line."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table

from sesl.cli.common import config_source, env_option, load
from sesl.cli.globals import Globals
from sesl.cost import BufferAdvice, Volume, buffer_advice, estimate, load_prices, total
from sesl.model import FORMAT_VERSION

# Firehose's largest record (PutRecord: 1,000 KiB before base64 encoding).
MAX_RECORD_BYTES = 1_024_000


@click.command()
@env_option
@click.option("--events-per-day", default=Volume.events_per_day, show_default=True, type=click.IntRange(min=0),
              help="SES events per stream per day.")
@click.option("--avg-event-bytes", default=Volume.avg_event_bytes, show_default=True,
              type=click.IntRange(min=1, max=MAX_RECORD_BYTES), help="Average record size (JSON).")
@click.option("--queries-per-day", default=Volume.queries_per_day, show_default=True, type=click.IntRange(min=0),
              help="Athena queries per day.")
@click.option("--avg-scan-mb", default=Volume.avg_scan_mb, show_default=True, type=click.FloatRange(min=0),
              help="Average data scanned per query.")
@click.option("--prices", "prices_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A price file of your own (same shape as sesl/data/prices-us-west-2.json).")
@click.option("--json", "as_json", is_flag=True, help="Print the estimate as JSON.")
@click.pass_obj
def cost(g: Globals, env_name: str, events_per_day: int, avg_event_bytes: int, queries_per_day: int,
         avg_scan_mb: float, prices_file: Path | None, as_json: bool) -> None:
    """Estimate the monthly AWS cost of the env's design at a given volume (offline).

    Firehose bills every record rounded up to 5 KB, twice with Parquet conversion: for SES-sized
    records that is most of the bill. Prices come from one dated file; the estimate prints its date.

    \b
    Example:
      sesl cost --env prod
      sesl cost --env prod --events-per-day 50000 --queries-per-day 100
    """
    spec = load(g, env_name)
    data = load_prices(prices_file)
    lines = estimate(spec, Volume(events_per_day, avg_event_bytes, queries_per_day, avg_scan_mb), data)
    advice = buffer_advice(spec.firehose.buffer_interval_seconds, events_per_day, data["measured"])
    if as_json:
        click.echo(json.dumps({"format_version": FORMAT_VERSION, "env": env_name,
                               "config": config_source(g).label, "prices_as_of": data["as_of"], "currency": "USD",
                               "lines": [{"item": x.item, "detail": x.detail, "usd": round(x.usd, 4)} for x in lines],
                               "total_usd": round(total(lines), 4), "buffer_advice": _advice_json(advice)},
                              indent=2))
        return
    table = Table(title=f"sesl cost · env {env_name} · {events_per_day:,} events/day per stream · per month")
    table.add_column("item")
    table.add_column("how", overflow="fold")
    table.add_column("USD", justify="right")
    for line in lines:
        table.add_row(line.item, line.detail, f"{line.usd:,.2f}")
    table.add_row("[bold]total[/bold]", "", f"[bold]{total(lines):,.2f}[/bold]")
    console = g.console()
    console.print(table)
    console.print(f"Prices for {data.get('region', 'us-west-2')} as of {data['as_of']} "
                  f"({'your file ' + str(prices_file) if prices_file else 'sesl/data/prices-us-west-2.json'}); "
                  f"storage sizes measured on {data['measured']['date']} by `{data['measured']['command']}`.")
    console.print(_advice_line(env_name, advice))


def _advice_json(advice: BufferAdvice) -> dict[str, object]:
    return {"current_seconds": advice.current_seconds, "recommended_seconds": advice.seconds,
            "files_per_day": round(advice.files_per_day, 1), "file_kb": round(advice.file_bytes / 1024, 1),
            "footer_share": round(advice.footer_share, 3), "compact_daily": advice.compact, "reason": advice.reason}


def _advice_line(env_name: str, advice: BufferAdvice) -> str:
    change = ("keep it" if advice.seconds == advice.current_seconds
              else f"set env.{env_name}.firehose.buffer_interval_seconds = {advice.seconds}")
    return f"Buffering: {advice.current_seconds} s now; {change}: {advice.reason}."


COMMANDS = (cost,)
