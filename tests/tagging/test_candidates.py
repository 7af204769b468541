"""Which states a passage may be about, by document type (README, "How a passage is tagged").

Texts are constructed for the tests (not corpus)."""

from __future__ import annotations

import pytest

from pipeline.tagging.tagger import TagInput, candidates, pair_frame, parse_home

HOME = parse_home("zh:CHN")
CCTV = "外交部发言人就上合组织峰会答记者问。"  # a CCTV-style item: a Chinese official, China unnamed


def _inp(text, lang="zh", **kw):
    return TagInput(id="x", text=text, lang=lang, **kw)


@pytest.mark.parametrize("doc_type, speaker, expected", [  # CCTV names the SCO: China has an object
    ("transcript", None, {"CHN"}),  # news read by China's media: the home state is implicit
    ("transcript", "CHN", {"CHN"}),
    ("transcript", "RUS", set()),  # a transcript of another state's media: no Chinese home state
    ("article", None, set()),  # an article's author is not a state
    ("declaration", None, set()),
    ("other", None, set()),
    (None, None, set()),  # classify without a document type
    ("speech", None, set()),
])
def test_the_home_state_is_implicit_only_in_news_transcripts(doc_type, speaker, expected):
    assert set(candidates(_inp(CCTV, doc_type=doc_type, speaker_state=speaker), HOME)) == expected


def test_the_speaker_is_a_candidate_in_speeches_only():
    text = "We support the SCO and its projects."
    assert set(candidates(_inp(text, "en", doc_type="speech", speaker_state="KAZ"), HOME)) == {"KAZ"}
    assert set(candidates(_inp(text, "en", doc_type="article", speaker_state="KAZ"), HOME)) == set()
    assert set(candidates(_inp(text, "en", doc_type="transcript", speaker_state="KAZ"), HOME)) == set()
    assert set(candidates(_inp(text, "en", doc_type="speech", speaker_state="USA"), HOME)) == set()


@pytest.mark.parametrize("text, relevant, expected", [
    ("We support the SCO and its projects.", None, {"KAZ"}),  # the SCO named
    ("We support the Shanghai Spirit.", None, {"KAZ"}),
    ("We welcome the visit of the President of China.", None, {"KAZ", "CHN"}),  # another member
    ("We call on all member states to act.", None, None),  # the members together: every member
    ("We support the organisation and its projects.", True, {"KAZ"}),  # the document is about the SCO
    # no object: a UN speech on the climate is not the speaker's stance towards the SCO or a member
    ("We support the Paris Agreement on climate change.", None, set()),
    ("Our country has reduced its emissions.", False, set()),
])
def test_the_speaker_needs_an_object(text, relevant, expected):
    got = set(candidates(_inp(text, "en", doc_type="speech", speaker_state="KAZ", relevant=relevant, year=2018),
                         HOME))
    assert got == (expected if expected is not None else got | {"KAZ", "CHN", "RUS", "IND", "PAK"})
    if expected is None:
        assert "KAZ" in got and len(got) >= 8


def test_the_home_state_needs_an_object_too():
    assert set(candidates(_inp("天气预报：明天多云。", doc_type="transcript"), HOME)) == set()
    assert set(candidates(_inp("天气预报：明天多云。", doc_type="transcript", relevant=True), HOME)) == {"CHN"}
    assert set(candidates(_inp("俄罗斯总统普京抵达北京。", doc_type="transcript"), HOME)) == {"CHN", "RUS"}


def test_mentions_and_collective_subjects_count_in_every_type():
    for doc_type in ("article", "speech", "transcript", "declaration", None):
        assert set(candidates(_inp("印度对上合组织持消极认同态度。", doc_type=doc_type), HOME)) >= {"IND"}
        everyone = candidates(_inp("各成员国一致同意加强合作。", doc_type=doc_type, year=2018), HOME)
        assert set(everyone) >= {"CHN", "RUS", "KAZ", "KGZ", "TJK", "UZB", "IND", "PAK"}


def test_a_scholarly_article_in_chinese_does_not_make_china_speak():
    """The issue's case: every Chinese passage used to add China as an implicit candidate."""
    passages = [_inp("印度对上合组织持消极认同态度。", doc_type="article"),
                _inp("上合组织的发展面临多重挑战。", doc_type="article")]
    keys, X = pair_frame(passages, "zh:CHN")
    assert keys == [(0, "IND")]
    news = [_inp(CCTV, doc_type="transcript")]
    keys, X = pair_frame(news, "zh:CHN")
    assert keys == [(0, "CHN")] and list(X["how"]) == ["implicit-home"]
