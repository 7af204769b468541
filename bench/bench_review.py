"""Benchmark of the review app's interchange and queue (issue 6), in one run:

1. streaming export of N review records (JSONL and Label Studio JSON) through the HTTP app: time to the
   first byte and in all, against reading the same records straight from the store (the baseline);
2. importing the exported JSONL into a fresh store (records per second);
3. the queue: building the review candidates, then one review page.

    .venv/bin/python bench/bench_review.py [--reviews 30000] [--import-records 2000]

The store holds constructed passages (not corpus) tagged by a stand-in; the reviews are written in bulk.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

from pipeline.config import Settings
from pipeline.ingest.batch import ingest
from pipeline.review import records as rv
from pipeline.review.webapp import AppConfig, create_app
from pipeline.store import Store, reviews

# Constructed texts (not corpus): 200 short documents naming member states.
STATES = ["China", "Russia", "India", "Pakistan", "Kazakhstan", "Uzbekistan", "Kyrgyzstan", "Tajikistan"]


def build_store(folder: Path) -> Store:
    docs = folder / "docs"
    docs.mkdir(parents=True)
    for i in range(200):
        a, b = STATES[i % 8], STATES[(i * 3 + 1) % 8]
        (docs / f"d{i:03d}.txt").write_text(f"At the SCO meeting number {i}, {a} and {b} discussed security "
                                            f"cooperation.\n\n{a} proposed a new SCO programme on trade.\n")
    settings = Settings(home=folder / "home", database_url="", workers=1)
    store = Store(settings.url)
    ingest([docs], store, settings)
    store.write_tags({p["passage_id"]: [{"state": s, "dimension": "policy", "area": "security", "stance": "positive",
                                         "score": 2, "confidence": 0.6, "uncertain": False} for s in p["states"]]
                      for p in store.passages()}, "stand-in")
    return store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reviews", type=int, default=30000)
    ap.add_argument("--import-records", type=int, default=2000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="scotrack-bench-review-") as tmp:
        tmp = Path(tmp)
        store = build_store(tmp)
        passages = list(store.passages())
        answer = json.dumps([{"state": "IND", "dimension": "policy", "area": "economic", "stance": "opposed"}])
        with store.engine.begin() as conn:
            conn.execute(reviews.insert(), [
                {"passage_id": passages[i % len(passages)]["passage_id"], "thread": f"r{i}", "revision": 1,
                 "reviewer": f"reviewer{i % 7}", "created_at": "2026-11-26T00:00:00", "irrelevant": False,
                 "answer": answer, "prediction": "[]", "model_version": "stand-in",
                 "text_sha": rv.text_sha(passages[i % len(passages)]["text"]), "undoes": None, "source": "bench"}
                for i in range(args.reviews)])
        print(f"{args.reviews} review records on {len(passages)} constructed passages")
        t = time.perf_counter()
        n = sum(1 for _ in store.iter_reviews())
        base = time.perf_counter() - t
        print(f"baseline, reading the records from the store:  {base:6.2f} s ({n} records)")
        client = TestClient(create_app(AppConfig(url=store.url, reviewer="bench")), base_url="http://127.0.0.1:8765")
        exported = b""
        for path in ("/export/reviews.jsonl", "/export/label-studio.json"):
            t = time.perf_counter()
            first = None
            size = 0
            chunks = []
            with client.stream("GET", path) as r:
                for chunk in r.iter_bytes():
                    if first is None:
                        first = time.perf_counter() - t
                    size += len(chunk)
                    if path.endswith(".jsonl"):
                        chunks.append(chunk)
            total = time.perf_counter() - t
            print(f"export {path:28} first byte {first:5.2f} s, all {total:6.2f} s ({size / 1e6:.1f} MB), "
                  f"ratio {total / base:.1f} x the baseline")
            if chunks:
                exported = b"".join(chunks)
        lines = exported.splitlines()[: args.import_records]
        other = build_store(tmp / "other")
        t = time.perf_counter()
        report = rv.import_reviews(other, b"\n".join(lines))
        took = time.perf_counter() - t
        print(f"import {report.imported} JSONL records into a fresh store: {took:6.2f} s "
              f"({report.imported / took:.0f} records/s, {len(report.skipped)} skipped)")
        t = time.perf_counter()
        cands = rv.candidates(store)
        print(f"queue: {len(cands)} candidates built in {time.perf_counter() - t:.2f} s")
        client.get("/review")
        t = time.perf_counter()
        client.get("/review?order=sensitive")
        print(f"one review page (candidates cached): {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
