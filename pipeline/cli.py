"""The `scotrack` command line: thin wrappers over the pipeline's functions, one-line errors."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from pipeline.codebook import DOC_TYPES, STATE_CODES
from pipeline.config import BUNDLED_CORPUS, Settings
from pipeline.errors import RejectedInput, ScotrackError
from pipeline.progress import progress_bar
from pipeline.records import SourceMeta


class Ctx:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._store = None

    @property
    def store(self):
        if self._store is None:
            from pipeline.store import Store

            self._store = Store(self.settings.url)
        return self._store


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), envvar="SCOTRACK_HOME",
              help="Folder for the store and outputs (default $SCOTRACK_HOME or ~/.local/share/scotrack).")
@click.option("--db-url", envvar="SCOTRACK_DATABASE_URL", default="",
              help="SQLAlchemy URL of the store, e.g. postgresql+psycopg://… (default: SQLite under --home).")
@click.version_option(package_name="scotrack")
@click.pass_context
def cli(ctx: click.Context, home: Path | None, db_url: str) -> None:
    """scotrack: how far apart the SCO member states are, measured from what they say and do."""
    ctx.obj = Ctx(Settings().with_(home=home, database_url=db_url or None))


def _defaults(source_type, lang, state, date, title, licence) -> SourceMeta:
    from pipeline.ingest.discover import check_date, check_state

    try:
        return SourceMeta(source="", doc_type=source_type, lang=lang, speaker_state=check_state(state),
                          date=check_date(date), title=title, licence=licence)
    except RejectedInput as exc:
        raise click.BadParameter(str(exc)) from None


def _meta_options(f):
    f = click.option("--licence", help="Licence of the text, recorded with it.")(f)
    f = click.option("--title", help="Title (for single files).")(f)
    f = click.option("--date", help="Date, YYYY[-MM[-DD]].")(f)
    f = click.option("--state", help="Speaker's state (ISO 3166-1 alpha-3), for speeches.")(f)
    f = click.option("--lang", type=click.Choice(["zh", "en", "ru"]), help="Language (detected when absent).")(f)
    f = click.option("--type", "doc_type", type=click.Choice(DOC_TYPES), help="Document type.")(f)
    return f


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_meta_options
@click.option("--strict", is_flag=True, help="Exit 1 when any document is rejected.")
@click.option("--workers", type=click.IntRange(1, 64),
              help="Processes for cleaning and tokenising (default: SCOTRACK_WORKERS or all cores).")
@click.pass_obj
def ingest(obj: Ctx, paths, doc_type, lang, state, date, title, licence, strict, workers):
    """Ingest files and folders (.txt .md .html .pdf .docx; folders may carry a MANIFEST.csv).

    Prints `ingested N, duplicates D, rejected R`, then each rejected document with its reason.
    """
    from pipeline.ingest.batch import ingest_items
    from pipeline.ingest.discover import discover

    defaults = _defaults(doc_type, lang, state, date, title, licence)
    settings = obj.settings.with_(workers=workers)
    items = list(discover(paths, defaults))
    with progress_bar(len(items), "ingest") as bar:
        report = ingest_items(items, obj.store, settings, progress=bar.update)
    click.echo(report.line())
    if report.unchanged:
        click.echo(f"already in the store: {report.unchanged}")
    for source, dup in report.duplicate_items:
        click.echo(f"duplicate: {source} (same text as {dup})")
    for source, reason in report.rejected_items:
        click.echo(f"rejected: {source}: {reason}")
    if strict and report.rejected:
        sys.exit(1)


@cli.command()
@click.argument("urls", nargs=-1)
@click.option("--urls", "url_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="File with one URL per line (# comments allowed).")
@click.option("--feed", "feeds", multiple=True, help="RSS or Atom feed URL whose entries are fetched (repeatable).")
@_meta_options
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=20.0, show_default=True,
              help="Seconds per HTTP attempt.")
@click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
              help="Further attempts on 5xx, 429 and network errors (exponential backoff).")
@click.option("--max-mb", type=click.FloatRange(0.001, 512), default=50.0, show_default=True,
              help="Largest response accepted, in MB.")
@click.option("--strict", is_flag=True, help="Exit 1 when any fetch fails or any document is rejected.")
@click.pass_obj
def fetch(obj: Ctx, urls, url_file, feeds, doc_type, lang, state, date, title, licence, timeout, retries, max_mb,
          strict):
    """Fetch documents from URLs and RSS/Atom feeds (conditional requests: unchanged pages are skipped) and
    ingest them; each body is kept byte for byte with its URL and fetch time."""
    from pipeline.ingest.fetch import FetchPolicy
    from pipeline.ingest.sources import fetch_sources, read_url_list

    all_urls = list(urls) + (read_url_list(url_file) if url_file else [])
    if not all_urls and not feeds:
        raise click.UsageError("give URLs, --urls FILE or --feed URL")
    policy = FetchPolicy(timeout=timeout, retries=retries, max_bytes=int(max_mb * 1024 * 1024))
    report = fetch_sources(all_urls, feeds, obj.store, obj.settings,
                           policy, _defaults(doc_type, lang, state, date, title, licence))
    click.echo(report.line())
    for url, reason in report.failed:
        click.echo(f"failed: {url}: {reason}")
    for source, reason in report.ingest.rejected_items:
        click.echo(f"rejected: {source}: {reason}")
    if strict and (report.failed or report.ingest.rejected):
        sys.exit(1)


def _doc_json(d: dict) -> dict:
    keys = ("doc_id", "source", "title", "lang", "doc_type", "date", "status", "reason", "passages",
            "speaker_state", "relevant", "duplicate_of", "provenance", "licence", "fmt", "encoding", "sha256")
    return {k: d.get(k) for k in keys}


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (a JSON array).")
@click.option("--status", type=click.Choice(["ingested", "duplicate", "rejected"]), help="Only this status.")
@click.pass_obj
def docs(obj: Ctx, as_json, status):
    """List the documents in the store."""
    rows = obj.store.documents(status=status)
    if as_json:
        click.echo(json.dumps([_doc_json(d) for d in rows], ensure_ascii=False, indent=1))
        return
    for d in rows:
        extra = f"  ({d['reason']})" if d["reason"] else ""
        click.echo(f"{d['doc_id']}\t{d['status']}\t{d['lang'] or '-'}\t{d['doc_type'] or '-'}\t"
                   f"{d['date'] or '-'}\t{d['passages']}\t{(d['title'] or '')[:60]}{extra}")
    click.echo(f"{len(rows)} documents", err=True)


@cli.command()
@click.option("--doc", "doc_id", help="Only passages of this document.")
@click.option("--state", type=click.Choice(STATE_CODES, case_sensitive=False), help="Only passages mentioning it.")
@click.option("--relevant", is_flag=True, help="Only SCO-relevant passages.")
@click.option("--limit", type=click.IntRange(1), help="At most this many passages.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (a JSON array).")
@click.pass_obj
def passages(obj: Ctx, doc_id, state, relevant, limit, as_json):
    """List passages with the member states they mention."""
    if doc_id and obj.store.document(doc_id) is None:
        raise ScotrackError(f"no document {doc_id!r} (see `scotrack docs`)")
    rows = obj.store.passages(doc_id=doc_id, state=state.upper() if state else None,
                              relevant=True if relevant else None, limit=limit)
    if as_json:
        out = [{"passage_id": r["passage_id"], "doc_id": r["doc_id"], "text": r["text"], "lang": r["lang"],
                "relevant": bool(r["relevant"]), "states": r["states"], "tags": r["tags"], "kind": r["kind"],
                "start": r["start"], "end": r["end"], "mentions": r["mentions"]} for r in rows]
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
        return
    for r in rows:
        flag = "*" if r["relevant"] else " "
        click.echo(f"{r['passage_id']} {flag} [{','.join(r['states'])}] {r['text'][:100]}")


@cli.command()
@click.argument("doc_id")
@click.option("--original", is_flag=True, help="Write the original bytes to stdout instead.")
@click.pass_obj
def show(obj: Ctx, doc_id, original):
    """Show one document: its metadata, what cleaning removed, its passages and mentions."""
    d = obj.store.document(doc_id)
    if d is None:
        raise ScotrackError(f"no document {doc_id!r} (see `scotrack docs`)")
    if original:
        data = obj.store.original_bytes(d["sha256"])
        if data is None:
            raise ScotrackError(f"the original bytes of {doc_id} were not kept (over the keep limit)")
        sys.stdout.buffer.write(data)
        return
    for k in ("doc_id", "title", "source", "provenance", "licence", "date", "doc_type", "lang", "speaker_state",
              "status", "reason", "duplicate_of", "fmt", "encoding", "sha256", "relevant", "n_passages",
              "pipeline_version", "ingested_at"):
        if d.get(k) not in (None, ""):
            click.echo(f"{k:17} {d[k]}")
    if d["cleaning"]:
        click.echo("cleaning          " + ", ".join(f"{k} {v}" for k, v in d["cleaning"].items() if v))
    for r in obj.store.passages(doc_id=doc_id):
        flag = "*" if r["relevant"] else " "
        ms = ", ".join(f"{m['state']}:{m['surface']}({m['how']})" for m in r["mentions"])
        click.echo(f"\n[{r['position']}] {flag} {r['kind']} {r['lang']} {r['start']}-{r['end']}  {ms}")
        click.echo(r["text"])


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--workers", type=click.IntRange(1, 64),
              help="Processes for cleaning and tokenising (default: SCOTRACK_WORKERS or all cores).")
@click.option("--no-prefect", is_flag=True, help="Call the stages directly instead of through the Prefect flow.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the trend tables, figures and report (default: <home>/trends).")
@click.option("--url", "urls", multiple=True, help="Also fetch and ingest this URL (repeatable).")
@click.option("--urls", "url_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Also fetch the URLs listed in this file.")
@click.option("--feed", "feeds", multiple=True, help="Also fetch the entries of this RSS/Atom feed (repeatable).")
@click.option("--runner", type=click.Choice(["default", "dask"]), default="default", show_default=True,
              help="Task runner: Prefect's default, or Dask (a local cluster, or --dask-address).")
@click.option("--dask-address", envvar="SCOTRACK_DASK_ADDRESS",
              help="Address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786 (with --runner dask).")
@click.option("--dask-workers", type=click.IntRange(1, 256), default=2, show_default=True,
              help="Worker processes of the local Dask cluster (with --runner dask and no address).")
@click.option("--always-flow", is_flag=True,
              help="Run the Prefect flow even when the check finds nothing new (to record a flow run).")
@click.pass_obj
def run(obj: Ctx, paths, workers, no_prefect, out, urls, url_file, feeds, runner, dask_address, dask_workers,
        always_flow):
    """The main job (a refresh): ingest the bundled corpus (or PATHS, and any URLs and feeds), tag new
    passages, aggregate, write the yearly trend tables, figures and HTML report, and print a summary with
    the verdicts. Only what changed is processed again.

    It starts with a check of the store's bookkeeping (files hashed, untagged passages counted, the
    report's key compared): when nothing is new, and no URL or feed is given, it prints the summary and
    stops without starting Prefect. Otherwise Prefect's temporary server (when no server is configured)
    starts while the worker processes and the model load."""
    settings = obj.settings.with_(workers=workers)
    sources = [str(p) for p in paths] or ([] if (urls or url_file or feeds) else [str(BUNDLED_CORPUS)])
    all_urls = list(urls)
    if url_file:
        from pipeline.ingest.sources import read_url_list

        all_urls += read_url_list(url_file)
    if no_prefect:
        if runner != "default" or all_urls or feeds:
            raise click.UsageError("--no-prefect runs the local corpus only, on the default runner")
        from pipeline.jobs import main_job

        result = main_job(sources, settings, out)
    else:
        from pipeline.jobs import nothing_new_text, plan_refresh, warm_up

        plan = None
        if not (all_urls or feeds):
            trends_out = out or settings.home / "trends"
            plan = plan_refresh(sources, settings, trends_out, obj.store)
            if plan.nothing_new and not always_flow:
                click.echo(nothing_new_text(obj.store, plan, trends_out))
                return
        from flows.server import start_if_needed

        server = start_if_needed()  # Prefect's temporary server, starting while the rest loads
        if plan is not None and runner == "default":
            warm_up(settings, plan)
        from flows.main import run_refresh

        if server is not None:
            server.wait_ready()
        result = run_refresh(sources, settings, str(out) if out else None, all_urls, list(feeds), runner,
                             dask_address, dask_workers)
    click.echo(result)


@cli.command()
@click.option("--annotations", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of annotation JSONL files (default: corpora/annotations).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Model folder (default: models/).")
@click.option("--reviews/--no-reviews", default=True, show_default=True,
              help="Also train on the reviews in the store (scotrack review), held-out documents excluded.")
@click.pass_obj
def train(obj: Ctx, annotations, out, reviews):
    """Train the tagger on the annotations and the reviews (held-out documents excluded) and save it with
    its card."""
    from pipeline.tagging import models
    from pipeline.tagging.train import train as train_tagger
    from pipeline.tagging.train import training_spans

    spans = training_spans(annotations) if annotations else training_spans()
    used = None
    if reviews and obj.settings.store_exists():
        from pipeline.review.records import training_spans as review_spans

        reviewed, used = review_spans(obj.store)
        spans = spans + reviewed
        click.echo(f"with {len(reviewed)} reviewed passages from the store", err=True)
    click.echo(f"training on {len(spans)} spans, {sum(len(s.labels) for s in spans)} labels", err=True)
    card = models.save(train_tagger(spans), spans, folder=out or models.MODELS, reviews=used)
    click.echo(f"model {card['version']} saved to {(out or models.MODELS) / (card['name'] + '.skops')}")


@cli.command()
@click.option("--folds", type=click.IntRange(2, 20), default=5, show_default=True, help="Grouped CV folds.")
@click.option("--annotations", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of annotation JSONL files (default: corpora/annotations).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write evaluation.json and evaluation.md (default: models/).")
def evaluate(folds, annotations, out):
    """Cross-validate the tagger (grouped by document) against the majority and lexicon baselines."""
    from pipeline.tagging import models
    from pipeline.tagging.train import evaluate as run_evaluation
    from pipeline.tagging.train import report_markdown, training_spans

    spans = training_spans(annotations) if annotations else training_spans()
    thresholds: list = []
    with progress_bar(folds, "folds", unit="fold") as bar:
        report = run_evaluation(spans, folds=folds, progress=bar.update, fold_thresholds=thresholds)
    folder = out or models.MODELS
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
    click.echo(md)


@cli.command()
@click.argument("source", default="-", type=click.File("r", encoding="utf-8"))
@click.option("--model", "model_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Model folder (default: the shipped models/).")
def classify(source, model_dir):
    """Tag JSONL records {"id", "text", "lang"?, "doc_type"?, "speaker_state"?, "date"?} from FILE or stdin.

    Writes one JSONL line per input: {"id", "tags": [{"state", "dimension", "area", "stance", "score",
    "confidence", "uncertain"}]}, or {"id", "error"} for a bad line; the rest go on.
    """
    from pipeline.tagging.apply import classify_lines, load_tagger

    tagger, _ = load_tagger(model_dir)
    for out in classify_lines(source, tagger):
        click.echo(json.dumps(out, ensure_ascii=False))


@cli.command()
@click.option("--model", "model_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Model folder (default: the shipped models/).")
@click.pass_obj
def tag(obj: Ctx, model_dir):
    """Tag every passage not yet tagged by the current model (new, changed, or tagged by an older model)."""
    from pipeline.tagging.apply import load_tagger, tag_store

    tagger, card = load_tagger(model_dir)
    bar = progress_bar(0, "tag", unit="passage")
    with bar:
        report = tag_store(obj.store, tagger, card["version"], progress=bar.update,
                           on_total=lambda n: setattr(bar, "total", n))
    click.echo(report.line())


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--url", "urls", multiple=True, help="A URL to fetch on every poll (repeatable).")
@click.option("--feed", "feeds", multiple=True, help="An RSS/Atom feed to read on every poll (repeatable).")
@click.option("--poll-cron", default="0 * * * *", show_default=True,
              help="When to poll the drop folders, URLs and feeds (cron).")
@click.option("--report-cron", default="0 6 2 1 *", show_default=True,
              help="When to write the yearly trend report (cron; default 2 January, 06:00).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the report (default: <home>/trends).")
@click.pass_obj
def schedule(obj: Ctx, paths, urls, feeds, poll_cron, report_cron, out):
    """Register the poll and yearly-report deployments with their cron schedules on the Prefect server at
    PREFECT_API_URL, and serve them (runs happen in this process; stop with Ctrl-C)."""
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        raise ScotrackError("schedules need a running Prefect server: start one with `prefect server start` "
                            "and set PREFECT_API_URL=http://127.0.0.1:4200/api")
    from prefect import serve

    from flows.main import deployments

    sources = [str(p.resolve()) for p in paths] or [str(BUNDLED_CORPUS)]
    deps = deployments(sources, obj.settings, str(out) if out else None, urls, feeds, poll_cron, report_cron)
    click.echo(f"serving {', '.join(d.name for d in deps)} on {PREFECT_API_URL.value()} "
               f"(poll: {poll_cron}; report: {report_cron})", err=True)
    serve(*deps, print_starting_message=False)


def _years(year_from, year_to) -> tuple[int, int] | None:
    if year_from is None and year_to is None:
        return None
    return (year_from or 0, year_to or 9999)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_meta_options
@click.option("--keep", is_flag=True, help="Ingest into the current store instead of a temporary one.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--bootstrap", type=click.IntRange(0, 100000), help="Bootstrap replicates (default 500).")
@click.option("--seed", type=int, help="Bootstrap seed (default 0).")
@click.option("--min-passages", type=click.IntRange(1, 1000),
              help="Stance tags a state needs on a dimension to be scored (default 3).")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="TOML file with an [aggregate] table of thresholds (see README).")
@click.pass_obj
def analyze(obj: Ctx, paths, doc_type, lang, state, date, title, licence, keep, as_json, bootstrap, seed,
            min_passages, config_file):
    """Ingest FILES (into a temporary store unless --keep), tag them, and report scores, tendencies and the
    track verdict over all their passages."""
    import tempfile

    from pipeline.analysis.aggregate import AggregateConfig, analyse, reported_apart, select
    from pipeline.ingest.batch import ingest_items
    from pipeline.ingest.discover import discover
    from pipeline.jobs import run_tag
    from pipeline.store import Store
    from pipeline.tagging.apply import load_tagger

    if not paths:
        raise click.UsageError("give at least one file or folder to analyse")
    defaults = _defaults(doc_type, lang, state, date, title, licence)
    config = AggregateConfig.from_toml(config_file, bootstrap=bootstrap, seed=seed, min_passages=min_passages,
                                       scope="all")
    _, card = load_tagger()
    with tempfile.TemporaryDirectory(prefix="scotrack-analyze-") as tmp:
        store = obj.store if keep else Store(obj.settings.with_(home=Path(tmp), database_url="").url)
        items = list(discover(paths, defaults))
        report_in = ingest_items(items, store, obj.settings.with_(workers=1 if len(items) < 8 else None))
        run_tag(store)
        sources = {str(i.path) for i in items if i.path is not None}
        doc_ids = {d["doc_id"] for d in store.documents() if d["source"] in sources} if keep else None
        from pipeline.review.records import apply_reviews

        # with --keep, passages reviewers have corrected count with the reviewers' tags
        rows = [r for r in apply_reviews(store.tag_rows(card["version"]), store)
                if doc_ids is None or r["doc_id"] in doc_ids]
        report = analyse(select(rows, config), config)
        report["reported_apart"] = reported_apart(rows, config)
        report["input"] = {"files": len(items), "ingested": report_in.ingested, "unchanged": report_in.unchanged,
                           "duplicates": report_in.duplicates, "rejected": dict(report_in.rejected_items),
                           "model": card["version"]}
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    from pipeline.jobs import verdict_line

    click.echo(verdict_line(report, "verdict"))
    for source, reason in report_in.rejected_items:
        click.echo(f"rejected: {source}: {reason}")
    for d, dim in report["dimensions"].items():
        disp = dim["dispersion"]
        click.echo(f"{d}: {dim['tendency'] or 'no tendency'}"
                   + (f" (sd {disp['sd']:.2f}, Leik {disp['leik']:.2f}, agreement A {disp['agreement_a']:.2f})"
                      if disp else "") + (f" — {dim['reason']}" if dim.get("reason") else ""))
        for s, v in dim["states"].items():
            ev = v["evidence"][0] if v["evidence"] else None
            click.echo(f"  {s} {v['score']:+.2f} {v['level']:<8} n={v['n']:<4} [{v['interval'][0]}, "
                       f"{v['interval'][1]}]" + (f"  e.g. {ev['text'][:80]!r}" if ev else ""))
        for s, v in dim["not_scored"].items():
            click.echo(f"  {s} not scored: {v['reason']} (n={v['n']})")


@cli.command()
@click.option("--by", type=click.Choice(["year", "all"]), default="year", show_default=True,
              help="Period of the tables.")
@click.option("--from", "year_from", type=int, help="First year.")
@click.option("--to", "year_to", type=int, help="Last year.")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "xlsx", "md"]), default="csv",
              show_default=True, help="Format of the tables.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: <home>/trends).")
@click.option("--bootstrap", type=click.IntRange(0, 100000), help="Bootstrap replicates (default 500).")
@click.option("--seed", type=int, help="Bootstrap seed (default 0).")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="TOML file with an [aggregate] table of thresholds (see README).")
@click.option("--force", is_flag=True, help="Rewrite the outputs even when nothing changed since the last ones.")
@click.pass_obj
def trends(obj: Ctx, by, year_from, year_to, fmt, out, bootstrap, seed, config_file, force):
    """Trend tables (states, dimensions, periods), PNG figures and an HTML report from the store's tags."""
    from pipeline.analysis.aggregate import AggregateConfig
    from pipeline.jobs import run_trends, trends_text

    out = out or obj.settings.home / "trends"
    config = AggregateConfig.from_toml(config_file, bootstrap=bootstrap, seed=seed)
    result = run_trends(obj.store, out, fmt, by, _years(year_from, year_to), config, force=force)
    click.echo(trends_text(result))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind. Anything but 127.0.0.1/localhost needs the access token printed at start.")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option("--reviewer", default=lambda: os.environ.get("USER", ""),
              help="Default reviewer name (each browser can set its own). Default: $USER.")
