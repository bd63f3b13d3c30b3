"""Realistic SES traffic for the demo, the benchmarks and the query proofs: a month of a newsletter and of
transactional mail, with every case that makes engagement numbers hard to get right.

The hard cases, each on purpose:
- messages with several recipients: the daily proof copy goes To one editor and CC two more, and
  receipts CC an accountant; one proof recipient hard-bounces while the others get it (a partial
  bounce), and addresses come in mixed case;
- repeated opens and clicks by one recipient, and the same link clicked twice;
- events arriving days after their send (late opens, clicks and complaints land in later partitions);
- one issue sent across midnight UTC (its sends straddle two send dates);
- machine opens: a privacy proxy fetches the pixel within seconds of delivery, with a bare
  `Mozilla/5.0` user agent;
- clicks on links with tags, some tag keys capitalised, some links with none;
- transient bounces next to permanent ones, complaints, and Firehose delivering a Send or Delivery
  record twice (at-least-once delivery).

Everything is drawn from a seeded random generator: the same arguments give the same events.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sesl.events import EventBody, ses_event

MACHINE_AGENT = "Mozilla/5.0"  # what a privacy proxy's image prefetch sends: no client details
HUMAN_AGENTS = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)",
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0",
                "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)")
LINKS: tuple[tuple[str, dict[str, list[str]]], ...] = (
    ("https://dailysystemdesign.example/issues/today?utm_source=email", {"campaign": ["issue"]}),
    ("https://sponsor-one.example/offer?ref=dsd", {"campaign": ["spring"], "advertiser": ["sponsor-one"]}),
    ("https://sponsor-two.example/trial", {"Campaign": ["launch"], "Advertiser": ["sponsor-two"]}),
    ("https://dailysystemdesign.example/archive", {}),
)
EDITORS = ("Editor@DailySystemDesign.example", "copy-desk@dailysystemdesign.example", "ex-editor@oldmail.example")


@dataclass(frozen=True)
class Arrival:
    """One SES record and when Firehose received it (never before the event happened)."""

    at: dt.datetime
    event: EventBody


@dataclass(frozen=True)
class Where:
    account: str
    region: str
    configuration_set: str


@dataclass
class _Day:
    rng: random.Random
    where: Where
    flow: str
    out: list[Arrival] = field(default_factory=list)
    sequence: int = 0

    def message_id(self, sent: dt.datetime) -> str:
        self.sequence += 1
        return f"{self.flow[:2]}-{sent:%Y%m%d}-{self.sequence:06d}"

    def add(self, event_type: str, message: str, sent: dt.datetime, to: Sequence[str], at: dt.datetime,
            **detail: Any) -> None:
        event = _multi(ses_event(event_type, message_id=message, sent=sent, recipient=to[0],
                                 account=self.where.account, region=self.where.region,
                                 configuration_set=self.where.configuration_set, at=at), to)
        key = next(k for k in event if k not in ("eventType", "mail"))
        event[key].update(detail)
        arrival = at + dt.timedelta(seconds=self.rng.uniform(0.5, 20))
        self.out.append(Arrival(arrival, event))
        if event_type in ("Send", "Delivery") and self.rng.random() < 0.003:  # Firehose's at-least-once
            self.out.append(Arrival(arrival + dt.timedelta(seconds=self.rng.uniform(30, 300)), event))


def _multi(event: EventBody, to: Sequence[str]) -> EventBody:
    """The event of a message addressed to every address in `to` (the first To, the rest CC)."""
    mail = event["mail"]
    mail["destination"] = list(to)
    mail["commonHeaders"]["to"] = [to[0]]
    if len(to) > 1:
        mail["commonHeaders"]["cc"] = list(to[1:])
    return event


def _recipients(addresses: Iterable[str]) -> list[dict[str, str]]:
    return [{"emailAddress": a} for a in addresses]


def _bounce(kind: str, addresses: Sequence[str]) -> dict[str, Any]:
    sub = "General" if kind == "Permanent" else "MailboxFull"
    status = "5.1.1" if kind == "Permanent" else "4.2.2"
    return {"bounceType": kind, "bounceSubType": sub,
            "bouncedRecipients": [{"emailAddress": a, "action": "failed", "status": status,
                                   "diagnosticCode": f"smtp; {status}"} for a in addresses]}


def _engage(day: _Day, message: str, sent: dt.datetime, to: Sequence[str], delivered: dt.datetime,
            open_share: float) -> None:
    rng = day.rng
    if rng.random() < 0.15:  # a privacy proxy prefetches the pixel on delivery
        day.add("Open", message, sent, to, delivered + dt.timedelta(seconds=rng.uniform(1, 3)),
                userAgent=MACHINE_AGENT, ipAddress="17.58.0.12")
    if rng.random() >= open_share:
        return
    late = rng.random() < 0.12  # read days later: lands in a later partition
    first = delivered + (dt.timedelta(days=rng.randint(1, 5), hours=rng.uniform(0, 12)) if late
                         else dt.timedelta(minutes=rng.uniform(2, 600)))
    agent = rng.choice(HUMAN_AGENTS)
    for n in range(rng.choice((1, 1, 1, 2, 3))):  # repeated opens
        day.add("Open", message, sent, to, first + dt.timedelta(minutes=40 * n), userAgent=agent)
    if rng.random() < 0.3:
        link, tags = rng.choice(LINKS)
        for n in range(rng.choice((1, 1, 2))):  # the same link clicked again
            day.add("Click", message, sent, to, first + dt.timedelta(minutes=1 + 30 * n), userAgent=agent,
                    link=link, linkTags=tags)


def _deliver(day: _Day, message: str, sent: dt.datetime, to: Sequence[str], open_share: float,
             bouncing: Sequence[str] = ()) -> None:
    """Send one message; each recipient bounces, or is delivered and may engage or complain."""
    rng = day.rng
    day.add("Send", message, sent, to, sent)
    hard = list(bouncing) + [a for a in to if a not in bouncing and rng.random() < 0.02]
    soft = [a for a in to if a not in hard and rng.random() < 0.01]
    if hard:
        bounced = sent + dt.timedelta(seconds=rng.uniform(2, 30))
        day.add("Bounce", message, sent, to, bounced, **_bounce("Permanent", hard))
    if soft:  # SES publishes a soft bounce only once it has stopped retrying: hours later
        given_up = sent + dt.timedelta(hours=rng.uniform(2, 20))
        day.add("Bounce", message, sent, to, given_up, **_bounce("Transient", soft))
    reached = [a for a in to if a not in hard and a not in soft]
    if not reached:
        return
    delivered = sent + dt.timedelta(seconds=rng.uniform(1, 40))
    day.add("Delivery", message, sent, to, delivered, recipients=reached)
    _engage(day, message, sent, to, delivered, open_share)
    if rng.random() < 0.002:
        complained = delivered + dt.timedelta(days=rng.randint(0, 3), hours=rng.uniform(1, 10))
        day.add("Complaint", message, sent, to, complained, complainedRecipients=_recipients(reached[:1]),
                complaintFeedbackType="abuse")


def _issue_time(day: dt.date, index: int, count: int, midnight: bool) -> dt.datetime:
    """When message `index` of the day's issue leaves: 06:00 UTC over ten minutes, or across midnight."""
    if midnight:
        start = dt.datetime.combine(day, dt.time(23, 55), tzinfo=dt.UTC)
        return start + dt.timedelta(seconds=600 * index / max(count, 1))
    return dt.datetime.combine(day, dt.time(6), tzinfo=dt.UTC) + dt.timedelta(seconds=600 * index / max(count, 1))


