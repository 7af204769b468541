"""The jobs behind the commands: each takes the settings and what the command was given, does the work
through the stages, and returns what the command prints. No Prefect here: flows/ wraps these stages."""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.codebook import MEMBERS
from pipeline.config import Settings
from pipeline.errors import ScotrackError
from pipeline.ingest.batch import IngestReport, ingest_items
from pipeline.ingest.discover import discover
from pipeline.progress import progress_bar
from pipeline.records import SourceMeta
from pipeline.store import Store

Say = Callable[[str], None]  # where a job reports what it is doing (the CLI: a line on stderr)


# -- ingest ----------------------------------------------------------------------------------------------

def run_ingest(sources: Sequence[str | Path], settings: Settings, store: Store | None = None,
               defaults: SourceMeta | None = None) -> IngestReport:
    """Ingest files and folders (with a progress bar)."""
    store = store or Store(settings.url)
    items = list(discover(sources, defaults))
    with progress_bar(len(items), "ingest") as bar:
        return ingest_items(items, store, settings, progress=bar.update)


def ingest_text(report: IngestReport) -> str:
    """What `scotrack ingest` prints: the counts, then each duplicate and rejected document with its reason."""
    lines = [report.line()]
    if report.unchanged:
        lines.append(f"already in the store: {report.unchanged}")
    lines += [f"duplicate: {source} (same text as {dup})" for source, dup in report.duplicate_items]
    lines += [f"rejected: {source}: {reason}" for source, reason in report.rejected_items]
    return "\n".join(lines)


def fetch(urls: Sequence[str], feeds: Sequence[str], settings: Settings, policy, defaults: SourceMeta):
    """Fetch URLs and feed entries and ingest them; returns the FetchReport."""
    from pipeline.ingest.sources import fetch_sources

    return fetch_sources(urls, feeds, Store(settings.url), settings, policy, defaults)


def fetch_text(report) -> str:
    lines = [report.line()]
    lines += [f"failed: {url}: {reason}" for url, reason in report.failed]
    lines += [f"rejected: {source}: {reason}" for source, reason in report.ingest.rejected_items]
    return "\n".join(lines)


# -- what the store holds ----------------------------------------------------------------------------------

DOC_KEYS = ("doc_id", "source", "title", "lang", "doc_type", "date", "date_source", "status", "reason", "passages",
            "speaker_state", "relevant", "duplicate_of", "provenance", "licence", "fmt", "encoding", "sha256")
PASSAGE_KEYS = ("passage_id", "doc_id", "text", "lang", "relevant", "states", "tags", "kind", "start", "end",
                "mentions")


def docs_text(store: Store, status: str | None, as_json: bool) -> tuple[str, int]:
    """`scotrack docs`: the documents as a JSON array, or a line each; and how many there are."""
    rows = store.documents(status=status)
    if as_json:
        return json.dumps([{k: d.get(k) for k in DOC_KEYS} for d in rows], ensure_ascii=False, indent=1), len(rows)
    lines = [f"{d['doc_id']}\t{d['status']}\t{d['lang'] or '-'}\t{d['doc_type'] or '-'}\t"
             f"{d['date'] or '-'}\t{d['passages']}\t{(d['title'] or '')[:60]}"
             + (f"  ({d['reason']})" if d["reason"] else "") for d in rows]
    if status == "rejected" and rows:
        lines = rejections_by_reason(rows) + [""] + lines
    return "\n".join(lines), len(rows)


def reason_kind(reason: str) -> str:
    """A rejection reason without its particulars (numbers, paths, quoted values), to group rejections."""
    kind = re.sub(r"(?:/[^\s,:;)]+)+", "…", reason or "unknown")
    kind = re.sub(r"'[^']*'|\"[^\"]*\"", "…", kind)
    return re.sub(r"\d+(?:[.,]\d+)*", "N", kind)


