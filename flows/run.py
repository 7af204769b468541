"""How the command line drives the flows: the check before Prefect starts, Prefect's environment defaults,
the temporary server, and serving the scheduled deployments. Prefect is imported only past the check."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from pipeline.config import Settings
from pipeline.errors import ScotrackError


def prefect_defaults() -> None:
    """Prefect's settings for scotrack's runs, unless the user set them: its temporary server needs longer
    than its default 20 s to start with a new PREFECT_HOME or on a busy 2-core machine (measured 7–19 s,
    more under load); quiet and offline. Call before Prefect is imported."""
    for key, value in (("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180"),
                       ("PREFECT_SERVER_ANALYTICS_ENABLED", "false"), ("DO_NOT_TRACK", "1")):
        os.environ.setdefault(key, value)
    if os.environ.get("PREFECT_HOME"):  # Prefect creates its home but not the folders above it
        Path(os.environ["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)


def refresh(sources: Sequence[str], settings: Settings, out: Path | None = None, urls: Sequence[str] = (),
            feeds: Sequence[str] = (), runner: str = "default", dask_workers: int = 2,
            always_flow: bool = False) -> str:
    """`scotrack run`: check the store's bookkeeping first (files hashed, untagged passages counted, the
    report's key compared); with nothing new (and no URL or feed to fetch) print the summary from the store
    and the kept report without starting Prefect. Otherwise start Prefect's temporary server (when no
    server is configured) while the worker processes and the model load, and run the refresh flow."""
    from pipeline.jobs import nothing_new_text, plan_refresh, warm_up
    from pipeline.store import Store

    plan = None
    if not (urls or feeds):
        plan = plan_refresh(sources, settings, out)
        if plan.nothing_new and not always_flow:
            return nothing_new_text(Store(settings.url), settings, plan, out)
    prefect_defaults()
    from flows.server import start_if_needed

    server = start_if_needed()  # Prefect's temporary server, starting while the rest loads
    if plan is not None and runner == "default":
        warm_up(settings, plan)
    from flows.main import run_refresh

    if server is not None:
        server.wait_ready()
    return run_refresh(sources, settings, str(out) if out else None, list(urls), list(feeds), runner, dask_workers)


def schedule(sources: Sequence[str], settings: Settings, out: Path | None, urls: Sequence[str],
             feeds: Sequence[str], poll_cron: str, report_cron: str, config_file: Path | None = None,
             say: Callable[[str], None] = print) -> None:
    """`scotrack schedule`: register the poll and yearly-report deployments on the Prefect server at
    PREFECT_API_URL and serve them until stopped."""
    prefect_defaults()
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        raise ScotrackError("schedules need a running Prefect server: start one with `prefect server start` "
                            "and set PREFECT_API_URL=http://127.0.0.1:4200/api")
    from prefect import serve

    from flows.main import deployments

    deps = deployments(sources, settings, str(out) if out else None, urls, feeds, poll_cron, report_cron,
                       str(config_file.resolve()) if config_file else None)
    say(f"serving {', '.join(d.name for d in deps)} on {PREFECT_API_URL.value()} "
        f"(poll: {poll_cron}; report: {report_cron})")
    serve(*deps, print_starting_message=False)