@click.option("--overlap", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Share of passages shown to two reviewers, who answer independently (for agreement).")
@click.pass_obj
def review(obj: Ctx, host, port, reviewer, overlap):
    """Serve the review web app: passages one at a time with the model's tags, corrected by keyboard;
    reviews are kept with their history, override the model's tags in aggregation and train the next
    model (scotrack train)."""
    import secrets
    import socket

    import uvicorn

    from pipeline.review.webapp import AppConfig, create_app, needs_token

    token = secrets.token_urlsafe(24) if needs_token(host) else None
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ScotrackError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    obj.store  # noqa: B018 - create or check the store before serving (a clear error if it is too new)
    config = AppConfig(url=obj.settings.url, reviewer=reviewer, overlap=overlap, token=token, host=host, port=port)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(f"scotrack review on http://{shown}:{port}/" + (f"?token={token}" if token else "")
               + f"  (store: {obj.settings.url}; Ctrl-C stops)")
    if token:
        click.echo("bound beyond this machine: the URL above carries the access token; share it only with reviewers",
                   err=True)
    uvicorn.run(create_app(config), host=host, port=port, log_level="warning")


def main() -> None:
    """Entry point: every library error becomes one line on stderr, never a traceback."""
    # Prefect's temporary server needs longer than its default 20 s to start with a new PREFECT_HOME or
    # on a busy 2-core machine (measured 7-19 s, more under load); quiet and offline unless told otherwise.
    for key, value in (("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180"),
                       ("PREFECT_SERVER_ANALYTICS_ENABLED", "false"), ("DO_NOT_TRACK", "1")):
        os.environ.setdefault(key, value)
    if os.environ.get("PREFECT_HOME"):  # Prefect creates its home but not the folders above it
        Path(os.environ["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (ScotrackError, RejectedInput) as exc:
        click.echo("error: " + " ".join(str(exc).split()), err=True)  # always one line
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # a bug: say so in one line, the traceback only on request
        if os.environ.get("SCOTRACK_DEBUG"):
            raise
        click.echo(f"internal error: {type(exc).__name__}: {exc} (set SCOTRACK_DEBUG=1 for the traceback)",
                   err=True)
        sys.exit(1)
