"""Benchmark of the orchestration (issue 5), in one run, each case in a fresh store:

1. the full run through the Prefect flows vs the same stages called directly (target <= 1.25x);
2. a no-change refresh vs the full run (target <= 5%): `scotrack run` as a user runs it (the check finds
   nothing new and Prefect is not started), and with --always-flow (the flow runs and skips everything);
3. one new document added to the corpus vs the full run;
4. the Dask runner (local cluster, 2 workers) vs the default runner.

    .venv/bin/python bench/bench_flows.py [--corpus PATH] [--skip-dask]

Prefect runs without a server (a temporary local one, started by each run: its start-up is part of the
measured time, as it is for a user). All runs share one PREFECT_HOME, as a user's runs share
~/.prefect; the first start in a new PREFECT_HOME (creating Prefect's database) is measured apart.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
       "DO_NOT_TRACK": "1", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}


PREFECT_HOME: Path | None = None
HELLO = "from prefect import flow\n\n@flow\ndef hello():\n    return 1\n\nhello()\n"


def run(home: Path, *args: str) -> float:
    env = {**ENV, "SCOTRACK_HOME": str(home), "PREFECT_HOME": str(PREFECT_HOME)}
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "pipeline", "run", *args], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit(f"scotrack run {' '.join(args)} failed: {p.stderr.strip().splitlines()[-1:]}")
    return time.perf_counter() - t


def trivial_flow() -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", HELLO], env={**ENV, "PREFECT_HOME": str(PREFECT_HOME)}, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpora")
    ap.add_argument("--skip-dask", action="store_true")
    args = ap.parse_args()
    global PREFECT_HOME
    with tempfile.TemporaryDirectory(prefix="scotrack-bench-") as tmp:
        tmp = Path(tmp)
        PREFECT_HOME = tmp / "prefect"
        cold, warm = trivial_flow(), trivial_flow()
        print(f"a trivial Prefect flow: first in a new PREFECT_HOME {cold:5.1f} s, then {warm:5.1f} s "
              f"(the temporary server's start-up)")
        corpus = tmp / "corpus"
        shutil.copytree(args.corpus, corpus, ignore=shutil.ignore_patterns("annotations"))
        corpus_arg = str(corpus)
        t_direct = run(tmp / "direct", corpus_arg, "--no-prefect")
        print(f"full run, stages called directly:   {t_direct:7.1f} s")
        t_flow = run(tmp / "flow", corpus_arg)
        print(f"full run, through the Prefect flows: {t_flow:7.1f} s   ratio {t_flow / t_direct:.2f} "
              f"(target <= 1.25)")
        t_again = run(tmp / "flow", corpus_arg)
        print(f"no-change refresh (scotrack run):    {t_again:7.1f} s   ratio to the full run "
              f"{t_again / t_flow:.1%} (target <= 5%)")
        t_forced = run(tmp / "flow", corpus_arg, "--always-flow")
        print(f"no-change refresh, --always-flow:    {t_forced:7.1f} s   ratio to the full run "
              f"{t_forced / t_flow:.1%}")
        # one new document: a copy of a bundled one with a line added (new bytes, new text)
        donor = next(p for p in sorted(corpus.rglob("*.txt")) if p.name != "MANIFEST.csv")
        new = corpus / "new-document.txt"
        new.write_text(donor.read_text(encoding="utf-8") + "\n\n(added for the benchmark)\n", encoding="utf-8")
        t_one = run(tmp / "flow", corpus_arg)
        print(f"one new document (flows):            {t_one:7.1f} s   ratio to the full run {t_one / t_flow:.1%}")
        new.unlink()
        if not args.skip_dask:
            t_dask = run(tmp / "dask", corpus_arg, "--runner", "dask", "--dask-workers", "2")
            print(f"full run, Dask runner (2 workers):   {t_dask:7.1f} s   ratio to the default runner "
                  f"{t_dask / t_flow:.2f}")


if __name__ == "__main__":
    main()
