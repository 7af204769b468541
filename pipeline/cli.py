"""The `scotrack` command line: each command parses its options, calls one job (pipeline.jobs, or flows/
for Prefect), and prints what it returns; the library's errors become one line here."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from pipeline.codebook import DOC_TYPES, LANGS, STATE_CODES
from pipeline.config import Settings
from pipeline.errors import RejectedInput, ScotrackError
from pipeline.progress import progress_bar
from pipeline.records import SourceMeta


class UserError(click.ClickException):
    """A problem the user can act on (bad input, usage, configuration): `error: …` on one line, exit 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo("error: " + " ".join(self.message.split()), err=True)


class Group(click.Group):
    """Turns the library's errors into one-line click errors inside the group, so that every command — run
    as `scotrack` or under click's CliRunner — fails the same way."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (ScotrackError, RejectedInput) as exc:
            raise UserError(str(exc)) from None


class Ctx:
    """What every command gets: the settings, read once, and the store, opened when first needed."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._store = None

    @property
    def store(self):
        if self._store is None:
            from pipeline.store import Store

            self._store = Store(self.settings.url)
        return self._store

    def configured(self, config_file: Path | None, **changes) -> Settings:
        """The settings with a TOML file's tables and the command's own options laid over them."""
        settings = self.settings.with_config_file(config_file)
        aggregate = {k: v for k, v in changes.items() if v is not None}
        return settings.with_(aggregate=settings.aggregate.with_(**aggregate)) if aggregate else settings


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the store and outputs (default $SCOTRACK_HOME, else $XDG_DATA_HOME/scotrack, else "
                   "~/.local/share/scotrack).")
@click.option("--db-url", default="",
              help="SQLAlchemy URL of the store, e.g. postgresql+psycopg://… (default $SCOTRACK_DATABASE_URL, "
                   "else SQLite under --home).")
@click.version_option(package_name="scotrack")
@click.pass_context
def cli(ctx: click.Context, home: Path | None, db_url: str) -> None:
    """scotrack: how far apart the SCO member states are, measured from what they say and do."""
    ctx.obj = Ctx(Settings.from_env(home=home, database_url=db_url or None))


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
    f = click.option("--lang", type=click.Choice(LANGS), help="Language (detected when absent).")(f)
    f = click.option("--type", "doc_type", type=click.Choice(DOC_TYPES), help="Document type.")(f)
    return f


_workers_option = click.option("--workers", type=click.IntRange(1, 64),
                               help="Processes for cleaning and tokenising (default: SCOTRACK_WORKERS or all cores).")
_config_option = click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                              help="TOML file with an [aggregate] table of thresholds (see README).")
_model_option = click.option("--model", "model_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
                             help="Model folder (default: the shipped models/, or SCOTRACK_MODELS).")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_meta_options
@click.option("--strict", is_flag=True, help="Exit 1 when any document is rejected.")
@_workers_option
@click.pass_obj
def ingest(obj: Ctx, paths, doc_type, lang, state, date, title, licence, strict, workers):
    """Ingest files and folders (.txt .md .html .pdf .docx; folders may carry a MANIFEST.csv).

    Prints `ingested N, duplicates D, rejected R`, then each rejected document with its reason.
    """
    from pipeline import jobs

    defaults = _defaults(doc_type, lang, state, date, title, licence)
    report = jobs.run_ingest(paths, obj.settings.with_(workers=workers), obj.store, defaults)
    click.echo(jobs.ingest_text(report))
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
    from pipeline import jobs
    from pipeline.ingest.fetch import FetchPolicy
    from pipeline.ingest.sources import read_url_list

    all_urls = list(urls) + (read_url_list(url_file) if url_file else [])
    if not all_urls and not feeds:
        raise click.UsageError("give URLs, --urls FILE or --feed URL")
    policy = FetchPolicy(timeout=timeout, retries=retries, max_bytes=int(max_mb * 1024 * 1024))
    report = jobs.fetch(all_urls, feeds, obj.settings, policy, _defaults(doc_type, lang, state, date, title, licence))
    click.echo(jobs.fetch_text(report))
    if strict and (report.failed or report.ingest.rejected):
        sys.exit(1)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (a JSON array).")
@click.option("--status", type=click.Choice(["ingested", "duplicate", "rejected"]), help="Only this status.")
@click.pass_obj
def docs(obj: Ctx, as_json, status):
    """List the documents in the store."""
    from pipeline import jobs

    text, n = jobs.docs_text(obj.store, status, as_json)
    if text:
        click.echo(text)
    if not as_json:
        click.echo(f"{n} documents", err=True)


