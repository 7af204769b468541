"""One configuration, read once: the defaults are here; the environment, then the command line, then a TOML
file (`--config`) override them; the result is passed down explicitly, and no other module reads the
environment."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from pipeline.errors import ConfigError

PACKAGE_ROOT = Path(__file__).resolve().parent


def bundled(name: str) -> Path:
    """A folder shipped with scotrack — `models` (the trained tagger) or `corpora` (the bundled corpus and its
    annotations): inside the installed package when it was installed from a wheel, else the folder of that
    name beside the package in the source tree (a checkout or an editable install)."""
    from importlib.resources import files

    inside = Path(str(files("pipeline") / "bundled" / name))
    if inside.is_dir():
        return inside
    return PACKAGE_ROOT.parent / name


BUNDLED_MODELS = bundled("models")
BUNDLED_CORPUS = bundled("corpora")


@dataclass
class AggregateConfig:
    """Thresholds of the aggregation; the defaults are justified by the worked cases in tests/analysis/."""

    min_passages: int = 3  # stance tags a state needs on a dimension to be scored
    min_states: int = 3  # scored states a dimension needs for a tendency
    consistency_sd: float = 0.5  # at most this standard deviation of scores: consistent
    camp_share: float = 0.25  # the camp rule's share of scored states in each camp
    er_alpha: float = 1.0  # Esteban–Ray identification weight
    bootstrap: int = 500  # replicates (documents resampled)
    seed: int = 0
    evidence: int = 5  # passages shown per state score
    scope: str = "relevant"  # "relevant": SCO-relevant passages and passages naming two or more members; "all"
    include_uncertain: bool = True  # tags below the abstain threshold still count, with their low weight
    # codebook §3a: the verdict reads stances towards the SCO; true lets stances towards other members also
    # enter the state scores (a sensitivity analysis; the relations matrix is reported either way)
    dyadic_in_sco: bool = False
    # yearly estimates (analysis/pooling.py): "time" borrows strength across years (a local-level model), "none"
    # estimates each year on its own; a state enters a year's pooled verdict while its posterior sd there is at
    # most max_sd
    pooling: str = "time"
    max_sd: float = 0.6

    def as_dict(self) -> dict:
        return asdict(self)

    def with_(self, **changes) -> AggregateConfig:
        """A copy with the changes that are not None."""
        config = replace(self, **{k: v for k, v in changes.items() if v is not None})
        if config.scope not in ("relevant", "all"):
            raise ConfigError(f"scope must be 'relevant' or 'all', not {config.scope!r}")
        if config.pooling not in ("time", "none"):
            raise ConfigError(f"pooling must be 'time' or 'none', not {config.pooling!r}")
        return config

    @classmethod
    def from_toml(cls, path, **overrides) -> AggregateConfig:
        """Defaults, then the `[aggregate]` table of a TOML file (unknown keys are an error), then overrides."""
        return cls().with_(**read_toml(path)["aggregate"]).with_(**overrides)


def read_toml(path) -> dict[str, dict]:
    """The tables scotrack reads from a configuration file (today `[aggregate]`), checked: an unreadable file
    or an unknown key is a one-line error. No file: empty tables."""
    import tomllib

    if path is None:
        return {"aggregate": {}}
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc}") from None
    values = data.get("aggregate", {})
    unknown = sorted(set(values) - set(AggregateConfig.__dataclass_fields__))
    if unknown:
        raise ConfigError(f"unknown setting(s) in {path}: {', '.join(unknown)}; known: "
                          f"{', '.join(AggregateConfig.__dataclass_fields__)}")
    return {"aggregate": values}


def _default_home() -> Path:
    return Path.home() / ".local" / "share" / "scotrack"


@dataclass(frozen=True)
class Settings:
    # The store and the outputs live here; see `from_env` for how it is found.
    home: Path = field(default_factory=_default_home)
    # A SQLAlchemy URL; empty means the SQLite file `scotrack.db` under `home`.
    database_url: str = ""
    max_file_bytes: int = 50 * 1024 * 1024
    # Passage windows: sentences are grouped up to this many characters.
    max_passage_chars_zh: int = 300
    max_passage_chars: int = 900
    # Processes used for the CPU-heavy stages (clean, segment, tokenise, mentions).
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    # Where the Chinese segmenter keeps its dictionary cache.
    cache_dir: Path = field(default_factory=lambda: Path(tempfile.gettempdir()) / "scotrack-cache")
    # The trained tagger, and the corpus a run reads when given no paths.
    models_dir: Path = BUNDLED_MODELS
    corpus_dir: Path = BUNDLED_CORPUS
    # An existing Dask scheduler for `--runner dask` (empty: a local cluster).
    dask_address: str = ""
    aggregate: AggregateConfig = field(default_factory=AggregateConfig)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        """The defaults with the environment laid over them, then `overrides` (those not None):
        SCOTRACK_HOME (else $XDG_DATA_HOME/scotrack, else ~/.local/share/scotrack), SCOTRACK_DATABASE_URL,
        SCOTRACK_WORKERS, SCOTRACK_CACHE, SCOTRACK_MODELS, SCOTRACK_DASK_ADDRESS."""
        env = os.environ if environ is None else environ
        values: dict = {}
        if env.get("SCOTRACK_HOME"):
            values["home"] = Path(env["SCOTRACK_HOME"]).expanduser()
        elif env.get("XDG_DATA_HOME"):
            values["home"] = Path(env["XDG_DATA_HOME"]).expanduser() / "scotrack"
        if env.get("SCOTRACK_DATABASE_URL"):
            values["database_url"] = env["SCOTRACK_DATABASE_URL"]
        if env.get("SCOTRACK_WORKERS"):
            try:
                values["workers"] = max(1, int(env["SCOTRACK_WORKERS"]))
            except ValueError:
                raise ConfigError(f"SCOTRACK_WORKERS must be a number, not {env['SCOTRACK_WORKERS']!r}") from None
        if env.get("SCOTRACK_CACHE"):
            values["cache_dir"] = Path(env["SCOTRACK_CACHE"]).expanduser()
        if env.get("SCOTRACK_MODELS"):
            values["models_dir"] = Path(env["SCOTRACK_MODELS"]).expanduser()
        if env.get("SCOTRACK_DASK_ADDRESS"):
            values["dask_address"] = env["SCOTRACK_DASK_ADDRESS"]
        return cls(**values).with_(**overrides)

    @property
    def url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'scotrack.db'}"

    def store_exists(self) -> bool:
        """A database URL is given, or the SQLite file exists (so that reading it creates nothing)."""
        return bool(self.database_url) or (self.home / "scotrack.db").exists()

    def with_(self, **changes) -> Settings:
        """A copy with the changes that are not None."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def with_config_file(self, path) -> Settings:
        """A copy with the tables of a TOML configuration file laid over (see `read_toml`)."""
        if path is None:
            return self
        return self.with_(aggregate=self.aggregate.with_(**read_toml(path)["aggregate"]))
