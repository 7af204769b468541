"""The main job through Prefect (one session-wide test harness) and without it: same store, same summary.

Texts are constructed for the tests (not corpus).
"""

from __future__ import annotations

import pytest

from pipeline.jobs import main_job, summarise
from pipeline.store import Store

EN = "The Shanghai Cooperation Organisation met in Astana. Kazakhstan proposed a water programme."
ZH = "上海合作组织成员国外长理事会会议在阿斯塔纳举行。中方愿同各方加强安全合作。"


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture
def sources(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "en.txt").write_text(EN)
    (folder / "zh.txt").write_text(ZH)
    (folder / "empty.txt").write_text("")
    return [str(folder)]


def test_summary_reports_documents_passages_states_and_rejections(settings, sources):
    out = main_job(sources, settings)
    assert out.splitlines()[0] == "ingested 2, duplicates 0, rejected 1"
    assert "by language: en 1, zh 1" in out
    assert "empty.txt" in out and "empty file" in out
    kaz = next(line for line in out.splitlines() if line.strip().startswith("KAZ"))
    # three mentions (Astana, Kazakhstan; 阿斯塔纳) in two SCO-relevant passages
    assert kaz.split()[-2:] == ["3", "2"]


@pytest.mark.slow
def test_flow_gives_the_same_store_as_the_direct_stages(prefect_harness, settings, sources, tmp_path):
    from flows.main import run_refresh

    direct = main_job(sources, settings.with_(database_url=f"sqlite:///{tmp_path / 'direct.db'}"))
    flowed = run_refresh(sources, settings)
    body = lambda s: s.split("\n", 2)[2]  # noqa: E731  (all but the report and store lines)
    assert flowed.splitlines()[0] == direct.splitlines()[0] == "ingested 2, duplicates 0, rejected 1"
    assert body(flowed) == body(direct)
    again = run_refresh(sources, settings)
    assert again.splitlines()[0] == "ingested 0, duplicates 0, rejected 1 (already in the store: 2)"
    assert summarise(Store(settings.url)).split("\n", 1)[1] == body(flowed).split("\ntagged ", 1)[0]
    # the job goes on to the trend tables, figures and report, and says where they are
    assert f"trend tables, figures and report in {settings.home / 'trends'}" in flowed
    for name in ("states.csv", "dimensions.csv", "periods.csv", "state_scores.png", "report.html"):
        assert (settings.home / "trends" / name).exists()
    assert "overall, all years: no verdict" in flowed  # two tiny documents: too little evidence


# -- issue 5: incremental refresh, drop folder, runners ----------------------------------------------

def _snapshot(store: Store):
    docs = sorted((d["doc_id"], d["status"], d["passages"]) for d in store.documents())
    tags = sorted((r["passage_id"], r["state"], r["dimension"], r["stance"], round(r["confidence"], 6))
                  for r in store.tag_rows())
    return docs, tags


@pytest.mark.slow
def test_refresh_is_incremental_and_a_drop_folder_picks_up_new_files(prefect_harness, settings, sources, tmp_path):
    from flows.main import run_refresh

    out = tmp_path / "out"
    first = run_refresh(sources, settings, str(out))
    assert first.splitlines()[0] == "ingested 2, duplicates 0, rejected 1"
    key = (out / "report.key").read_text()
    again = run_refresh(sources, settings, str(out))
    assert again.splitlines()[0].startswith("ingested 0, duplicates 0, rejected 1 (already in the store: 2)")
    assert "nothing to tag" in again and "(unchanged: nothing new since they were written)" in again
    assert (out / "report.key").read_text() == key
    # a new file in the drop folder: only it is processed, and the report is rewritten
    (tmp_path / "src" / "new.txt").write_text("The SCO summit in Tianjin adopted a development strategy.")
    third = run_refresh(sources, settings, str(out))
    assert third.splitlines()[0].startswith("ingested 1, duplicates 0, rejected 1 (already in the store: 2)")
    assert "unchanged" not in third.split("trend tables", 1)[1].splitlines()[0]
    assert (out / "report.key").read_text() != key