@cli.command()
@click.option("--doc", "doc_id", help="Only passages of this document.")
@click.option("--state", type=click.Choice(STATE_CODES, case_sensitive=False), help="Only passages mentioning it.")
@click.option("--relevant", is_flag=True, help="Only SCO-relevant passages.")
@click.option("--limit", type=click.IntRange(1), help="At most this many passages.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (a JSON array).")
@click.pass_obj
def passages(obj: Ctx, doc_id, state, relevant, limit, as_json):
    """List passages with the member states they mention."""
    from pipeline import jobs

    text = jobs.passages_text(obj.store, doc_id, state, relevant, limit, as_json)
    if text:
        click.echo(text)


@cli.command()
@click.argument("doc_id")
@click.option("--original", is_flag=True, help="Write the original bytes to stdout instead.")
@click.pass_obj
def show(obj: Ctx, doc_id, original):
    """Show one document: its metadata, what cleaning removed, its passages and mentions."""
    from pipeline import jobs

    if original:
        click.get_binary_stream("stdout").write(jobs.original_bytes(obj.store, doc_id))
        return
    click.echo(jobs.show_text(obj.store, doc_id))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_workers_option
@click.option("--no-prefect", is_flag=True, help="Call the stages directly instead of through the Prefect flow.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the trend tables, figures and report (default: <home>/trends).")
@click.option("--url", "urls", multiple=True, help="Also fetch and ingest this URL (repeatable).")
@click.option("--urls", "url_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Also fetch the URLs listed in this file.")
@click.option("--feed", "feeds", multiple=True, help="Also fetch the entries of this RSS/Atom feed (repeatable).")
@click.option("--runner", type=click.Choice(["default", "dask"]), default="default", show_default=True,
              help="Task runner: Prefect's default, or Dask (a local cluster, or --dask-address).")
@click.option("--dask-address",
              help="Address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786 (with --runner dask; default "
                   "SCOTRACK_DASK_ADDRESS).")
@click.option("--dask-workers", type=click.IntRange(1, 256), default=2, show_default=True,
              help="Worker processes of the local Dask cluster (with --runner dask and no address).")
@click.option("--always-flow", is_flag=True,
              help="Run the Prefect flow even when the check finds nothing new (to record a flow run).")
@_config_option
@click.pass_obj
def run(obj: Ctx, paths, workers, no_prefect, out, urls, url_file, feeds, runner, dask_address, dask_workers,
        always_flow, config_file):
    """The main job (a refresh): ingest the bundled corpus (or PATHS, and any URLs and feeds), tag new
    passages, aggregate, write the yearly trend tables, figures and HTML report, and print a summary with
    the verdicts. Only what changed is processed again.

    It starts with a check of the store's bookkeeping (files hashed, untagged passages counted, the
    report's key compared): when nothing is new, and no URL or feed is given, it prints the summary and
    stops without starting Prefect. Otherwise Prefect's temporary server (when no server is configured)
    starts while the worker processes and the model load."""
    from pipeline import jobs
    from pipeline.ingest.sources import read_url_list

    settings = obj.configured(config_file).with_(workers=workers, dask_address=dask_address)
    all_urls = list(urls) + (read_url_list(url_file) if url_file else [])
    sources = jobs.default_sources(settings, paths, remote=bool(all_urls or feeds))
    if no_prefect:
        if runner != "default" or all_urls or feeds:
            raise click.UsageError("--no-prefect runs the local corpus only, on the default runner")
        click.echo(jobs.main_job(sources, settings, out))
        return
    from flows.run import refresh

    click.echo(refresh(sources, settings, out, all_urls, feeds, runner, dask_workers, always_flow))


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
    from pipeline import jobs

    click.echo(jobs.train(obj.settings, annotations, out, reviews, say=lambda line: click.echo(line, err=True)))


