"""HTTP fetching and feeds against a local server on 127.0.0.1 started by the test (never the internet).

Pages and feeds are constructed for the tests (not corpus).
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipeline.ingest.fetch import FEED_TYPES, FetchPolicy, fetch, parse_feed

PAGE = "<html><body><article><p>上海合作组织成员国元首理事会会议在阿斯塔纳举行。</p></article></body></html>"
RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Summit  opens</title><link>/page</link><pubDate>Wed, 03 Jul 2024 08:00:00 GMT</pubDate></item>
<item><title>No link</title></item>
<item><title>Declaration</title><link>http://example.invalid/decl</link></item>
</channel></rss>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><title>Meeting</title><link rel="alternate" href="/page"/><link rel="enclosure" href="/x.mp3"/>
<updated>2025-09-01T10:00:00Z</updated></entry></feed>"""


class Handler(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}

    def log_message(self, *args):  # quiet
        pass

    def _send(self, code, body=b"", ctype="text/html; charset=utf-8", headers=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self):
        path = self.path
        Handler.hits[path] = Handler.hits.get(path, 0) + 1
        if path == "/page":
            if self.headers.get("If-None-Match") == '"v1"':
                return self._send(304)
            return self._send(200, PAGE.encode(),
                              headers={"ETag": '"v1"', "Last-Modified": "Wed, 03 Jul 2024 08:00:00 GMT"})
        if path == "/flaky":  # fails twice, then works
            if Handler.hits[path] <= 2:
                return self._send(500, b"oops")
            return self._send(200, PAGE.encode())
        if path == "/down":
            return self._send(503, b"down")
        if path == "/missing":
            return self._send(404, b"no")
        if path == "/slow":
            time.sleep(1.5)
            return self._send(200, PAGE.encode())
        if path == "/big-declared":
            return self._send(200, b"x" * 10, headers={"Content-Length": str(10**9)})
        if path == "/big-streamed":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"y" * 5000)
            return None
        if path == "/image":
            return self._send(200, b"\x89PNG....", ctype="image/png")
        if path == "/rss":
            return self._send(200, RSS.encode(), ctype="application/rss+xml")
        if path == "/atom":
            return self._send(200, ATOM.encode(), ctype="application/atom+xml")
        return self._send(404)


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):  # a client that gave up (timeout tests): not an error
        pass


@pytest.fixture(scope="module")
def server():
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


FAST = FetchPolicy(timeout=0.5, retries=2, backoff=0.01, max_bytes=1000)


def test_a_page_is_fetched_with_its_validators_then_not_modified(server):
    first = fetch(f"{server}/page", FAST)
    assert first.status == "fetched" and first.body == PAGE.encode() and first.content_type == "text/html"
    assert first.etag == '"v1"' and first.last_modified and first.extension == ".html" and first.fetched_at
    again = fetch(f"{server}/page", FAST, etag=first.etag, last_modified=first.last_modified)
    assert again.status == "not-modified" and again.body is None


def test_server_errors_are_retried_with_backoff_and_client_errors_are_not(server):
    waits = []
    ok = fetch(f"{server}/flaky", FAST, sleep=waits.append)
    assert ok.status == "fetched" and ok.attempts == 3 and waits == [0.01, 0.02]
    down = fetch(f"{server}/down", FAST, sleep=lambda s: None)
    assert down.status == "failed" and down.reason == "HTTP 503 Service Unavailable (3 attempts)"
    before = Handler.hits.get("/missing", 0)
    missing = fetch(f"{server}/missing", FAST, sleep=lambda s: None)
    assert missing.status == "failed" and missing.reason == "HTTP 404 Not Found" and missing.attempts == 1
    assert Handler.hits["/missing"] == before + 1


def test_a_timeout_is_retried_then_reported(server):
    slow = fetch(f"{server}/slow", FetchPolicy(timeout=0.3, retries=1, backoff=0.01))
    assert slow.status == "failed" and "timed out after 0.3 s (2 attempts)" == slow.reason


@pytest.mark.parametrize("path, reason", [
    ("/big-declared", "too large: 1,000,000,000 bytes (limit 1,000)"),
    ("/big-streamed", "too large: more than 1,000 bytes"),
    ("/image", "unexpected content type image/png"),
])
def test_oversized_or_wrong_type_responses_are_refused(server, path, reason):
    got = fetch(f"{server}{path}", FAST)
    assert got.status == "failed" and got.reason.startswith(reason) and got.body is None


