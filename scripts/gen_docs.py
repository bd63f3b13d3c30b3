"""Regenerate docs/cli.md and docs/configuration.md from the code (a test checks they are current).

    .venv/bin/python scripts/gen_docs.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sesl.cli import exit_codes  # noqa: E402
from sesl.cli.main import cli  # noqa: E402
from sesl.sandbox.reference import sandbox_reference  # noqa: E402
from sesl.spec import ENVIRONMENTS, describe_settings  # noqa: E402


def cli_reference() -> str:
    lines = ["# CLI reference", "", "Generated from the commands' help by `scripts/gen_docs.py`; "
             "a test keeps it current.", "", "Global options (`--profile`, `--region`, `--config`, `--no-config`, "
             "`--debug`, `--no-color`) may come before or after the subcommand.", "", *exit_code_tables()]
    # A fixed width, so the output does not depend on the terminal that runs the script or the tests.
    # make_context applies the group's context settings (-h as well as --help) the way the CLI does.
    root = cli.make_context("sesl", [], resilient_parsing=True, terminal_width=100, max_content_width=100)
    lines += ["## sesl", "", "```", cli.get_help(root), "```", ""]
    for name in sorted(cli.list_commands(root)):
        command = cli.get_command(root, name)
        assert command is not None
        sub = command.make_context(name, [], parent=root, resilient_parsing=True)
        lines += [f"## sesl {name}", "", "```", command.get_help(sub), "```", ""]
    return "\n".join(lines)


def exit_code_tables() -> list[str]:
    lines = ["## Exit codes", "", "| code | meaning |", "| --- | --- |"]
    lines += [f"| {code} | {meaning} |" for code, meaning in exit_codes.MEANING.items()]
    lines += ["", "| command | exit codes |", "| --- | --- |"]
    lines += [f"| `sesl {name}` | {', '.join(map(str, codes))} |" for name, codes in exit_codes.BY_COMMAND.items()]
    return [*lines, ""]


def configuration_reference() -> str:
    lines = ["# Configuration", "", "A config file overrides the built-in defaults per "
             "environment, under `[env.<name>]` and its sections. sesl uses `--config PATH`, else "
             "the file named by `SESL_CONFIG`, else the nearest `sesl.toml` in the current directory or above; "
             "`--no-config` uses the defaults on purpose. Generated from "
             "`sesl/spec.py` by `scripts/gen_docs.py`; a test keeps it current.", "",
             "## Environments", "",
             f"{' and '.join(f'`{e}`' for e in ENVIRONMENTS)} are built in: they work with no section. Any other "
             "environment exists once the config has a section for it (`[env.staging]`, `[env.pr-123]`); "
             "`--env` with a name the config does not define is an error that lists the ones it does. A name is "
             "lowercase letters and digits with single hyphens inside, because it becomes part of S3 bucket, "
             "SNS topic, SES configuration set and (hyphens as underscores) Glue database names; its length is "
             "bounded by the longest name derived from it (28 characters with the default bucket names, 30 "
             "with both buckets named under `names`). `sesl validate --env NAME` checks every derived name "
             "against the rule of its service.", "",
             "Bucket names are global across all of AWS: `[env.<name>.names]` sets the two bucket names of "
             "an environment, with `{env}` standing for its name, and everything that uses a bucket (the "
             "policies, the Firehose destinations, the Glue locations, the Athena output location, verify, "
             "compaction, drift) follows. Two environments of one config may not share a bucket.", "",
             "```toml", "[env.staging]", 'profile = "acme-staging"      # --profile still wins',
             'region = "eu-west-1"           # --region still wins', "", "[env.staging.names]",
             'events_bucket = "acme-ses-events-{env}"', 'results_bucket = "acme-athena-results-{env}"', "```", "",
             "`prod` is always a production environment: changing it needs a config file, and destroying it "
             "needs the typed name (or `--yes --force-prod`). `production = true` gives another environment "
             "the same protections.", "",
             "## Streams", "",
             "An environment carries the events of SES configuration sets, one stream each: configuration set "
             "-> Firehose stream -> Glue table -> prefix of the events bucket. Without a `streams` list they "
             "are `newsletter` and `transactional`; a `[[env.<name>.streams]]` list replaces them (so list "
             "those two as well to keep them). Only `name` is required; the other names are templates with "
             "`{env}` and `{stream}` (in a table name a hyphen becomes `_`). The roles' policies, the SES "
             "event destinations, the saved queries, the alarms, the dashboard, the crawler, `verify`, "
             "`query --stream`, `compact --stream` and `cost` follow the list. The configuration set must "
             "exist: sesl never creates or deletes one.", "",
             "```toml", "[[env.staging.streams]]", 'name = "newsletter"', "", "[[env.staging.streams]]",
             'name = "transactional"', "", "[[env.staging.streams]]", 'name = "marketing"',
             'configuration_set = "acme-marketing-{env}"   # default: daily-system-design-{stream}-{env}',
             'prefix = "marketing/"                        # default: {stream}/', "```", "",
             "Taking a stream out of the list deletes, at the next `apply`, what sesl made for it (its Firehose "
             "stream, log group, SES event destination, alarms, saved queries and, last, its Glue table: each "
             "table records its stream, which is how the next run finds a stream the config no longer names) "
             "and keeps its data: the objects under its prefix stay in the events bucket. `sesl diff` lists "
             "these deletions after the other changes. Streams share no name, configuration set, Firehose "
             "stream or table, no prefix may hold another's, and `errors/`, `raw/` and `compaction/` are "
             "sesl's own.", "",
             "## Settings", "",
             "| key | default | meaning |", "| --- | --- | --- |"]
    lines += [f"| `{key}` | `{default}` | {doc} |" for key, default, doc in describe_settings()]
    lines += ["", "Ignore rules are an array of tables:", "", "```toml", "[[env.dev.ignore]]",
              'path = "kind.name.aspect[.field]"   # shell-style wildcards allowed',
              'reason = "why this difference is accepted"', "expires = 2027-01-31              # optional",
              "```", ""]
    return "\n".join(lines)


def write() -> None:
    (ROOT / "docs" / "cli.md").write_text(cli_reference(), encoding="utf-8")
    (ROOT / "docs" / "configuration.md").write_text(configuration_reference(), encoding="utf-8")
    (ROOT / "docs" / "sandbox.md").write_text(sandbox_reference(), encoding="utf-8")


if __name__ == "__main__":
    write()
