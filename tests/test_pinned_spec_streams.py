"""The stream list of the spec is checked before anything else runs (issue 12, item 2): every key of a bad entry
named with its problem, on both sides of each rule; the templates name every resource of a good one. Fast and
spec-level only, so that mutation testing of sesl/spec.py runs them (scripts/mutation.sh maps test_pinned_spec*)."""

from __future__ import annotations

import json
import tomllib
from typing import Any

import pytest

from sesl.naming import Names
from sesl.spec import collect_problems
from tests.conftest import ACCOUNT

# -- the list is checked -------------------------------------------------------------------------------------------

def problems_of(streams: str) -> list[str]:
    return collect_problems("staging", tomllib.loads("[env.staging]\n" + streams), "sesl.toml")[1]


def streams_toml(*entries: dict[str, Any]) -> str:
    out = []
    for entry in entries:
        out.append("[[env.staging.streams]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in entry.items()))
    return "\n".join(out)


@pytest.mark.parametrize(("entries", "problem"), [
    ([{"name": "Marketing"}], "env.staging.streams[0].name: 'Marketing' is not a stream name"),
    ([{"name": "9lives"}], "env.staging.streams[0].name: '9lives' is not a stream name"),
    ([{"name": "ads"}, {"name": "ads"}], "env.staging.streams[1].name: 'ads' is also streams[0]'s"),
    ([{"name": "ads"}, {"name": "promo", "table": "ads_events"}],
     "env.staging.streams[1].table: 'ads_events' is also streams[0]'s"),
    ([{"name": "ads"}, {"name": "promo", "configuration_set": "daily-system-design-ads-{env}"}],
     "env.staging.streams[1].configuration_set: 'daily-system-design-ads-staging' is also streams[0]'s"),
    ([{"name": "ads", "prefix": "mail/"}, {"name": "promo", "prefix": "mail/promo/"}],
     "env.staging.streams[1].prefix: 'mail/promo/' overlaps streams[0]'s 'mail/'"),
    ([{"name": "ads", "prefix": "errors/ads/"}], "env.staging.streams[0].prefix: 'errors/ads/' overlaps errors/"),
    ([{"name": "ads", "prefix": "raw/"}], "env.staging.streams[0].prefix: 'raw/' overlaps raw/"),
    ([{"name": "ads", "prefix": "ads"}], "env.staging.streams[0].prefix: 'ads' is not a prefix sesl writes"),
    ([{"name": "ads", "prefix": "/ads/"}], "env.staging.streams[0].prefix: '/ads/' is not a prefix sesl writes"),
    ([{"name": "ads", "prefix": "a//"}], "env.staging.streams[0].prefix: 'a//' is not a prefix sesl writes"),
    ([{"name": "ads", "delivery_stream": "ads-{region}"}],
     "env.staging.streams[0].delivery_stream: unknown placeholder {region}"),
    ([{"name": "ads", "colour": "red"}], "env.staging.streams[0].colour: unknown key"),
    ([{"name": "a" * 40}], "env.staging.streams[0]: the SES configuration set name"),
    ([{"name": "ads", "configuration_set": "x" * 65}],
     "env.staging.streams[0].configuration_set: SES configuration set name 'xxxx"),
    ([{"name": "ads", "table": "Ads-Events"}], "env.staging.streams[0].table: Glue table name 'Ads-Events' has"),
])
def test_a_bad_stream_list_is_refused_by_its_key(entries: list[dict[str, Any]], problem: str) -> None:
    found = problems_of(streams_toml(*entries))
    assert any(p.startswith(problem) for p in found), found


def test_a_bad_stream_name_is_reported_once_by_its_own_rule() -> None:
    found = problems_of(streams_toml({"name": "Ads"}))
    assert [p for p in found if "streams[0]" in p] == [
        "env.staging.streams[0].name: 'Ads' is not a stream name: use lowercase letters and digits with single "
        "hyphens inside, starting with a letter (e.g. marketing)"]


def test_an_empty_or_malformed_stream_list_is_refused() -> None:
    assert problems_of("streams = []\n") == [
        "env.staging.streams: must be a non-empty array of tables ([[env.<name>.streams]], each with a name)"]
    assert problems_of('streams = ["ads"]\n') == ["env.staging.streams[0]: must be a table with a name"]


def test_a_good_stream_list_names_every_resource_from_its_templates() -> None:
    entries = [{"name": "marketing-eu", "configuration_set": "acme-{stream}", "prefix": "mail/{stream}/"},
               {"name": "newsletter"}]
    assert problems_of(streams_toml(*entries)) == []
    spec, _ = collect_problems("staging", tomllib.loads("[env.staging]\n" + streams_toml(*entries)), "sesl.toml")
    names = spec.names_for("us-west-2", ACCOUNT)
    assert spec.flows == ("marketing-eu", "newsletter")
    assert (names.configuration_set("marketing-eu"), names.stream("marketing-eu"), names.table("marketing-eu"),
            names.data_prefix("marketing-eu")) == ("acme-marketing-eu", "email-events-marketing-eu-staging",
                                                   "marketing_eu_events", "mail/marketing-eu/")
    default = Names("staging", "us-west-2", ACCOUNT)
    assert names.stream("newsletter") == default.stream("newsletter") == "email-events-newsletter-staging"
    assert default.configuration_set("gone") == "daily-system-design-gone-staging"  # a stream not listed


def test_the_longest_stream_name_is_bounded_by_its_configuration_set_name() -> None:
    """daily-system-design-<stream>-staging holds at most 64 characters (SES): 36 for the stream in staging."""
    assert problems_of(streams_toml({"name": "a" * 36})) == []
    assert problems_of(streams_toml({"name": "a" * 37})) == [
        f"env.staging.streams[0]: the SES configuration set name 'daily-system-design-{'a' * 37}-staging' is 65 "
        "characters, SES allows 1-64 (SES API reference, ConfigurationSet); use a shorter stream or env name"]


@pytest.mark.parametrize("entry", [
    {"name": "ads-eu"}, {"name": "a1"}, {"name": "ads", "prefix": "mail/ads.v2/"}, {"name": "ads", "prefix": "x_y/"},
    {"name": "ads", "prefix": "rawdata/"}, {"name": "ads", "prefix": "errorsx/"},
    {"name": "ads", "delivery_stream": "{stream}-{env}", "table": "{stream}_{env}"},
])
def test_a_good_entry_is_accepted(entry: dict[str, Any]) -> None:
    assert problems_of(streams_toml(entry)) == []


def test_sibling_prefixes_are_not_nested() -> None:
    assert problems_of(streams_toml({"name": "ads", "prefix": "mail/ads/"},
                                    {"name": "promo", "prefix": "mail/promo/"})) == []
    assert problems_of(streams_toml({"name": "ads", "prefix": "mail/promo/x/"},
                                    {"name": "promo", "prefix": "mail/promo/"})) == [
        "env.staging.streams[1].prefix: 'mail/promo/' overlaps streams[0]'s 'mail/promo/x/': one table's location "
        "would hold the other's objects"]
