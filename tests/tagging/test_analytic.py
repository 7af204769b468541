"""The codebook's analytic vocabulary as evidence: explicit readings attributed to a state.

Sentences are constructed for the tests (not corpus); the last test uses the shipped model."""

from __future__ import annotations

import pytest

from pipeline.tagging.features.analytic import readings
from pipeline.tagging.features.cues import rule_stance, stance_cue_vector
from pipeline.tagging.tagger import TagInput, candidates, mask
from tests.tagging.test_classify import TOY


def _masked(text, lang, state):
    inp = TagInput(id="x", text=text, lang=lang, doc_type="article")
    return mask(text, state, candidates(inp))


@pytest.mark.parametrize("text, lang, state, expected", [
    ("印度对上合组织持消极认同态度。", "zh", "IND", [("identity", "negative")]),
    ("中国和巴基斯坦对上合组织持积极认同态度，俄罗斯则是有限认同。", "zh", "PAK", [("identity", "positive")]),
    ("中国和巴基斯坦对上合组织持积极认同态度，俄罗斯则是有限认同。", "zh", "RUS", [("identity", "limited")]),
    ("印度对上合组织一直保持警惕。", "zh", "IND", [("identity", "negative")]),
    ("哈萨克斯坦对上合组织持观望态度。", "zh", "KAZ", [("identity", "limited")]),
    ("印度拒绝参加上合组织联合军演。", "zh", "IND", [("policy", "negative")]),
    ("India remains wary of the SCO.", "en", "IND", [("identity", "negative")]),
    ("India, a reluctant member, sent a junior minister.", "en", "IND", [("identity", "negative")]),
    ("Kazakhstan is cautious towards the SCO.", "en", "KAZ", [("identity", "limited")]),
    ("Индия относится к ШОС с настороженностью.", "ru", "IND", [("identity", "negative")]),
    ("Индия дистанцируется от ШОС.", "ru", "IND", [("identity", "negative")]),
    # not said of the target: no reading
    ("中国对上合组织持积极认同态度，印度出席了会议。", "zh", "IND", []),
    ("India attended the SCO summit.", "en", "IND", []),
])
def test_readings_are_attributed_to_the_state_they_are_said_of(text, lang, state, expected):
    assert readings(_masked(text, lang, state), lang) == expected


def test_the_vocabulary_counts_as_stance_cues():
    assert rule_stance("印度对上合组织持消极认同态度", "zh") == "negative"
    assert rule_stance("哈萨克斯坦在多个机制之间摇摆", "zh") == "limited"
    assert rule_stance("India is hedging", "en") == "limited"
    assert rule_stance("Индия настороженно относится к ШОС", "ru") == "negative"
    assert stance_cue_vector("积极认同", "zh") == [0, 0, 0, 1]  # the longest cue wins: not 认同 + 积极 twice


def _toy():
    from pipeline.tagging.tagger import Tagger

    return Tagger(C=100.0).fit([x for x, _ in TOY], [y for _, y in TOY])


def test_a_stated_reading_becomes_the_tag_whatever_the_model():
    (tags,) = _toy().predict([TagInput(id="s", text="印度对上合组织持消极认同态度。", lang="zh", doc_type="article")])
    (tag,) = [t for t in tags if t.dimension == "identity"]
    assert (tag.state, tag.stance) == ("IND", "negative") and tag.confidence >= 0.9 and not tag.uncertain
    assert tag.probabilities["negative"] == max(tag.probabilities.values())


def test_the_shipped_model_reads_the_study_sentence():
    from pipeline.tagging import models

    tagger, _ = models.load()
    (tags,) = tagger.predict([TagInput(id="s", text="印度对上合组织持消极认同态度。", lang="zh", doc_type="article")])
    assert ("IND", "identity", "negative") in {(t.state, t.dimension, t.stance) for t in tags}
    assert {t.state for t in tags} == {"IND"}  # China is not the author's state
