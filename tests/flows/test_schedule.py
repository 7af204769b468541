"""Scheduled deployments against a real Prefect server on 127.0.0.1 (started by the test, temp PREFECT_HOME).

The document in the drop folder is constructed for the test (not corpus).
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(check, seconds: float, what: str):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            got = check()
            if got:
                return got
        except Exception:  # not up yet
            pass
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.slow
def test_a_scheduled_deployment_on_a_real_server_ingests_the_drop_folder(tmp_path):
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_LOGGING_LEVEL": "WARNING",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", "SCOTRACK_HOME": str(tmp_path / "h")}
    env.pop("PREFECT_API_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    served = None
    try:
        _wait(lambda: urllib.request.urlopen(f"{api}/health", timeout=2).status == 200, 180, "the Prefect server")
        drop = tmp_path / "drop"
        drop.mkdir()
        (drop / "summit.txt").write_text("The SCO summit in Astana adopted a declaration. "
                                         "Kazakhstan proposed a water programme.")
        client_env = {**env, "PREFECT_API_URL": api}
        # a cron far in the future: the run below is triggered by hand, as a user would to test a schedule
        served = subprocess.Popen([sys.executable, "-m", "pipeline", "schedule", str(drop), "--poll-cron",
                                   "0 0 1 1 *", "--out", str(tmp_path / "report")], env=client_env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)

        def trigger():
            p = subprocess.run([sys.executable, "-m", "prefect", "deployment", "run", "scotrack-poll/scotrack-poll"],
                               env=client_env, capture_output=True, text=True, timeout=120)
            return p.returncode == 0

        _wait(trigger, 180, "the deployment to be registered")
        db = tmp_path / "h" / "scotrack.db"

        def ingested():
            with sqlite3.connect(db) as con:
                return con.execute("select count(*) from documents where status='ingested'").fetchone()[0] == 1

        _wait(ingested, 300, "the scheduled run to ingest the drop folder")
        _wait(lambda: (tmp_path / "report" / "report.html").exists(), 300, "the run's report")
    finally:
        if served is not None:
            _stop(served)
        _stop(server)
    assert Path(tmp_path / "report" / "verdicts.json").exists()


def test_schedule_without_a_server_says_how_to_start_one(tmp_path):
    env = {**os.environ, "SCOTRACK_HOME": str(tmp_path / "h"), "PREFECT_HOME": str(tmp_path / "prefect")}
    env.pop("PREFECT_API_URL", None)
    p = subprocess.run([sys.executable, "-m", "pipeline", "schedule"], env=env, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 2 and "prefect server start" in p.stderr and len(p.stderr.strip().splitlines()) == 1
