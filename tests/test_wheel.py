"""A wheel install works on its own: the wheel is built from a copy of the source tree, installed into a fresh
virtual environment (its dependencies borrowed from this one through a .pth file, so nothing is downloaded
but the build backend), and `scotrack classify` run there, outside the repository, finds the shipped tagger
inside the installed package."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ("models", "corpora")
# Top-level entries of a working tree that a build does not need (a fresh clone has none of the dotted ones).
NOT_COPIED = {"build", "dist", "out", "tests", "bench", "docs"}
NOT_COPIED_SUFFIXES = (".egg-info", ".db", ".db-wal", ".db-shm")
WHERE = (
    "import json, pipeline; from pipeline.config import bundled; "
    "print(json.dumps([pipeline.__file__, str(bundled('models')), str(bundled('corpora'))]))"
)
LINE = {"id": "1", "text": "Pakistan supports the SCO.", "lang": "en"}


def _ignore(folder: str, names: list[str]) -> set[str]:
    skipped = {n for n in names if n == "__pycache__"}
    if Path(folder) == ROOT:
        skipped |= {n for n in names if n.startswith(".") or n in NOT_COPIED or n.endswith(NOT_COPIED_SUFFIXES)}
    return skipped


def _run(args, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The wheel, built by pip from a copy of the tree (a build writes build/ and *.egg-info beside the source)
    in an isolated build environment, as `pip install` does."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    shutil.copytree(ROOT, source, ignore=_ignore)
    result = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp / "dist"), str(source)])
    output = result.stdout + result.stderr
    assert "deprecat" not in output.lower(), output
    (wheel,) = (tmp / "dist").glob("scotrack-*.whl")
    return wheel


def test_wheel_carries_the_package_data(built):
    names = set(zipfile.ZipFile(built).namelist())
    for name in BUNDLED:
        files = [p for p in (ROOT / name).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        assert files, name
        missing = [p for p in files if f"pipeline/bundled/{p.relative_to(ROOT).as_posix()}" not in names]
        assert not missing, missing[:5]
    assert any(n.startswith("pipeline/ingest/data/") for n in names)
    assert not any(n.startswith(("models/", "corpora/", "tests/")) for n in names)


def test_installed_wheel_classifies_outside_the_source_tree(built, tmp_path):
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    # The dependencies: this environment's site-packages, appended to sys.path. Its own .pth files (among them
    # the editable install's finder) are not processed from a directory added this way.
    ours = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    (site / "scotrack-test-deps.pth").write_text("".join(f"{p}\n" for p in ours))
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(built)])

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCOTRACK_", "PYTHON"))}
    env |= {"SCOTRACK_HOME": str(tmp_path / "home"), "SCOTRACK_CACHE": str(tmp_path / "cache")}

    where = _run([str(python), "-c", WHERE], cwd=work, env=env)
    package, models, corpora = (Path(p) for p in json.loads(where.stdout))
    assert package.is_relative_to(venv) and not package.is_relative_to(ROOT), package
    assert models == package.parent / "bundled" / "models" and (models / "tagger.skops").is_file()
    assert corpora == package.parent / "bundled" / "corpora" and (corpora / "annotations").is_dir()

    result = _run([str(venv / "bin" / "scotrack"), "classify"], input=json.dumps(LINE) + "\n", cwd=work, env=env)
    (line,) = result.stdout.splitlines()
    record = json.loads(line)
    assert record["id"] == "1" and isinstance(record["tags"], list), record
