"""scotrack's Prefect flows, thin over the `pipeline` stages.

- `ingest_flow`: discover documents in folders/files (a drop folder is just a folder: new files are ingested
  on the next run), fetch URL lists and feeds, and ingest in batches of documents (never a task per passage),
  with retries where I/O can fail.
- `tag_flow`: tag every passage not yet tagged by the current model.
- `report_flow`: aggregate and write the trend tables, figures and HTML report, and publish the verdicts
  as Prefect artifacts.
- `refresh_flow` (the main job, `scotrack run`, `make run`): all three, incrementally.

Incremental by content, with the store's own bookkeeping (honest across processes and runners): a document
is processed once per (content hash, pipeline version) — `documents.sha256` and
`documents.pipeline_version`; a passage is tagged once per model version — `taggings.model_version`; a
report is rewritten only when its key changes — `pipeline.jobs.report_key` (store fingerprint, model
version, settings), kept beside the report as `report.key`.

`runner="dask"` runs the ingest batches in parallel on prefect-dask's `DaskTaskRunner` (a local cluster of
`dask_workers` processes, or an existing cluster at `settings.dask_address`); the default is Prefect's thread runner
with the batches in sequence, each using `settings.workers` processes.
"""

from __future__ import annotations

from collections.abc import Sequence

from prefect import flow, get_run_logger, task

from pipeline.config import Settings
from pipeline.ingest.batch import IngestReport, ingest_items, triage
from pipeline.ingest.discover import Item, discover
from pipeline.jobs import run_tag, run_trends, summarise, trends_text
from pipeline.progress import progress_bar
from pipeline.store import Store

# Documents per task: large enough that Prefect's per-task cost is noise, small enough to show progress.
BATCH = 100


@task
def discover_task(sources: Sequence[str]) -> list[Item]:
    return list(discover(sources))


@task
def triage_task(items: list[Item], settings: Settings) -> tuple[list[Item], IngestReport]:
    """The items to process, and a report of those skipped (unchanged, or rejected before as they are)."""
    sorted_out = triage(items, Store(settings.url), settings)
    skipped = IngestReport(unchanged=sorted_out.unchanged, rejected=len(sorted_out.rejected),
                           rejected_items=list(sorted_out.rejected))
    return [item for item, _, _ in sorted_out.todo], skipped


@task(retries=2, retry_delay_seconds=[2, 10])
def ingest_batch(items: list[Item], settings: Settings) -> IngestReport:
    # Safe to retry: documents already written are recognised by their hash and skipped.
    return ingest_items(items, Store(settings.url), settings)


@task(retries=2, retry_delay_seconds=[5, 30])
def fetch_task(urls: Sequence[str], feeds: Sequence[str], settings: Settings) -> str:
    from pipeline.ingest.sources import fetch_sources

    report = fetch_sources(urls, feeds, Store(settings.url), settings)
    lines = [report.line()] + [f"failed: {u}: {r}" for u, r in report.failed]
    return "\n".join(lines)


class UIProgress:
    """A stage's progress as a Prefect progress artifact, shown on the flow run's page in the Prefect UI
    (the CLI shows a progress bar). Updated at most every `every` seconds, and at the end. A failure to
    publish is logged, never fatal."""

    def __init__(self, key: str, total: int, what: str, every: float = 2.0):
        from prefect.artifacts import create_progress_artifact

        self.total, self.what, self.every, self.done, self.last = total, what, every, 0, 0.0
        try:
            self.id = create_progress_artifact(0.0 if total else 100.0, key=key, description=self._text())
        except Exception as exc:  # noqa: BLE001
            get_run_logger().warning("could not publish the progress of %s: %s", what, exc)
            self.id = None

    def _text(self) -> str:
        return f"{self.what}: {self.done} of {self.total}"

    def set_total(self, total: int) -> None:
        self.total = total
        self.update(0)

    def update(self, n: int) -> None:
        import time

        from prefect.artifacts import update_progress_artifact

        self.done += n
        now = time.monotonic()
        if self.id is None or (now - self.last < self.every and self.done < self.total):
            return
        self.last = now
        try:
            update_progress_artifact(self.id, 100.0 * self.done / self.total if self.total else 100.0,
                                     description=self._text())
        except Exception as exc:  # noqa: BLE001
            get_run_logger().warning("could not update the progress of %s: %s", self.what, exc)


@task
def tag_task(settings: Settings) -> str:
    ui = UIProgress("scotrack-tag-progress", 0, "passages tagged")
    return run_tag(Store(settings.url), settings, progress=ui.update, on_total=ui.set_total).line()


@task
def report_task(settings: Settings, out: str, tag: bool = True) -> str:
    result = run_trends(Store(settings.url), settings, out, tag=tag)
    _publish(result)
    return trends_text(result)


