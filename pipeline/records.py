"""Typed records passed between stages: a document, its passages and their mentions."""

from __future__ import annotations

from dataclasses import dataclass, field

# The passage kinds read for stance evidence; the others (headings, notes, references, tables, titles) are
# a document's structure.
TAGGED_KINDS = frozenset({"body", "abstract"})


@dataclass(frozen=True)
class Mention:
    """A member state named in a passage; offsets are into the passage's text."""

    state: str  # ISO3 member code
    start: int
    end: int
    surface: str  # text[start:end]
    how: str  # name, adjective, side, capital, leader, abbrev or speaker


@dataclass
class Passage:
    position: int
    start: int  # offsets into the document's cleaned text
    end: int
    text: str  # analysis form (Simplified Chinese for zh); same length as the cleaned span
    lang: str
    kind: str = "body"  # body, abstract, table, footnote, reference, title, author, keywords, heading
    relevant: bool = False
    tokens: list[str] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)


@dataclass
class SourceMeta:
    """What is known about a document before reading it (manifest row or CLI flags); reading may add its date."""

    source: str
    doc_id: str | None = None
    title: str | None = None
    date: str | None = None  # YYYY[-MM[-DD]]
    # where the date came from: manifest, cli, metadata, text or filename (pipeline.ingest.dates)
    date_source: str | None = None
    doc_type: str | None = None
    lang: str | None = None
    speaker_state: str | None = None
    licence: str | None = None
    provenance: str | None = None

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date and self.date[:4].isdigit() else None


@dataclass
class Document:
    meta: SourceMeta
    raw: bytes
    sha256: str
    fmt: str = "txt"
    encoding: str | None = None
    text: str = ""  # cleaned text, original script
    text_sha256: str | None = None  # hash of the normalised text, for duplicates across formats
    lang: str | None = None
    relevant: bool = False
    passages: list[Passage] = field(default_factory=list)
    cleaning: dict[str, int] = field(default_factory=dict)
    status: str = "ingested"  # "ingested" | "duplicate" | "rejected"
    reason: str | None = None
    duplicate_of: str | None = None