@pytest.mark.slow
def test_dask_runner_gives_the_same_store_as_the_default_runner(prefect_harness, settings, tmp_path):
    from flows.main import run_refresh

    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(12):  # constructed documents, two batches of the dask run
        (folder / f"d{i:02d}.txt").write_text(f"Item {i}. " + (EN if i % 2 else ZH))
    import flows.main as flows_main

    default_settings = settings.with_(database_url=f"sqlite:///{tmp_path / 'default.db'}")
    dask_settings = settings.with_(database_url=f"sqlite:///{tmp_path / 'dask.db'}")
    batch = flows_main.BATCH
    flows_main.BATCH = 5
    try:
        a = run_refresh([str(folder)], default_settings, str(tmp_path / "a"))
        b = run_refresh([str(folder)], dask_settings, str(tmp_path / "b"), runner="dask", dask_workers=2)
    finally:
        flows_main.BATCH = batch
    assert a.splitlines()[0] == b.splitlines()[0] == "ingested 12, duplicates 0, rejected 0"
    assert _snapshot(Store(default_settings.url)) == _snapshot(Store(dask_settings.url))
    assert (tmp_path / "a" / "verdicts.json").read_text() == (tmp_path / "b" / "verdicts.json").read_text()


# -- the check a refresh starts with -------------------------------------------------------------------

def _cli(args, home, **env):
    import os
    import subprocess
    import sys

    env = {**os.environ, "SCOTRACK_HOME": str(home), "PREFECT_HOME": str(home / "prefect"),
           "PREFECT_LOGGING_LEVEL": "WARNING", **env}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, env=env,
                          timeout=600)


def test_a_refresh_with_nothing_new_does_not_start_prefect(sources, tmp_path):
    home = tmp_path / "home"
    first = _cli(["run", *sources, "--no-prefect"], home)
    assert first.returncode == 0, first.stderr
    # a Prefect API nobody answers: any use of Prefect would fail the run
    again = _cli(["run", *sources], home, PREFECT_API_URL="http://127.0.0.1:9/api")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == "ingested 0, duplicates 0, rejected 1 (already in the store: 2)"
    assert "nothing to tag" in again.stdout and "(unchanged: nothing new since they were written)" in again.stdout
    assert again.stdout.rstrip().endswith("report up to date")
    assert "nothing new: 2 documents unchanged, 1 rejected as before" in again.stdout
    # the same summary as the run that did the work, but for the first line and the notes of what was kept
    body = first.stdout.split("\n", 1)[1].split("\ntagged ")[0]
    assert body == again.stdout.split("\n", 1)[1].split("\nnothing to tag")[0]


def test_plan_sees_new_files_untagged_passages_and_a_stale_report(settings, sources, tmp_path):
    from pipeline.jobs import plan_refresh

    out = tmp_path / "out"
    before = plan_refresh(sources, settings, out)
    assert (before.new, before.unchanged, before.untagged, before.report_current) == (3, 0, 0, False)
    main_job(sources, settings, out)
    after = plan_refresh(sources, settings, out)
    assert after.nothing_new and (after.unchanged, after.rejected) == (2, 1)
    (tmp_path / "src" / "new.txt").write_text("The SCO summit in Tianjin adopted a development strategy.")
    assert plan_refresh(sources, settings, out).new == 1
    store = Store(settings.url)
    with store.engine.begin() as conn:  # a passage whose tags are gone (as after a model change)
        from pipeline.store import taggings

        conn.execute(taggings.delete().where(taggings.c.passage_id == store.tag_rows()[0]["passage_id"]))
    assert plan_refresh(sources, settings, out).untagged == 1


