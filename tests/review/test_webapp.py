"""The review web app through its HTTP interface (Starlette's test client): review, conflict, undo,
history, filters, orderings, agreement, import/export, and the security cases.

Texts are constructed for the tests (not corpus); a stand-in tagger gives known predictions.
"""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from pipeline.ingest.batch import ingest
from pipeline.review import records as rv
from pipeline.review.webapp import AppConfig, create_app
from pipeline.store import Store

EN = ("The Shanghai Cooperation Organisation summit opened in Astana. India opposed the connectivity plan "
      "of the SCO.\n\nKazakhstan supports the Shanghai Cooperation Organisation as a platform for security "
      "cooperation.\n\nPakistan and India traded accusations at the SCO meeting.")
ZH = "上海合作组织成员国外长会议在阿斯塔纳举行。中方愿同各方加强安全合作。"
EVIL = ("The SCO summit in Astana: <script>window.__pwned = 1</script> India said "
        "<img src=x onerror=\"window.__pwned = 2\"> &amp; Kazakhstan &lt;agreed&gt;.")
IND_OPPOSED = [{"state": "IND", "dimension": "policy", "area": "economic", "stance": "opposed"}]
# as stored: a tag given without an object is about the SCO (codebook §3a)
IND_OPPOSED_SCO = [{"state": "IND", "object": "SCO", "dimension": "policy", "area": "economic", "stance": "opposed"}]


def tag_store(store: Store) -> None:
    """Stand-in predictions: every mentioned member, policy/security positive, confidence by position."""
    results = {}
    for i, p in enumerate(store.passages()):
        results[p["passage_id"]] = [
            {"state": s, "dimension": "policy", "area": "security", "stance": "positive", "score": 2,
             "confidence": round(0.3 + 0.1 * (i % 6), 2), "uncertain": False} for s in p["states"]]
    store.write_tags(results, "stand-in")


@pytest.fixture
def app_store(store, settings, write):
    ingest([write("en.txt", EN)], store, settings, )
    ingest([write("zh.txt", ZH)], store, settings)
    ingest([write("evil.txt", EVIL)], store, settings)
    tag_store(store)
    return store


def client_for(store: Store, **kw) -> TestClient:
    client = TestClient(create_app(AppConfig(url=store.url, reviewer="ana", **kw)), base_url="http://127.0.0.1:8765")
    client.get("/review")  # sets the CSRF cookie
    return client


def post(client: TestClient, url: str, body: dict, **headers):
    return client.post(url, json=body, headers={"X-CSRF-Token": client.cookies.get("scotrack_csrf", ""), **headers})


def first_pid(store: Store, state: str) -> str:
    return next(p["passage_id"] for p in store.passages() if state in p["states"])


# -- review screen -----------------------------------------------------------------------------------------

def test_the_review_screen_shows_a_passage_in_context_with_mentions_and_keys(app_store):
    client = client_for(app_store)
    r = client.get("/review?order=document")
    assert r.status_code == 200
    assert '<mark data-state="IND">India<span class="code">IND</span></mark>' in r.text or "data-state=" in r.text
    for key, _ in __import__("pipeline.review.webapp", fromlist=["KEYS"]).KEYS:
        assert f"<kbd>{key}</kbd>" in r.text
    assert "Model prediction:" in r.text and "passages to review" in r.text
    csp = r.headers["content-security-policy"]
    assert "script-src 'nonce-" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"


def test_the_reports_passage_links_open_that_passage(app_store):
    client = client_for(app_store)
    pid = first_pid(app_store, "KAZ")
    r = client.get("/review?passage=" + pid.replace("#", "%23"))
    assert r.status_code == 200 and f'"passage_id": "{pid}"' in r.text


def test_api_passage_gives_context_prediction_and_revision(app_store):
    client = client_for(app_store)
    pid = first_pid(app_store, "KAZ")
    r = client.get("/api/passage", params={"id": pid})
    body = r.json()
    assert body["passage_id"] == pid and body["base_revision"] == 0 and body["prediction"]
    assert {m["state"] for m in body["mentions"]} >= {"KAZ"}
    assert "before" in body and "after" in body
    assert client.get("/api/passage", params={"id": "../../etc/passwd"}).status_code == 404


