"""Benchmark of the ingest path on the bundled Chinese text, against raw jieba in the same run.

Prints: raw `jieba.lcut` throughput; the full decode→clean→segment→tokenise→mentions throughput
on one core and on all cores; their ratios to raw jieba; the shipped tagger's throughput on the same
passages, sentence encoder included (one run, nothing cached: every pair the first stage keeps is
encoded), and its ratio to raw jieba on the same text; the peak memory (RSS) of a `scotrack ingest` of
the whole bundled corpus into a fresh store; and with `--full-run`, the time of a first `scotrack run
--no-prefect` on the bundled corpus in a fresh home and of a second one with nothing new.

    .venv/bin/python bench/bench_ingest.py [--repeat 3] [--no-memory] [--full-run [--baseline REV]]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.config import Settings  # noqa: E402
from pipeline.ingest.discover import Item, discover  # noqa: E402
from pipeline.ingest.read import process  # noqa: E402
from pipeline.ingest.tokenise import get_nlp, init_jieba  # noqa: E402

ZH_FOLDERS = ["xwlb-sco", "xi-speeches-2020"]


def chinese_items() -> list[tuple[Item, bytes]]:
    items = list(discover([ROOT / "corpora" / f for f in ZH_FOLDERS]))
    return [(i, i.path.read_bytes()) for i in items if i.path is not None]


def _process_all(batch: list[tuple[Item, bytes]]) -> int:
    settings = Settings(workers=1)
    return sum(len(process(i, raw, settings).passages) for i, raw in batch)


def _warm(_=None) -> int:
    init_jieba()
    get_nlp("zh")
    return os.getpid()


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--full-run", action="store_true", help="also time `scotrack run --no-prefect` in a fresh home")
    ap.add_argument("--baseline", metavar="REV",
                    help="with --full-run: time the same run first on git revision REV (its code, corpus and model, "
                         "in a temporary worktree), then on this tree, and print the ratio")
    args = ap.parse_args()

    items = chinese_items()
    texts = [raw.decode("utf-8") for _, raw in items]
    chars = sum(len(t) for t in texts)
    print(f"Chinese text: {len(items)} documents, {chars:,} characters")

    import jieba

    segmenter = init_jieba()  # the one the pipeline uses (jieba_fast when installed), with the SCO dictionary
    jieba.setLogLevel(60)
    jieba.load_userdict(str(ROOT / "pipeline" / "ingest" / "data" / "sco_userdict.txt"))
    jieba.lcut(texts[0])
    t_jieba = best_of(lambda: [jieba.lcut(t) for t in texts], args.repeat)
    print(f"raw jieba.lcut:                 {chars / t_jieba / 1e3:8.0f} k chars/s   (the baseline)")
    if segmenter is not jieba:
        segmenter.lcut(texts[0])
        t_seg = best_of(lambda: [segmenter.lcut(t) for t in texts], args.repeat)
        print(f"raw {segmenter.__name__}.lcut:            {chars / t_seg / 1e3:8.0f} k chars/s   "
              f"(the segmenter the pipeline uses; {t_jieba / t_seg:.2f}x jieba)")

    _process_all(items[:3])  # warm spaCy and lingua
    t_one = best_of(lambda: _process_all(items), args.repeat)
    print(f"full pipeline, 1 process:       {chars / t_one / 1e3:8.0f} k chars/s   "
          f"ratio to jieba {t_jieba / t_one:.2f} (target >= 0.5)"
          + (f", to {segmenter.__name__} {t_seg / t_one:.2f}" if segmenter is not jieba else ""))

    cores = os.cpu_count() or 1
    chunks = [items[k::cores * 4] for k in range(cores * 4)]
    with ProcessPoolExecutor(max_workers=cores) as pool:
        list(pool.map(_warm, range(cores)))
        t_all = best_of(lambda: list(pool.map(_process_all, chunks)), args.repeat)
    print(f"full pipeline, {cores} processes:     {chars / t_all / 1e3:8.0f} k chars/s   "
          f"ratio to jieba {t_jieba / t_all:.2f} (target >= 1.0)"
          + (f", to {segmenter.__name__} {t_seg / t_all:.2f}" if segmenter is not jieba else ""))

    # Tagging: passages of the same Chinese text through the shipped tagger, end to end, sentence encoder
    # included. One run with nothing cached (the encoder's memory emptied, no store), as in a first
    # `scotrack tag`; the encoder is loaded and warmed first, as `scotrack run` does while ingesting.
    from pipeline.tagging.apply import load_tagger
    from pipeline.tagging.features import encoder
    from pipeline.tagging.tagger import TagInput

    tagger, card = load_tagger()
    settings = Settings(workers=1)
    inputs = [TagInput(id=f"{i.meta.doc_id}#{p.position}", text=p.text, lang=p.lang, doc_type=i.meta.doc_type,
                       speaker_state=i.meta.speaker_state, year=i.meta.year, mentions=p.mentions, tokens=p.tokens)
              for i, raw in items for p in process(i, raw, settings).passages]
    tagger.predict(inputs[:50])
    enc = encoder.shared()
    enc.clear()
    calls, encoded = enc.calls, enc.encoded
    # the passages carry the tokens the ingest stored, as `scotrack tag` reads them from the store
    t = time.perf_counter()
    tagger.predict(inputs)
    t_tag = time.perf_counter() - t
    tag_texts = [x.text for x in inputs]
    tag_chars = sum(len(x) for x in tag_texts)
    t = time.perf_counter()
    for x in tag_texts:
        jieba.lcut(x)
    t_jieba_same = time.perf_counter() - t
    print(f"tagging with the encoder ({card['version']}), 1 process, one run: {len(inputs)} passages, "
          f"{enc.encoded - encoded} pair texts encoded in {enc.calls - calls} calls")
    print(f"                                {len(inputs) / t_tag:8.0f} passages/s, "
          f"{tag_chars / t_tag / 1e3:.0f} k chars/s   ratio to raw jieba.lcut on the same passages "
          f"{t_jieba_same / t_tag:.2f} (> 1: cheaper than tokenising)")
    t = time.perf_counter()
    tagger.predict(inputs)  # the vectors are in memory now, as a re-tagging finds them in the store
    print(f"  without the encoder's cost (vectors cached): {len(inputs) / (time.perf_counter() - t):8.0f} passages/s")

    if not args.no_memory:
        with tempfile.TemporaryDirectory() as home:
            env = {**os.environ, "SCOTRACK_HOME": home}
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "pipeline", "ingest", str(ROOT / "corpora")], env=env, check=True,
                           stdout=subprocess.DEVNULL)
            elapsed = time.perf_counter() - t
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        size = sum(p.stat().st_size for p in (ROOT / "corpora").rglob("*") if p.is_file())
        print(f"ingest whole corpus ({size / 1e6:.1f} MB, {os.cpu_count()} worker processes): {elapsed:.1f} s, "
              f"peak RSS of the largest process {peak_kb / 1024:.0f} MB")

    if args.full_run:
        trees = [("this tree", ROOT)]
        if args.baseline:
            base = Path(tempfile.mkdtemp(prefix="scotrack-baseline-"))
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base), args.baseline],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            trees.insert(0, (f"baseline {args.baseline}", base))
        first = {}
        try:
            for name, tree in trees:
                with tempfile.TemporaryDirectory() as home:
                    env = {**os.environ, "SCOTRACK_HOME": home, "PYTHONPATH": str(tree)}
                    for label in ("first run (fresh home)", "second run (nothing new)"):
                        t = time.perf_counter()
                        subprocess.run([sys.executable, "-m", "pipeline", "run", "--no-prefect"], env=env, check=True,
                                       stdout=subprocess.DEVNULL, cwd=tree)
                        elapsed = time.perf_counter() - t
                        first.setdefault(name, elapsed)
                        print(f"{name}: scotrack run --no-prefect, {label}: {elapsed:.1f} s")
            if args.baseline:
                base_name = trees[0][0]
                print(f"first run, this tree / {base_name}: {first['this tree'] / first[base_name]:.2f} x")
        finally:
            if args.baseline:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