def newsletter(end: dt.date, days: int, events_per_day: int, where: Where, seed: int = 7) -> list[Arrival]:
    """A daily issue to a growing list, plus a proof copy to three editors (one address bounces)."""
    rng = random.Random(f"newsletter-{seed}")
    per_day = max(4, events_per_day // 3)  # about three events per message
    subscribers = [f"reader{n:05d}@readers.example" for n in range(int(per_day * 0.85))]
    out: list[Arrival] = []
    for offset in range(days):
        date = end - dt.timedelta(days=days - 1 - offset)
        day = _Day(rng, where, "newsletter")
        subscribers += [f"reader{len(subscribers) + n:05d}@readers.example" for n in range(rng.randint(2, 12))]
        audience = subscribers[-per_day:]  # the oldest drop off: churn keeps the list near the volume
        midnight = offset == days // 2
        for index, reader in enumerate(audience):
            sent = _issue_time(date, index, len(audience), midnight)
            _deliver(day, day.message_id(sent), sent, [reader], open_share=0.42)
        proof = _issue_time(date, 0, 1, midnight) - dt.timedelta(minutes=30)
        _deliver(day, day.message_id(proof), proof, EDITORS, open_share=0.9, bouncing=EDITORS[2:])
        out += day.out
    return sorted(out, key=lambda a: a.at)


def transactional(end: dt.date, days: int, events_per_day: int, where: Where, seed: int = 7) -> list[Arrival]:
    """Receipts and sign-in mails through the day; a fifth of the receipts CC an accountant."""
    rng = random.Random(f"transactional-{seed}")
    per_day = max(4, events_per_day // 3)
    out: list[Arrival] = []
    for offset in range(days):
        date = end - dt.timedelta(days=days - 1 - offset)
        day = _Day(rng, where, "transactional")
        for _ in range(per_day):
            sent = dt.datetime.combine(date, dt.time(), tzinfo=dt.UTC) + dt.timedelta(seconds=rng.uniform(0, 86399))
            to = [f"customer{rng.randint(0, per_day * 8):05d}@shop.example"]
            if rng.random() < 0.2:
                to.append("Accounts@Customer-Finance.example")
            _deliver(day, day.message_id(sent), sent, to, open_share=0.3)
        out += day.out
    return sorted(out, key=lambda a: a.at)


def month(end: dt.date, where: dict[str, Where], events_per_day: int = 2400, days: int = 30,
          seed: int = 7) -> dict[str, list[Arrival]]:
    """The demo's month: both flows at the design's volume (2,400 events a day per stream)."""
    return {"newsletter": newsletter(end, days, events_per_day, where["newsletter"], seed),
            "transactional": transactional(end, days, events_per_day, where["transactional"], seed)}


def firehose_objects(arrivals: Sequence[Arrival], interval_seconds: int = 60) -> list[tuple[dt.date, list[EventBody]]]:
    """How Firehose files the records: buffered for `interval_seconds`, each object under the UTC arrival date
    of its oldest record (Firehose developer guide, dynamic partitioning / custom prefixes: the timestamp
    is the approximate arrival of the oldest record in the object)."""
    objects: list[tuple[dt.date, list[EventBody]]] = []
    opened: dt.datetime | None = None
    for arrival in sorted(arrivals, key=lambda a: a.at):
        if opened is None or (arrival.at - opened).total_seconds() >= interval_seconds:
            opened = arrival.at
            objects.append((opened.date(), []))
        objects[-1][1].append(arrival.event)
    return objects
