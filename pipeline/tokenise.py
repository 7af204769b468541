"""Tokenisers as spaCy pipelines: zh through jieba with the SCO user dictionary, blank en/ru."""

from __future__ import annotations

import logging
import os
import tempfile
from functools import lru_cache
from pathlib import Path

USER_DICT = Path(__file__).parent / "data" / "sco_userdict.txt"


@lru_cache(maxsize=1)
def init_jieba():
    """Load jieba once, quietly, with the SCO user dictionary; returns the jieba module."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    cache = Path(os.environ.get("SCOTRACK_CACHE", Path(tempfile.gettempdir()) / "scotrack-cache"))
    cache.mkdir(parents=True, exist_ok=True)
    jieba.dt.tmp_dir = str(cache)
    jieba.initialize()
    jieba.load_userdict(str(USER_DICT))
    return jieba


@lru_cache(maxsize=None)
def get_nlp(lang: str):
    """The spaCy pipeline for `lang` (zh, en or ru), with a rule-based sentencizer for en/ru."""
    import spacy

    if lang == "zh":
        init_jieba()
        return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    nlp = spacy.blank(lang if lang in ("en", "ru") else "xx")
    nlp.add_pipe("sentencizer")
    return nlp


def tokens(text: str, lang: str) -> list[str]:
    """Non-space tokens of `text`."""
    return [t.text for t in get_nlp(lang)(text) if not t.is_space]
