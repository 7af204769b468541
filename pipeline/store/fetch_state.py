"""What the store remembers of each fetched URL, so the next fetch can ask only for what changed."""

from __future__ import annotations

from sqlalchemy import insert, select, update

from pipeline.store.base import StorePart
from pipeline.store.schema import fetches


class FetchState(StorePart):
    """The last fetch of each URL, document or feed: what happened and its validators (ETag, Last-Modified)."""

    def fetch_state(self, url: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(fetches).where(fetches.c.url == url)).first()
        return row._asdict() if row else None

    def record_fetch(self, url: str, kind: str, status: str, reason: str, fetched_at: str, etag: str | None = None,
                     last_modified: str | None = None, sha256: str | None = None,
                     content_type: str | None = None) -> None:
        """Remember a fetch; a 304 or a failure keeps the validators and hash of the last good fetch."""
        with self.engine.begin() as conn:
            old = conn.execute(select(fetches).where(fetches.c.url == url)).first()
            row = dict(kind=kind, status=status, reason=reason, fetched_at=fetched_at)
            if status == "fetched" or old is None:
                row.update(etag=etag, last_modified=last_modified, sha256=sha256, content_type=content_type)
            if old is None:
                conn.execute(insert(fetches).values(url=url, **row))
            else:
                conn.execute(update(fetches).where(fetches.c.url == url).values(**row))