def rejections_by_reason(rows: list[dict]) -> list[str]:
    """`docs --status rejected`: one line per kind of reason, most frequent first, with the documents."""
    groups: dict[str, list[str]] = {}
    for d in rows:
        groups.setdefault(reason_kind(d["reason"]), []).append(d["doc_id"])
    out = [f"rejected: {len(rows)} documents, {len(groups)} kinds of reason"]
    for kind, ids in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        shown = ", ".join(ids[:5]) + (f", … ({len(ids) - 5} more)" if len(ids) > 5 else "")
        out.append(f"  {len(ids):>4}  {kind}: {shown}")
    return out


def passages_text(store: Store, doc_id: str | None, state: str | None, relevant: bool, limit: int | None,
                  as_json: bool) -> str:
    """`scotrack passages`: passages with the states they mention (JSON, or a line each)."""
    if doc_id and store.document(doc_id) is None:
        raise ScotrackError(f"no document {doc_id!r} (see `scotrack docs`)")
    rows = store.passages(doc_id=doc_id, state=state.upper() if state else None,
                          relevant=True if relevant else None, limit=limit)
    if as_json:
        out = [{k: (bool(r[k]) if k == "relevant" else r[k]) for k in PASSAGE_KEYS} for r in rows]
        return json.dumps(out, ensure_ascii=False, indent=1)
    return "\n".join(f"{r['passage_id']} {'*' if r['relevant'] else ' '} [{','.join(r['states'])}] {r['text'][:100]}"
                     for r in rows)


def document(store: Store, doc_id: str) -> dict:
    d = store.document(doc_id)
    if d is None:
        raise ScotrackError(f"no document {doc_id!r} (see `scotrack docs`)")
    return d


def original_bytes(store: Store, doc_id: str) -> bytes:
    data = store.original_bytes(document(store, doc_id)["sha256"])
    if data is None:
        raise ScotrackError(f"the original bytes of {doc_id} were not kept (over the keep limit)")
    return data


def show_text(store: Store, doc_id: str) -> str:
    """`scotrack show`: a document's metadata, what cleaning removed, its passages and their mentions."""
    d = document(store, doc_id)
    if not d.get("date") and d["status"] == "ingested":
        d["date"] = "undated (counted in the all-years figures only)"
    lines = [f"{k:17} {d[k]}" for k in (
        "doc_id", "title", "source", "provenance", "licence", "date", "date_source", "doc_type", "lang",
        "speaker_state", "status", "reason", "duplicate_of", "fmt", "encoding", "sha256", "relevant", "n_passages",
        "pipeline_version", "ingested_at") if d.get(k) not in (None, "")]
    if d["cleaning"]:
        lines.append("cleaning          " + ", ".join(f"{k} {v}" for k, v in d["cleaning"].items() if v))
    for r in store.passages(doc_id=doc_id):
        flag = "*" if r["relevant"] else " "
        ms = ", ".join(f"{m['state']}:{m['surface']}({m['how']})" for m in r["mentions"])
        lines += ["", f"[{r['position']}] {flag} {r['kind']} {r['lang']} {r['start']}-{r['end']}  {ms}", r["text"]]
    return "\n".join(lines)


