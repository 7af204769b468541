"""Progress bars for long work: on stderr, only when a person is watching."""

from __future__ import annotations

import sys


def progress_bar(total: int, label: str, unit: str = "doc"):
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit=unit, file=sys.stderr, leave=False,
                disable=not sys.stderr.isatty() or None)
