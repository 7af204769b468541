"""The tagger: candidates and masking, overfit-then-reload, target attribution, calibration, the classify contract.

Passages here are constructed for the tests (not corpus); the shipped-model checks use the real model.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from pipeline.errors import ScotrackError
from pipeline.tagging import models
from pipeline.tagging.annotations import Label
from pipeline.tagging.apply import classify_lines, parse_record
from pipeline.tagging.tagger import OTHER, TARGET, Tagger, TagInput, candidates, mask

L = Label


def _inp(text, lang, **kw):
    return TagInput(id=text[:10], text=text, lang=lang, **kw)


# A tiny constructed training set: two states per passage with different stances, in three languages.
TOY = [
    (_inp("俄罗斯拒绝参加上合组织联合军演，而中国积极推动上合组织安全合作。", "zh"),
     [L("RUS", "policy", "security", "negative"), L("CHN", "policy", "security", "positive")]),
    (_inp("中国拒绝参加上合组织联合军演，而俄罗斯积极推动上合组织安全合作。", "zh"),
     [L("CHN", "policy", "security", "negative"), L("RUS", "policy", "security", "positive")]),
    (_inp("India refused to join the SCO exercise, while Pakistan actively supported SCO security cooperation.", "en"),
     [L("IND", "policy", "security", "negative"), L("PAK", "policy", "security", "positive")]),
    (_inp("Pakistan refused to join the SCO exercise, while India actively supported SCO security cooperation.", "en"),
     [L("PAK", "policy", "security", "negative"), L("IND", "policy", "security", "positive")]),
    (_inp("Казахстан отказался от учений ШОС, а Узбекистан активно поддержал сотрудничество ШОС.", "ru"),
     [L("KAZ", "policy", "security", "negative"), L("UZB", "policy", "security", "positive")]),
    (_inp("Узбекистан отказался от учений ШОС, а Казахстан активно поддержал сотрудничество ШОС.", "ru"),
     [L("UZB", "policy", "security", "negative"), L("KAZ", "policy", "security", "positive")]),
    (_inp("中国和俄罗斯领导人出席了上合组织峰会。", "zh"), []),
    (_inp("The leaders of India and Pakistan attended the SCO summit.", "en"), []),
]


def _pairs(tags):
    return {(t.state, t.dimension, t.stance) for t in tags}


@pytest.fixture(scope="module")
def toy_tagger():
    return Tagger(C=100.0).fit([x for x, _ in TOY], [y for _, y in TOY])


def test_candidates_include_mentions_speaker_and_collective_subjects():
    assert set(candidates(_inp("中俄两国支持上合组织。", "zh"))) == {"CHN", "RUS"}
    speech = _inp("We support the SCO.", "en", doc_type="speech", speaker_state="KAZ")
    assert set(candidates(speech)) == {"KAZ"}
    everyone = _inp("各成员国一致同意加强合作。", "zh", year=2018)
    assert set(candidates(everyone)) == {"CHN", "RUS", "KAZ", "KGZ", "TJK", "UZB", "IND", "PAK"}


def test_masking_marks_the_target_and_hides_the_others():
    inp = _inp("India refused, while Pakistan agreed.", "en")
    cands = candidates(inp)
    assert mask(inp.text, "IND", cands) == f"{TARGET} refused, while {OTHER} agreed."
    assert mask(inp.text, "PAK", cands) == f"{OTHER} refused, while {TARGET} agreed."


def test_overfit_then_reload_predicts_the_same(toy_tagger, tmp_path):
    predicted = toy_tagger.predict([x for x, _ in TOY])
    for (_, gold), tags in zip(TOY, predicted, strict=True):
        assert _pairs(tags) == {(g.state, g.dimension, g.stance) for g in gold}
    spans = []  # the card wants spans; an empty list hashes fine
    models.save(toy_tagger, spans, folder=tmp_path, name="toy")
    again, card = models.load(tmp_path, "toy")
    assert card["training_labels"] == 0 and card["libraries"]["scikit-learn"]
    reloaded = again.predict([x for x, _ in TOY])
    assert [[t.as_dict() for t in ts] for ts in reloaded] == [[t.as_dict() for t in ts] for ts in predicted]


@pytest.mark.parametrize("text, lang, expected", [
    # unseen sentences: the stance must follow the state it is said of
    ("据报道，俄罗斯拒绝参加上合组织联合军演，中国积极推动上合组织安全合作。", "zh",
     {("RUS", "policy", "negative"), ("CHN", "policy", "positive")}),
    ("Reportedly Pakistan refused to join the SCO exercise, and India actively supported SCO security cooperation.",
     "en", {("PAK", "policy", "negative"), ("IND", "policy", "positive")}),
    ("Как сообщается, Узбекистан отказался от учений ШОС, а Казахстан активно поддержал сотрудничество ШОС.", "ru",
     {("UZB", "policy", "negative"), ("KAZ", "policy", "positive")}),
])
def test_stance_is_attached_to_the_right_state(toy_tagger, text, lang, expected):
    (tags,) = toy_tagger.predict([_inp(text, lang)])
    assert _pairs(tags) == expected


def test_probabilities_are_calibrated_in_the_sane_sense(toy_tagger):
    (tags,) = toy_tagger.predict([TOY[0][0]])
    for t in tags:
        assert 0.0 <= t.confidence <= 1.0
        assert abs(sum(t.probabilities.values()) - 1.0) < 1e-6
        assert t.probabilities[t.stance] == max(t.probabilities.values())
    strict = Tagger(C=100.0, abstain_threshold=0.999).fit([x for x, _ in TOY], [y for _, y in TOY])
    assert all(t.uncertain for ts in strict.predict([x for x, _ in TOY]) for t in ts)


def test_a_foreign_or_stale_model_is_refused(toy_tagger, tmp_path):
    models.save(toy_tagger, [], folder=tmp_path, name="toy")
    card = json.loads((tmp_path / "toy.json").read_text())
    card["libraries"]["scikit-learn"] = "0.0.1"
    (tmp_path / "toy.json").write_text(json.dumps(card))
    with pytest.raises(ScotrackError, match="scotrack train"):
        models.load(tmp_path, "toy")
    with pytest.raises(ScotrackError, match="no trained model"):
        models.load(tmp_path, "absent")


def test_a_model_built_for_other_features_is_refused(toy_tagger, tmp_path):
    models.save(toy_tagger, [], folder=tmp_path, name="toy")
    card = json.loads((tmp_path / "toy.json").read_text())
    card["features"] = 1
    (tmp_path / "toy.json").write_text(json.dumps(card))
    with pytest.raises(ScotrackError, match="features version 1.*scotrack train"):
        models.load(tmp_path, "toy")


def test_stored_tokens_give_the_same_tags_as_segmenting_again(toy_tagger):
    """`scotrack tag` passes the tokens the ingest stored; classify segments. Same words, same tags."""
    from pipeline.ingest.tokenise import tokens
    from pipeline.tagging.tagger import passage_words

    inputs = [x for x, _ in TOY]
    with_tokens = [dataclasses.replace(x, tokens=tokens(x.text, x.lang)) for x in inputs]
    for a, b in zip(inputs, with_tokens, strict=True):
        assert passage_words(a) == passage_words(b)
    assert toy_tagger.predict(inputs) == toy_tagger.predict(with_tokens)
    # tokens that are not the text's are ignored, not trusted
    wrong = dataclasses.replace(inputs[0], tokens=["完全", "不同"])
    assert passage_words(wrong) == passage_words(inputs[0])


@pytest.mark.parametrize("line, reason", [
    ("{not json", "not JSON"),
    ('["a list"]', "not a JSON object"),
    ('{"id": 1}', "missing or empty 'text'"),
    ('{"id": 2, "text": "Bonjour à tous les membres de l\'organisation de Shanghai"}', "unsupported language"),
    ('{"id": 3, "text": "SCO", "lang": "en", "date": "2020-13-01"}', "invalid date"),
])
def test_bad_classify_lines_get_a_reason(line, reason):
    with pytest.raises(ValueError, match=reason):
        parse_record(line)


def test_classify_lines_keep_order_and_go_on_after_bad_lines(toy_tagger):
    lines = [json.dumps({"id": "x", "text": TOY[2][0].text}), "{bad", json.dumps({"id": "y", "text": TOY[0][0].text})]
    out = list(classify_lines(lines, toy_tagger))
    assert [o["id"] for o in out] == ["x", None, "y"]
    assert "error" in out[1] and out[0]["tags"] and out[2]["tags"]
    for tag in out[0]["tags"]:
        assert set(tag) == {"state", "object", "dimension", "area", "stance", "score", "confidence", "uncertain"}
        assert tag["score"] in (2, 1, -1, -2, None)


def test_shipped_model_loads_and_matches_its_training_data():
    from pipeline.tagging.train import training_spans

    tagger, card = models.load()
    assert card["training_data_sha256"] == models.data_hash(training_spans()), \
        "the shipped model is stale: run `scotrack train`"
    assert isinstance(tagger, Tagger)


def test_classify_cli_on_stdin():
    lines = "\n".join([json.dumps({"id": "a", "text": "中方愿同各方一道推动上海合作组织安全合作。", "lang": "zh"},
                                  ensure_ascii=False), "{oops"]) + "\n"
    p = subprocess.run([sys.executable, "-m", "pipeline", "classify", "-"], input=lines, capture_output=True,
                       text=True, env=os.environ.copy(), timeout=300)
    assert p.returncode == 0 and "Traceback" not in p.stderr
    out = [json.loads(x) for x in p.stdout.splitlines()]
    assert len(out) == 2 and out[0]["id"] == "a" and "error" in out[1]
    assert all(t["state"] == "CHN" for t in out[0]["tags"])


def test_training_is_deterministic():
    a = Tagger(C=100.0).fit([x for x, _ in TOY], [y for _, y in TOY])
    b = Tagger(C=100.0).fit([x for x, _ in TOY], [y for _, y in TOY])
    assert np.array_equal(a.stance_.coef_, b.stance_.coef_)


def test_tag_store_is_incremental_and_follows_model_versions(toy_tagger, settings, tmp_path, integrity_problems):
    from pipeline.ingest.batch import ingest
    from pipeline.store import Store
    from pipeline.tagging.apply import tag_store

    store = Store(settings.url)
    doc = tmp_path / "news.txt"
    doc.write_text(TOY[2][0].text + "\n\n" + TOY[7][0].text)
    ingest([doc], store, settings)
    first = tag_store(store, toy_tagger, "v1")
    assert first.tagged == 2 and first.tags >= 2
    (p0, _) = store.passages()
    assert {t["model_version"] for t in p0["tags"]} == {"v1"} and {t["state"] for t in p0["tags"]} == {"IND", "PAK"}
    assert tag_store(store, toy_tagger, "v1").tagged == 0  # nothing new
    assert tag_store(store, toy_tagger, "v2").tagged == 2  # a new model re-tags
    doc.write_text(TOY[3][0].text)  # changed document: its passages are new
    ingest([doc], store, settings)
    assert tag_store(store, toy_tagger, "v2").tagged == 1
    assert integrity_problems(store) == []


def test_a_pair_model_composes_with_cross_validate():
    from sklearn.model_selection import cross_validate

    from pipeline.tagging.tagger import make_model, pair_frame

    inputs = [x for x, _ in TOY] * 3
    keys, X = pair_frame(inputs)
    y = [any(lab.state == s for lab in TOY[i % len(TOY)][1]) for i, s in keys]
    scores = cross_validate(make_model(), X, y, cv=3)
    assert len(scores["test_score"]) == 3


def test_thresholds_are_tuned_inside_fit_or_taken_as_given():
    inputs, labels = [x for x, _ in TOY], [y for _, y in TOY]
    tuned = Tagger(C=100.0).fit(inputs, labels)
    assert all(t in Tagger.GRID or t == 0.5 for t in tuned.thresholds_)
    fixed = Tagger(C=100.0, attribution_threshold=0.9, dimension_threshold=0.8).fit(inputs, labels)
    assert fixed.thresholds_ == (0.9, 0.8)
    # a threshold above every probability tags nothing but what a passage states in the codebook's own terms
    # ("俄罗斯拒绝参加…": Russia, policy, negative)
    none = Tagger(C=100.0, attribution_threshold=1.01, dimension_threshold=0.5).fit(inputs, labels)
    stated = none.predict(inputs)
    assert [(t.state, t.dimension, t.stance) for t in stated[0]] == [("RUS", "policy", "negative")]
    assert all((t.dimension, t.stance) == ("policy", "negative") for ts in stated for t in ts)
    assert stated[6] == [] and stated[7] == []
