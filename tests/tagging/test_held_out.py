"""Held-out documents (sha1(doc_id) starting with 0, 1 or 2) are never trained or tuned on.

The annotations and documents here are constructed for the test (not corpus)."""

from __future__ import annotations

import hashlib
import json

import pytest

from pipeline.errors import ScotrackError
from pipeline.tagging.annotations import is_held_out
from pipeline.tagging.train import training_spans

TEXT = "India refused to join the SCO exercise."


def _name(held: bool) -> str:
    return next(f"doc{i}" for i in range(1000) if is_held_out(f"doc{i}") == held)


def _write(folder, corpus, doc_id):
    (corpus / "src").mkdir(parents=True, exist_ok=True)
    (corpus / "src" / f"{doc_id}.txt").write_text(TEXT)
    record = {"doc_id": doc_id, "source": "src", "start": 0, "end": len(TEXT),
              "sha1": hashlib.sha1(TEXT.encode()).hexdigest(), "text": TEXT, "lang": "en", "doc_type": "article",
              "labels": [{"state": "IND", "dimension": "policy", "area": "security", "stance": "negative"}]}
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "a.jsonl").open("a") as f:
        f.write(json.dumps(record) + "\n")


def test_the_rule_is_the_first_hex_digit_of_the_sha1():
    for doc_id in ("psnc_back_to_the_great_game_in_kazakhstan", "xwlb_20250901_03", _name(True), _name(False)):
        assert is_held_out(doc_id) == (hashlib.sha1(doc_id.encode()).hexdigest()[0] in "012")


def test_training_refuses_annotations_of_held_out_documents(tmp_path):
    folder, corpus = tmp_path / "ann", tmp_path / "corpus"
    _write(folder, corpus, _name(False))
    assert [s.doc_id for s in training_spans(folder, corpus)] == [_name(False)]
    _write(folder, corpus, _name(True))
    with pytest.raises(ScotrackError, match="held-out"):
        training_spans(folder, corpus)


def test_the_bundled_annotations_hold_no_held_out_document():
    assert not any(is_held_out(s.doc_id) for s in training_spans())
