"""The main job's stages without an orchestrator, and the summary it prints."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from .config import Settings
from .ingest import IngestReport, discover, ingest_items
from .progress import progress_bar
from .states import MEMBERS
from .store import Store


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


def run_tag(store: Store, model_dir=None):
    """Tag new or changed passages with the shipped model; returns the TagReport."""
    from .tagging import tag_store
    from .train import load_tagger

    tagger, card = load_tagger(model_dir)
    bar = progress_bar(0, "tag", unit="passage")
    with bar:
        return tag_store(store, tagger, card["version"], progress=bar.update,
                         on_total=lambda n: setattr(bar, "total", n))


def aggregate_store(store: Store, by: str = "year", years: tuple[int, int] | None = None,
                    config=None, model_dir=None) -> dict[str, dict]:
    """Reports per period from the tags of the current model (tagging first whatever is not yet tagged)."""
    from .aggregate import AggregateConfig, by_period
    from .train import load_tagger

    _, card = load_tagger(model_dir)
    run_tag(store, model_dir)
    return by_period(store.tag_rows(card["version"]), config or AggregateConfig(), by=by, years=years)


def run_trends(store: Store, out, fmt: str = "csv", by: str = "year", years: tuple[int, int] | None = None,
               config=None, model_dir=None) -> tuple[dict, dict, dict]:
    """Tables, figures and the HTML report under `out`; returns (written paths, yearly reports, overall)."""
    from pathlib import Path

    from .aggregate import AggregateConfig
    from .trends import write_all

    config = config or AggregateConfig()
    reports = aggregate_store(store, by, years, config, model_dir)
    overall = aggregate_store(store, "all", years, config, model_dir)["all"]
    written = write_all({**reports, **({"all years": overall} if by != "all" else {})}, Path(out), fmt,
                        consistency_sd=config.consistency_sd)
    return written, reports, overall


def verdict_line(report: dict, period: str = "all years") -> str:
    v = report["verdict"]
    if v is None:
        return f"{period}: no verdict — {report['evidence_note']}"
    tend = ", ".join(f"{d} {report['dimensions'][d]['tendency']}" for d in report["dimensions"])
    return f"{period}: {v} (bootstrap probability {report['verdict_probability']:.2f}; {tend})"


def trends_summary(store: Store, out) -> str:
    """Write the trend tables, figures and report under `out`; say where they are and what they find."""
    written, reports, overall = run_trends(store, out)
    lines = [f"trend tables, figures and report in {out}:"]
    lines += [f"  {p.name}" for paths in written.values() for p in paths]
    lines.append("verdict by year (bootstrap probability; documents, stance tags):")
    for period, rep in reports.items():
        v = rep["verdict"] or "no verdict"
        lines.append(f"  {period}: {v:<12} {rep['verdict_probability']:.2f}  ({rep['documents']} documents, "
                     f"{rep['tags']} tags)" + ("  — too little evidence" if rep["verdict"] is None else ""))
    lines.append("overall, " + verdict_line(overall))
    return "\n".join(lines)


def main_job(sources: Sequence[str], settings: Settings, out=None) -> str:
    store = Store(settings.url)
    report = run_ingest(sources, settings, store)
    tagged = run_tag(store)
    trends = trends_summary(store, out or settings.home / "trends")
    return summarise(store, report) + "\n" + tagged.line() + "\n" + trends
