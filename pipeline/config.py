"""One configuration, read once: defaults here, overrides from the environment or the CLI."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = PROJECT_ROOT / "corpora"


def default_home() -> Path:
    """$SCOTRACK_HOME, else $XDG_DATA_HOME/scotrack, else ~/.local/share/scotrack."""
    if os.environ.get("SCOTRACK_HOME"):
        return Path(os.environ["SCOTRACK_HOME"]).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "scotrack"


@dataclass(frozen=True)
class Settings:
    home: Path = field(default_factory=default_home)
    # A SQLAlchemy URL; empty means the SQLite file `scotrack.db` under `home`.
    database_url: str = field(default_factory=lambda: os.environ.get("SCOTRACK_DATABASE_URL", ""))
    max_file_bytes: int = 50 * 1024 * 1024
    # Passage windows: sentences are grouped up to this many characters.
    max_passage_chars_zh: int = 300
    max_passage_chars: int = 900
    # Processes used for the CPU-heavy stages (clean, segment, tokenise, mentions).
    workers: int = field(default_factory=lambda: int(os.environ.get("SCOTRACK_WORKERS") or os.cpu_count() or 1))

    @property
    def url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'scotrack.db'}"

    def store_exists(self) -> bool:
        """A database URL is given, or the SQLite file exists (so that reading it creates nothing)."""
        return bool(self.database_url) or (self.home / "scotrack.db").exists()

    def with_(self, **changes) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
