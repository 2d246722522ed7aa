"""The bounded path: ingest offsets [start, end) of one partition, e.g. from a Dagster run.

The partition is assigned, not subscribed: no consumer group, nothing committed. The caller
(a sensor's cursor) owns the offsets, and the sinks make a re-run of the same range harmless.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from confluent_kafka import Consumer, KafkaError, Message, TopicPartition

from shop_analytics.resources.clickhouse import ClickHouseResource
from shop_analytics.resources.kafka import KafkaResource
from shop_analytics.resources.lake import LakeResource
from shop_analytics.streaming.config import IngestConfig
from shop_analytics.streaming.dead_letters import DeadLetterWriter
from shop_analytics.streaming.ingestor import Ingestor

RANGE_CONSUMER_GROUP = "shop-analytics-range"


class OffsetRangeUnavailable(RuntimeError):
    """The requested offsets could not be read (deleted by retention, or Kafka not answering)."""


@dataclass(frozen=True)
class IngestResult:
    topic: str
    partition: int
    start_offset: int
    end_offset: int
    messages: int
    rows: int
    lake_rows: int
    dead_letters: int
    seconds: float
    lag: int
    """Messages left in the partition after ``end_offset`` when the range was done."""

    @property
    def rows_per_s(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else 0.0

    def metadata(self) -> dict[str, Any]:
        """Plain values for `dg.MaterializeResult(metadata=...)` / run metadata."""
        return {**asdict(self), "rows_per_s": round(self.rows_per_s, 1)}


def ingest_range(
    kafka: KafkaResource,
    clickhouse: ClickHouseResource,
    lake: LakeResource,
    topic: str,
    partition: int,
    start_offset: int,
    end_offset: int,
    config: IngestConfig | None = None,
    idle_timeout_s: float = 30.0,
) -> IngestResult:
    """Ingest offsets ``start_offset`` (included) to ``end_offset`` (excluded) of a partition.

    Offsets without a message (transaction markers, compaction) are skipped; the range is done
    when the partition has nothing at or after ``end_offset - 1`` left to give.
    """
    config = config or IngestConfig()
    started = time.monotonic()
    totals = {"messages": 0, "rows": 0, "lake_rows": 0, "dead_letters": 0}
    high = end_offset
    if end_offset > start_offset:
        consumer = kafka.consumer(RANGE_CONSUMER_GROUP, **{"enable.partition.eof": True})
        producer = kafka.producer(**{"linger.ms": 5})
        try:
            consumer.assign([TopicPartition(topic, partition, start_offset)])
            with clickhouse.session() as client:
                ingestor = Ingestor(
                    client,
                    lake,
                    DeadLetterWriter(producer, kafka.dead_letter_topic),
                    config,
                    schema_versions=kafka.schema_versions(),
                )
                try:
                    _read_range(
                        consumer, ingestor, start_offset, end_offset, idle_timeout_s, totals
                    )
                finally:
                    ingestor.close()
            high = consumer.get_watermark_offsets(
                TopicPartition(topic, partition), timeout=kafka.request_timeout_s
            )[1]
        finally:
            consumer.close()
    return IngestResult(
        topic=topic,
        partition=partition,
        start_offset=start_offset,
        end_offset=end_offset,
        seconds=time.monotonic() - started,
        lag=max(high - end_offset, 0),
        **totals,
    )


def _read_range(
    consumer: Consumer,
    ingestor: Ingestor,
    start_offset: int,
    end_offset: int,
    idle_timeout_s: float,
    totals: dict[str, int],
) -> None:
    config = ingestor.config
    position = start_offset
    last_progress = time.monotonic()
    while position < end_offset:
        batch: list[Message] = []
        reached_end = False
        for message in consumer.consume(config.max_batch_messages, config.max_batch_wait_s):
            error = message.error()
            if error is None:
                offset = message.offset() or 0
                if offset < end_offset:
                    batch.append(message)
                position = offset + 1
            elif error.code() == KafkaError._PARTITION_EOF:
                reached_end = True
            elif error.fatal() or not error.retriable():
                raise OffsetRangeUnavailable(f"reading {message.topic()}: {error.str()}")
        if batch:
            result = ingestor.write_with_retries(batch)
            totals["messages"] += result.messages
            totals["rows"] += result.rows
            totals["lake_rows"] += result.lake_rows
            totals["dead_letters"] += result.dead_letters
            last_progress = time.monotonic()
        if reached_end:
            return  # the partition holds nothing more below end_offset
        if time.monotonic() - last_progress > idle_timeout_s:
            raise OffsetRangeUnavailable(
                f"no message of the range arrived for {idle_timeout_s:g} s (at offset {position})"
            )
