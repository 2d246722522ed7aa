"""Offset ranges: which messages of one Kafka partition a batch covers, and what that implies.

A range names its batch in every sink: the ClickHouse insert's deduplication token, the lake's
per-partition watermark, and the offset to commit once both sinks have the rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from confluent_kafka import TopicPartition


@dataclass(frozen=True)
class OffsetRange:
    """Offsets ``first``..``last`` (both included) of ``topic`` partition ``partition``."""

    topic: str
    partition: int
    first: int
    last: int

    @property
    def dedup_token(self) -> str:
        """``topic-partition-first-last``: a retried insert of the same range is dropped."""
        return f"{self.topic}-{self.partition}-{self.first}-{self.last}"

    @property
    def next_offset(self) -> int:
        """What to commit after the range is written: Kafka commits the next offset to read."""
        return self.last + 1

    def commit_position(self) -> TopicPartition:
        return TopicPartition(self.topic, self.partition, self.next_offset)


def ranges_of(positions: Iterable[tuple[str, int, int]]) -> list[OffsetRange]:
    """The range per partition of ``(topic, partition, offset)`` positions, by partition."""
    bounds: dict[tuple[str, int], list[int]] = {}
    for topic, partition, offset in positions:
        seen = bounds.get((topic, partition))
        if seen is None:
            bounds[(topic, partition)] = [offset, offset]
        elif offset < seen[0]:
            seen[0] = offset
        elif offset > seen[1]:
            seen[1] = offset
    return [OffsetRange(t, p, first, last) for (t, p), (first, last) in sorted(bounds.items())]
