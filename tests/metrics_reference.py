"""The advertiser metrics worked out in plain Python from the SES events, straight from the definitions in
docs/queries.md, without SQL: the saved queries must give the same numbers.

Written apart from the queries on purpose: the same definition, a second implementation.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

MACHINE_AGENTS = ("", "Mozilla/5.0")


def send_date(event: dict[str, Any]) -> dt.date:
    return dt.datetime.strptime(event["mail"]["timestamp"][:10], "%Y-%m-%d").date()


def event_date(timestamp: str) -> dt.date:
    return dt.datetime.strptime(timestamp[:10], "%Y-%m-%d").date()


def rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def is_machine_open(event: dict[str, Any]) -> bool:
    return event["eventType"] == "Open" and (event["open"].get("userAgent") or "").strip() in MACHINE_AGENTS


def close(got: Any, want: Any) -> bool:
    """Equal, rates allowing for the SQL's rounding to 4 decimals (half away from zero vs Python's)."""
    if isinstance(want, float) or isinstance(got, float):
        return want is not None and got is not None and abs(got - want) <= 0.5e-4 + 1e-12
    return bool(got == want)


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass
class Cohort:
    """Everything counted for one send day (or week)."""

    sent: set[tuple[str, str]] = field(default_factory=set)
    delivered: set[tuple[str, str]] = field(default_factory=set)
    delivered_messages: set[str] = field(default_factory=set)
    opened: set[str] = field(default_factory=set)
    clicked: set[str] = field(default_factory=set)
    opens: int = 0
    machine_opens: int = 0
    clicks: int = 0
    bounced: set[tuple[str, str]] = field(default_factory=set)
    hard_bounced: set[tuple[str, str]] = field(default_factory=set)
    complained: set[tuple[str, str]] = field(default_factory=set)
    touched: bool = False

    def add(self, event: dict[str, Any]) -> None:
        kind, message = event["eventType"], event["mail"]["messageId"]
        if kind == "Send":
            self.sent |= {(message, r.lower()) for r in event["mail"]["destination"]}
        elif kind == "Delivery":
            self.delivered |= {(message, r.lower()) for r in event["delivery"]["recipients"]}
            self.delivered_messages.add(message)
        elif kind == "Open" and is_machine_open(event):
            self.machine_opens += 1
        elif kind == "Open":
            self.opened.add(message)
            self.opens += 1
        elif kind == "Click":
            self.clicked.add(message)
            self.clicks += 1
        elif kind == "Bounce":
            pairs = {(message, r["emailAddress"].lower()) for r in event["bounce"]["bouncedRecipients"]}
            self.bounced |= pairs
            if event["bounce"]["bounceType"] == "Permanent":
                self.hard_bounced |= pairs
        elif kind == "Complaint":
            complained = event["complaint"]["complainedRecipients"]
            self.complained |= {(message, r["emailAddress"].lower()) for r in complained}


def cohorts(events: Iterable[dict[str, Any]], today: dt.date, days: int, kinds: tuple[str, ...],
            by_week: bool = False) -> dict[dt.date, Cohort]:
    out: dict[dt.date, Cohort] = defaultdict(Cohort)
    for event in events:
        day = send_date(event)
        if event["eventType"] in kinds and day >= today - dt.timedelta(days=days):
            out[monday(day) if by_week else day].add(event)
    return dict(out)


Events = Iterable[dict[str, Any]]
Rows = dict[dt.date, dict[str, Any]]


def daily_engagement(events: Events, today: dt.date, days: int) -> Rows:
    rows = {}
    for day, c in cohorts(events, today, days, ("Send", "Delivery", "Open", "Click")).items():
        rows[day] = {"sent": len(c.sent), "delivered": len(c.delivered),
                     "delivered_messages": len(c.delivered_messages), "unique_opens": len(c.opened),
                     "unique_clicks": len(c.clicked), "total_opens": c.opens,
                     "machine_opens": c.machine_opens, "total_clicks": c.clicks,
                     "open_rate": rate(len(c.opened), len(c.delivered_messages)),
                     "click_rate": rate(len(c.clicked), len(c.delivered_messages))}
    return rows


def bounce_complaint_rates(events: Events, today: dt.date, days: int) -> Rows:
    rows = {}
    for day, c in cohorts(events, today, days, ("Send", "Bounce", "Complaint")).items():
        rows[day] = {"sent": len(c.sent), "bounced": len(c.bounced), "hard_bounced": len(c.hard_bounced),
                     "complained": len(c.complained), "bounce_rate": rate(len(c.hard_bounced), len(c.sent)),
                     "complaint_rate": rate(len(c.complained), len(c.sent))}
    return rows


def weekly_trends(events: Events, today: dt.date, days: int) -> Rows:
    weeks = cohorts(events, today, days, ("Delivery", "Open", "Click"), by_week=True)
    rows: dict[dt.date, dict[str, Any]] = {}
    previous: int | None = None
    for week in sorted(w for w, c in weeks.items() if c.delivered):
        c = weeks[week]
        recipients = len({r for _, r in c.delivered})
        rows[week] = {"delivered": len(c.delivered), "recipients_delivered": recipients,
                      "recipients_change": None if previous is None else recipients - previous,
                      "open_rate": rate(len(c.opened), len(c.delivered_messages)),
                      "click_rate": rate(len(c.clicked), len(c.delivered_messages))}
        previous = recipients
    return rows


def _tag(tags: dict[str, list[str]], name: str) -> str | None:
    values = [v for k, v in tags.items() if k.lower() == name]
    return values[0][0] if values and values[0] else None


def top_links(events: Iterable[dict[str, Any]], today: dt.date, days: int) -> list[tuple[Any, ...]]:
    totals: dict[tuple[str, str | None, str | None], list[Any]] = defaultdict(lambda: [0, set()])
    for event in events:
        if event["eventType"] != "Click" or event_date(event["click"]["timestamp"]) < today - dt.timedelta(days=days):
            continue
        click = event["click"]
        key = (click["link"].split("?", 1)[0], _tag(click.get("linkTags") or {}, "campaign"),
               _tag(click.get("linkTags") or {}, "advertiser"))
        totals[key][0] += 1
        totals[key][1].add(event["mail"]["messageId"])
    rows = [(*key, total, len(messages)) for key, (total, messages) in totals.items()]
    return sorted(rows, key=lambda r: (-r[3], r[0]))[:25]


def subscriber_growth(events: Iterable[dict[str, Any]], today: dt.date, days: int) -> list[tuple[Any, ...]]:
    first: dict[str, dt.date] = {}
    for event in events:
        if event["eventType"] == "Delivery":
            for recipient in event["delivery"]["recipients"]:
                day = send_date(event)
                first[recipient.lower()] = min(day, first.get(recipient.lower(), day))
    start = today - dt.timedelta(days=days)
    earlier = sum(1 for d in first.values() if d < start)
    rows: list[tuple[Any, ...]] = []
    for period, bucket in (("day", lambda d: d), ("week", monday), ("month", lambda d: d.replace(day=1))):
        new: dict[dt.date, int] = defaultdict(int)
        for day in first.values():
            if day >= start:
                new[bucket(day)] += 1
        total = earlier
        for period_start in sorted(new):
            total += new[period_start]
            rows.append((period, period_start, new[period_start], total))
    return rows
