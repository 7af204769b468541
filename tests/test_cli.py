"""The command line: contracts of the machine-readable outputs, help texts, one-line errors, one
configuration. In-process (click's CliRunner), with a few end-to-end runs of the real entry point.

Texts are constructed for the tests (not corpus).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT, SHARED, scotrack, scotrack_bytes, scotrack_process

ZH = "中方表示，愿同各成员国一道弘扬“上海精神”，推动上海合作组织安全合作走深走实。\n\n印度表示不参加联合军演。\n"
EN = "Kazakhstan supports the Shanghai Cooperation Organisation as a platform for security cooperation.\n"


run = scotrack  # the command line, in-process


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


@pytest.fixture
def files(tmp_path):
    zh = tmp_path / "zh.txt"
    zh.write_text(ZH, encoding="utf-8")
    en = tmp_path / "en.txt"
    en.write_text(EN)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    return zh, en, empty


def test_ingest_docs_passages_contract(home, files):
    rc, out, err = run(["ingest", *map(str, files)], home)
    assert rc == 0 and "Traceback" not in err
    assert out.splitlines()[0] == "ingested 2, duplicates 0, rejected 1"
    assert "rejected:" in out and "empty file" in out
    rc, out, _ = run(["docs", "--json"], home)
    docs = json.loads(out)
    for d in docs:
        assert {"doc_id", "source", "title", "lang", "doc_type", "date", "status", "reason", "passages"} <= set(d)
    assert sorted(d["status"] for d in docs) == ["ingested", "ingested", "rejected"]
    rc, out, _ = run(["passages", "--json"], home)
    ps = json.loads(out)
    assert len(ps) >= 3
    for p in ps:
        assert {"passage_id", "doc_id", "text", "lang", "relevant", "states"} <= set(p)
    assert any(p["states"] == ["IND"] for p in ps)
    rc, out, _ = run(["passages", "--json", "--state", "KAZ"], home)
    assert [p["states"] for p in json.loads(out)] == [["KAZ"]]


def test_strict_exits_1_when_something_is_rejected(home, files):
    assert run(["ingest", "--strict", str(files[0])], home)[0] == 0
    assert run(["ingest", "--strict", str(files[2])], home)[0] == 1


def test_show_and_original_bytes(home, files):
    run(["ingest", str(files[0])], home)
    doc_id = json.loads(run(["docs", "--json"], home)[1])[0]["doc_id"]
    rc, out, _ = run(["show", doc_id], home)
    assert rc == 0 and "sha256" in out and "CHN:中方(side)" in out
    assert scotrack_bytes(["show", doc_id, "--original"], home) == files[0].read_bytes()


@pytest.mark.parametrize("args, message", [
    (["show", "no-such-doc"], "no document"),
    (["passages", "--doc", "nope"], "no document"),
    (["ingest", "--date", "2020-02-30", "x.txt"], "no such day"),
    (["ingest", "--state", "XX", "x.txt"], "invalid speaker state"),
    (["passages", "--state", "USA"], "Invalid value"),
    (["frobnicate"], "No such command"),
])
def test_user_errors_are_one_line(home, args, message):
    rc, out, err = run(args, home)
    assert rc == 2
    assert "Traceback" not in err
    assert message in err
    assert len([line for line in err.splitlines() if line.strip() and not line.startswith(("Usage", "Try"))]) == 1


@pytest.mark.parametrize("args, message", [(["show", "no-such-doc"], "error: no document"),
                                           (["frobnicate"], "No such command")])
def test_the_entry_point_gives_one_line_and_exit_2(home, args, message):
    """End to end: the installed entry point (not only the click group) turns errors into one line."""
    p = scotrack_process(args, home, timeout=300)
    assert p.returncode == 2 and message in p.stderr and "Traceback" not in p.stderr


def test_newer_store_is_one_line(home):
    from sqlalchemy import update

    from pipeline.store import Store, meta_table
    from pipeline.store.schema import SCHEMA_VERSION

    home.mkdir(parents=True)
    store = Store(f"sqlite:///{home / 'scotrack.db'}")
    with store.engine.begin() as conn:
        conn.execute(update(meta_table).values(value=str(SCHEMA_VERSION + 1)))
    rc, _, err = run(["docs"], home)
    assert rc == 2 and err.startswith("error: the store") and "newer" in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["ingest", "docs", "passages", "show", "run", "tag", "classify", "train",
                                     "evaluate"])
def test_every_command_has_help_and_is_in_the_readme(command):
    rc, out, _ = run([command, "--help"], Path("/nonexistent"))
    assert rc == 0 and "Usage:" in out
    assert f"scotrack {command}" in (ROOT / "README.md").read_text()


def test_readme_opens_with_the_two_commands():
    lines = [line for line in (ROOT / "README.md").read_text().splitlines() if line.strip()]
    block = lines[lines.index("```sh") + 1: lines.index("```sh") + 3]
    assert [b.split("#")[0].strip() for b in block] == ["make run", "make test"]


CHECK = SHARED / "contracts" / "check-cli"


@pytest.mark.skipif(not CHECK.exists(), reason="shared/contracts is not beside this checkout")
def test_shared_contract_checker_passes():
    exe = Path(sys.executable).parent / "scotrack"
    p = subprocess.run(["bash", str(CHECK), str(exe)], capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stdout + p.stderr


@pytest.mark.parametrize("url, message", [
    ("postgresql+psycopg://scotrack:secret@127.0.0.1:1/none", "cannot use the store"),
    ("nonsense://x", "cannot open the store"),
])
def test_unusable_store_is_one_line_without_the_password(home, url, message):
    rc, _, err = run(["--db-url", url, "docs"], home)
    assert rc == 2 and message in err and "secret" not in err
    assert len(err.strip().splitlines()) == 1


# -- one configuration -----------------------------------------------------------------------------------

CONFIG = "[aggregate]\nmin_passages = 1\nmin_states = 1\nbootstrap = 20\nscope = \"all\"\n"
SPEECHES = [  # constructed texts: three states, each with a stance on the SCO
    ("kaz.txt", "Kazakhstan strongly supports the Shanghai Cooperation Organisation and its security cooperation.\n"),
    ("ind.txt", "India refused to join the SCO joint statement on connectivity and opposed the expansion plan.\n"),
    ("chn.txt", "中方表示，愿同各成员国一道弘扬“上海精神”，推动上海合作组织安全合作走深走实。\n"),
]


def _verdicts(folder: Path) -> dict:
    saved = json.loads((folder / "verdicts.json").read_text())
    return {"periods": saved["periods"], "overall": saved["overall"]}


def _speeches(tmp_path: Path) -> Path:
    """A folder of the constructed texts with a manifest dating them (so that they have a year)."""
    folder = tmp_path / "speeches"
    folder.mkdir()
    rows = ["doc_id,date"]
    for name, text in SPEECHES:
        (folder / name).write_text(text, encoding="utf-8")
        rows.append(f"{Path(name).stem},2019-06-14")
    (folder / "MANIFEST.csv").write_text("\n".join(rows) + "\n")
    return folder


def test_run_and_trends_read_the_same_configuration_file(home, tmp_path):
    """`run --config F` and `trends --config F` on the same store give the same verdicts — and the file
    matters (without it the verdicts differ), so the comparison can fail."""
    config = tmp_path / "scotrack.toml"
    config.write_text(CONFIG)
    folder = _speeches(tmp_path)
    rc, out, err = run(["run", folder, "--no-prefect", "--config", config, "--out", tmp_path / "run"], home)
    assert rc == 0, err
    rc, _, err = run(["trends", "--config", config, "--out", tmp_path / "trends"], home)
    assert rc == 0, err
    assert _verdicts(tmp_path / "run") == _verdicts(tmp_path / "trends")
    rc, _, err = run(["trends", "--out", tmp_path / "defaults"], home)
    assert rc == 0, err
    assert _verdicts(tmp_path / "defaults") != _verdicts(tmp_path / "run")


@pytest.mark.slow
def test_run_through_prefect_reads_the_configuration_file(home, tmp_path):
    """The same through the Prefect flow (a real process; Prefect's temporary server)."""
    config = tmp_path / "scotrack.toml"
    config.write_text(CONFIG)
    folder = _speeches(tmp_path)
    p = scotrack_process(["run", folder, "--config", config, "--out", tmp_path / "run"], home,
                         PREFECT_HOME=str(tmp_path / "prefect"))
    assert p.returncode == 0, p.stderr[-2000:]
    rc, _, err = run(["trends", "--config", config, "--out", tmp_path / "trends"], home)
    assert rc == 0, err
    assert _verdicts(tmp_path / "run") == _verdicts(tmp_path / "trends")


@pytest.mark.parametrize("content, message", [
    ("[aggregate]\nmin_pasages = 2\n", "unknown setting(s)"),
    ("[aggregate\n", "cannot read configuration"),
    ("[aggregate]\nscope = \"everything\"\n", "scope must be"),
])
def test_a_bad_configuration_file_is_one_line(home, tmp_path, content, message):
    config = tmp_path / "bad.toml"
    config.write_text(content)
    rc, _, err = run(["trends", "--config", config], home)
    assert rc == 2 and message in err and len(err.strip().splitlines()) == 1


def test_settings_are_read_from_the_environment_once():
    from pipeline.config import Settings

    s = Settings.from_env({"XDG_DATA_HOME": "/x", "SCOTRACK_WORKERS": "3", "SCOTRACK_CACHE": "/c",
                           "SCOTRACK_DASK_ADDRESS": "tcp://127.0.0.1:8786"})
    assert (s.home, s.workers, s.cache_dir, s.dask_address) == (Path("/x/scotrack"), 3, Path("/c"),
                                                                 "tcp://127.0.0.1:8786")
    assert Settings.from_env({"SCOTRACK_HOME": "/h", "XDG_DATA_HOME": "/x"}, home=Path("/cli")).home == Path("/cli")
    assert Settings.from_env({"SCOTRACK_HOME": "/h"}).url == "sqlite:////h/scotrack.db"