def _publish(result) -> None:
    """The verdict table as Prefect artifacts, with a link to the HTML report (shown in the Prefect UI)."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    report = result.out / "report.html"
    rows = [{"period": p, "verdict": r["verdict"] or "no verdict", "probability": r["verdict_probability"],
             "documents": r["documents"], "stance tags": r["tags"]} for p, r in result.summary["periods"].items()]
    try:
        create_table_artifact(key="scotrack-verdicts", table=rows,
                              description="Track verdict per year (bootstrap probability)")
        lines = ["# scotrack: track verdicts", "", f"Overall, {result.summary['overall']['line']}", "",
                 f"Report: [{report}]({report.as_uri()})" + (" (unchanged since the last run)" if result.cached
                                                              else ""), ""]
        dims = result.out / "dimensions.csv"
        if dims.exists():
            import pandas as pd

            from pipeline.analysis.trends import markdown_table

            table = pd.read_csv(dims)
            table = table[table["period"] == "all years"][["dimension", "tendency", "sd", "leik", "agreement_a",
                                                            "esteban_ray", "camp_rule"]]
            if not table.empty:
                lines += ["## Dispersion per dimension, all years", "", markdown_table(table)]
        create_markdown_artifact(key="scotrack-report", markdown="\n".join(lines),
                                 description="Verdict, dispersion and where the report is")
    except Exception as exc:  # artifacts are a view; never fail the run for them
        get_run_logger().warning("could not publish the artifacts: %s", exc)


def _runner(runner: str, dask_address: str, dask_workers: int):
    if runner == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": dask_workers, "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None})
    if runner != "default":
        raise ValueError(f"unknown runner {runner!r}; 'default' or 'dask'")
    return None


@flow(name="scotrack-ingest")
def ingest_flow(sources: Sequence[str], settings: Settings, urls: Sequence[str] = (),
                feeds: Sequence[str] = (), parallel: bool = False) -> IngestReport:
    logger = get_run_logger()
    if urls or feeds:
        logger.info(fetch_task(list(urls), list(feeds), settings))
    items, total = triage_task(discover_task(sources), settings) if sources else ([], IngestReport())
    logger.info("%d documents to process; %d unchanged, %d rejected before and unchanged", len(items),
                total.unchanged, total.rejected)
    batches = [items[i:i + BATCH] for i in range(0, len(items), BATCH)]
    ui = UIProgress("scotrack-ingest-progress", len(items), "documents ingested", every=0)
    with progress_bar(len(items), "ingest") as bar:
        if parallel:  # one task per batch, run side by side (Dask workers); each batch in one process
            futures = [ingest_batch.submit(b, settings.with_(workers=1)) for b in batches]
            for b, fut in zip(batches, futures, strict=True):
                total.merge(fut.result())
                bar.update(len(b))
                ui.update(len(b))
        else:
            done = 0
            for b in batches:
                total.merge(ingest_batch(b, settings))
                bar.update(len(b))
                ui.update(len(b))
                done += len(b)
                logger.info("ingested %d/%d documents: %s", done, len(items), total.line())
    return total


@flow(name="scotrack-tag")
def tag_flow(settings: Settings) -> str:
    return tag_task(settings)


@flow(name="scotrack-report")
def report_flow(settings: Settings, out: str | None = None, tag: bool = True) -> str:
    """Tag what is untagged (unless `tag` is false: the caller has just done it), then write the report."""
    return report_task(settings, out or str(settings.home / "trends"), tag)


@flow(name="scotrack-refresh")
def refresh_flow(sources: Sequence[str], settings: Settings, out: str | None = None,
                 urls: Sequence[str] = (), feeds: Sequence[str] = (), runner: str = "default",
                 dask_workers: int = 2) -> str:
    """Ingest what is new (on the chosen task runner), tag what is untagged, rewrite the report if anything
    changed; summarise."""
    task_runner = _runner(runner, settings.dask_address, dask_workers)
    ingest = ingest_flow if task_runner is None else ingest_flow.with_options(task_runner=task_runner)
    total = ingest(sources, settings, urls, feeds, parallel=task_runner is not None)
    tagged = tag_flow(settings)
    trends = report_flow(settings, out, tag=False)
    return summarise(Store(settings.url), total) + "\n" + tagged + "\n" + trends


def run_refresh(sources: Sequence[str], settings: Settings, out: str | None = None,
                urls: Sequence[str] = (), feeds: Sequence[str] = (), runner: str = "default",
                dask_workers: int = 2) -> str:
    """`refresh_flow` with plain arguments (what `flows.run.refresh` and the benchmark call)."""
    return refresh_flow(sources, settings, out, list(urls), list(feeds), runner, dask_workers)


# -- deployments (schedules need a real Prefect server) -------------------------------------------------

def _scheduled_settings(home: str, database_url: str, config: str) -> Settings:
    """The settings of a scheduled run: the environment of the serving process, the store the deployment
    names, and its configuration file (read at each run, so an edited file applies to the next one)."""
    from pathlib import Path

    return Settings.from_env(home=Path(home), database_url=database_url).with_config_file(config or None)


@flow(name="scotrack-poll")
def poll_flow(sources: list[str], home: str, database_url: str = "", out: str = "", urls: list[str] | None = None,
              feeds: list[str] | None = None, config: str = "") -> str:
    """The scheduled refresh: drop folders, URLs and feeds; plain parameters so a deployment can carry them."""
    return refresh_flow(sources, _scheduled_settings(home, database_url, config), out or None, urls or [],
                        feeds or [])


@flow(name="scotrack-yearly-report")
def yearly_report_flow(home: str, database_url: str = "", out: str = "", config: str = "") -> str:
    """The scheduled trend report (tables, figures, HTML, artifacts) from whatever the store holds."""
    return report_flow(_scheduled_settings(home, database_url, config), out or None)


def deployments(sources: Sequence[str], settings: Settings, out: str | None, urls: Sequence[str],
                feeds: Sequence[str], poll_cron: str, report_cron: str, config_file: str | None = None) -> list:
    common = {"home": str(settings.home), "database_url": settings.database_url, "out": out or "",
              "config": str(config_file or "")}
    return [
        poll_flow.to_deployment(name="scotrack-poll", cron=poll_cron,
                                parameters={**common, "sources": list(sources), "urls": list(urls),
                                            "feeds": list(feeds)},
                                description="Ingest new documents (drop folders, URLs, feeds), tag, report"),
        yearly_report_flow.to_deployment(name="scotrack-yearly-report", cron=report_cron, parameters=common,
                                         description="The yearly trend report"),
    ]
