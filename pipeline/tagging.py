"""Tag the store's passages with the current model, incrementally (new, changed or older-model passages only)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .records import Mention
from .store import Store

if TYPE_CHECKING:
    from .classify import Tagger

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
    from .classify import TagInput

    todo = store.passages_to_tag(model_version)
    if on_total:
        on_total(len(todo))
    report = TagReport(model_version=model_version)
    for i in range(0, len(todo), BATCH):
        batch = todo[i:i + BATCH]
        inputs = [TagInput(id=r["passage_id"], text=r["text"], lang=r["lang"], doc_type=r["doc_type"],
                           speaker_state=r["speaker_state"], year=r["year"],
                           mentions=[Mention(**m) for m in r["mentions"]], tokens=r["tokens"]) for r in batch]
        predicted = tagger.predict(inputs)
        results = {r["passage_id"]: [t.as_dict() for t in ts] for r, ts in zip(batch, predicted, strict=True)}
        store.write_tags(results, model_version)
        report.tagged += len(batch)
        report.tags += sum(len(ts) for ts in predicted)
        report.uncertain += sum(t.uncertain for ts in predicted for t in ts)
        if progress:
            progress(len(batch))
    return report
