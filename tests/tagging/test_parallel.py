"""Agreement across the language versions of parallel texts, on a tiny constructed parallel set."""

from __future__ import annotations

import json

import pytest

from pipeline.tagging.annotations import is_held_out
from pipeline.tagging.evaluate import held_out_overlap, load_parallel, parallel_agreement
from pipeline.tagging.tagger import Tag

TEXTS = [{"id": "t1", "zh": "俄罗斯支持上合组织。", "en": "Russia supports the SCO.", "ru": "Россия поддерживает ШОС."},
         {"id": "t2", "zh": "印度出席了会议。", "en": "India attended the meeting.",
          "ru": "Индия участвовала во встрече."},
         {"id": "t3", "zh": "天气很好。", "en": "The weather is fine.", "ru": "Погода хорошая."}]


def _tag(state, dimension="policy", stance="positive"):
    return Tag(state=state, dimension=dimension, area="institutional", stance=stance, confidence=0.9, uncertain=False)


class Scripted:
    """A stand-in tagger that answers each language version with given tags."""

    def __init__(self, answers):
        self.answers = answers

    def predict(self, inputs):
        return [list(self.answers[(inp.id, inp.lang)]) for inp in inputs]


def test_agreement_is_the_mean_jaccard_over_language_pairs_with_a_tag():
    answers = {("t1", "zh"): [_tag("RUS")], ("t1", "en"): [_tag("RUS")], ("t1", "ru"): [_tag("RUS", stance="limited")],
               ("t2", "zh"): [_tag("IND", stance="none")], ("t2", "en"): [], ("t2", "ru"): [_tag("IND", stance="none")],
               ("t3", "zh"): [], ("t3", "en"): [], ("t3", "ru"): []}
    r = parallel_agreement(Scripted(answers), TEXTS)
    # t1: three pairs agree on the state; on the stance zh-en only. t2: zh-ru agree, zh-en and en-ru do not.
    # t3: no version tagged, no pair counted.
    assert r["states_pairs"] == 6
    assert r["states"] == pytest.approx((3 + 1) / 6, abs=1e-4)
    assert r["state_dimension_stance"] == pytest.approx((1 + 1) / 6, abs=1e-4)
    assert r["tagged"] == {"zh": 2, "en": 1, "ru": 2} and r["tags"] == {"zh": 2, "en": 1, "ru": 2}


def test_identical_readings_agree_fully():
    answers = {(t["id"], lang): [_tag("RUS")] if t["id"] == "t1" else [] for t in TEXTS for lang in ("zh", "en", "ru")}
    r = parallel_agreement(Scripted(answers), TEXTS)
    assert r["states"] == r["state_dimension"] == r["state_dimension_stance"] == 1.0 and r["states_pairs"] == 3


def test_parallel_texts_from_held_out_documents_are_found(tmp_path):
    held = next(f"doc{i}" for i in range(1000) if is_held_out(f"doc{i}"))
    open_ = next(f"doc{i}" for i in range(1000) if not is_held_out(f"doc{i}"))
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / f"{held}.txt").write_text("Preamble. " + TEXTS[1]["en"] + " More text.")
    (tmp_path / "src" / f"{open_}.txt").write_text("Preamble. " + TEXTS[0]["en"])
    assert held_out_overlap(TEXTS, tmp_path) == ["t2"]
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(json.dumps(t, ensure_ascii=False) for t in TEXTS) + "\n")
    assert load_parallel(path) == TEXTS
