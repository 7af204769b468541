"""The store: documents, their original bytes, passages, mentions, tags, reviews and fetches (SQLAlchemy Core)."""

from pipeline.store.corpus import passage_id
from pipeline.store.schema import SCHEMA_VERSION, documents, meta_table, metadata, passages, reviews, taggings
from pipeline.store.store import Store

__all__ = ["SCHEMA_VERSION", "Store", "documents", "meta_table", "metadata", "passage_id", "passages", "reviews",
           "taggings"]