@cli.command()
@click.option("--folds", type=click.IntRange(2, 20), default=5, show_default=True, help="Grouped CV folds.")
@click.option("--annotations", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of annotation JSONL files (default: corpora/annotations).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write evaluation.json and evaluation.md (default: models/).")
@click.pass_obj
def evaluate(obj: Ctx, folds, annotations, out):
    """Cross-validate the tagger (grouped by document) against the majority and lexicon baselines."""
    from pipeline import jobs

    with progress_bar(folds, "folds", unit="fold") as bar:
        click.echo(jobs.evaluate(obj.settings, folds, annotations, out, progress=bar.update))


@cli.command()
@click.argument("source", default="-", type=click.File("r", encoding="utf-8"))
@_model_option
@click.pass_obj
def classify(obj: Ctx, source, model_dir):
    """Tag JSONL records {"id", "text", "lang"?, "doc_type"?, "speaker_state"?, "date"?} from FILE or stdin.

    Writes one JSONL line per input: {"id", "tags": [{"state", "dimension", "area", "stance", "score",
    "confidence", "uncertain"}]}, or {"id", "error"} for a bad line; the rest go on.
    """
    from pipeline import jobs

    for out in jobs.classify(source, obj.settings.with_(models_dir=model_dir)):
        click.echo(json.dumps(out, ensure_ascii=False))


@cli.command()
@_model_option
@click.pass_obj
def tag(obj: Ctx, model_dir):
    """Tag every passage not yet tagged by the current model (new, changed, or tagged by an older model)."""
    from pipeline import jobs

    click.echo(jobs.run_tag(obj.store, obj.settings.with_(models_dir=model_dir)).line())


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
@_config_option
@click.pass_obj
def schedule(obj: Ctx, paths, urls, feeds, poll_cron, report_cron, out, config_file):
    """Register the poll and yearly-report deployments with their cron schedules on the Prefect server at
    PREFECT_API_URL, and serve them (runs happen in this process; stop with Ctrl-C)."""
    from flows.run import schedule as serve_schedules

    settings = obj.configured(config_file)  # checked now; each run reads the file again
    sources = [str(p.resolve()) for p in paths] or [str(settings.corpus_dir)]
    serve_schedules(sources, settings, out, urls, feeds, poll_cron, report_cron, config_file,
                    say=lambda line: click.echo(line, err=True))


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
@_config_option
@click.pass_obj
def analyze(obj: Ctx, paths, doc_type, lang, state, date, title, licence, keep, as_json, bootstrap, seed,
            min_passages, config_file):
    """Ingest FILES (into a temporary store unless --keep), tag them, and report scores, tendencies and the
    track verdict over all their passages."""
    from pipeline import jobs

    if not paths:
        raise click.UsageError("give at least one file or folder to analyse")
    settings = obj.configured(config_file, bootstrap=bootstrap, seed=seed, min_passages=min_passages)
    report = jobs.analyze(paths, _defaults(doc_type, lang, state, date, title, licence), settings, keep)
    click.echo(json.dumps(report, ensure_ascii=False, indent=1) if as_json else jobs.analyze_text(report))


@cli.command()
@click.option("--by", type=click.Choice(["year", "summit", "all"]), default="year", show_default=True,
              help="Period of the tables: calendar years, from one heads-of-state summit to the next, or all years.")
@click.option("--window", type=click.IntRange(2, 20),
              help="Rolling windows of N years (one period per end year), instead of --by.")
@click.option("--from", "year_from", type=int, help="First year.")
@click.option("--to", "year_to", type=int, help="Last year.")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "xlsx", "md"]), default="csv",
              show_default=True, help="Format of the tables.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: <home>/trends).")
@click.option("--bootstrap", type=click.IntRange(0, 100000), help="Bootstrap replicates (default 500).")
@click.option("--seed", type=int, help="Bootstrap seed (default 0).")
@click.option("--pooling", type=click.Choice(["time", "none"]),
              help="Yearly estimates borrowing strength across years (time, the default) or each year on its own.")
@click.option("--lang", "report_lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the HTML report's labels and state names.")
@_config_option
@click.option("--force", is_flag=True, help="Rewrite the outputs even when nothing changed since the last ones.")
@click.pass_obj
def trends(obj: Ctx, by, window, year_from, year_to, fmt, out, bootstrap, seed, pooling, report_lang, config_file,
           force):
    """Trend tables (states, dimensions, periods), PNG figures and an HTML report from the store's tags."""
    from pipeline import jobs

    settings = obj.configured(config_file, bootstrap=bootstrap, seed=seed, pooling=pooling)
    result = jobs.run_trends(obj.store, settings, out, fmt, "window" if window else by, _years(year_from, year_to),
                             force=force, lang=report_lang, window=window or 3)
    click.echo(jobs.trends_text(result))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind. Anything but 127.0.0.1/localhost needs the access token printed at start.")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option("--reviewer", default=lambda: os.environ.get("USER", ""),
              help="Default reviewer name (each browser can set its own). Default: $USER.")
@click.option("--overlap", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Share of passages shown to two reviewers, who answer independently (for agreement).")
@_config_option
@click.pass_obj
def review(obj: Ctx, host, port, reviewer, overlap, config_file):
    """Serve the review web app: passages one at a time with the model's tags, corrected by keyboard;
    reviews are kept with their history, override the model's tags in aggregation and train the next
    model (scotrack train)."""
    from pipeline.review.webapp import serve

    serve(obj.configured(config_file), host, port, reviewer, overlap, say=click.echo,
          warn=lambda line: click.echo(line, err=True))


def main() -> None:
    """Entry point: one line on stderr for every error, never a traceback (unless SCOTRACK_DEBUG is set)."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
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
