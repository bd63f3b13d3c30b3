"""Every `sesl` example of README.md and docs/ either runs here against a sandbox, with the exit code
it documents, or is listed with the reason it cannot (it needs a real account, or it is the sandbox).

Examples run through bash, as a reader would paste them, in a directory holding the README's own
`sesl.toml`; the order below builds the state each one needs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sesl.cli.main import cli
from sesl.sandbox.server import seed
from sesl.spec import defined_envs, read_config
from tests.test_cli_e2e import _base_env

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
COMMANDS = set(cli.list_commands(None))  # type: ignore[arg-type]
YES = "yes\n"

# (example as written, exit code, stdin): in this order, in one sandbox.
SCENARIO: list[tuple[str, int, str]] = [
    ("sesl validate --env dev", 0, ""),
    ("sesl validate --env prod", 0, ""),
    ("sesl diff --env dev", 2, ""),
    ("sesl diff --env dev --json", 2, ""),
    ("sesl apply --env dev", 0, YES),
    ("sesl apply --env dev --yes", 0, ""),
    ("sesl verify --env dev", 0, ""),
    ("sesl query --list --env dev", 0, ""),
    ("sesl cost --env prod", 0, ""),
    ("sesl cost --env prod --events-per-day 50000 --queries-per-day 100", 0, ""),
    ("sesl diff --env prod --json > plan.json", 2, ""),
    ("sesl diff --env prod --out prod.plan", 2, ""),
    ("sesl apply prod.plan", 0, YES),
    ("sesl diff --env prod --out prod.plan; sesl apply prod.plan", 0, ""),
    ("sesl apply prod.plan --yes", 0, ""),
    ("sesl drift --env prod", 0, ""),
    ("sesl drift --env prod --json --notify", 0, ""),
    ("sesl drift --env prod --json --out /var/lib/sesl/drift-prod.json --notify", 0, ""),
    ("sesl query daily-engagement --env prod", 0, ""),
    ("sesl query daily-engagement --env prod --param 30", 0, ""),
    ("sesl query top-links --env prod --flow newsletter --csv > links.csv", 0, ""),
    ("sesl compact --env prod", 0, ""),
    ("sesl compact --env prod --flow newsletter --day 2026-11-28", 0, ""),
    ("sesl unlock --env prod", 0, ""),
    ("sesl unlock --env prod --force", 0, ""),
    ("sesl verify --env prod --direct --wait 600", 0, ""),
    ("sesl destroy --env dev", 0, YES),
    ("sesl destroy --env dev --delete-data", 0, YES),
    ("sesl destroy --env dev --yes", 0, ""),
    ("sesl destroy --env dev --yes --delete-data", 0, ""),
    # docs/ci.md: a throw-away environment defined only in the config, from validate to destroy
    ("sesl validate --env pr-123", 0, ""),
    ("sesl apply --env pr-123 --yes", 0, ""),
    ("sesl diff --env pr-123", 0, ""),
    ("sesl verify --env pr-123", 0, ""),
    ("sesl destroy --env pr-123 --yes --delete-data", 0, ""),
]

NOT_IN_THE_SANDBOX = {
    "sesl sandbox": "it is the server these examples run against (started by tests/test_cli_e2e.py's fixture)",
    "sesl demo": "runs its own sandbox: tests/test_cli_e2e.py::test_the_newcomers_demo_runs_the_whole_story",
    "sesl demo --days 7 --events-per-day 300": "runs its own sandbox: the same test runs it with a smaller volume",
    "sesl --profile sesl-readonly diff --env prod": "needs the AWS profiles of docs/aws.md §1.4",
    "sesl --profile sesl-operator apply --env prod": "needs the AWS profiles of docs/aws.md §1.4",
    "sesl --profile sesl-operator verify --env prod": "needs the AWS profiles of docs/aws.md §1.4",
    "sesl --profile sesl-operator destroy --env prod --delete-data --delete-saved-queries":
        "needs the AWS profiles of docs/aws.md §1.4, and prod is protected by the README's config",
}


def documented_examples() -> set[str]:
    """Each `sesl ...` line of a shell or plain code block, without its trailing comment."""
    found: set[str] = set()
    for path in DOCS:
        for lang, body in re.findall(r"```(\w*)\n(.*?)```", path.read_text(encoding="utf-8"), re.S):
            if lang not in ("sh", ""):
                continue
            for line in body.splitlines():
                match = re.fullmatch(r"(sesl (?:--\S+ \S+ )*(\S+).*?)(?:\s+#.*)?", line.strip())
                if match and match.group(2) in COMMANDS:
                    found.add(match.group(1).rstrip(" &\\"))
    return found


def test_every_example_runs_here_or_says_why_not() -> None:
    scenario = {line for line, _, _ in SCENARIO}
    assert documented_examples() == scenario | set(NOT_IN_THE_SANDBOX)


def readme_config() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```toml\n(.*?)```", readme, re.S)
    assert match, "the README shows a sesl.toml"
    return match.group(1)


def ci_config() -> str:
    """The sections docs/ci.md adds for its pull request environment."""
    blocks = re.findall(r"```toml\n(.*?)```", (ROOT / "docs" / "ci.md").read_text(encoding="utf-8"), re.S)
    assert blocks, "docs/ci.md shows the environment's section"
    return "\n".join(blocks)


@pytest.fixture
def reader_dir(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "sesl.toml").write_text(readme_config() + "\n" + ci_config(), encoding="utf-8")
    yield tmp_path


@pytest.mark.e2e
def test_the_documented_examples_do_what_the_docs_say(request: pytest.FixtureRequest, reader_dir: Path) -> None:
    server = request.getfixturevalue("sandbox")  # tests/test_cli_e2e.py's server, reset and seeded
    # ... with the configuration sets of the config's envs too, as `sesl sandbox` started here seeds them
    seed(server, envs=defined_envs(read_config(reader_dir / "sesl.toml")))
    env = {**_base_env(), "AWS_ENDPOINT_URL": server, "AWS_ACCESS_KEY_ID": "sandbox",
           "AWS_SECRET_ACCESS_KEY": "sandbox", "PYTHON": sys.executable,
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    shell_prelude = 'sesl() { "$PYTHON" -m sesl "$@"; }; '
    for line, code, stdin in SCENARIO:
        command = line.replace("/var/lib/sesl/", f"{reader_dir}/var/lib/sesl/")
        result = subprocess.run(["bash", "-c", shell_prelude + command], input=stdin, capture_output=True,
                                text=True, env=env, cwd=reader_dir, timeout=600)
        assert result.returncode == code, f"{line}: exit {result.returncode}\n{result.stdout[-2000:]}" \
                                          f"\n{result.stderr[-2000:]}"
    assert (reader_dir / "links.csv").read_text().splitlines()[0] == \
        "link,campaign,advertiser,total_clicks,unique_clicks"
    assert (reader_dir / "var" / "lib" / "sesl" / "drift-prod.json").exists()


from tests.test_cli_e2e import endpoint, sandbox  # noqa: E402,F401  (the sandbox server fixtures)