# -- records, conflicts, undo, history ---------------------------------------------------------------------

def test_save_conflict_and_history_through_the_api(app_store):
    a, b = client_for(app_store), client_for(app_store)
    post(b, "/api/reviewer", {"reviewer": "ben"})
    pid = first_pid(app_store, "IND")
    r1 = post(a, "/api/reviews", {"passage_id": pid, "answer": IND_OPPOSED, "base_revision": 0})
    assert r1.status_code == 201 and r1.json()["revision"] == 1
    r2 = post(b, "/api/reviews", {"passage_id": pid, "answer": [], "irrelevant": True, "base_revision": 0})
    assert r2.status_code == 409
    assert r2.json()["current"]["reviewer"] == "ana" and r2.json()["current"]["answer"] == IND_OPPOSED_SCO
    r3 = post(b, "/api/reviews", {"passage_id": pid, "answer": [], "irrelevant": True, "base_revision": 1})
    assert r3.status_code == 201
    history = a.get("/api/history", params={"id": pid}).json()
    assert [(h["reviewer"], h["revision"], h["irrelevant"]) for h in history] == [("ana", 1, False), ("ben", 2, True)]
    assert history[0]["prediction"][0]["stance"] == "positive"


def test_undo_through_the_api_returns_the_passage_to_the_queue(app_store):
    client = client_for(app_store)
    pid = first_pid(app_store, "IND")
    post(client, "/api/reviews", {"passage_id": pid, "answer": IND_OPPOSED, "base_revision": 0})
    queue = client.get("/api/queue?order=document&limit=1000").json()
    assert pid not in [p["passage_id"] for p in queue["passages"]]
    r = post(client, "/api/undo", {})
    assert r.status_code == 200 and r.json()["passage_id"] == pid
    queue = client.get("/api/queue?order=document&limit=1000").json()
    assert pid in [p["passage_id"] for p in queue["passages"]]
    assert post(client, "/api/undo", {}).status_code == 400