@pytest.mark.slow
def test_scotrack_run_through_prefect_then_nothing_new(sources, tmp_path):
    """End to end, as `make run` twice: the temporary Prefect server started early, the flow run, then
    the check that finds nothing new."""
    home = tmp_path / "home"
    first = _cli(["run", *sources], home)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[0] == "ingested 2, duplicates 0, rejected 1"
    assert "Traceback" not in first.stderr
    again = _cli(["run", *sources], home)
    assert again.returncode == 0 and "nothing new: 2 documents unchanged" in again.stdout


def test_nothing_to_tag_does_not_load_the_model(settings, sources, tmp_path, monkeypatch):
    from pipeline.jobs import run_tag
    from pipeline.tagging import models

    main_job(sources, settings, tmp_path / "out")

    def refuse(*args):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(models, "_LOADED", {})
    monkeypatch.setattr(models, "_load", refuse)
    assert run_tag(Store(settings.url), settings).line().startswith("nothing to tag: every passage is tagged by model ")


@pytest.mark.slow
def test_the_flow_run_publishes_verdicts_dispersion_and_progress_as_artifacts(prefect_harness, settings, tmp_path):
    """Read back from the Prefect API what the UI shows: the verdict table, the Markdown report with the
    dispersion and the link to the HTML report, and the progress of ingest and tagging."""
    import json

    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.main import run_refresh

    folder = tmp_path / "dated"
    folder.mkdir()
    rows = []
    for i, (name, text) in enumerate([("en", EN), ("zh", ZH), ("en2", EN.replace("water", "energy"))]):
        (folder / f"{name}.txt").write_text(text)
        rows.append(f"{name},Constructed {i},2019-0{i + 1}-01,article,{'zh' if name == 'zh' else 'en'},,t,t,t,CC0-1.0")
    (folder / "MANIFEST.csv").write_text("doc_id,title,date,doc_type,language,speaker_state,source_repo,"
                                         "source_path,source_commit,license\n" + "\n".join(rows) + "\n")
    out = tmp_path / "out"
    run_refresh([str(folder)], settings, str(out))
    keys = ["scotrack-verdicts", "scotrack-report", "scotrack-ingest-progress", "scotrack-tag-progress"]
    with get_client(sync_client=True) as client:
        latest = {a.key: a for a in client.read_latest_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=keys)))}
    assert sorted(latest) == sorted(keys)
    table = latest["scotrack-verdicts"].data
    table = json.loads(table) if isinstance(table, str) else table
    assert [r["period"] for r in table] == ["2019"]
    assert table[0]["verdict"] == "no verdict" and table[0]["documents"] >= 1
    report = latest["scotrack-report"].data
    assert "# scotrack: track verdicts" in report and (out / "report.html").as_uri() in report
    assert "Overall, all years: no verdict" in report
    assert latest["scotrack-ingest-progress"].data == 100.0
    assert latest["scotrack-ingest-progress"].description == "documents ingested: 3 of 3"
    assert latest["scotrack-tag-progress"].data == 100.0


@pytest.mark.slow
def test_dask_runner_on_an_existing_cluster_by_address(prefect_harness, settings, sources, tmp_path):
    """`--dask-address`: the flows run on a cluster started elsewhere (here a separate scheduler and worker
    processes on 127.0.0.1), and give the same store as the default runner."""
    from distributed import LocalCluster

    from flows.main import run_refresh

    default_settings = settings.with_(database_url=f"sqlite:///{tmp_path / 'default.db'}")
    remote_settings = settings.with_(database_url=f"sqlite:///{tmp_path / 'remote.db'}")
    a = run_refresh(sources, default_settings, str(tmp_path / "a"))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        b = run_refresh(sources, remote_settings.with_(dask_address=cluster.scheduler_address), str(tmp_path / "b"),
                        runner="dask")
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
    assert a.splitlines()[0] == b.splitlines()[0] == "ingested 2, duplicates 0, rejected 1"
    assert _snapshot(Store(default_settings.url)) == _snapshot(Store(remote_settings.url))