def summarise(store: Store, report: IngestReport | None = None) -> str:
    """A plain-text summary of what the store holds (documents, passages, mentions per state)."""
    s = store.summary()
    lines = []
    if report is not None:
        lines.append(report.line() + (f" (already in the store: {report.unchanged})" if report.unchanged else ""))
    lines.append(f"store: {store.url}")
    status = Counter()
    by_lang, by_type, by_year = Counter(), Counter(), Counter()
    for st, lang, dtype, year, n in s["doc_groups"]:
        status[st] += n
        if st == "ingested":
            by_lang[lang or "-"] += n
            by_type[dtype or "-"] += n
            by_year[year or 0] += n
    lines.append("documents: " + ", ".join(f"{k} {v}" for k, v in sorted(status.items())))
    lines.append("  by language: " + ", ".join(f"{k} {v}" for k, v in sorted(by_lang.items())))
    lines.append("  by type: " + ", ".join(f"{k} {v}" for k, v in sorted(by_type.items())))
    lines.append("  by year:" + (f" undated {by_year.pop(0)}" if 0 in by_year else ""))
    decades: dict[int, list[str]] = {}
    for year, n in sorted(by_year.items()):
        decades.setdefault(year // 10 * 10, []).append(f"{year} {n}")
    lines.extend(f"    {d}s: " + ", ".join(entries) for d, entries in decades.items())
    lines.append(f"passages: {s['passages']}, SCO-relevant: {s['relevant_passages']}")
    lines.append("mentions per state (all passages / SCO-relevant passages mentioning it):")
    for code, state in MEMBERS.items():
        lines.append(f"  {code} {state.name_en:<11} {s['mentions_by_state'].get(code, 0):>7} "
                     f"{s['relevant_passages_by_state'].get(code, 0):>7}")
    if s["tagged_passages"]:
        stances = Counter()
        for (_, _, stance), n in s["tags_by_state_dimension_stance"].items():
            stances[stance] += n
        lines.append(f"tags: {sum(stances.values())} on {s['tagged_passages']} tagged passages ("
                     + ", ".join(f"{k} {v}" for k, v in stances.most_common()) + ")")
    if s["rejected"]:
        lines.append(f"rejected documents ({len(s['rejected'])}):")
        lines.extend(f"  {r['doc_id']}: {r['reason']}  [{r['source']}]" for r in s["rejected"])
    return "\n".join(lines)


# -- tagging ---------------------------------------------------------------------------------------------

def run_tag(store: Store, settings: Settings, progress: Callable[[int], None] | None = None,
            on_total: Callable[[int], None] | None = None):
    """Tag new or changed passages with the model in `settings.models_dir`; returns the TagReport. When every
    passage is already tagged by the current model (one count query), the model is not even loaded.
    `progress(n)` and `on_total(n)` are told how far it is, besides the progress bar."""
    from pipeline.ingest import tokenise
    from pipeline.tagging import models
    from pipeline.tagging.apply import TagReport, tag_store

    version = models.card(settings.models_dir)["version"]
    if store.count_to_tag(version) == 0:
        return TagReport(model_version=version)
    tokenise.configure(settings.cache_dir)
    tagger, card = models.load(settings.models_dir)
    bar = progress_bar(0, "tag", unit="passage")

    def advance(n: int) -> None:
        bar.update(n)
        if progress:
            progress(n)

    def total(n: int) -> None:
        bar.total = n
        if on_total:
            on_total(n)

    with bar:
        return tag_store(store, tagger, card["version"], progress=advance, on_total=total)


def classify(lines, settings: Settings):
    """`scotrack classify`: one output record per JSONL input line (see `tagging.apply.classify_lines`)."""
    from pipeline.ingest import tokenise
    from pipeline.tagging import models
    from pipeline.tagging.apply import classify_lines

    tokenise.configure(settings.cache_dir)
    tagger, _ = models.load(settings.models_dir)
    return classify_lines(lines, tagger)


# -- trends ----------------------------------------------------------------------------------------------

# Bumped when the report's content changes for the same data (so a cached report is rewritten).
REPORT_VERSION = 3  # 2: undated documents count (all years) and have a row of their own; 3: objects, relations,
# pooled yearly estimates


@dataclass
class TrendsResult:
    out: Path
    key: str
    cached: bool  # nothing changed since the report in `out` was written: it was kept as it is
    files: list[Path]
    summary: dict  # verdict per period and overall (also saved as verdicts.json)
    reports: dict | None = None  # the full reports (None when cached)
    overall: dict | None = None


def report_key(store: Store, model_version: str, config, by: str, years, fmt: str) -> str:
    """The explicit cache key of a trend report: the store's fingerprint (documents, tags and when they were
    last written), the model version, the aggregation settings, the period and the table format."""
    payload = {"store": store.fingerprint(), "model": model_version, "config": config.as_dict(), "by": by,
               "years": list(years) if years else None, "format": fmt, "report_version": REPORT_VERSION}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _current_key(out: Path) -> str | None:
    marker, saved = out / "report.key", out / "verdicts.json"
    return marker.read_text().strip() if marker.exists() and saved.exists() else None


def trends_out(settings: Settings, out=None) -> Path:
    """Where trend outputs go: `out`, else <home>/trends."""
    return Path(out) if out else settings.home / "trends"


def run_trends(store: Store, settings: Settings, out=None, fmt: str = "csv", by: str = "year",
               years: tuple[int, int] | None = None, force: bool = False, tag: bool = True,
               lang: str = "en", window: int = 3) -> TrendsResult:
    """Tag what is new (unless `tag` is false: the caller has just done it), then write the tables, figures
    and HTML report under `out` with the aggregation settings of `settings` — unless the report there was
    made from exactly the same data and settings (see `report_key`), which is then kept."""
    from pipeline.analysis.aggregate import UNDATED, by_period
    from pipeline.analysis.effective import effective_tags
    from pipeline.analysis.trends import write_all
    from pipeline.tagging import models

    config = settings.aggregate
    out = trends_out(settings, out)
    if tag:
        run_tag(store, settings)
    card = models.card(settings.models_dir)
    key = report_key(store, card["version"], config, by if by != "window" else f"window{window}", years,
                     fmt + ("" if lang == "en" else f"/{lang}"))
    saved = out / "verdicts.json"
    if not force and _current_key(out) == key:
        files = sorted(p for p in out.iterdir() if p.name not in ("report.key",))
        return TrendsResult(out, key, True, files, json.loads(saved.read_text()))
    rows = effective_tags(store, card["version"])  # reviewed passages: the reviewers' tags
    reports = by_period(rows, config, by=by, years=years, window=window)
    overall = by_period(rows, config, by="all", years=years)["all"]
    written = write_all({**reports, **({"all years": overall} if by != "all" else {})}, out, fmt,
                        consistency_sd=config.consistency_sd, lang=lang, model=card["version"])
    summary = {"model": card["version"], "pooling": config.pooling if by == "year" else "none", "by": by,
               "periods": {p: {**{k: r[k] for k in ("verdict", "verdict_probability", "documents", "tags")},
                               "unpooled_verdict": (r.get("unpooled") or r)["verdict"]}
                           for p, r in reports.items()},
               "overall": {"line": verdict_line(overall), "verdict": overall["verdict"],
                           "verdict_probability": overall["verdict_probability"]},
               UNDATED: overall["undated"]}
    saved.write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    (out / "report.key").write_text(key + "\n")
    files = [p for paths in written.values() for p in paths] + [saved]
    return TrendsResult(out, key, False, files, summary, reports, overall)


def verdict_line(report: dict, period: str = "all years") -> str:
    v = report["verdict"]
    if v is None:
        return f"{period}: no verdict — {report['evidence_note']}"
    tend = ", ".join(f"{d} {report['dimensions'][d]['tendency']}" for d in report["dimensions"])
    return f"{period}: {v} (bootstrap probability {report['verdict_probability']:.2f}; {tend})"


def trends_text(result: TrendsResult) -> str:
    """Where the outputs are, the verdict per year and overall, and a warning about undated documents."""
    from pipeline.analysis.aggregate import UNDATED

    lines = [f"trend tables, figures and report in {result.out}"
             + (" (unchanged: nothing new since they were written)" if result.cached else "") + ":"]
    lines += [f"  {p.name}" for p in result.files]
    pooled = result.summary.get("pooling", "none") == "time"
    unit = {"summit": "summit period", "window": "window"}.get(result.summary.get("by", "year"), "year")
    lines.append(f"verdict by {unit} (" + ("probability pooled across years" if pooled else "bootstrap probability")
                 + "; documents, stance tags" + ("; the year's own estimate" if pooled else "") + "):")
    for period, rep in result.summary["periods"].items():
        if period == UNDATED:
            continue  # the warning below says it
        v = rep["verdict"] or "no verdict"
        own = rep.get("unpooled_verdict", "-") or "no verdict"
        lines.append(f"  {period}: {v:<12} {rep['verdict_probability']:.2f}  ({rep['documents']} documents, "
                     f"{rep['tags']} tags" + (f"; own: {own}" if pooled else "") + ")"
                     + ("  — too little evidence" if rep["verdict"] is None else ""))
    warning = undated_line(result.summary.get("undated"))
    if warning:
        lines.append(warning)
    lines.append("overall, " + result.summary["overall"]["line"])
    return "\n".join(lines)


def undated_line(undated: dict | None, analyze: bool = False) -> str | None:
    """The one warning line about undated documents (None when there are none): where they count, and that
    their tags count for the states that are members today (their year cannot be checked against a state's
    joining year)."""
    if not undated or not undated["documents"]:
        return None
    n, tags = undated["documents"], undated["tags"]
    what = f"{n} undated document{'s' if n != 1 else ''} ({tags} stance tag{'s' if tags != 1 else ''})"
    if analyze:
        return f"warning: {what} counted for the states that are members today (--date checks membership by year)"
    if not undated.get("counted", True):
        return f"warning: {what} left out: they cannot be placed in the years asked for"
    return f"warning: {what} count in the all-years figures only, for the states that are members today"


# -- the main job ------------------------------------------------------------------------------------------

@dataclass
class RefreshPlan:
    """What a refresh would do, from the store's bookkeeping alone (nothing is processed, no model loaded)."""

    new: int  # documents to process: new or changed bytes, or an input not seen by this pipeline version
    unchanged: int
    rejected: int  # inputs rejected before and unchanged since
    untagged: int  # passages not yet tagged by the current model
    report_current: bool
    model_version: str

    @property
    def nothing_new(self) -> bool:
        return not self.new and not self.untagged and self.report_current

    def line(self) -> str:
        if self.nothing_new:
            return (f"nothing new: {self.unchanged} documents unchanged"
                    + (f", {self.rejected} rejected as before" if self.rejected else "")
                    + f", every passage tagged by model {self.model_version}, report up to date")
        return (f"to do: {self.new} new or changed documents, {self.untagged} passages to tag"
                + ("" if self.report_current else ", report to rewrite"))


def plan_refresh(sources: Sequence[str], settings: Settings, out=None, store: Store | None = None) -> RefreshPlan:
    """The check a refresh starts with: each source file is read and hashed and the store asked (see
    `ingest.batch.triage`), the untagged passages counted, the report's key compared. Cheap: no document is
    processed and neither the tokenisers nor the model are loaded."""
    from pipeline.ingest.batch import triage
    from pipeline.tagging import models

    store = store or Store(settings.url)
    sorted_out = triage(discover(sources), store, settings)
    version = models.card(settings.models_dir)["version"]
    key = report_key(store, version, settings.aggregate, "year", None, "csv")
    return RefreshPlan(new=len(sorted_out.todo), unchanged=sorted_out.unchanged, rejected=len(sorted_out.rejected),
                       untagged=store.count_to_tag(version),
                       report_current=_current_key(trends_out(settings, out)) == key, model_version=version)


def nothing_new_text(store: Store, settings: Settings, plan: RefreshPlan, out=None) -> str:
    """What a refresh with nothing new prints: the same summary as a full one, from the store and the kept
    report."""
    from pipeline.tagging.apply import TagReport

    report = IngestReport(unchanged=plan.unchanged)
    report.rejected = plan.rejected
    return "\n".join([summarise(store, report), TagReport(model_version=plan.model_version).line(),
                      trends_text(run_trends(store, settings, out, tag=False)), plan.line()])


def warm_up(settings: Settings, plan: RefreshPlan) -> None:
    """Start what the coming stages will need — the ingest worker processes (tokenisers, language models)
    and the tagger — while something else waits (Prefect's temporary server starting)."""
    from pipeline.ingest.batch import MIN_PARALLEL_BATCH, warm_pool
    from pipeline.tagging import models

    if plan.new >= MIN_PARALLEL_BATCH and settings.workers > 1:
        warm_pool(settings)
    if plan.new or plan.untagged:
        models.load(settings.models_dir)


def default_sources(settings: Settings, paths: Sequence[str | Path], remote: bool = False) -> list[str]:
    """The sources of a run: the paths given, else (when no URL or feed is given either) the bundled corpus."""
    return [str(p) for p in paths] or ([] if remote else [str(settings.corpus_dir)])


def main_job(sources: Sequence[str], settings: Settings, out=None) -> str:
    """The main job without an orchestrator: ingest, tag, trends; returns the summary."""
    store = Store(settings.url)
    report = run_ingest(sources, settings, store)
    tagged = run_tag(store, settings)
    trends = trends_text(run_trends(store, settings, out, tag=False))
    return summarise(store, report) + "\n" + tagged.line() + "\n" + trends


# -- analyze ---------------------------------------------------------------------------------------------

def analyze(paths: Sequence[Path], defaults: SourceMeta, settings: Settings, keep: bool = False) -> dict:
    """Ingest `paths` (into a temporary store unless `keep`), tag them, and aggregate all their passages:
    the report of `scotrack analyze` (scores, tendencies, the verdict, with evidence)."""
    from pipeline.analysis.aggregate import analyse, relations, reported_apart, select, undated_counts
    from pipeline.analysis.effective import effective_tags
    from pipeline.tagging import models

    if not paths:
        raise ScotrackError("give at least one file or folder to analyse")
    config = replace(settings.aggregate, scope="all")
    card = models.card(settings.models_dir)
    with tempfile.TemporaryDirectory(prefix="scotrack-analyze-") as tmp:
        store = Store(settings.url) if keep else Store(settings.with_(home=Path(tmp), database_url="").url)
        items = list(discover(paths, defaults))
        report_in = ingest_items(items, store, settings.with_(workers=1 if len(items) < 8 else None))
        run_tag(store, settings)
        sources = {str(i.path) for i in items if i.path is not None}
        doc_ids = {d["doc_id"] for d in store.documents() if d["source"] in sources} if keep else None
        # with --keep, passages reviewers have corrected count with the reviewers' tags
        rows = effective_tags(store, card["version"], doc_ids)
        report = analyse(select(rows, config), config)  # every passage, dated or not
        report["reported_apart"] = reported_apart(rows, config)
        report["relations"] = relations(rows, config)
        report["undated"] = undated_counts(rows, config)
        report["input"] = {"files": len(items), "ingested": report_in.ingested, "unchanged": report_in.unchanged,
                           "duplicates": report_in.duplicates, "rejected": dict(report_in.rejected_items),
                           "model": card["version"]}
    return report


def analyze_text(report: dict) -> str:
    lines = [verdict_line(report, "verdict")]
    warning = undated_line(report.get("undated"), analyze=True)
    if warning:
        lines.append(warning)
    lines += [f"rejected: {source}: {reason}" for source, reason in report["input"]["rejected"].items()]
    for d, dim in report["dimensions"].items():
        disp = dim["dispersion"]
        lines.append(f"{d}: {dim['tendency'] or 'no tendency'}"
                     + (f" (sd {disp['sd']:.2f}, Leik {disp['leik']:.2f}, agreement A {disp['agreement_a']:.2f})"
                        if disp else "") + (f" — {dim['reason']}" if dim.get("reason") else ""))
        for s, v in dim["states"].items():
            ev = v["evidence"][0] if v["evidence"] else None
            lines.append(f"  {s} {v['score']:+.2f} {v['level']:<8} n={v['n']:<4} [{v['interval'][0]}, "
                         f"{v['interval'][1]}]" + (f"  e.g. {ev['text'][:80]!r}" if ev else ""))
        for s, v in dim["not_scored"].items():
            lines.append(f"  {s} not scored: {v['reason']} (n={v['n']})")
    lines += relations_lines(report.get("relations"))
    return "\n".join(lines)


def relations_lines(relations: dict | None) -> list[str]:
    """The relations matrix in a few lines: per dimension, how many dyads have evidence and those weighing most
    on divergence."""
    if not relations or not any(r["cells"] for r in relations.values()):
        return ["relations between members: no stance of a member towards another member"]
    lines = ["relations between members (holder → object: mean stance, n):"]
    for d, rel in relations.items():
        heavy = "; ".join(f"{h['holder']} → {h['object']} {h['score']:+.2f} (n={h['n']})" for h in rel["heaviest"])
        lines.append(f"  {d}: {len(rel['cells'])} dyads" + (f"; weighing most on divergence: {heavy}" if heavy else ""))
    return lines


# -- training and evaluation -----------------------------------------------------------------------------

def train(settings: Settings, annotations: Path | None = None, out: Path | None = None, reviews: bool = True,
          say: Say = print) -> str:
    """Train the tagger on the annotations (and the store's reviews), save it with its card under `out`
    (default: the models folder); held-out documents are refused."""
    from pipeline.tagging import models
    from pipeline.tagging.train import train as train_tagger
    from pipeline.tagging.train import training_spans

    spans = training_spans(annotations or settings.corpus_dir / "annotations", settings.corpus_dir)
    used = None
    if reviews and settings.store_exists():
        from pipeline.review.records import training_spans as review_spans

        reviewed, used = review_spans(Store(settings.url))
        spans = spans + reviewed
        say(f"with {len(reviewed)} reviewed passages from the store")
    say(f"training on {len(spans)} spans, {sum(len(s.labels) for s in spans)} labels")
    folder = out or settings.models_dir
    card = models.save(train_tagger(spans), spans, folder=folder, reviews=used)
    return f"model {card['version']} saved to {folder / (card['name'] + '.skops')}"


def evaluate(settings: Settings, folds: int = 5, annotations: Path | None = None, out: Path | None = None,
             progress: Callable[[int], None] | None = None) -> str:
    """Grouped cross-validation against the baselines; writes evaluation.json and .md, returns the Markdown."""
    from pipeline.tagging import models
    from pipeline.tagging.train import evaluate as run_evaluation
    from pipeline.tagging.train import report_markdown, training_spans

    spans = training_spans(annotations or settings.corpus_dir / "annotations", settings.corpus_dir)
    thresholds: list = []
    report = run_evaluation(spans, folds=folds, progress=progress, fold_thresholds=thresholds)
    folder = out or settings.models_dir
    folder.mkdir(parents=True, exist_ok=True)
    digest = models.data_hash(spans)
    header = (f"# Tagger evaluation\n\n{folds}-fold cross-validation grouped by document on {len(spans)} spans "
              f"({sum(len(s.labels) for s in spans)} labels; data sha256 {digest[:12]}). Reproduce: "
              f"`scotrack evaluate --folds {folds}`. The attribution and dimension thresholds are tuned inside "
              f"each training fold (inner grouped CV), never on the fold scored: "
              f"{', '.join(f'{a:g}/{d:g}' for a, d in thresholds)}.\n")
    md = report_markdown(report, header)
    saved = {"data_sha256": digest, "folds": folds, "fold_thresholds": thresholds, "report": report}
    (folder / "evaluation.json").write_text(json.dumps(saved, indent=1) + "\n")
    (folder / "evaluation.md").write_text(md)
    return md
