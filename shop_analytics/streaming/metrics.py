"""What the stream reports: totals, rows/s, dead letters and consumer lag, as periodic log lines."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from confluent_kafka import Consumer

from shop_analytics.streaming.ingest_totals import IngestTotals
from shop_analytics.streaming.ingestor import BatchResult

logger = logging.getLogger("shop_analytics.stream")


def consumer_lag(consumer: Consumer) -> int | None:
    """Messages between the consumer's position and the end of its partitions (None: unknown).

    Uses the high watermarks the fetches bring back (``cached=True``): no broker round trip.
    """
    assignment = consumer.assignment()
    if not assignment:
        return None
    lag = 0
    for tp in consumer.position(assignment):
        high = consumer.get_watermark_offsets(tp, cached=True)[1]
        if high < 0:
            return None
        # A position is negative until the first fetch; then the whole partition is behind.
        lag += high - tp.offset if tp.offset >= 0 else 0
    return lag


@dataclass
class StreamMetrics:
    interval_s: float = 10.0
    totals: IngestTotals = field(default_factory=IngestTotals)
    batches: int = 0
    started: float = field(default_factory=time.monotonic)
    _last_log: float = field(default_factory=time.monotonic)
    _rows_at_last_log: int = 0

    def record(self, result: BatchResult) -> None:
        self.batches += 1
        self.totals += result.totals

    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.totals.messages / elapsed if elapsed > 0 else 0.0

    def maybe_log(self, consumer: Consumer, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_log < self.interval_s:
            return
        rows = self.totals.rows
        window_rate = (rows - self._rows_at_last_log) / max(now - self._last_log, 1e-9)
        lag = consumer_lag(consumer)
        logger.info(
            "rows=%d rows/s=%.0f dlq=%d lag=%s batches=%d",
            rows,
            window_rate,
            self.totals.dead_letters,
            "unknown" if lag is None else lag,
            self.batches,
        )
        self._last_log, self._rows_at_last_log = now, rows
