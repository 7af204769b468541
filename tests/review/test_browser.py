"""The review screen in a real browser: Playwright driving Debian's chromium (installed by `make test` and
.ci/run) against `scotrack review` serving a small store. Three passages are reviewed with the keyboard
only, the store is checked, a passage holding `<script>` is shown and nothing runs, and the screenshot
in the README is taken.

Texts are constructed for the tests (not corpus).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.ingest.batch import ingest
from pipeline.review import records as rv
from pipeline.store import Store
from tests.support import ROOT

CHROMIUM = os.environ.get("SCOTRACK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOT = ROOT / "docs" / "review-screen.png"

DOCS = {
    "summit.txt": "Leaders arrived in the Kazakh capital on Wednesday for two days of talks.\n\n"
                  "The Shanghai Cooperation Organisation summit opened in Astana. Kazakhstan welcomed the "
                  "member states and praised the Shanghai spirit.\n\n"
                  "The declaration is expected on Thursday.",
    "rivals.txt": "India and Pakistan traded accusations at the SCO meeting in Astana; India refused to sign "
                  "the joint statement on connectivity.",
    "energy.txt": "Uzbekistan proposed an SCO energy club; Russia supported the proposal of the SCO partners.",
    "evil.txt": "The SCO summit in Astana: <script>window.__pwned = 1</script> India said "
                "<img src=x onerror=\"window.__pwned = 2\"> &amp; Kazakhstan &lt;agreed&gt;.",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no chromium at {CHROMIUM}: `make test` installs Debian's chromium (apt-get install chromium)")
    home = tmp_path / "home"
    settings = Settings(home=home, database_url="", workers=1)
    store = Store(settings.url)
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "MANIFEST.csv").write_text(  # constructed metadata for the constructed texts
        "doc_id,title,date,doc_type,language,speaker_state,source_repo,source_path,source_commit,license\n"
        + "".join(f"{Path(n).stem},Constructed test item ({Path(n).stem}),2025-07-0{i + 1},article,en,,"
                  f"scotrack-tests,{n},-,CC0-1.0\n" for i, n in enumerate(DOCS)), encoding="utf-8")
    ingest([folder], store, settings)
    results = {}
    for i, p in enumerate(store.passages()):  # stand-in predictions with known confidences
        results[p["passage_id"]] = [
            {"state": s, "dimension": "policy", "area": "security", "stance": "positive", "score": 2,
             "confidence": 0.4 + 0.1 * i, "uncertain": False} for s in p["states"]]
    store.write_tags(results, "stand-in")
    port = _free_port()
    env = {**os.environ, "SCOTRACK_HOME": str(home)}
    env.pop("SCOTRACK_DATABASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "review", "--port", str(port), "--reviewer", ""],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        if proc.poll() is not None:
            pytest.fail(f"scotrack review exited: {proc.stderr.read()}")
        time.sleep(0.2)
    yield store, f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        yield page
        browser.close()


def _wait_for_next(page, old_pid: str) -> str:
    page.wait_for_function(
        "old => { const d = document.getElementById('data');"
        " return !d || JSON.parse(d.textContent).passage_id !== old; }",
        arg=old_pid, timeout=15000)
    page.wait_for_load_state("domcontentloaded")
    return _current(page)


def _current(page) -> str | None:
    node = page.query_selector("#data")
    import json

    return json.loads(node.text_content())["passage_id"] if node else None


@pytest.mark.slow
def test_three_passages_reviewed_by_keyboard_and_a_script_does_not_run(served, page):
    store, url = served
    page.goto(url + "/review?order=document&state=KAZ")
    # the reviewer names themself (typed, Enter), then only keys
    page.keyboard.type("ana")
    page.keyboard.press("Enter")
    page.wait_for_selector("#passage")
    page.wait_for_function("document.getElementById('reviewer-name').textContent === 'ana'")
    assert "passages to review" in page.inner_text("#queue-size")
    SCREENSHOT.parent.mkdir(exist_ok=True)

    first = _current(page)
    assert page.query_selector("mark[data-state]") is not None  # mentions highlighted
    page.screenshot(path=str(SCREENSHOT), full_page=False)
    page.keyboard.press("Enter")  # 1: accept the prediction
    second = _wait_for_next(page, first)
    page.keyboard.press("x")  # 2: remove the first tag,
    page.keyboard.press("+")  # add China (typed code, Enter),
    page.keyboard.type("CHN")
    page.keyboard.press("Enter")
    page.keyboard.press("3")  # its stance -> negative,
    page.keyboard.press("d")  # its dimension: interest -> identity, area reset to the first of identity
    page.keyboard.press("o")  # its object: SCO -> the first other state the passage names (codebook §3a)
    import json

    objects = [o for o in json.loads(page.query_selector("#data").text_content())["objects"] if o != "CHN"]
    assert objects[0] == "SCO" and len(objects) >= 2
    page.wait_for_function("o => [...document.querySelectorAll('#tags tbody tr.selected td')]"
                           ".some(td => td.textContent === o)", arg=objects[1], timeout=5000)
    for _ in range(5):  # back up to the first remaining tag: stance -> limited
        page.keyboard.press("k")
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    third = _wait_for_next(page, second)
    page.keyboard.press("i")  # 3: irrelevant (saves)
    _wait_for_next(page, third)

    effective = rv.effective_reviews(store)
    assert set(effective) == {first, second, third}
    assert all(r["reviewer"] == "ana" for r in effective.values())
    predicted = {p["passage_id"]: p["tags"] for p in store.passages(passage_ids=[first, second])}
    assert effective[first]["answer"] == rv.normalise(
        [{k: t[k] for k in ("state", "dimension", "area", "stance")} for t in predicted[first]])
    shown = [{k: t[k] for k in ("state", "dimension", "area", "stance")} for t in predicted[second]]
    expected = shown[1:] + [{"state": "CHN", "object": objects[1], "dimension": "identity", "area": "membership",
                             "stance": "negative"}]
    expected[0] = {**expected[0], "stance": "limited"}  # the first tag left (China if it is the only one)
    assert effective[second]["answer"] == rv.normalise(expected)
    assert effective[third]["irrelevant"] and effective[third]["answer"] == []

    # u: undo the last save (the irrelevant one) -> that passage is shown again
    page.keyboard.press("u")
    page.wait_for_function("t => JSON.parse(document.getElementById('data').textContent).passage_id === t",
                           arg=third, timeout=15000)
    assert third not in rv.effective_reviews(store)

    # a passage holding <script> and onerror= is shown as text, and nothing runs
    evil = next(p["passage_id"] for p in store.passages() if "__pwned" in p["text"])
    page.goto(url + "/review?at=" + evil.replace("#", "%23"))
    page.wait_for_selector("#passage")
    text = page.inner_text("#passage")
    assert "<script>window.__pwned = 1</script>" in text and 'onerror="window.__pwned = 2"' in text
    assert "&amp;" in text and "&lt;agreed&gt;" in text
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.query_selector("#passage script") is None and page.query_selector("#passage img") is None
    assert page.dialogs == []
