"""The vector cache: sentence vectors by text hash and encoder version, so a text is encoded once per encoder."""

from __future__ import annotations

from sqlalchemy import insert, select

from pipeline.store.base import StorePart, chunks
from pipeline.store.schema import vectors


class Vectors(StorePart):
    """Raw vectors (float16 bytes) keyed by (SHA-1 of the text, encoder version); a re-tagging with a new model
    reads them instead of encoding again. Rows are never updated: a text's vector under one encoder version
    does not change."""

    def get_vectors(self, keys: list[str], encoder: str) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(sorted(set(keys))):
                q = (select(vectors.c.text_sha1, vectors.c.data)
                     .where(vectors.c.encoder == encoder).where(vectors.c.text_sha1.in_(chunk)))
                out.update((k, bytes(v)) for k, v in conn.execute(q))
        return out

    def put_vectors(self, items: dict[str, bytes], encoder: str) -> None:
        """Add vectors; those already cached (another process got there first) are left as they are."""
        if not items:
            return
        rows = [dict(text_sha1=k, encoder=encoder, data=v) for k, v in items.items()]
        dialect = self.engine.dialect.name
        if dialect in ("sqlite", "postgresql"):
            if dialect == "sqlite":
                from sqlalchemy.dialects.sqlite import insert as dialect_insert
            else:
                from sqlalchemy.dialects.postgresql import insert as dialect_insert
            with self.engine.begin() as conn:
                conn.execute(dialect_insert(vectors).on_conflict_do_nothing(), rows)
            return
        with self.engine.begin() as conn:  # other databases: skip what is there, then insert
            have = set()
            for chunk in chunks(sorted(items)):
                have |= set(conn.scalars(select(vectors.c.text_sha1).where(vectors.c.encoder == encoder)
                                         .where(vectors.c.text_sha1.in_(chunk))))
            fresh = [r for r in rows if r["text_sha1"] not in have]
            if fresh:
                conn.execute(insert(vectors), fresh)

    def count_vectors(self, encoder: str | None = None) -> int:
        from sqlalchemy import func

        q = select(func.count()).select_from(vectors)
        if encoder:
            q = q.where(vectors.c.encoder == encoder)
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())
