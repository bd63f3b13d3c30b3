"""The constraints AWS documents for the Glue values sesl sets that botocore's model cannot express.

botocore's glue model gives `CronExpression` no pattern at all, so a schedule such as
`cron(61 25 ? * SUN *)` passes every client-side check and fails only at CreateCrawler. Sources, per
rule: the Glue developer guide pages "Time-based schedules for jobs and crawlers"
(https://docs.aws.amazon.com/glue/latest/dg/monitor-data-warehouse-schedule.html, SCHED), "Setting crawler
configuration options" (crawler-configuration, CFG) and "Defining crawlers" (define-crawler, DEF); the Athena
guide pages tables-databases-columns-names (NAMES) and partition-projection* (PROJ); the botocore glue
documentation strings (BC). See aws-reference.md §3.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
MIN_INTERVAL_MINUTES = 5  # SCHED: "Cron expressions that lead to rates faster than 5 minutes are not supported."


@dataclass(frozen=True)
class CronField:
    """One field of a Glue cron expression as SCHED's table gives it: its range, names, wildcards."""

    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    wildcards: str = ",-*/"

    def value(self, text: str) -> int | None:
        if text.isdigit():
            return int(text)
        upper = text.upper()
        return self.names.index(upper) + self.low if upper in self.names else None


# SCHED: Minutes 0-59 `, - * /`; Hours 0-23 `, - * /`; Day-of-month 1-31 `, - * ? / L W`;
# Month 1-12 or JAN-DEC `, - * /`; Day-of-week 1-7 or SUN-SAT `, - * ? / L`; Year 1970-2199 `, - * /`.
FIELDS = (
    CronField("minutes", 0, 59),
    CronField("hours", 0, 23),
    CronField("day-of-month", 1, 31, wildcards=",-*?/LW"),
    CronField("month", 1, 12, MONTHS),
    CronField("day-of-week", 1, 7, WEEKDAYS, wildcards=",-*?/L"),
    CronField("year", 1970, 2199),
)
CRON = re.compile(r"cron\((.*)\)")


def _item_values(field: CronField, item: str) -> tuple[set[int], str | None]:
    """The values one comma-separated item selects, or a problem."""
    base, slash, step_text = item.partition("/")
    if slash and "/" not in field.wildcards:
        return set(), "'/' is not allowed here"
    step = 1
    if slash:
        if not step_text.isdigit() or int(step_text) < 1:
            return set(), f"increment {step_text!r} must be a positive number"
        step = int(step_text)
    if base in ("L", "LW") and base[-1] in field.wildcards:  # the last day (of the month or week)
        return ({field.high}, None) if not slash else (set(), f"{base!r} takes no increment")
    if base.endswith("W") and "W" in field.wildcards:  # 15W: the weekday nearest the 15th
        day = field.value(base[:-1])
        if day is None or not field.low <= day <= field.high or slash:
            return set(), f"{base!r} must be a day {field.low}-{field.high} followed by W"
        return {day}, None
    if base.endswith("L") and "L" in field.wildcards:  # 6L: the last Friday of the month
        value = field.value(base[:-1])
        if value is None or not field.low <= value <= field.high or slash:
            return set(), f"{base!r} must be a value {field.low}-{field.high}{_names(field)} followed by L"
        return {value}, None
    if base == "*":
        low, high = field.low, field.high
    else:
        first, dash, last = base.partition("-")
        low_value, high_value = field.value(first), field.value(last) if dash else field.value(first)
        if low_value is None or high_value is None:
            return set(), f"{base!r} is not a value of {field.low}-{field.high}{_names(field)}"
        for value in (low_value, high_value):
            if not field.low <= value <= field.high:
                return set(), f"{value} is outside {field.low}-{field.high}"
        low, high = low_value, (high_value if dash else (field.high if slash else low_value))
    span = list(range(low, high + 1)) if low <= high else [*range(low, field.high + 1), *range(field.low, high + 1)]
    return set(span[::step]), None  # a range such as FRI-MON wraps around


def _names(field: CronField) -> str:
    return f" or {field.names[0]}-{field.names[-1]}" if field.names else ""


def field_problems(field: CronField, text: str) -> tuple[set[int], list[str]]:
    """The values a field selects and what is wrong with it (SCHED's value ranges and wildcards)."""
    if text == "?":
        return set(), [] if "?" in field.wildcards else [f"{field.name} cannot be '?'"]
    values: set[int] = set()
    problems: list[str] = []
    for item in text.split(","):
        if not item:
            problems.append(f"{field.name} {text!r} has an empty list item")
            continue
        found, problem = _item_values(field, item)
        values |= found
        if problem:
            problems.append(f"{field.name} {text!r}: {problem}")
    return values, problems


def _fastest_minutes(minutes: Iterable[int], hours: set[int]) -> int:
    """The shortest gap between two runs implied by the minute and hour fields."""
    ordered = sorted(set(minutes))
    gaps = [b - a for a, b in itertools.pairwise(ordered)]
    consecutive_hours = any((h + 1) % 24 in hours for h in hours)
    if ordered and consecutive_hours:
        gaps.append(60 - ordered[-1] + ordered[0])
    return min(gaps, default=60)


