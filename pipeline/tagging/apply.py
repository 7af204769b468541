"""Apply the tagger: to the store's passages, incrementally (new, changed or older-model passages only; their
sentence vectors cached in the store), and to JSONL records (`scotrack classify`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.codebook import MEMBERS
from pipeline.ingest.clean import to_simplified
from pipeline.records import Mention
from pipeline.store import Store
from pipeline.tagging import models

if TYPE_CHECKING:
    from pipeline.tagging.tagger import Tagger, TagInput

BATCH = 2000


@dataclass
class TagReport:
    tagged: int = 0
    tags: int = 0
    uncertain: int = 0
    model_version: str = ""

    def line(self) -> str:
        if not self.tagged:
            return f"nothing to tag: every passage is tagged by model {self.model_version}"
        return (f"tagged {self.tagged} passages with model {self.model_version}: {self.tags} tags, "
                f"{self.uncertain} uncertain")


def tag_store(store: Store, tagger: Tagger, model_version: str, progress: Callable[[int], None] | None = None,
              on_total: Callable[[int], None] | None = None) -> TagReport:
    from pipeline.tagging.tagger import TagInput

    todo = store.passages_to_tag(model_version)
    if on_total:
        on_total(len(todo))
    report = TagReport(model_version=model_version)
    for i in range(0, len(todo), BATCH):
        batch = todo[i:i + BATCH]
        relevant = _relevant(store, [r["passage_id"] for r in batch])
        inputs = [TagInput(id=r["passage_id"], text=r["text"], lang=r["lang"], doc_type=r["doc_type"],
                           speaker_state=r["speaker_state"], year=r["year"],
                           mentions=[Mention(**m) for m in r["mentions"]], tokens=r["tokens"],
                           relevant=relevant.get(r["passage_id"])) for r in batch]
        # the store keeps the sentence vectors: a passage is encoded once, whatever models tag it later
        predicted = tagger.predict(inputs, cache=store)
        results = {r["passage_id"]: [t.as_dict() for t in ts] for r, ts in zip(batch, predicted, strict=True)}
        store.write_tags(results, model_version)
        report.tagged += len(batch)
        report.tags += sum(len(ts) for ts in predicted)
        report.uncertain += sum(t.uncertain for ts in predicted for t in ts)
        if progress:
            progress(len(batch))
    return report


def _relevant(store: Store, passage_ids: list[str]) -> dict[str, bool]:
    """Whether each passage is SCO-relevant (it or its document is about the SCO; set at ingest)."""
    from sqlalchemy import select

    from pipeline.store.base import chunks
    from pipeline.store.schema import passages

    out: dict[str, bool] = {}
    with store.engine.connect() as conn:
        for chunk in chunks(passage_ids):
            q = select(passages.c.passage_id, passages.c.relevant).where(passages.c.passage_id.in_(chunk))
            out.update((pid, bool(rel)) for pid, rel in conn.execute(q))
    return out


def parse_record(line: str) -> tuple[str | None, TagInput]:
    """One classify input line → TagInput; raises ValueError with a one-line reason."""
    from pipeline.codebook import LANGS
    from pipeline.ingest.discover import check_date
    from pipeline.ingest.langid import detect_lang
    from pipeline.tagging.tagger import TagInput

    try:
        r = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    if not isinstance(r, dict):
        raise ValueError("not a JSON object")
    rid = r.get("id")
    text = r.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("missing or empty 'text'")
    lang = r.get("lang") or detect_lang(text)
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r} (zh, en, ru)")
    speaker = r.get("speaker_state")
    if speaker and speaker not in MEMBERS and not (isinstance(speaker, str) and len(speaker) == 3):
        raise ValueError(f"invalid speaker_state {speaker!r}")
    try:
        date = check_date(r.get("date"))
    except Exception as exc:
        raise ValueError(str(exc)) from None
    return rid, TagInput(id=str(rid), text=to_simplified(text) if lang == "zh" else text, lang=lang,
                         doc_type=r.get("doc_type"), speaker_state=speaker,
                         year=int(date[:4]) if date else None)


def classify_lines(lines: Iterable[str], tagger: Tagger, batch: int = 256) -> Iterator[dict]:
    """One output record per non-blank input line, in order; bad lines give {'id', 'error'}."""
    pending: list[tuple[str | None, TagInput | None, str | None]] = []

    def flush():
        good = [(i, t) for i, (_, t, _) in enumerate(pending) if t is not None]
        tags = tagger.predict([t for _, t in good]) if good else []
        by_pos = {i: ts for (i, _), ts in zip(good, tags, strict=True)}
        for i, (rid, _, err) in enumerate(pending):
            yield {"id": rid, "error": err, "tags": []} if err else \
                {"id": rid, "tags": [t.as_dict() for t in by_pos[i]]}
        pending.clear()

    for line in lines:
        if not line.strip():
            continue
        try:
            rid, inp = parse_record(line)
            pending.append((rid, inp, None))
        except ValueError as exc:
            rid = None
            try:
                obj = json.loads(line)
                rid = obj.get("id") if isinstance(obj, dict) else None
            except json.JSONDecodeError:
                pass
            pending.append((rid, None, str(exc)))
        if len(pending) >= batch:
            yield from flush()
    yield from flush()


def load_tagger(folder: Path | None = None) -> tuple[Tagger, dict]:
    return models.load(folder or models.MODELS)
