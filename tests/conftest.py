"""Shared fixtures: a fresh store per test, and paths to the bundled corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.config import PROJECT_ROOT, Settings
from pipeline.store import Store

CORPUS = PROJECT_ROOT / "corpora"
SHARED = PROJECT_ROOT.parent / "shared"

os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh store: SQLite under tmp_path, or the (emptied) database named by
    SCOTRACK_TEST_DATABASE_URL, e.g. postgresql+psycopg://postgres@127.0.0.1:5433/scotrack_test."""
    url = os.environ.get("SCOTRACK_TEST_DATABASE_URL", "")
    if url:
        from sqlalchemy import create_engine

        from pipeline.store import metadata

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
