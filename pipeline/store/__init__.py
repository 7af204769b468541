"""The store: documents, their original bytes, passages, mentions, tags and reviews (SQLAlchemy Core)."""

from pipeline.store.store import (
    SCHEMA_VERSION,
    Store,
    documents,
    meta_table,
    metadata,
    passage_id,
    passages,
    reviews,
    taggings,
)

__all__ = ["SCHEMA_VERSION", "Store", "documents", "meta_table", "metadata", "passage_id", "passages", "reviews",
           "taggings"]
