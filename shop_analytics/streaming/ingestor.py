"""The ingestor's core: one batch of Kafka messages into ClickHouse, the lake and the DLQ.

Both ways of running it (a bounded offset range in a Dagster run, `shop-analytics stream`)
hand their batches to `Ingestor.write`; they differ only in how they read and commit. Every
sink write is idempotent, so writing a batch again after a failure or a crash is always safe.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from clickhouse_connect.driver.client import Client
from confluent_kafka import Message

from shop_analytics.resources.lake import LakeResource
from shop_analytics.schema_registry.schema_ids import SchemaVersions
from shop_analytics.streaming.clickhouse_sink import ClickHouseSink
from shop_analytics.streaming.config import IngestConfig
from shop_analytics.streaming.dead_letters import DeadLetterWriter
from shop_analytics.streaming.ingest_totals import IngestTotals
from shop_analytics.streaming.lake_sink import RAW_PURCHASES_TABLE, LakeSink
from shop_analytics.streaming.offset_ranges import OffsetRange
from shop_analytics.streaming.purchase_batch import PurchaseBatch, decode_batch

logger = logging.getLogger(__name__)


@dataclass
class BatchResult:
    """What one batch did; ``written_ms`` is when its rows became queryable (epoch ms)."""

    ranges: list[OffsetRange]
    rows: int
    lake_rows: int
    dead_letters: int
    written_ms: int
    produced_ms: list[int] = field(default_factory=list, repr=False)

    @property
    def messages(self) -> int:
        return self.rows + self.dead_letters

    @property
    def totals(self) -> IngestTotals:
        return IngestTotals(self.messages, self.rows, self.lake_rows, self.dead_letters)


class Ingestor:
    """Writes batches through an open ClickHouse client; holds no Kafka consumer of its own."""

    def __init__(
        self,
        client: Client,
        lake: LakeResource,
        dead_letters: DeadLetterWriter,
        config: IngestConfig,
        lake_table: str = RAW_PURCHASES_TABLE,
        schema_versions: SchemaVersions | None = None,
    ) -> None:
        self.clickhouse = ClickHouseSink(client)
        self.lake = LakeSink(lake, lake_table)
        self.dead_letters = dead_letters
        self.config = config
        self.schema_versions = schema_versions
        # The Delta write (Rust) and the ClickHouse insert (C++) both release the GIL, so the
        # lake write runs beside the insert instead of after it.
        self._lake_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lake-sink")

    def close(self) -> None:
        self._lake_thread.shutdown(wait=True)

    def use_clickhouse(self, client: Client) -> None:
        """Write through ``client`` from now on (the stream's new one after a hand-over); the
        table was checked already. Only with no batch being written."""
        self.clickhouse.client = client

    def decode(self, messages: Sequence[Message]) -> PurchaseBatch:
        """Validate ``messages``: the rows to write and the dead letters, not written yet."""
        return decode_batch(
            messages,
            self.config.max_message_bytes,
            self.config.measure_latency,
            self.schema_versions,
        )

    def write(self, messages: Sequence[Message]) -> BatchResult:
        """Decode, then write rows to both sinks and refused messages to the DLQ; all or raise."""
        return self.write_batch(self.decode(messages))

    def write_batch(self, batch: PurchaseBatch) -> BatchResult:
        """Rows to both sinks, refused messages to the DLQ; returns once all of it is done."""
        lake_write = self._lake_thread.submit(self.lake.write, batch.rows, batch.ranges)
        try:
            rows = self.clickhouse.write(batch.rows, batch.ranges)
            written_ms = time.time_ns() // 1_000_000
            self.dead_letters.send(batch.dead_letters)
        finally:
            lake_rows = lake_write.result()  # raises the lake's error, if any
        return BatchResult(
            batch.ranges, rows, lake_rows, len(batch.dead_letters), written_ms, batch.produced_ms
        )

    def write_with_retries(
        self, messages: Sequence[Message], should_stop: Callable[[], bool] = lambda: False
    ) -> BatchResult:
        """`write`, again after a failure (a sink restarting), up to ``write_attempts`` times."""
        return self.write_batch_with_retries(self.decode(messages), should_stop)

    def write_batch_with_retries(
        self, batch: PurchaseBatch, should_stop: Callable[[], bool] = lambda: False
    ) -> BatchResult:
        """`write_batch`, again after a failure, up to ``write_attempts`` times in all."""
        attempt = 1
        while True:
            try:
                return self.write_batch(batch)
            except Exception as exc:
                if attempt >= self.config.write_attempts or should_stop():
                    raise
                wait = self.config.retry_backoff_s * 2 ** (attempt - 1)
                logger.warning(
                    "batch write failed (attempt %d of %d), retrying in %.0f s: %s",
                    attempt,
                    self.config.write_attempts,
                    wait,
                    exc,
                )
                time.sleep(wait)
                attempt += 1
