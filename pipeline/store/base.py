"""What the parts of the store share: the engine they talk through, timestamps as stored, and IN lists cut to size."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

# Long IN (...) lists go in pieces of this many: SQLite limits bound parameters per statement.
CHUNK = 500


class StorePart:
    """One concern of `Store`; its methods read and write through the engine `Store.__init__` opens."""

    engine: Engine


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def now_precise() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def chunks(items: list) -> Iterable[list]:
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]
