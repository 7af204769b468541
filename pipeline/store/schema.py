"""The store's tables, its schema version, and bringing a database up to that version."""

from __future__ import annotations

import time

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from pipeline.errors import ScotrackError, StoreVersionError

SCHEMA_VERSION = 7  # 2: tags and taggings; 3: fetches; 4: rejections; 5: reviews; 6: documents.date_source;
# 7: tags.object

metadata = MetaData()

meta_table = Table(
    "meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

blobs = Table(
    "blobs", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=True),  # NULL only when the input exceeded the keep limit
)

documents = Table(
    "documents", metadata,
    Column("doc_id", String(200), primary_key=True),
    Column("source", Text, nullable=False),
    Column("provenance", Text),
    Column("title", Text),
    Column("date", String(40)),
    Column("date_source", String(16)),  # manifest, cli, metadata, text or filename (ingest/dates.py); NULL: none
    Column("year", Integer),
    Column("doc_type", String(20)),
    Column("lang", String(8)),
    Column("declared_lang", String(8)),
    Column("speaker_state", String(3)),
    Column("licence", Text),
    Column("sha256", String(64), ForeignKey("blobs.sha256"), nullable=False),
    Column("text_sha256", String(64)),
    Column("fmt", String(8)),
    Column("encoding", String(32)),
    Column("text", Text),
    Column("relevant", Boolean, nullable=False, default=False),
    Column("status", String(12), nullable=False),
    Column("reason", Text),
    Column("duplicate_of", String(200)),
    Column("n_passages", Integer, nullable=False, default=0),
    Column("cleaning", Text),
    Column("ingested_at", String(32), nullable=False),
    Column("pipeline_version", String(32), nullable=False),
)
Index("ix_documents_sha256", documents.c.sha256)
Index("ix_documents_text_sha256", documents.c.text_sha256)

