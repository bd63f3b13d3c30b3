"""The options of the `sesl` group that every command reads (`ctx.obj`).

Apart from sesl.cli.main so that the command modules, which main imports to register them, need not
import main back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from sesl.spec import ConfigSource

# Wide enough that no table cell of a log line is cut; a terminal uses its own width.
LOG_WIDTH = 1000


@dataclass
class Globals:
    profile: str | None
    region: str | None
    config: Path | None
    debug: bool
    no_color: bool
    no_config: bool = False
    source: ConfigSource | None = None  # found on first use (sesl.cli.common.config_source)

    def console(self, stderr: bool = False) -> Console:
        console = Console(stderr=stderr, no_color=self.no_color, highlight=False, soft_wrap=True)
        if not console.is_terminal:
            console.width = LOG_WIDTH  # logs and pipes: wrap nothing, cut nothing
        return console
