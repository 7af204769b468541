"""The main job as a Prefect flow: discover the sources, ingest them in batches, tag, aggregate and write the
trend tables, figures and report, summarise."""

from __future__ import annotations

from collections.abc import Sequence

from prefect import flow, get_run_logger, task

from pipeline.config import Settings
from pipeline.ingest import IngestReport, Item, discover, ingest_items
from pipeline.main_job import summarise
from pipeline.progress import progress_bar
from pipeline.store import Store

# Documents per task: large enough that Prefect's per-task cost is noise, small enough to show progress.
BATCH = 100


@task
def discover_task(sources: Sequence[str]) -> list[Item]:
    return list(discover(sources))


@task(retries=2, retry_delay_seconds=[2, 10])
def ingest_batch(items: list[Item], settings: Settings) -> IngestReport:
    # Safe to retry: documents already written are recognised by their hash and skipped.
    return ingest_items(items, Store(settings.url), settings)


@task
def tag_task(settings: Settings) -> str:
    from pipeline.main_job import run_tag

    return run_tag(Store(settings.url)).line()


@task
def trends_task(settings: Settings, out: str | None = None) -> str:
    from pipeline.main_job import trends_summary

    return trends_summary(Store(settings.url), out or str(settings.home / "trends"))


@flow(name="scotrack-main")
def main_flow(sources: Sequence[str], settings: Settings | None = None, out: str | None = None) -> str:
    settings = settings or Settings()
    logger = get_run_logger()
    items = discover_task(sources)
    total = IngestReport()
    with progress_bar(len(items), "ingest") as bar:
        for i in range(0, len(items), BATCH):
            batch = items[i:i + BATCH]
            total.merge(ingest_batch(batch, settings))
            bar.update(len(batch))
            logger.info("ingested %d/%d documents: %s", min(i + BATCH, len(items)), len(items), total.line())
    tagged = tag_task(settings)
    trends = trends_task(settings, out)
    return summarise(Store(settings.url), total) + "\n" + tagged + "\n" + trends