passages = Table(
    "passages", metadata,
    Column("passage_id", String(220), primary_key=True),
    Column("doc_id", String(200), ForeignKey("documents.doc_id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("lang", String(8), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("relevant", Boolean, nullable=False),
    Column("tokens", Text, nullable=False),
)
Index("ix_passages_doc", passages.c.doc_id, passages.c.position)

mentions = Table(
    "mentions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("passage_id", String(220), ForeignKey("passages.passage_id"), nullable=False),
    Column("state", String(3), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("surface", Text, nullable=False),
    Column("how", String(12), nullable=False),
)
Index("ix_mentions_passage", mentions.c.passage_id)
Index("ix_mentions_state", mentions.c.state)

tags = Table(
    "tags", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("passage_id", String(220), ForeignKey("passages.passage_id"), nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("state", String(3), nullable=False),
    Column("object", String(3)),  # codebook §3a: SCO or a member's ISO3; NULL (tags before v2): SCO
    Column("dimension", String(10), nullable=False),
    Column("area", String(16), nullable=False),
    Column("stance", String(10), nullable=False),
    Column("score", Integer),
    Column("confidence", Float, nullable=False),
    Column("uncertain", Boolean, nullable=False),
)
Index("ix_tags_passage", tags.c.passage_id)
Index("ix_tags_state_dim", tags.c.state, tags.c.dimension)

# Which model last tagged each passage (also when it found nothing to tag).
taggings = Table(
    "taggings", metadata,
    Column("passage_id", String(220), ForeignKey("passages.passage_id"), primary_key=True),
    Column("model_version", String(64), nullable=False),
    Column("tagged_at", String(32), nullable=False),
)

# The last fetch of each URL (documents and feeds): its validators for conditional requests and what happened.
fetches = Table(
    "fetches", metadata,
    Column("url", String(2000), primary_key=True),
    Column("kind", String(8), nullable=False),  # "document" or "feed"
    Column("status", String(16), nullable=False),  # fetched, not-modified, failed
    Column("reason", Text, nullable=False),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("sha256", String(64)),
    Column("content_type", String(120)),
    Column("fetched_at", String(32), nullable=False),
)


# The input a rejection was for (bytes, metadata, early problem, size limit; see `ingest.batch.input_key`): an
# input rejected by the current pipeline version is not processed again while it stays the same, but a
# corrected manifest row or a new file is.
rejections = Table(
    "rejections", metadata,
    Column("input_key", String(64), primary_key=True),
    Column("doc_id", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("pipeline_version", String(32), nullable=False),
    Column("rejected_at", String(32), nullable=False),
)


# Reviews (pipeline/review/records.py): append-only; a change is a new row, an undo a row that names the one it
# cancels. (passage_id, thread, revision) is unique: two saves from the same revision cannot both land.
# No foreign key to passages: a review outlives its passage being processed again (`text_sha` tells whether
# it still applies).
reviews = Table(
    "reviews", metadata,
    Column("review_id", Integer, primary_key=True, autoincrement=True),
    Column("passage_id", String(220), nullable=False),
    Column("thread", String(120), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("reviewer", String(120), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("irrelevant", Boolean, nullable=False),
    Column("answer", Text, nullable=False),  # JSON list of {state, object, dimension, area, stance} (no object: SCO)
    Column("prediction", Text, nullable=False),  # JSON: the model's tags when the passage was shown
    Column("model_version", String(64)),
    Column("text_sha", String(40), nullable=False),
    Column("undoes", Integer),
    Column("source", String(40), nullable=False),  # web, import:jsonl, import:label-studio
    UniqueConstraint("passage_id", "thread", "revision", name="uq_reviews_revision"),
)
Index("ix_reviews_passage", reviews.c.passage_id)
Index("ix_reviews_reviewer", reviews.c.reviewer)


# Sentence vectors (pipeline/store/vectors.py): float16 bytes by the SHA-1 of the text and the encoder version;
# no foreign key, as one vector serves every passage with the same text.
vectors = Table(
    "vectors", metadata,
    Column("text_sha1", String(40), primary_key=True),
    Column("encoder", String(40), primary_key=True),
    Column("data", LargeBinary, nullable=False),
)


def migrate(engine: Engine, url: str) -> None:
    """Create the missing tables and record this schema version; refuse a store a newer scotrack wrote.
    `url` is the store's address as the user may see it (no password)."""
    # Two processes opening a new store at once can race on CREATE TABLE; the loser retries.
    for attempt in range(5):
        try:
            return _migrate_once(engine, url)
        except (OperationalError, IntegrityError, ProgrammingError) as exc:
            racing = isinstance(exc, IntegrityError) or any(
                word in str(exc.orig) for word in ("already exists", "locked", "duplicate"))
            if not racing or attempt == 4:
                raise ScotrackError(f"cannot use the store at {url}: {exc.orig}") from None
            time.sleep(0.2 * (attempt + 1))


def _migrate_once(engine: Engine, url: str) -> None:
    with engine.begin() as conn:
        metadata.create_all(conn)
        row = conn.execute(select(meta_table.c.value).where(meta_table.c.key == "schema_version")).first()
        if row is None:
            conn.execute(insert(meta_table).values(key="schema_version", value=str(SCHEMA_VERSION)))
        elif int(row.value) < SCHEMA_VERSION:  # create_all added the missing tables; now the missing columns
            _add_columns(conn, int(row.value))
            conn.execute(update(meta_table).where(meta_table.c.key == "schema_version")
                         .values(value=str(SCHEMA_VERSION)))
        elif int(row.value) > SCHEMA_VERSION:
            raise StoreVersionError(
                f"the store at {url} has schema version {row.value}, newer than this scotrack "
                f"understands ({SCHEMA_VERSION}); upgrade scotrack or point SCOTRACK_HOME elsewhere")


# Columns added to existing tables, by the schema version that added them: a store older than that version gets
# them with ALTER TABLE (nullable, no default: old rows read NULL).
ADDED_COLUMNS: dict[int, list[tuple[str, str]]] = {6: [("documents", "date_source")], 7: [("tags", "object")]}


def _add_columns(conn, stored_version: int) -> None:
    """ALTER the tables of a store at `stored_version` to add the columns later versions added (each only if
    it is missing, so a half-done or concurrent migration is harmless)."""
    preparer = conn.dialect.identifier_preparer
    for version, columns in sorted(ADDED_COLUMNS.items()):
        if version <= stored_version:
            continue
        for table_name, column_name in columns:
            present = {c["name"] for c in inspect(conn).get_columns(table_name)}
            if column_name in present:
                continue
            column = metadata.tables[table_name].c[column_name]
            conn.execute(text(f"ALTER TABLE {preparer.format_table(column.table)} ADD COLUMN "
                              f"{preparer.format_column(column)} {column.type.compile(dialect=conn.dialect)}"))
