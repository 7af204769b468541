"""Shared fixtures: a fresh store per test, files to ingest, and checks on what the store holds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from pipeline.config import Settings
from pipeline.store import Store, documents, metadata, passages

os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh store: SQLite under tmp_path, or the (emptied) database named by
    SCOTRACK_TEST_DATABASE_URL, e.g. postgresql+psycopg://postgres@127.0.0.1:5433/scotrack_test."""
    url = os.environ.get("SCOTRACK_TEST_DATABASE_URL", "")
    if url:
        engine = create_engine(url)
        metadata.drop_all(engine)
        engine.dispose()
    return Settings(home=tmp_path / "home", database_url=url, workers=1)


@pytest.fixture
def store(settings: Settings) -> Store:
    return Store(settings.url)


@pytest.fixture
def write(tmp_path: Path):
    """Write bytes or text to a file under tmp_path/in and return its path."""
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)

    def _write(name: str, content: bytes | str, encoding: str = "utf-8") -> Path:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return _write


@pytest.fixture
def count_rows():
    """`count_rows(store, "documents")`: how many rows a table of the store holds."""

    def count(store: Store, table: str) -> int:
        with store.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(metadata.tables[table])).scalar()

    return count


@pytest.fixture
def integrity_problems():
    """`integrity_problems(store)`: the cross-table inconsistencies an interrupted write could leave (a
    document missing some of its passages, passages without their document, a document without its
    original bytes); [] when there are none."""
    blobs = metadata.tables["blobs"]

    def problems(store: Store) -> list[str]:
        found = []
        with store.engine.connect() as conn:
            for doc_id, n, actual in conn.execute(
                    select(documents.c.doc_id, documents.c.n_passages, func.count(passages.c.passage_id))
                    .outerjoin(passages, passages.c.doc_id == documents.c.doc_id)
                    .group_by(documents.c.doc_id, documents.c.n_passages)):
                if n != actual:
                    found.append(f"{doc_id}: n_passages {n} but {actual} passages stored")
            orphans = conn.execute(select(func.count()).select_from(passages).where(
                ~passages.c.doc_id.in_(select(documents.c.doc_id)))).scalar()
            if orphans:
                found.append(f"{orphans} passages without a document")
            nob = conn.execute(select(func.count()).select_from(documents).where(
                ~documents.c.sha256.in_(select(blobs.c.sha256)))).scalar()
            if nob:
                found.append(f"{nob} documents without their original bytes")
        return found

    return problems
