"""Reviews: records, conflicts, undo, history, double coding, and reviewed tags in the aggregation.

Texts are constructed for the tests (not corpus); the store is tagged by a hand-written stand-in tagger so
the predictions are known.
"""

from __future__ import annotations

import threading

import pytest

from pipeline.analysis.effective import apply_reviews
from pipeline.ingest.batch import ingest
from pipeline.review import records as review
from pipeline.review.records import ReviewConflict, ReviewError
from pipeline.store import Store

EN = ("The Shanghai Cooperation Organisation summit opened in Astana. India opposed the connectivity plan "
      "of the SCO.\n\nKazakhstan supports the Shanghai Cooperation Organisation as a platform for security "
      "cooperation.\n\nPakistan and India traded accusations at the SCO meeting.")


def _tag(store: Store) -> list[str]:
    """Tag every passage with one known prediction per mentioned member (a stand-in for the model)."""
    results = {}
    for p in store.passages():
        results[p["passage_id"]] = [
            {"state": s, "dimension": "policy", "area": "security", "stance": "positive", "score": 2,
             "confidence": 0.6, "uncertain": False} for s in p["states"]]
    store.write_tags(results, "stand-in")
    return sorted(results)


@pytest.fixture
def tagged(store, settings, write):
    ingest([write("en.txt", EN)], store, settings)
    return store, _tag(store)


IND_OPPOSED = [{"state": "IND", "dimension": "policy", "area": "economic", "stance": "opposed"}]
# as stored: a tag given without an object is about the SCO (codebook §3a)
IND_OPPOSED_SCO = [{"state": "IND", "object": "SCO", "dimension": "policy", "area": "economic", "stance": "opposed"}]


def test_a_review_is_stored_with_reviewer_time_prediction_and_answer(tagged):
    store, pids = tagged
    saved = review.save(store, pids[0], "ana", IND_OPPOSED)
    assert saved["revision"] == 1 and saved["thread"] == ""
    [r] = store.reviews_of(pids[0])
    assert r["reviewer"] == "ana" and r["created_at"] and r["source"] == "web"
    assert r["answer"] == IND_OPPOSED_SCO and r["prediction"] and r["prediction"][0]["stance"] == "positive"
    assert r["model_version"] == "stand-in" and len(r["text_sha"]) == 40


def test_nothing_is_overwritten_and_the_history_is_kept(tagged):
    store, pids = tagged
    review.save(store, pids[0], "ana", IND_OPPOSED)
    review.save(store, pids[0], "ana", [], irrelevant=True, base_revision=1)
    history = store.reviews_of(pids[0])
    assert [(r["revision"], r["irrelevant"]) for r in history] == [(1, False), (2, True)]
    assert review.effective_reviews(store)[pids[0]]["irrelevant"] is True


def test_a_save_from_an_old_revision_is_a_conflict_that_shows_the_other_answer(tagged):
    store, pids = tagged
    review.save(store, pids[0], "ana", IND_OPPOSED, base_revision=0)
    with pytest.raises(ReviewConflict) as err:
        review.save(store, pids[0], "ben", [], irrelevant=True, base_revision=0)
    assert err.value.current["reviewer"] == "ana" and err.value.current["answer"] == IND_OPPOSED_SCO
    assert "ana saved this passage meanwhile" in str(err.value)
    # having seen it, ben saves again from the current revision
    assert review.save(store, pids[0], "ben", [], irrelevant=True, base_revision=1)["revision"] == 2