def test_bad_urls_fail_cleanly():
    assert fetch("ftp://example.invalid/x", FAST).reason == "not an http(s) URL"
    refused = fetch("http://127.0.0.1:9/", FetchPolicy(timeout=0.5, retries=1, backoff=0.01))
    assert refused.status == "failed" and refused.reason.endswith("(2 attempts)")


def test_rss_and_atom_feeds_give_their_entries(server):
    rss = fetch(f"{server}/rss", FAST, accept=FEED_TYPES)
    entries = parse_feed(rss.body, f"{server}/rss")
    assert [(e.link, e.title, e.date) for e in entries] == [
        (f"{server}/page", "Summit opens", "2024-07-03"), ("http://example.invalid/decl", "Declaration", None)]
    atom = parse_feed(fetch(f"{server}/atom", FAST, accept=FEED_TYPES).body, f"{server}/atom")
    assert [(e.link, e.title, e.date) for e in atom] == [(f"{server}/page", "Meeting", "2025-09-01")]
    with pytest.raises(ValueError, match="not an RSS or Atom feed"):
        parse_feed(b"<html><body/></html>")
    with pytest.raises(ValueError, match="not a well-formed feed"):
        parse_feed(b"<rss><channel>")


# -- fetched documents reach the store, once ---------------------------------------------------------

def test_feed_and_urls_are_fetched_ingested_and_not_fetched_twice(server, store, settings, tmp_path):
    from pipeline.ingest.sources import fetch_sources

    first = fetch_sources([f"{server}/image", f"{server}/missing"], [f"{server}/rss", f"{server}/atom"], store,
                          settings, FAST)
    # /page is in both feeds (fetched once); example.invalid cannot be resolved; the image and 404 fail
    assert (first.fetched, first.not_modified, first.feeds, first.ingest.ingested) == (1, 0, 2, 1)
    reasons = dict(first.failed)
    assert reasons[f"{server}/image"].startswith("unexpected content type image/png")
    assert reasons[f"{server}/missing"] == "HTTP 404 Not Found"
    assert "http://example.invalid/decl" in reasons
    doc = next(d for d in store.documents() if d["source"] == f"{server}/page")
    full = store.document(doc["doc_id"])
    assert full["provenance"].startswith(f"{server}/page fetched 20") and full["date"] == "2024-07-03"
    assert full["title"] == "Summit opens"
    assert store.original_bytes(full["sha256"]) == PAGE.encode()  # kept byte for byte
    state = store.fetch_state(f"{server}/page")
    assert state["etag"] == '"v1"' and state["status"] == "fetched"

    hits = Handler.hits["/page"]
    second = fetch_sources([], [f"{server}/rss"], store, settings, FAST)
    assert (second.fetched, second.not_modified, second.ingest.ingested) == (0, 1, 0)
    assert Handler.hits["/page"] == hits + 1  # one conditional request, answered 304
    assert store.fetch_state(f"{server}/page")["etag"] == '"v1"'  # validators kept after a 304


def test_fetch_cli(server, tmp_path):
    import json
    import os
    import subprocess
    import sys

    urls = tmp_path / "urls.txt"
    urls.write_text(f"# summit documents\n{server}/page\n\n{server}/down  # flaky\n")
    env = {**os.environ, "SCOTRACK_HOME": str(tmp_path / "h")}
    p = subprocess.run([sys.executable, "-m", "pipeline", "fetch", "--urls", str(urls), "--timeout", "2",
                        "--retries", "0"], capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
    assert p.stdout.splitlines()[0].startswith("fetched 1, not modified 0, failed 1")
    assert f"failed: {server}/down: HTTP 503 Service Unavailable (1 attempt)" in p.stdout
    docs = json.loads(subprocess.run([sys.executable, "-m", "pipeline", "docs", "--json"], capture_output=True,
                                     text=True, env=env, timeout=300).stdout)
    assert [d["source"] for d in docs] == [f"{server}/page"]
    p = subprocess.run([sys.executable, "-m", "pipeline", "fetch"], capture_output=True, text=True, env=env,
                       timeout=300)
    assert p.returncode == 2 and "give URLs" in p.stderr