def test_invalid_answers_get_a_one_line_error(app_store):
    client = client_for(app_store)
    pid = first_pid(app_store, "IND")
    bad = [{"state": "IND", "dimension": "policy", "area": "membership", "stance": "positive"}]
    r = post(client, "/api/reviews", {"passage_id": pid, "answer": bad, "base_revision": 0})
    assert r.status_code == 400 and "\n" not in r.json()["error"] and "area" in r.json()["error"]
    r = client.post("/api/reviews", content=b"not json",
                    headers={"X-CSRF-Token": client.cookies.get("scotrack_csrf"), "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == "the request body must be JSON"


# -- queue: filters and orderings --------------------------------------------------------------------------

def test_filters(app_store):
    client = client_for(app_store)
    everything = client.get("/api/queue?limit=1000").json()
    assert everything["total"] >= 4
    ind = client.get("/api/queue?state=IND&limit=1000").json()["passages"]
    assert ind and all("IND" in p["states"] for p in ind)
    zh = client.get("/api/queue?lang=zh&limit=1000").json()["passages"]
    assert zh and all(p["lang"] == "zh" for p in zh)
    low = client.get("/api/queue?max_conf=0.35&limit=1000").json()["passages"]
    assert all(p["confidence"] <= 0.35 for p in low)
    assert client.get("/api/queue?stance=opposed").json()["total"] == 0
    assert client.get("/api/queue?dimension=policy").json()["total"] > 0
    assert client.get("/api/queue?dimension=identity").json()["total"] == 0
    assert client.get("/api/queue?year=abc").status_code == 400
    assert client.get("/api/queue?order=nonsense").status_code == 400


def test_orderings(app_store):
    client = client_for(app_store)
    get = lambda q: [p["passage_id"] for p in client.get(f"/api/queue?limit=1000&{q}").json()["passages"]]  # noqa: E731
    document = get("order=document")
    assert document == sorted(document)
    confs = [p["confidence"] for p in client.get("/api/queue?order=uncertain&limit=1000").json()["passages"]]
    assert confs == sorted(confs)
    sens = [p["sensitivity"] for p in client.get("/api/queue?order=sensitive&limit=1000").json()["passages"]]
    assert sens == sorted(sens, reverse=True)
    assert get("order=random&seed=1") == get("order=random&seed=1")
    assert sorted(get("order=random&seed=1")) == sorted(document)
    assert any(get(f"order=random&seed={s}") != document for s in range(1, 6))


# -- several reviewers --------------------------------------------------------------------------------------

def test_agreement_and_disagreements_with_full_overlap(app_store):
    ana, ben = client_for(app_store, overlap=1.0), client_for(app_store, overlap=1.0)
    post(ben, "/api/reviewer", {"reviewer": "ben"})
    pids = [p["passage_id"] for p in app_store.passages() if "IND" in p["states"]]
    kaz = first_pid(app_store, "KAZ")
    for pid in pids:  # both say IND opposed (agree)
        for c in (ana, ben):
            saved = post(c, "/api/reviews", {"passage_id": pid, "answer": IND_OPPOSED, "base_revision": 0})
            assert saved.status_code == 201
    kaz_tag = [{"state": "KAZ", "dimension": "policy", "area": "security", "stance": "positive"}]
    if kaz not in pids:
        assert post(ana, "/api/reviews", {"passage_id": kaz, "answer": kaz_tag, "base_revision": 0}).status_code == 201
        assert post(ben, "/api/reviews", {"passage_id": kaz, "answer": [], "irrelevant": True,
                                          "base_revision": 0}).status_code == 201
    report = rv.agreement(app_store, overlap=1.0)
    assert report["reviewers"] == ["ana", "ben"] and report["passages"] >= 2
    assert report["dimensions"]["policy"]["units"] >= 2
    assert report["dimensions"]["policy"]["alpha_nominal"] is not None
    assert [d["passage_id"] for d in report["disagreements"]] == ([kaz] if kaz not in pids else [])
    page = ana.get("/agreement")
    assert page.status_code == 200 and "Krippendorff" in page.text


# -- feedback: aggregation, dashboard ----------------------------------------------------------------------

def test_dashboard_counts_reviews_since_training_and_shows_verdicts(app_store):
    client = client_for(app_store)
    pid = first_pid(app_store, "IND")
    post(client, "/api/reviews", {"passage_id": pid, "answer": IND_OPPOSED, "base_revision": 0})
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert '<strong id="passages-reviewed">1</strong>' in page.text
    assert "<strong>1</strong> reviews arrived since model" in page.text
    assert 'id="verdicts"' in page.text


# -- interchange ------------------------------------------------------------------------------------------

def _effective(store):
    return {pid: (r["reviewer"], r["irrelevant"], r["answer"]) for pid, r in rv.effective_reviews(store).items()}


def _second_store(tmp_path, settings, write):
    other = Store(f"sqlite:///{tmp_path / 'other.db'}")
    for name, text in (("en.txt", EN), ("zh.txt", ZH), ("evil.txt", EVIL)):
        ingest([write(name, text)], other, settings)
    tag_store(other)
    return other


def test_export_import_jsonl_round_trip(app_store, tmp_path, settings, write):
    client = client_for(app_store)
    pid = first_pid(app_store, "IND")
    post(client, "/api/reviews", {"passage_id": pid, "answer": IND_OPPOSED, "base_revision": 0})
    kaz = first_pid(app_store, "KAZ")
    if kaz != pid:
        post(client, "/api/reviews", {"passage_id": kaz, "answer": [], "irrelevant": True, "base_revision": 0})
    r = client.get("/export/reviews.jsonl")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(x) for x in r.text.splitlines()]
    assert {x["passage_id"] for x in lines} == {pid, kaz}
    rec = next(x for x in lines if x["passage_id"] == pid)
    assert rec["labels"] == IND_OPPOSED_SCO and rec["annotator"] == "reviewer:ana" and rec["origin"] == "model-reviewed"
    assert rec["text"] and rec["sha1"] == rv.text_sha(rec["text"]) and rec["start"] is not None
    other = _second_store(tmp_path, settings, write)
    report = rv.import_reviews(other, r.content)
    assert report.imported == len(lines) and not report.skipped
    assert _effective(other) == _effective(app_store)


def test_export_import_label_studio_round_trip(app_store, tmp_path, settings, write):
    client = client_for(app_store)
    pid = first_pid(app_store, "IND")
    post(client, "/api/reviews", {"passage_id": pid, "answer": IND_OPPOSED, "base_revision": 0})
    r = client.get("/export/label-studio.json")
    tasks = json.loads(r.text)
    assert tasks[0]["data"]["passage_id"] == pid
    assert tasks[0]["annotations"][0]["result"][0]["value"]["choices"] == ["IND|SCO|policy|economic|opposed"]
    assert tasks[0]["predictions"][0]["result"][0]["value"]["choices"]
    other = _second_store(tmp_path, settings, write)
    up = client_for(other)
    res = up.post(f"/import?csrf={up.cookies.get('scotrack_csrf')}",
                  files={"file": ("ls.json", r.content, "application/json")}, data={"format": "label-studio"})
    assert res.status_code == 200 and res.json()["imported"] == 1, res.json()
    assert _effective(other) == _effective(app_store)


def test_import_skips_bad_records_with_reasons_and_keeps_the_rest(app_store):
    pid = first_pid(app_store, "IND")
    lines = [json.dumps({"passage_id": pid, "labels": IND_OPPOSED, "annotator": "reviewer:carla"}),
             "not json",
             json.dumps({"passage_id": "nope#0001", "labels": []}),
             json.dumps({"passage_id": pid, "labels": [{"state": "XYZ", "dimension": "policy", "area": "security",
                                                         "stance": "positive"}], "annotator": "carla"})]
    report = rv.import_reviews(app_store, "\n".join(lines).encode())
    assert report.imported == 1 and len(report.skipped) == 3
    assert report.skipped[0].startswith("line 2: not JSON")
    assert "no passage 'nope#0001'" in report.skipped[1] and "unknown state" in report.skipped[2]
    with pytest.raises(rv.ReviewError, match="not UTF-8"):
        rv.import_reviews(app_store, b"\xff\xfe\x00bad")


def test_export_streams_many_records(app_store):
    pids = [p["passage_id"] for p in app_store.passages()]
    text = {p["passage_id"]: rv.text_sha(p["text"]) for p in app_store.passages()}
    with app_store.engine.begin() as conn:  # 2,500 reviews written at once (several export batches)
        from pipeline.store import reviews

        conn.execute(reviews.insert(), [
            {"passage_id": pids[i % len(pids)], "thread": f"r{i}", "revision": 1, "reviewer": f"r{i}",
             "created_at": "2026-11-26T00:00:00", "irrelevant": True, "answer": "[]", "prediction": "[]",
             "model_version": "stand-in", "text_sha": text[pids[i % len(pids)]], "undoes": None, "source": "web"}
            for i in range(2500)])
    client = client_for(app_store)
    with client.stream("GET", "/export/reviews.jsonl") as r:
        n = sum(1 for line in r.iter_lines() if line)
    assert n == 2500


# -- security -----------------------------------------------------------------------------------------------

def test_untrusted_text_is_rendered_inert(app_store):
    client = client_for(app_store)
    pid = next(p["passage_id"] for p in app_store.passages() if "__pwned" in p["text"])
    html = client.get("/review", params={"at": pid}).text
    assert "<script>window.__pwned" not in html and "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=" in html
    assert "&amp;amp;" in html and "&amp;lt;agreed&amp;gt;" in html
    # the JSON block the script reads cannot close its <script> element
    data = html.split('<script type="application/json" id="data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data


def test_state_changes_need_the_csrf_token_and_a_same_origin(app_store):
    client = client_for(app_store)
    pid = first_pid(app_store, "IND")
    body = {"passage_id": pid, "answer": IND_OPPOSED, "base_revision": 0}
    assert client.post("/api/reviews", json=body).status_code == 403
    assert client.post("/api/reviews", json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert post(client, "/api/reviews", body, origin="http://evil.example").status_code == 403
    assert client.post("/import", content=b"{}").status_code == 403
    assert app_store.reviews_of(pid) == []
    assert post(client, "/api/reviews", body, origin="http://127.0.0.1:8765").status_code == 201


def test_an_off_machine_binding_needs_the_token(app_store):
    client = TestClient(create_app(AppConfig(url=app_store.url, reviewer="ana", token="s3cret", host="0.0.0.0")),
                        base_url="http://10.0.0.5:8765", follow_redirects=False)
    assert client.get("/review").status_code == 401
    assert client.get("/review?token=wrong").status_code == 401
    r = client.get("/review?token=s3cret&order=document")
    assert r.status_code == 303 and r.headers["location"] == "/review?order=document"
    assert client.get("/review").status_code == 200


def test_no_request_reaches_the_file_system(app_store):
    client = client_for(app_store)
    for path in ("/../../etc/passwd", "/static/../pipeline/cli.py", "/templates/base.html", "/%2e%2e/etc/passwd",
                 "/review/../../etc/passwd"):
        r = client.get(path)
        assert r.status_code == 404 or "root:x:" not in r.text
        assert "root:x:" not in r.text and "def main" not in r.text
    r = client.get("/review", params={"at": "../../../etc/passwd"})
    assert r.status_code == 404 and "root:x:" not in r.text


# -- the command ----------------------------------------------------------------------------------------

def _scotrack(args, home, timeout=60):
    import os
    import subprocess
    import sys

    env = {**os.environ, "SCOTRACK_HOME": str(home)}
    env.pop("SCOTRACK_DATABASE_URL", None)
    return subprocess.Popen([sys.executable, "-m", "pipeline", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_review_on_a_busy_port_is_a_one_line_error(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        p = _scotrack(["review", "--port", str(port)], tmp_path / "home")
        out, err = p.communicate(timeout=60)
    assert p.returncode == 2 and err.strip().count("\n") == 0
    assert err.startswith(f"error: cannot listen on 127.0.0.1:{port}") and "Traceback" not in err


def test_review_bound_beyond_this_machine_prints_a_token_and_requires_it(tmp_path):
    import socket
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = _scotrack(["review", "--host", "0.0.0.0", "--port", str(port)], tmp_path / "home")
    try:
        line = p.stdout.readline()
        assert line.startswith(f"scotrack review on http://127.0.0.1:{port}/?token=")
        token = line.split("?token=", 1)[1].split()[0]
        assert len(token) >= 30
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/review", timeout=5)
            except urllib.error.HTTPError as exc:
                assert exc.code == 401
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("the server did not answer")
    finally:
        p.terminate()
        p.wait(timeout=10)


def test_blind_answers_and_adjudications_survive_export_and_import(app_store, tmp_path, settings, write):
    pid = first_pid(app_store, "IND")
    rv.save(app_store, pid, "ana", IND_OPPOSED, overlap=1.0)
    rv.save(app_store, pid, "ben", [], irrelevant=True, overlap=1.0)
    rv.save(app_store, pid, "carla", IND_OPPOSED, adjudicate=True)
    exported = b"".join(line.encode() for line in __import__("pipeline.review.webapp", fromlist=["_lines"])._lines(
        rv.export_gold(app_store)))
    other = _second_store(tmp_path, settings, write)
    assert rv.import_reviews(other, exported).imported == 3
    threads = sorted(r["thread"] for r in other.reviews_of(pid))
    assert threads == sorted(["ana", "ben", rv.ADJUDICATION])
    assert rv.agreement(other, 1.0)["disagreements"] == rv.agreement(app_store, 1.0)["disagreements"]
    assert _effective(other) == _effective(app_store)
