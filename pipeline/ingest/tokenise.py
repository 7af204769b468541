"""Tokenisers as spaCy pipelines: zh through jieba with the SCO user dictionary, blank en/ru."""

from __future__ import annotations

import logging
from functools import cache, lru_cache
from pathlib import Path

from pipeline.config import Settings

USER_DICT = Path(__file__).parent / "data" / "sco_userdict.txt"
# Where jieba keeps its dictionary cache: `Settings.cache_dir`, set by `configure` before the first use.
_cache_dir: Path = Settings().cache_dir


def configure(cache_dir: Path) -> None:
    """Use `cache_dir` for the segmenter's cache (settings.cache_dir); called by the stages that tokenise,
    before the segmenter is first loaded in a process."""
    global _cache_dir
    _cache_dir = Path(cache_dir)


@lru_cache(maxsize=1)
def init_jieba():
    """Load the segmenter once, quietly, with the SCO user dictionary; returns its module.

    jieba_fast (jieba's algorithm and dictionary in C) when it is installed, else jieba: on the
    bundled Chinese text the two give identical words except that jieba keeps runs of ASCII
    punctuation ("---") whole; jieba_fast is 2-3 times faster (bench/bench_ingest.py).
    """
    try:
        import jieba_fast as jieba
    except ImportError:
        import jieba

    jieba.setLogLevel(logging.WARNING)
    _cache_dir.mkdir(parents=True, exist_ok=True)
    jieba.dt.tmp_dir = str(_cache_dir)
    jieba.initialize()
    jieba.load_userdict(str(USER_DICT))
    return jieba


def _jieba_tokenizer_factory():
    """spaCy's ChineseTokenizer with the jieba segmenter, minus its word-to-text re-alignment.

    jieba's words always concatenate back to the input, so the Doc can be built directly; spaCy's
    generic alignment (`get_words_and_spaces`) cost about a quarter of the tokenising time.
    """
    from spacy.lang.zh import ChineseTokenizer
    from spacy.tokens import Doc

    class JiebaTokenizer(ChineseTokenizer):
        def __call__(self, text: str) -> Doc:
            words: list[str] = []
            spaces: list[bool] = []
            for w in self.jieba_seg.cut(text, cut_all=False):
                if not w:
                    continue
                if w.isspace() and words and (spaces[-1] or words[-1].isspace()):
                    # spaCy keeps a whitespace run as one token (after a trailing space flag)
                    if spaces[-1]:
                        words.append(w)
                        spaces.append(False)
                    else:
                        words[-1] += w
                elif w == " " and words:
                    spaces[-1] = True
                else:
                    words.append(w)
                    spaces.append(False)
            return Doc(self.vocab, words=words, spaces=spaces)

    def make(nlp):
        # Built as a "char" tokenizer so spaCy does not import and warm up its own jieba (1-2 s, and
        # log lines on stderr); then given our segmenter.
        tokenizer = JiebaTokenizer(nlp.vocab, segmenter="char")
        tokenizer.segmenter = "jieba"
        tokenizer.jieba_seg = init_jieba()
        return tokenizer

    return make


@cache
def get_nlp(lang: str):
    """The spaCy pipeline for `lang` (zh, en or ru), with a rule-based sentencizer for en/ru."""
    import spacy

    if lang == "zh":
        init_jieba()
        nlp = spacy.blank("zh")
        nlp.tokenizer = _jieba_tokenizer_factory()(nlp)
        return nlp
    nlp = spacy.blank(lang if lang in ("en", "ru") else "xx")
    nlp.add_pipe("sentencizer")
    return nlp


def tokens(text: str, lang: str) -> list[str]:
    """Non-space tokens of `text`."""
    return [t.text for t in get_nlp(lang)(text) if not t.is_space]
