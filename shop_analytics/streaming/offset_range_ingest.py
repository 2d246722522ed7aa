"""The bounded path: ingest one offset range of one partition, e.g. from a Dagster run.

The partition is assigned, not subscribed: no consumer group, nothing committed. The caller
(a sensor's cursor) owns the offsets, and the sinks make a re-run of the same range harmless.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, KafkaError, Message, TopicPartition

from shop_analytics.resources.clickhouse import ClickHouseResource
from shop_analytics.resources.kafka import KafkaResource
from shop_analytics.resources.lake import LakeResource
from shop_analytics.streaming.config import IngestConfig
from shop_analytics.streaming.dead_letters import DeadLetterWriter
from shop_analytics.streaming.ingest_totals import IngestTotals
from shop_analytics.streaming.ingestor import Ingestor
from shop_analytics.streaming.offset_ranges import OffsetRange

RANGE_CONSUMER_GROUP = "shop-analytics-range"


class OffsetRangeUnavailable(RuntimeError):
    """The requested offsets could not be read (deleted by retention, or Kafka not answering)."""


@dataclass(frozen=True)
class IngestResult:
    offsets: OffsetRange
    totals: IngestTotals
    seconds: float
    lag: int
    """Messages left in the partition after the range's end when the range was done."""

    @property
    def rows_per_s(self) -> float:
        return self.totals.messages / self.seconds if self.seconds > 0 else 0.0

    def metadata(self) -> dict[str, Any]:
        """Plain values for logs and run metadata."""
        return {
            "offset_range": self.offsets.key,
            **self.totals.as_dict(),
            "seconds": self.seconds,
            "lag": self.lag,
            "rows_per_s": round(self.rows_per_s, 1),
        }


def ingest_range(
    kafka: KafkaResource,
    clickhouse: ClickHouseResource,
    lake: LakeResource,
    offsets: OffsetRange,
    config: IngestConfig | None = None,
    idle_timeout_s: float = 30.0,
) -> IngestResult:
    """Ingest the messages of ``offsets``.

    Offsets without a message (transaction markers, compaction) are skipped; the range is done
    when the partition has nothing at or after its last offset left to give.
    """
    config = config or IngestConfig()
    started = time.monotonic()
    totals = IngestTotals()
    high = offsets.end
    if offsets.messages > 0:
        consumer = kafka.consumer(RANGE_CONSUMER_GROUP, **{"enable.partition.eof": True})
        producer = kafka.producer(**{"linger.ms": 5})
        try:
            consumer.assign([TopicPartition(offsets.topic, offsets.partition, offsets.start)])
            with clickhouse.session() as client:
                ingestor = Ingestor(
                    client,
                    lake,
                    DeadLetterWriter(producer, kafka.dead_letter_topic),
                    config,
                    schema_versions=kafka.schema_versions(),
                )
                try:
                    totals = _read_range(consumer, ingestor, offsets, idle_timeout_s)
                finally:
                    ingestor.close()
            high = consumer.get_watermark_offsets(
                TopicPartition(offsets.topic, offsets.partition), timeout=kafka.request_timeout_s
            )[1]
        finally:
            consumer.close()
    return IngestResult(
        offsets, totals, seconds=time.monotonic() - started, lag=max(high - offsets.end, 0)
    )


def _read_range(
    consumer: Consumer,
    ingestor: Ingestor,
    offsets: OffsetRange,
    idle_timeout_s: float,
) -> IngestTotals:
    config = ingestor.config
    totals = IngestTotals()
    position = offsets.start
    last_progress = time.monotonic()
    while position < offsets.end:
        batch: list[Message] = []
        reached_end = False
        for message in consumer.consume(config.max_batch_messages, config.max_batch_wait_s):
            error = message.error()
            if error is None:
                offset = message.offset() or 0
                if offset < offsets.end:
                    batch.append(message)
                position = offset + 1
            elif error.code() == KafkaError._PARTITION_EOF:
                reached_end = True
            elif error.fatal() or not error.retriable():
                raise OffsetRangeUnavailable(f"reading {message.topic()}: {error.str()}")
        if batch:
            result = ingestor.write_with_retries(batch)
            totals += result.totals
            last_progress = time.monotonic()
        if reached_end:
            return totals  # the partition holds nothing more below the range's end
        if time.monotonic() - last_progress > idle_timeout_s:
            raise OffsetRangeUnavailable(
                f"no message of the range arrived for {idle_timeout_s:g} s (at offset {position})"
            )
    return totals
