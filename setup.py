"""One build step beyond pyproject.toml (which holds all the metadata): a wheel carries the top-level
`models/` (the trained tagger) and `corpora/` (the bundled corpus and its annotations) as
`pipeline/bundled/models` and `pipeline/bundled/corpora`, where `pipeline.config.bundled()` finds them.
An editable install copies nothing: there `bundled()` reads the folders in the source tree."""

from pathlib import Path

from setuptools import setup
from setuptools.command import build_py as _build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = ("models", "corpora")
SKIP = {"__pycache__", ".DS_Store"}


def _bundled_files() -> list[tuple[Path, Path]]:
    """(source file, path inside the package) for every file of the bundled folders."""
    pairs = []
    for name in BUNDLED:
        folder = ROOT / name
        if not folder.is_dir():
            raise FileNotFoundError(f"{folder} is missing: a wheel of scotrack ships it (see setup.py)")
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not SKIP & set(path.relative_to(ROOT).parts):
                pairs.append((path, Path("pipeline", "bundled", path.relative_to(ROOT))))
    return pairs


class build_py(_build_py.build_py):  # named as the command it replaces
    """setuptools' build_py, then the bundled folders copied under pipeline/bundled/ (not for an editable install)."""

    def run(self):
        super().run()
        if self.editable_mode:
            return
        for source, inside in _bundled_files():
            target = Path(self.build_lib) / inside
            target.parent.mkdir(parents=True, exist_ok=True)
            self.copy_file(str(source), str(target), preserve_mode=False)

    def get_outputs(self, include_bytecode=True):
        outputs = super().get_outputs(include_bytecode)
        if not self.editable_mode:
            outputs += [str(Path(self.build_lib) / inside) for _, inside in _bundled_files()]
        return outputs


setup(cmdclass={"build_py": build_py})
