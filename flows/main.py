"""The main job as a Prefect flow: ingest the sources in batches, then summarise."""

from __future__ import annotations

from collections.abc import Sequence

from prefect import flow, get_run_logger, task

from pipeline.config import Settings
from pipeline.ingest import IngestReport, Item, discover, ingest_items
from pipeline.main_job import summarise
from pipeline.store import Store

BATCH = 100


@task
def discover_task(sources: Sequence[str]) -> list[Item]:
    return list(discover(sources))


@task
def ingest_batch(items: list[Item], settings: Settings) -> IngestReport:
    return ingest_items(items, Store(settings.url), settings)


@flow(name="scotrack-main", log_prints=False)
def main_flow(sources: Sequence[str], settings: Settings | None = None) -> str:
    settings = settings or Settings()
    logger = get_run_logger()
    items = discover_task(sources)
    total = IngestReport()
    for i in range(0, len(items), BATCH):
        r = ingest_batch(items[i:i + BATCH], settings)
        for k in ("ingested", "duplicates", "rejected", "unchanged"):
            setattr(total, k, getattr(total, k) + getattr(r, k))
        total.rejected_items += r.rejected_items
        logger.info("batch %d/%d: %s", i // BATCH + 1, -(-len(items) // BATCH), r.line())
    return summarise(Store(settings.url), total)
