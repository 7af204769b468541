"""The store: a newer schema is refused, and a killed ingest leaves a consistent store.

Every text here is constructed for the tests (not corpus).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from pipeline.config import Settings
from pipeline.errors import StoreVersionError
from pipeline.ingest.batch import ingest
from pipeline.store import Store

EN = ("The Shanghai Cooperation Organisation summit opened in Astana on Wednesday. India and Pakistan "
      "attended as full members.\n\nKazakhstan proposed a new programme on water security.")


def test_a_newer_store_is_refused_with_a_clear_error(settings):
    from sqlalchemy import update

    from pipeline.store import meta_table

    store = Store(settings.url)
    with store.engine.begin() as conn:
        conn.execute(update(meta_table).where(meta_table.c.key == "schema_version").values(value="99"))
    with pytest.raises(StoreVersionError, match="newer than this scotrack"):
        Store(settings.url)


def test_kill_mid_ingest_leaves_a_consistent_store(tmp_path, count_rows, integrity_problems):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(400):
        (folder / f"doc{i:03d}.txt").write_text(f"Document {i}. " + EN + f"\n\nNumber {i} of the series.")
    home = tmp_path / "home"
    env = {**os.environ, "SCOTRACK_HOME": str(home)}
    # its own process group, so the kill takes the worker processes with it (no orphans left behind)
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "ingest", str(folder)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    db = home / "scotrack.db"
    deadline = time.time() + 120
    store = None
    while time.time() < deadline:
        if db.exists():
            try:
                store = store or Store(f"sqlite:///{db}")
                if count_rows(store, "documents") >= 20:
                    break
            except Exception:  # the child may still be creating the tables
                store = None
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    store = Store(f"sqlite:///{db}")
    n = count_rows(store, "documents")
    assert 20 <= n < 400, "the kill should land mid-batch"
    assert integrity_problems(store) == []
    report = ingest([folder], store, Settings(home=home))
    assert report.ingested + report.unchanged == 400
    assert count_rows(store, "documents") == 400 and integrity_problems(store) == []
