"""The main job through Prefect (one session-wide test harness) and without it: same store, same summary.

Texts are constructed for the tests (not corpus).
"""

from __future__ import annotations

import pytest

from pipeline.main_job import main_job, summarise
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
    from flows.main import main_flow

    direct = main_job(sources, settings.with_(database_url=f"sqlite:///{tmp_path / 'direct.db'}"))
    flowed = main_flow(sources, settings)
    body = lambda s: s.split("\n", 2)[2]  # noqa: E731  (all but the report and store lines)
    assert flowed.splitlines()[0] == direct.splitlines()[0] == "ingested 2, duplicates 0, rejected 1"
    assert body(flowed) == body(direct)
    again = main_flow(sources, settings)
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
    assert "tagged 0 passages" in again and "(unchanged: nothing new since they were written)" in again
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
