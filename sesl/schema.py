"""The SES event-publishing record as a typed schema: the single source of truth.

The Glue columns (the Firehose conversion schema and the Athena table), the docs and the tests all
derive from `COLUMNS`. Field names are lowercase because the OpenX JSON deserializer with
CaseInsensitive=true lowercases JSON keys before matching them to columns (Firehose guide,
record-format-conversion). Tags are `map<string,array<string>>`: SES publishes each tag as a key
mapped to a list of values, and tag keys such as `ses:configuration-set` cannot be struct fields
(Athena guide, tables-databases-columns-names). Source of the fields: SES developer guide,
event-publishing-retrieving-firehose-contents and its examples page (aws-reference.md §2.3, §3.5).
There is no `send` column: the `send` object is always `{}` and `eventtype = 'Send'` carries it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Prim:
    name: str  # string, bigint, boolean, double, int

    def hive(self) -> str:
        return self.name


@dataclass(frozen=True)
class Array:
    item: HiveType

    def hive(self) -> str:
        return f"array<{self.item.hive()}>"


@dataclass(frozen=True)
class Map:
    key: HiveType
    value: HiveType

    def hive(self) -> str:
        return f"map<{self.key.hive()},{self.value.hive()}>"


@dataclass(frozen=True)
class Struct:
    fields: tuple[tuple[str, HiveType], ...]

    def hive(self) -> str:
        return "struct<" + ",".join(f"{name}:{t.hive()}" for name, t in self.fields) + ">"

    def field(self, name: str) -> HiveType | None:
        return next((t for n, t in self.fields if n == name), None)


HiveType = Prim | Array | Map | Struct

STRING, BIGINT, BOOLEAN = Prim("string"), Prim("bigint"), Prim("boolean")
STRINGS = Array(STRING)
TAGS = Map(STRING, STRINGS)


def struct(**fields: HiveType) -> Struct:
    return Struct(tuple(fields.items()))


_TOPIC_PREFERENCES = struct(
    unsubscribeall=BOOLEAN,
    topicsubscriptionstatus=Array(struct(topicname=STRING, subscriptionstatus=STRING)),
)

COLUMNS: tuple[tuple[str, HiveType, str], ...] = (
    ("eventtype", STRING, "Send, Delivery, Bounce, Complaint, Reject, Open, Click, Rendering Failure, "
                          "DeliveryDelay or Subscription (capitalised as SES publishes them)"),
    ("mail", struct(
        timestamp=STRING, source=STRING, sourcearn=STRING, sendingaccountid=STRING, messageid=STRING,
        destination=STRINGS, headerstruncated=BOOLEAN,
        headers=Array(struct(name=STRING, value=STRING)),
        commonheaders=Struct((("from", STRINGS), ("to", STRINGS), ("cc", STRINGS), ("bcc", STRINGS),
                              ("sender", STRINGS), ("replyto", STRINGS), ("returnpath", STRING),
                              ("messageid", STRING), ("date", STRING), ("subject", STRING))),
        tags=TAGS,
    ), "the message: send time (mail.timestamp), message id, recipients, headers, tags"),
    ("bounce", struct(
        bouncetype=STRING, bouncesubtype=STRING,
        bouncedrecipients=Array(struct(emailaddress=STRING, action=STRING, status=STRING, diagnosticcode=STRING)),
        timestamp=STRING, feedbackid=STRING, reportingmta=STRING,
    ), "Bounce events"),
    ("complaint", struct(
        complainedrecipients=Array(struct(emailaddress=STRING)), timestamp=STRING, feedbackid=STRING,
        complaintsubtype=STRING, useragent=STRING, complaintfeedbacktype=STRING, arrivaldate=STRING,
    ), "Complaint events"),
    ("delivery", struct(
        timestamp=STRING, processingtimemillis=BIGINT, recipients=STRINGS, smtpresponse=STRING,
        reportingmta=STRING, remotemtaip=STRING,
    ), "Delivery events"),
    ("reject", struct(reason=STRING), "Reject events"),
    ("open", struct(ipaddress=STRING, timestamp=STRING, useragent=STRING), "Open events"),
    ("click", struct(ipaddress=STRING, link=STRING, linktags=TAGS, timestamp=STRING, useragent=STRING),
     "Click events (linktags: the ses:tags of the link)"),
    ("failure", struct(templatename=STRING, errormessage=STRING), "Rendering Failure events"),
    ("deliverydelay", struct(
        timestamp=STRING, delaytype=STRING, expirationtime=STRING, reportingmta=STRING,
        delayedrecipients=Array(struct(emailaddress=STRING, status=STRING, diagnosticcode=STRING)),
    ), "DeliveryDelay events"),
    ("subscription", struct(
        contactlist=STRING, timestamp=STRING, source=STRING,
        newtopicpreferences=_TOPIC_PREFERENCES, oldtopicpreferences=_TOPIC_PREFERENCES,
    ), "Subscription events"),
)

# Top-level SES keys deliberately without a column, and why. Schema evolution never adds them back.
IGNORED_FIELDS: dict[str, str] = {
    "send": "always `{}` (SES guide, event-publishing-retrieving-firehose-contents, Send object): "
            "`eventtype = 'Send'` carries the information",
}

# The eventType values SES publishes (SES guide, event-publishing-retrieving-firehose-contents).
EVENT_TYPES: tuple[str, ...] = ("Send", "Delivery", "Bounce", "Complaint", "Reject", "Open", "Click",
                                "Rendering Failure", "DeliveryDelay", "Subscription")


def column_types() -> dict[str, str]:
    return {name: t.hive() for name, t, _ in COLUMNS}


def arrow_type(t: HiveType) -> Any:
    """The pyarrow type a Glue type maps to (pyarrow is imported only when asked for)."""
    import pyarrow as pa

    if isinstance(t, Prim):
        return {"string": pa.string(), "bigint": pa.int64(), "boolean": pa.bool_(), "double": pa.float64(),
                "int": pa.int32()}[t.name]
    if isinstance(t, Array):
        return pa.list_(arrow_type(t.item))
    if isinstance(t, Map):
        return pa.map_(arrow_type(t.key), arrow_type(t.value))
    return pa.struct([pa.field(name, arrow_type(ft)) for name, ft in t.fields])


def arrow_schema() -> Any:
    import pyarrow as pa

    return pa.schema([pa.field(name, arrow_type(t)) for name, t, _ in COLUMNS])


def leaf_paths(t: HiveType, path: str) -> list[tuple[str, HiveType]]:
    """Every primitive under `t` with its path (`mail.headers[].name`, `mail.tags{}[]`)."""
    if isinstance(t, Struct):
        return [leaf for name, ft in t.fields for leaf in leaf_paths(ft, f"{path}.{name}")]
    if isinstance(t, Array):
        return leaf_paths(t.item, f"{path}[]")
    if isinstance(t, Map):
        return leaf_paths(t.value, f"{path}{{}}")
    return [(path, t)]


def _tree(t: HiveType, depth: int) -> list[str]:
    """Markdown bullet lines for the fields inside a complex type."""
    while isinstance(t, Array | Map):
        t = t.item if isinstance(t, Array) else t.value
    if not isinstance(t, Struct):
        return []
    lines = []
    for name, ft in t.fields:
        lines.append(f"{'  ' * depth}- `{name}`: `{_short(ft)}`")
        lines += _tree(ft, depth + 1)
    return lines


def _short(t: HiveType) -> str:
    if isinstance(t, Struct):
        return "struct"
    if isinstance(t, Array):
        return f"array<{_short(t.item)}>"
    if isinstance(t, Map):
        return f"map<{_short(t.key)},{_short(t.value)}>"
    return t.hive()


def markdown() -> str:
    """docs/schema.md, generated from COLUMNS (a test keeps the file equal to this)."""
    lines = [
        "# The SES event schema",
        "",
        "Generated from `COLUMNS` in `sesl/schema.py` by `sesl.schema.markdown()`; tests/test_schema.py fails",
        "when this page and the module differ.",
        "",
        "One Glue table per flow (`newsletter_events`, `transactional_events`) holds these columns; it is both",
        "the schema Firehose converts SES's JSON to Parquet with and the table Athena queries. Names are",
        "lowercase: Firehose's OpenX deserializer (CaseInsensitive) lowercases JSON keys before matching them",
        "to columns, so `mail.commonHeaders.messageId` arrives as `mail.commonheaders.messageid`. Map keys",
        "(tag names such as `ses:configuration-set`) are data, not columns: see the note on tag keys below.",
        "The partition keys `year`, `month`, `day` (strings) are not record fields and are not listed here.",
        "",
        "| column | type | holds |",
        "| --- | --- | --- |",
    ]
    lines += [f"| `{name}` | `{_short(t)}` | {comment} |" for name, t, comment in COLUMNS]
    for name, t, comment in COLUMNS:
        fields = _tree(t, 0)
        if fields:
            lines += ["", f"## `{name}`", "", comment, "", *fields]
    lines += ["", "## Not stored", ""]
    lines += [f"- `{name}`: {why}" for name, why in IGNORED_FIELDS.items()]
    lines += [
        "",
        "## Tag keys",
        "",
        "`mail.tags` and `click.linktags` are `map<string,array<string>>`. Hive's OpenX JSON SerDe lowercases",
        "map keys too when `case.insensitive` is on (reported in trinodb/trino#20400 and",
        "rcongiu/Hive-JSON-Serde#236); the Firehose guide does not say what its OpenX deserializer does",
        "with map keys. sesl's tests keep tag keys as SES sends them; name your message tags in lowercase",
        "and compare keys with `lower()` in queries to be safe either way.",
        "",
        "## Schema evolution",
        "",
        "Fields SES starts sending that this schema lacks are kept in the raw JSON backup",
        "(`raw/<stream>/`). The weekly crawler describes that backup in the raw database; `sesl diff`",
        "reports each field it found that the table lacks (aspect `columns` of `glue_table`), and",
        "`sesl apply` adds it. Columns are only ever added: never dropped, never retyped. Fields listed under",
        "\"Not stored\" and anything Parquet cannot hold (an object with no fields, at any depth) are never",
        "added; the plan says what it left out and why (docs/resources/glue_table.md).",
    ]
    return "\n".join(lines) + "\n"
