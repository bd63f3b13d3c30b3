"""`python -m sesl` runs the CLI."""

from sesl.cli.main import main

main()
