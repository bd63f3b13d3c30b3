"""Reads and resets mutmut's verdicts of one module (its mutants/<file>.meta) for scripts/mutation.sh.

  _mutation_meta.py retry META          survivors and untested mutants are tried again on the next run
  _mutation_meta.py score META NAME     prints "NAME: killed / total (pct %)" and what did not die
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

# mutmut's exit codes (mutmut/stats.py): 1 and 3 fail the tests, 36 and the SIGXCPU codes are timeouts
KILLED = {1, 3}
TIMEOUT = {36, -24, 24, 152, 255}
SURVIVED = {0}
NO_TESTS = {5, 33}


def _verdicts(meta: Path) -> dict[str, int | None]:
    verdicts: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
    return verdicts


def retry(meta: Path) -> None:
    if not meta.exists():
        return
    data = json.loads(meta.read_text())
    codes = data["exit_code_by_key"]
    for key, code in codes.items():
        if code not in KILLED and code not in TIMEOUT:
            codes[key] = None
    meta.write_text(json.dumps(data, indent=4))


def score(meta: Path, name: str) -> None:
    codes = list(_verdicts(meta).values())
    counts = Counter("killed" if c in KILLED or c in TIMEOUT else "survived" if c in SURVIVED
                     else "no tests" if c in NO_TESTS else "not run" if c is None else "other" for c in codes)
    total = len(codes)
    pct = 100.0 * counts["killed"] / total if total else 100.0
    rest = ", ".join(f"{n} {what}" for what, n in sorted(counts.items()) if what != "killed")
    print(f"{name}: {counts['killed']} / {total} ({pct:.1f} %)" + (f"; {rest}" if rest else ""))


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "retry":
        retry(Path(argv[1]))
        return 0
    if len(argv) == 3 and argv[0] == "score":
        score(Path(argv[1]), argv[2])
        return 0
    print(__doc__, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
