"""Helpers shared by the tests: the command line run in-process (click's CliRunner) or as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent  # the checkout: README, docs, corpora
SHARED = ROOT.parent / "shared"


def scotrack(args, home: Path, stdin: str | None = None, **env) -> tuple[int, str, str]:
    """`scotrack ARGS` in this process with SCOTRACK_HOME=home: (exit code, stdout, stderr). An exception
    that is not the command's own exit (a bug) is raised, with its traceback."""
    from pipeline.cli import cli

    result = CliRunner().invoke(cli, [str(a) for a in args], input=stdin, env={"SCOTRACK_HOME": str(home), **env})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def scotrack_bytes(args, home: Path) -> bytes:
    """The raw stdout of `scotrack ARGS` run in this process."""
    from pipeline.cli import cli

    return CliRunner().invoke(cli, [str(a) for a in args], env={"SCOTRACK_HOME": str(home)}).stdout_bytes


def scotrack_process(args, home: Path, stdin: str | None = None, timeout: float = 600,
                     **env) -> subprocess.CompletedProcess:
    """`python -m pipeline ARGS` as a real process (for what only a process shows: exit codes of the entry
    point, signals, stdout as bytes)."""
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], input=stdin, capture_output=True,
                          text=True, env={**os.environ, "SCOTRACK_HOME": str(home), **env}, timeout=timeout)