def schedule_problems(expression: str) -> list[str]:
    """Every rule SCHED gives for a Glue schedule, in one message; an empty list when Glue accepts it."""
    match = CRON.fullmatch(expression.strip())
    parts = match.group(1).split() if match else []
    if len(parts) != len(FIELDS):
        return [f"schedule {expression!r} must be cron(minutes hours day-of-month month day-of-week year), "
                "six fields in UTC"]
    problems: list[str] = []
    selected: list[set[int]] = []
    for field, text in zip(FIELDS, parts, strict=True):
        values, found = field_problems(field, text)
        selected.append(values)
        problems += found
    if (parts[2] == "?") == (parts[4] == "?"):
        # SCHED, Limits: "You can't specify the Day-of-month and Day-of-week fields in the same cron expression.
        # If you specify a value in one of the fields, you must use a ? (question mark) in the other."
        problems.append("exactly one of day-of-month and day-of-week must be '?'")
    if not problems and _fastest_minutes(selected[0], selected[1]) < MIN_INTERVAL_MINUTES:
        problems.append(f"runs more often than every {MIN_INTERVAL_MINUTES} minutes, which Glue does not support")
    return [f"schedule {expression!r}: {'; '.join(problems)}"] if problems else []


# CFG / Glue API CrawlerRecrawlPolicy: "Crawl new folders only" applies to Amazon S3 targets only and allows only
# LOG for both UpdateBehavior and DeleteBehavior (aws-reference.md §3.7).
NEW_FOLDERS_ONLY = "CRAWL_NEW_FOLDERS_ONLY"


def crawler_policy_problems(recrawl: str, update: str, delete: str, target_kinds: Iterable[str]) -> list[str]:
    if recrawl != NEW_FOLDERS_ONLY:
        return []
    problems = []
    if (update, delete) != ("LOG", "LOG"):
        problems.append(f"RecrawlBehavior {NEW_FOLDERS_ONLY} allows only LOG UpdateBehavior and DeleteBehavior, "
                        f"not {update}/{delete}")
    others = sorted(set(target_kinds) - {"S3Targets"})
    if others:
        problems.append(f"RecrawlBehavior {NEW_FOLDERS_ONLY} applies only to S3 targets, not {', '.join(others)}")
    return problems


# DEF: "Catalog targets cannot be mixed with other target types"; DatabaseName is required for every target type
# except catalog targets (botocore CreateCrawlerRequest leaves it optional).
CATALOG_TARGETS = "CatalogTargets"


def crawler_target_problems(targets: dict[str, Any], database: str | None) -> list[str]:
    kinds = [k for k, v in targets.items() if v]
    problems = []
    if CATALOG_TARGETS in kinds and len(kinds) > 1:
        others = ", ".join(k for k in kinds if k != CATALOG_TARGETS)
        problems.append(f"Targets: {CATALOG_TARGETS} cannot be mixed with {others}")
    if not database and any(k != CATALOG_TARGETS for k in kinds):
        problems.append("DatabaseName: required for crawler targets other than CatalogTargets")
    return problems


# NAMES: "Athena ... lower cases the names"; database, table and column names may hold only lowercase letters,
# digits and underscore ("the only acceptable special character is underscore"); Glue folds Name to lowercase
# when it stores it (BC DatabaseInput/TableInput), so an uppercase name would never read back as sent.
ATHENA_NAME = re.compile(r"[a-z0-9_]{1,255}")
# BC TableInput.PartitionKeys: "Only primitive types are supported as partition keys."
PRIMITIVE_TYPES = ("string", "char", "varchar", "int", "integer", "bigint", "smallint", "tinyint", "boolean",
                   "double", "float", "decimal", "date", "timestamp")


def athena_name_problem(what: str, name: str) -> str | None:
    if ATHENA_NAME.fullmatch(name):
        return None
    return f"{what} name {name!r} must be 1-255 lowercase letters, digits or '_' (Athena supports only '_')"


def table_problems(name: str, columns: Iterable[str], partition_keys: dict[str, str],
                   parameters: dict[str, str]) -> list[str]:
    """NAMES, BC and PROJ for one projection table."""
    columns = list(columns)
    problems = [p for p in [athena_name_problem("table", name), *(athena_name_problem("column", c) for c in columns)]
                if p]
    problems += [f"partition key {k}: type {t!r} is not primitive" for k, t in partition_keys.items()
                 if t.split("(")[0] not in PRIMITIVE_TYPES]
    overlap = set(partition_keys) & set(columns)
    if overlap:
        problems.append(f"partition keys {sorted(overlap)} must not also be columns")
    if parameters.get("projection.enabled") == "true":
        problems += projection_problems(list(partition_keys), parameters)
    return problems


def projection_problems(partition_keys: list[str], parameters: dict[str, str]) -> list[str]:
    template = parameters.get(TEMPLATE, "")
    # PROJ: every partition column needs projection.<col>.type ("... the following partition columns are missing
    # projection configuration"), and the template holds each ${col} and ends with '/'.
    problems = [f"projection.{k}.type: required for partition key {k} with projection enabled" for k in partition_keys
                if f"projection.{k}.type" not in parameters]
    problems += [f"{TEMPLATE} lacks the placeholder ${{{k}}}" for k in partition_keys if f"${{{k}}}" not in template]
    if template and not template.endswith("/"):
        problems.append(f"{TEMPLATE} must end with '/'")
    for key in partition_keys:
        if parameters.get(f"projection.{key}.type") == "integer":
            # PROJ integer: range "min,max", inclusive; NOW exists only for date projections.
            bounds = parameters.get(f"projection.{key}.range", "").split(",")
            # One optional minus sign: lstrip("-") let "--1" through to int(), which raised instead of reporting.
            if len(bounds) != 2 or not all(b.strip().removeprefix("-").isdigit() for b in bounds):
                problems.append(f"projection.{key}.range must be two integers min,max")
            elif int(bounds[0]) > int(bounds[1]):
                problems.append(f"projection.{key}.range must be min,max, not {bounds[0]},{bounds[1]}")
    return problems


TEMPLATE = "storage.location.template"
