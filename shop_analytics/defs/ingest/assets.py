"""Purchases landed from Kafka: the raw Delta table by day and the ClickHouse fact table.

One run ingests the Kafka offset ranges in its config (the sensor sends every partition's new
offsets in one run);
the streaming ingestor writes both tables idempotently, so a range ingested twice changes
nothing. Without ranges, a run catches up: from what the lake holds to the end of each partition.
"""

from collections.abc import Iterable, Iterator
from typing import Any

import dagster as dg
from pydantic import Field

from shop_analytics.defs.common import CLICKHOUSE_POOL, DATA_OWNERS
from shop_analytics.resources import ClickHouseResource, KafkaResource, LakeResource
from shop_analytics.streaming import IngestTotals, OffsetRange, ingest_range
from shop_analytics.streaming.lake_sink import LakeSink

INGEST_OP = "purchases_ingest"


class OffsetRangeConfig(dg.Config):
    """An `OffsetRange` in run config: offsets ``[start_offset, end_offset)`` of a partition.

    Run config is checked against a `dg.Config` (pydantic) schema, which a plain dataclass
    cannot be; this is only that schema. Its field names are those of run configs already
    stored with past runs (re-executing one must still work), and it converts to and from
    `OffsetRange` here only.
    """

    topic: str
    partition: int
    start_offset: int
    end_offset: int

    @classmethod
    def of(cls, offsets: OffsetRange) -> "OffsetRangeConfig":
        return cls(
            topic=offsets.topic,
            partition=offsets.partition,
            start_offset=offsets.start,
            end_offset=offsets.end,
        )

    def offsets(self) -> OffsetRange:
        return OffsetRange(self.topic, self.partition, self.start_offset, self.end_offset)


class PurchasesIngestConfig(dg.Config):
    ranges: list[OffsetRangeConfig] = Field(
        default_factory=list,
        description="The ranges to ingest; empty: everything the lake does not hold yet.",
    )


def ingest_run_config(ranges: Iterable[OffsetRange]) -> dict[str, Any]:
    """Run config of the ingestion of ``ranges`` (the sensor's runs, the demo's, the tests')."""
    config = PurchasesIngestConfig(ranges=[OffsetRangeConfig.of(r) for r in ranges])
    return {"ops": {INGEST_OP: {"config": config.model_dump()}}}


@dg.multi_asset(
    name=INGEST_OP,
    specs=[
        dg.AssetSpec(
            "raw_purchases",
            group_name="sources",
            owners=DATA_OWNERS,
            kinds={"kafka", "delta", "s3"},
            description="Every valid purchase message from the Kafka topic, as received "
            "(Delta table `raw/purchases`, partitioned by UTC date, with the Kafka partition "
            "and offset of each). Invalid messages go to the dead-letter topic instead.",
        ),
        dg.AssetSpec(
            "purchases",
            group_name="sources",
            owners=DATA_OWNERS,
            kinds={"kafka", "clickhouse"},
            description="The purchases fact table in ClickHouse: one row per purchase_id "
            "(read it with FINAL), the spec's fields plus where and when each was ingested. "
            "Filled within seconds by the stream, or by the Kafka sensor's runs.",
        ),
    ],
    pool=CLICKHOUSE_POOL,
    # Either key can be selected alone (`--select purchases`); the step still writes both.
    can_subset=True,
)
def purchases_ingest(
    context: dg.AssetExecutionContext,
    config: PurchasesIngestConfig,
    kafka: KafkaResource,
    clickhouse: ClickHouseResource,
    lake: LakeResource,
) -> Iterator[dg.MaterializeResult]:
    """Ingests the configured Kafka offset ranges into the lake and ClickHouse."""
    ranges = [r.offsets() for r in config.ranges] or catch_up_ranges(kafka, lake)
    totals = IngestTotals()
    for offsets in ranges:
        result = ingest_range(kafka, clickhouse, lake, offsets)
        context.log.info(f"ingested {offsets.key}: {result.metadata()}")
        totals += result.totals
    keys = dg.MetadataValue.json([offsets.key for offsets in ranges])
    written: dict[str, dict[str, Any]] = {
        "raw_purchases": {"offset_ranges": keys, "rows_appended": totals.lake_rows},
        "purchases": {
            "offset_ranges": keys,
            "messages": totals.messages,
            "rows_written": totals.rows,
            "dead_letters": totals.dead_letters,
        },
    }
    for key, metadata in written.items():
        if dg.AssetKey(key) in context.selected_asset_keys:
            yield dg.MaterializeResult(asset_key=key, metadata=metadata)
        else:
            # One read of Kafka writes both tables (the lake's offsets are the ingestor's
            # watermark): a run that selected one still wrote the other, and records it.
            context.log_event(dg.AssetMaterialization(asset_key=key, metadata=metadata))


def catch_up_ranges(kafka: KafkaResource, lake: LakeResource) -> list[OffsetRange]:
    """Per partition: from after the last offset the lake holds to the partition's end."""
    topic = kafka.purchases_topic
    sink = LakeSink(lake)
    ranges = []
    for partition, end in sorted(kafka.end_offsets(topic).items()):
        done = sink.watermark(topic, partition)
        start = 0 if done is None else done + 1
        if start < end:
            ranges.append(OffsetRange(topic, partition, start, end))
    return ranges
