"""Refusing JSON objects that name a key twice.

RFC 8259 leaves a repeated name's meaning open, and the parsers the API uses (orjson, pydantic)
keep the last one silently: `{"price": 1, "price": 1000}` would be taken as 1000 while a proxy,
log reader or signature check in front of us may read 1. The API refuses such a body instead.
"""

from __future__ import annotations

import json
from typing import Any


class DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return found


def repeated_key(raw: bytes) -> str | None:
    """The first key some object of `raw` repeats, or None (also for text that is not JSON,
    which the body's own parser refuses with its own message)."""
    try:
        json.loads(raw, object_pairs_hook=_unique_pairs)
    except DuplicateKey as error:
        return error.key
    except (ValueError, RecursionError):
        return None
    return None
