"""The constraints AWS documents for the Glue values sesl sets that botocore's model cannot express.

botocore's glue model gives `CronExpression` no pattern at all, so a schedule such as
`cron(61 25 ? * SUN *)` passes every client-side check and fails only at CreateCrawler. Sources, per
rule: the Glue developer guide page "Time-based schedules for jobs and crawlers"
(https://docs.aws.amazon.com/glue/latest/dg/monitor-data-warehouse-schedule.html, SCHED) and
"Setting crawler configuration options" (crawler-configuration, CFG).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

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
