"""Tokenisers: the SCO user dictionary, and our jieba Doc builder agreeing with spaCy's own.

Texts are constructed for the tests (not corpus).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ingest.tokenise import USER_DICT, get_nlp, init_jieba, tokens


@pytest.mark.parametrize("term", ["上合组织", "上海精神", "三股势力", "欧亚经济联盟", "一带一路", "地区反恐怖机构",
                                  "命运共同体", "元首理事会"])
def test_sco_user_dictionary_keeps_terms_whole(term):
    assert term in tokens(f"各方表示，将在{term}方面继续合作。", "zh")


def test_jieba_fast_and_jieba_agree_on_chinese_words():
    import jieba

    fast = init_jieba()
    text = "习近平同俄罗斯总统普京举行会谈。中俄双方同意在上合组织框架内加强安全合作，打击三股势力。"
    jieba.load_userdict(str(USER_DICT))
    assert fast.lcut(text) == jieba.lcut(text)


def test_ukraine_and_fused_pairs_segment_as_expected():
    toks = tokens("中俄两国关系良好，乌克兰危机持续。", "zh")
    assert "乌克兰" in toks and "中" in toks and "俄" in toks


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("上海合作组织中俄关系 \n　，。ABC12乌克兰")), max_size=60))
def test_fast_jieba_doc_matches_spacy_alignment(text):
    import spacy

    stock = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    stock.tokenizer.jieba_seg = init_jieba()  # same words; only the Doc building differs
    ours = get_nlp("zh")(text)
    theirs = stock(text)
    assert ours.text == text
    assert [(t.text, t.whitespace_) for t in ours] == [(t.text, t.whitespace_) for t in theirs]


@pytest.mark.parametrize("lang, text, n_sents", [
    ("en", "Mr. Putin arrived. The SCO met in Astana! Was it useful?", 3),
    ("ru", "Саммит ШОС прошёл в Астане. Лидеры подписали декларацию.", 2),
])
def test_en_ru_pipelines_split_sentences(lang, text, n_sents):
    assert len(list(get_nlp(lang)(text).sents)) == n_sents
