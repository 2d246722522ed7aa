"""Offset ranges: which messages of one Kafka partition a batch covers, and what that implies.

A range names its batch in every sink: the ClickHouse insert's deduplication token, the lake's
per-partition watermark, and the offset to commit once both sinks have the rows.
"""

from __future__ import annotations

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
