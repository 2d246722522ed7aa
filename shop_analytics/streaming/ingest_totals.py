"""What the ingestor wrote, counted: per batch, per offset range, per run or per stream."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class IngestTotals:
    """Messages read, rows into ClickHouse, rows appended to the lake, messages dead-lettered.

    ``rows`` and ``lake_rows`` differ on a replay: the lake skips rows it already holds.
    """

    messages: int = 0
    rows: int = 0
    lake_rows: int = 0
    dead_letters: int = 0

    def __add__(self, other: IngestTotals) -> IngestTotals:
        return IngestTotals(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def as_dict(self) -> dict[str, int]:
        return asdict(self)
