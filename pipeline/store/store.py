"""The `Store`: one object over scotrack's database, composed of its parts and brought up to the schema on opening.

SQLite by default (a file under $SCOTRACK_HOME); any SQLAlchemy URL, PostgreSQL included, works.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from pipeline.errors import ScotrackError
from pipeline.store.corpus import Corpus
from pipeline.store.fetch_state import FetchState
from pipeline.store.overview import Overview
from pipeline.store.review_log import ReviewLog
from pipeline.store.schema import migrate
from pipeline.store.tagging import Tagging
from pipeline.store.vectors import Vectors


class Store(Corpus, Tagging, Vectors, ReviewLog, FetchState, Overview):
    """All reads and writes of scotrack's data; one transaction per document written."""

    def __init__(self, url: str):
        self.url = url
        if url.startswith("sqlite:///"):
            try:
                Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ScotrackError(f"cannot create the store's folder for {url}: {exc.strerror}") from None
        try:
            self.engine: Engine = create_engine(url, future=True)
        except (SQLAlchemyError, ImportError) as exc:
            raise ScotrackError(f"cannot open the store at {url}: {exc}") from None
        # what we show the user: never a password
        self.url = self.engine.url.render_as_string(hide_password=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        migrate(self.engine, self.url)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
