"""`python -m pipeline` is the `scotrack` command."""

from .cli import main

main()
