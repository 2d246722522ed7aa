"""The Kafka -> ClickHouse purchase ingestor (plus the raw lake table and the dead-letter topic).

Two ways to run the same core (`Ingestor`):

* `ingest_range(kafka, clickhouse, lake, OffsetRange(topic, partition, start, end))`: a bounded
  offset range of one partition, nothing committed (the Dagster sensor path keeps its own cursor);
* `run_stream(kafka, clickhouse, lake, should_stop=...)`: a consumer-group member that runs until
  stopped (`shop-analytics stream`).
"""

from shop_analytics.streaming.config import IngestConfig
from shop_analytics.streaming.ingest_totals import IngestTotals
from shop_analytics.streaming.ingestor import BatchResult, Ingestor
from shop_analytics.streaming.lake_sink import RAW_PURCHASES_TABLE
from shop_analytics.streaming.offset_range_ingest import (
    IngestResult,
    OffsetRangeUnavailable,
    ingest_range,
)
from shop_analytics.streaming.offset_ranges import OffsetRange
from shop_analytics.streaming.stream_loop import DEFAULT_GROUP_ID, run_stream

__all__ = [
    "DEFAULT_GROUP_ID",
    "RAW_PURCHASES_TABLE",
    "BatchResult",
    "IngestConfig",
    "IngestResult",
    "IngestTotals",
    "Ingestor",
    "OffsetRange",
    "OffsetRangeUnavailable",
    "ingest_range",
    "run_stream",
]
