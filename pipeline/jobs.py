"""The main job's stages without an orchestrator, and the summary it prints."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.codebook import MEMBERS
from pipeline.config import Settings
from pipeline.ingest.batch import IngestReport, ingest_items
from pipeline.ingest.discover import discover
from pipeline.progress import progress_bar
from pipeline.store import Store


def run_ingest(sources: Sequence[str], settings: Settings, store: Store | None = None) -> IngestReport:
    store = store or Store(settings.url)
    items = list(discover(sources))
    with progress_bar(len(items), "ingest") as bar:
        return ingest_items(items, store, settings, progress=bar.update)


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


def run_tag(store: Store, model_dir=None, progress=None, on_total=None):
    """Tag new or changed passages with the shipped model; returns the TagReport. When every passage is
    already tagged by the current model (one count query), the model is not even loaded. `progress(n)` and
    `on_total(n)` are told how far it is, besides the progress bar."""
    from pipeline.tagging import models
    from pipeline.tagging.apply import TagReport, tag_store

    folder = model_dir or models.MODELS
    version = models.card(folder)["version"]
    if store.count_to_tag(version) == 0:
        return TagReport(model_version=version)
    tagger, card = models.load(folder)
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


# Bumped when the report's content changes for the same data (so a cached report is rewritten).
REPORT_VERSION = 1


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


def report_is_current(store: Store, out, model_version: str, config=None, by: str = "year", years=None,
                      fmt: str = "csv") -> bool:
    """Whether the report under `out` was made from exactly this data and these settings (`report_key`)."""
    from pipeline.analysis.aggregate import AggregateConfig

    out = Path(out)
    marker, saved = out / "report.key", out / "verdicts.json"
    key = report_key(store, model_version, config or AggregateConfig(), by, years, fmt)
    return marker.exists() and saved.exists() and marker.read_text().strip() == key


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
    `ingest.triage`), the untagged passages counted, the report's key compared. Cheap: no document is
    processed and neither the tokenisers nor the model are loaded."""
    from pipeline.ingest.batch import triage
    from pipeline.tagging import models

    store = store or Store(settings.url)
    sorted_out = triage(discover(sources), store, settings)
    version = models.card()["version"]
    return RefreshPlan(new=len(sorted_out.todo), unchanged=sorted_out.unchanged, rejected=len(sorted_out.rejected),
                       untagged=store.count_to_tag(version),
                       report_current=report_is_current(store, out or settings.home / "trends", version),
                       model_version=version)


def nothing_new_text(store: Store, plan: RefreshPlan, out) -> str:
    """What a refresh with nothing new prints: the same summary as a full one, from the store and the kept
    report."""
    from pipeline.tagging.apply import TagReport

    report = IngestReport(unchanged=plan.unchanged)
    report.rejected = plan.rejected
    return "\n".join([summarise(store, report), TagReport(model_version=plan.model_version).line(),
                      trends_text(run_trends(store, out, tag=False)), plan.line()])


def warm_up(settings: Settings, plan: RefreshPlan) -> None:
    """Start what the coming stages will need — the ingest worker processes (tokenisers, language models)
    and the tagger — while something else waits (Prefect's temporary server starting)."""
    from pipeline.ingest.batch import MIN_PARALLEL_BATCH, warm_pool
    from pipeline.tagging import models

    if plan.new >= MIN_PARALLEL_BATCH and settings.workers > 1:
        warm_pool(settings)
    if plan.new or plan.untagged:
        models.load()


def run_trends(store: Store, out, fmt: str = "csv", by: str = "year", years: tuple[int, int] | None = None,
               config=None, model_dir=None, force: bool = False, tag: bool = True) -> TrendsResult:
    """Tag what is new (unless `tag` is false: the caller has just done it), then write the tables, figures
    and HTML report under `out` — unless the report there was made from exactly the same data and settings
    (see `report_key`), which is then kept."""
    from pipeline.analysis.aggregate import AggregateConfig, by_period
    from pipeline.tagging import models

    config = config or AggregateConfig()
    out = Path(out)
    if tag:
        run_tag(store, model_dir)
    card = models.card(model_dir or models.MODELS)
    key = report_key(store, card["version"], config, by, years, fmt)
    marker, saved = out / "report.key", out / "verdicts.json"
    if not force and marker.exists() and saved.exists() and marker.read_text().strip() == key:
        files = sorted(p for p in out.iterdir() if p.name not in ("report.key",))
        return TrendsResult(out, key, True, files, json.loads(saved.read_text()))
    from pipeline.analysis.trends import write_all
    from pipeline.review.records import apply_reviews

    rows = apply_reviews(store.tag_rows(card["version"]), store)  # reviewed passages: the reviewers' tags
    reports = by_period(rows, config, by=by, years=years)
    overall = by_period(rows, config, by="all", years=years)["all"]
    written = write_all({**reports, **({"all years": overall} if by != "all" else {})}, out, fmt,
                        consistency_sd=config.consistency_sd)
    summary = {"model": card["version"],
               "periods": {p: {k: r[k] for k in ("verdict", "verdict_probability", "documents", "tags")}
                           for p, r in reports.items()},
               "overall": {"line": verdict_line(overall), "verdict": overall["verdict"],
                           "verdict_probability": overall["verdict_probability"]}}
    saved.write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    marker.write_text(key + "\n")
    files = [p for paths in written.values() for p in paths] + [saved]
    return TrendsResult(out, key, False, files, summary, reports, overall)


def verdict_line(report: dict, period: str = "all years") -> str:
    v = report["verdict"]
    if v is None:
        return f"{period}: no verdict — {report['evidence_note']}"
    tend = ", ".join(f"{d} {report['dimensions'][d]['tendency']}" for d in report["dimensions"])
    return f"{period}: {v} (bootstrap probability {report['verdict_probability']:.2f}; {tend})"


def trends_text(result: TrendsResult) -> str:
    """Where the outputs are and the verdict per year and overall."""
    lines = [f"trend tables, figures and report in {result.out}"
             + (" (unchanged: nothing new since they were written)" if result.cached else "") + ":"]
    lines += [f"  {p.name}" for p in result.files]
    lines.append("verdict by year (bootstrap probability; documents, stance tags):")
    for period, rep in result.summary["periods"].items():
        v = rep["verdict"] or "no verdict"
        lines.append(f"  {period}: {v:<12} {rep['verdict_probability']:.2f}  ({rep['documents']} documents, "
                     f"{rep['tags']} tags)" + ("  — too little evidence" if rep["verdict"] is None else ""))
    lines.append("overall, " + result.summary["overall"]["line"])
    return "\n".join(lines)


def trends_summary(store: Store, out, tag: bool = True) -> str:
    """Write (or keep) the trend outputs under `out` and describe them."""
    return trends_text(run_trends(store, out, tag=tag))


def main_job(sources: Sequence[str], settings: Settings, out=None) -> str:
    store = Store(settings.url)
    report = run_ingest(sources, settings, store)
    tagged = run_tag(store)
    trends = trends_summary(store, out or settings.home / "trends", tag=False)
    return summarise(store, report) + "\n" + tagged.line() + "\n" + trends