def test_two_simultaneous_saves_never_both_land(tagged):
    store, pids = tagged
    outcomes, barrier = [], threading.Barrier(8)

    def save(name):
        barrier.wait()
        try:
            review.save(store, pids[1], name, IND_OPPOSED, base_revision=0)
            outcomes.append("saved")
        except ReviewConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=save, args=(f"r{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("saved") == 1 and outcomes.count("conflict") == 7
    assert len(store.reviews_of(pids[1])) == 1


def test_undo_cancels_the_latest_answer_and_keeps_the_record(tagged):
    store, pids = tagged
    review.save(store, pids[0], "ana", IND_OPPOSED)
    review.save(store, pids[1], "ana", [], irrelevant=True)
    first = review.undo(store, "ana")
    assert first["passage_id"] == pids[1]
    assert pids[1] not in review.effective_reviews(store)
    second = review.undo(store, "ana")
    assert second["passage_id"] == pids[0] and review.effective_reviews(store) == {}
    with pytest.raises(ReviewError, match="nothing to undo"):
        review.undo(store, "ana")
    assert len(store.reviews_of(pids[0])) == 2  # the answer and the undo record
    # an undo moves the thread on: a save from before it is a conflict
    with pytest.raises(ReviewConflict):
        review.save(store, pids[0], "ben", IND_OPPOSED, base_revision=1)
    assert review.save(store, pids[0], "ben", IND_OPPOSED, base_revision=2)["revision"] == 3


def test_double_coded_passages_have_blind_threads_and_disagreements_are_marked(tagged):
    store, pids = tagged
    pid = next(p for p in pids if review.double_coded(p, 0.5)) if any(review.double_coded(p, 0.5) for p in pids) \
        else pytest.skip("no double-coded passage at this overlap")
    review.save(store, pid, "ana", IND_OPPOSED, overlap=0.5)
    # ben answers blind, from revision 0 of his own thread: no conflict
    review.save(store, pid, "ben", [], irrelevant=True, overlap=0.5)
    eff = review.effective_reviews(store)[pid]
    assert eff["disputed"] and eff["reviewer"] == "ben"
    # an adjudication decides
    review.save(store, pid, "carla", IND_OPPOSED, adjudicate=True)
    eff = review.effective_reviews(store)[pid]
    assert not eff["disputed"] and eff["thread"] == review.ADJUDICATION and eff["answer"] == IND_OPPOSED_SCO


def test_overlap_share_is_stable_and_about_right():
    ids = [f"doc-{i}#{j}" for i in range(200) for j in range(5)]
    share = sum(review.double_coded(p, 0.2) for p in ids) / len(ids)
    assert 0.15 < share < 0.25
    assert [review.double_coded(p, 0.2) for p in ids] == [review.double_coded(p, 0.2) for p in ids]
    assert not any(review.double_coded(p, 0.0) for p in ids)


@pytest.mark.parametrize("answer, message", [
    ([{"state": "XYZ", "dimension": "policy", "area": "security", "stance": "positive"}], "unknown state"),
    ([{"state": "IND", "dimension": "mood", "area": "security", "stance": "positive"}], "unknown dimension"),
    ([{"state": "IND", "dimension": "identity", "area": "security", "stance": "positive"}], "not one of identity"),
    ([{"state": "IND", "dimension": "policy", "area": "security", "stance": "happy"}], "unknown stance"),
    (IND_OPPOSED + IND_OPPOSED, "two tags towards SCO on policy"),
    (["IND"], "must be an object"),
])
def test_invalid_answers_are_refused_with_one_line(tagged, answer, message):
    store, pids = tagged
    with pytest.raises(ReviewError, match=message) as err:
        review.save(store, pids[0], "ana", answer)
    assert "\n" not in str(err.value)
    assert store.reviews_of(pids[0]) == []


def test_reviewed_tags_replace_the_model_tags_in_aggregation(tagged):
    store, pids = tagged
    rows = store.tag_rows("stand-in")
    reviewed_pid = next(r["passage_id"] for r in rows if r["state"] == "IND")
    review.save(store, reviewed_pid, "ana", IND_OPPOSED)
    irrelevant_pid = next(r["passage_id"] for r in rows if r["passage_id"] != reviewed_pid)
    review.save(store, irrelevant_pid, "ana", [], irrelevant=True)
    applied = apply_reviews(rows, store)
    mine = [r for r in applied if r["passage_id"] == reviewed_pid]
    assert [(r["state"], r["stance"], r["score"], r["confidence"], r["reviewed"]) for r in mine] == \
        [("IND", "opposed", -2, 1.0, True)]
    assert mine[0]["doc_id"] and mine[0]["text"] and mine[0]["year"] is None
    assert not [r for r in applied if r["passage_id"] == irrelevant_pid]
    untouched = [r for r in applied if r["passage_id"] not in (reviewed_pid, irrelevant_pid)]
    assert untouched and not any(r["reviewed"] for r in untouched)


def test_a_review_of_a_changed_passage_text_no_longer_applies(tagged):
    store, pids = tagged
    review.save(store, pids[0], "ana", IND_OPPOSED)
    with store.engine.begin() as conn:
        from pipeline.store import passages

        conn.execute(passages.update().where(passages.c.passage_id == pids[0]).values(text="something else"))
    assert review.effective_reviews(store) == {}


def test_reviews_change_the_store_fingerprint(tagged):
    store, pids = tagged
    before = store.fingerprint()
    review.save(store, pids[0], "ana", IND_OPPOSED)
    assert store.fingerprint() != before


def _held_out_name() -> str:
    from pipeline.tagging.annotations import is_held_out

    return next(f"doc{i}" for i in range(1000) if is_held_out(f"doc{i}"))


def test_reviews_become_training_spans_but_never_from_held_out_documents(store, settings, write):
    from pipeline.tagging.annotations import is_held_out

    held = _held_out_name()
    ingest([write("open.txt", EN), write(f"{held}.txt", EN.replace("Astana", "Bishkek"))], store, settings)
    pids = _tag(store)
    docs = {p["passage_id"]: p["doc_id"] for p in store.passages()}
    assert any(is_held_out(d) for d in docs.values()), docs
    open_pids = [p for p in pids if not is_held_out(docs[p])]
    held_pid = next(p for p in pids if is_held_out(docs[p]))
    review.save(store, open_pids[0], "ana", IND_OPPOSED)
    review.save(store, open_pids[1], "ana", [], irrelevant=True)
    review.save(store, held_pid, "ana", IND_OPPOSED)
    spans, used = review.training_spans(store)
    assert sorted((s.start, s.text) for s in spans) == sorted(
        (p["start"], p["text"]) for p in store.passages(passage_ids=open_pids[:2]))
    labelled = next(s for s in spans if s.labels)
    assert [(lab.state, lab.stance) for lab in labelled.labels] == [("IND", "opposed")]
    assert labelled.origin == "model-reviewed" and labelled.annotator == "reviewer:ana"
    assert not any(is_held_out(s.doc_id) for s in spans)
    assert used == {"count": 2, "last_review_id": 3}


def test_the_trend_report_uses_and_marks_reviewed_tags(tagged, tmp_path, monkeypatch):
    """run_trends with a reviewed passage: its evidence is the reviewer's tag, marked as reviewed."""
    from pipeline.jobs import run_trends
    from pipeline.tagging import models

    store, pids = tagged
    with store.engine.begin() as conn:  # a year, so the tags count
        from pipeline.store import documents

        conn.execute(documents.update().values(year=2019, date="2019-06-01"))
    monkeypatch.setattr(models, "card", lambda *a, **k: {"version": "stand-in"})
    rows = store.tag_rows("stand-in")
    pid = next(r["passage_id"] for r in rows if r["state"] == "IND")
    review.save(store, pid, "ana", IND_OPPOSED)
    from pipeline.config import AggregateConfig, Settings

    settings = Settings(aggregate=AggregateConfig(min_passages=1, min_states=1, bootstrap=20))
    result = run_trends(store, settings, tmp_path / "out", by="all", tag=False)
    html = (tmp_path / "out" / "report.html").read_text()
    assert "opposed, reviewed" in html
    ind = result.overall["dimensions"]["policy"]["states"]["IND"]
    assert [(e["passage_id"], e["stance"], e["reviewed"]) for e in ind["evidence"]][0] == (pid, "opposed", True)
