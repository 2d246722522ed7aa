"""Offset ranges: which messages of one Kafka partition a batch or a run covers.

Every range in the project is half-open, ``[start, end)``: ``end`` is the first offset *not*
covered, which is also the offset Kafka commits and the end offset Kafka reports for a
partition. Every name of a range's work is derived here from the range: its key, which the
Dagster run key and run tag of the runs ingesting it are built from (`ranges_key`), the
ClickHouse insert's deduplication token, the lake's per-partition watermark (its last offset)
and the offset to commit once both sinks have the rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from confluent_kafka import TopicPartition


@dataclass(frozen=True, order=True)
class OffsetRange:
    """Offsets ``[start, end)`` of ``topic`` partition ``partition``."""

    topic: str
    partition: int
    start: int
    end: int

    @property
    def last(self) -> int:
        """The last offset covered (the lake's watermark once the range is written)."""
        return self.end - 1

    @property
    def messages(self) -> int:
        """Offsets covered (an upper bound on messages: markers and compaction leave gaps)."""
        return self.end - self.start

    @property
    def span(self) -> str:
        """``partition:start-end``: the range within its topic."""
        return f"{self.partition}:{self.start}-{self.end}"

    @property
    def key(self) -> str:
        """``topic:partition:start-end``: the range's name, from which the others derive."""
        return f"{self.topic}:{self.span}"

    @property
    def dedup_token(self) -> str:
        """``topic-partition-start-last``: a retried insert of the same range is dropped.

        The key's fields in the spelling ClickHouse already holds for inserts written before
        (its deduplication window remembers tokens): another spelling would insert those again.
        """
        return f"{self.topic}-{self.partition}-{self.start}-{self.last}"

    def commit_position(self) -> TopicPartition:
        """What to commit after the range is written: Kafka commits the next offset to read."""
        return TopicPartition(self.topic, self.partition, self.end)


def ranges_key(ranges: Sequence[OffsetRange]) -> str:
    """``topic:span+span+...``: the key of ranges of one topic (one range: its own key)."""
    topics = {r.topic for r in ranges}
    if len(topics) != 1:
        raise ValueError(f"ranges of exactly one topic expected, got {sorted(topics)}")
    return f"{ranges[0].topic}:{'+'.join(r.span for r in ranges)}"


def dedup_token(ranges: Iterable[OffsetRange]) -> str:
    """The deduplication token of one insert covering ``ranges``."""
    return "+".join(r.dedup_token for r in ranges)
