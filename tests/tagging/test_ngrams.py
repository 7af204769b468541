"""The vectorised character n-gram TF-IDF computes what scikit-learn's char TfidfVectorizer computes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from pipeline.tagging.features.ngrams import CharNgramTfidf

# constructed texts for the test, not corpus
TEXTS = ["上海合作组织 Ⓣ 拒绝参加联合军演。", "Russia  refused to join the SCO bank",
         "Ⓣ refused, Ⓞ agreed", " Россия против  расширения ШОС", "上海合作组织成员国", "x",
         "同一个 text\n\t twice"] * 2 + ["独特 only once"]


def _same_up_to_column_order(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.allclose(np.sort(a, axis=1), np.sort(b, axis=1), atol=1e-6)


@pytest.mark.parametrize("ngram_range", [(1, 1), (2, 4), (3, 5)])
def test_matches_scikit_learn_char_tfidf(ngram_range):
    ours = CharNgramTfidf(ngram_range=ngram_range, max_features=None).fit(TEXTS)
    theirs = TfidfVectorizer(analyzer="char", ngram_range=ngram_range, min_df=2, sublinear_tf=True).fit(TEXTS)
    probe = TEXTS + ["新的 text 上海合作", ""]
    assert ours.n_features_out_ == len(theirs.vocabulary_)
    assert _same_up_to_column_order(ours.transform(probe).toarray(), theirs.transform(probe).toarray())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="ab上合 \x00Ⓣ", max_size=12), min_size=2, max_size=8))
def test_matches_scikit_learn_on_arbitrary_texts(texts):
    # the separator the implementation uses inside its batch must not leak n-grams across texts
    cleaned = [t.replace("\x00", " ") for t in texts]
    ours = CharNgramTfidf(ngram_range=(1, 3), min_df=1, max_features=None)
    theirs = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=1, sublinear_tf=True)
    try:
        expected = theirs.fit(cleaned).transform(cleaned).toarray()
    except ValueError:  # scikit-learn: empty vocabulary
        assert ours.fit(texts).n_features_out_ == 0
        return
    assert _same_up_to_column_order(ours.fit(texts).transform(texts).toarray(), expected)


def test_max_features_keeps_the_most_frequent_deterministically():
    a = CharNgramTfidf(max_features=10).fit(TEXTS)
    b = CharNgramTfidf(max_features=10).fit(list(reversed(TEXTS)))
    assert a.n_features_out_ == 10 and np.array_equal(a.keys_, b.keys_)
    assert a.transform(TEXTS).shape == (len(TEXTS), 10)


def test_a_batch_and_one_text_at_a_time_agree():
    model = CharNgramTfidf().fit(TEXTS)
    batch = model.transform(TEXTS).toarray()
    single = np.vstack([model.transform([t]).toarray() for t in TEXTS])
    assert np.allclose(batch, single)
