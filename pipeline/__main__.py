"""`python -m pipeline` is the `scotrack` command."""

from pipeline.cli import main

main()
