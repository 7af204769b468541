"""The command line: contracts of the machine-readable outputs, help texts, one-line errors.

Texts are constructed for the tests (not corpus).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import PROJECT_ROOT

SCOTRACK = [sys.executable, "-m", "pipeline"]
ZH = "中方表示，愿同各成员国一道弘扬“上海精神”，推动上海合作组织安全合作走深走实。\n\n印度表示不参加联合军演。\n"
EN = "Kazakhstan supports the Shanghai Cooperation Organisation as a platform for security cooperation.\n"


def run(args, home: Path, stdin: str | None = None):
    env = {**os.environ, "SCOTRACK_HOME": str(home)}
    p = subprocess.run([*SCOTRACK, *args], input=stdin, capture_output=True, text=True, env=env, timeout=300)
    return p.returncode, p.stdout, p.stderr


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
    p = subprocess.run([*SCOTRACK, "show", doc_id, "--original"], capture_output=True,
                       env={**os.environ, "SCOTRACK_HOME": str(home)})
    assert p.stdout == files[0].read_bytes()


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


def test_newer_store_is_one_line(home):
    from sqlalchemy import update

    from pipeline.store import Store, meta_table

    home.mkdir(parents=True)
    store = Store(f"sqlite:///{home / 'scotrack.db'}")
    with store.engine.begin() as conn:
        conn.execute(update(meta_table).values(value="7"))
    rc, _, err = run(["docs"], home)
    assert rc == 2 and err.startswith("error: the store") and "newer" in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["ingest", "docs", "passages", "show", "run", "tag", "classify", "train",
                                     "evaluate"])
def test_every_command_has_help_and_is_in_the_readme(command):
    rc, out, _ = run([command, "--help"], Path("/nonexistent"))
    assert rc == 0 and "Usage:" in out
    assert f"scotrack {command}" in (PROJECT_ROOT / "README.md").read_text()


def test_readme_opens_with_the_two_commands():
    lines = [line for line in (PROJECT_ROOT / "README.md").read_text().splitlines() if line.strip()]
    block = lines[lines.index("```sh") + 1: lines.index("```sh") + 3]
    assert [b.split("#")[0].strip() for b in block] == ["make run", "make test"]


CHECK = PROJECT_ROOT.parent / "shared" / "contracts" / "check-cli"


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
