"""Valid purchases into the lake: the Delta table `raw/purchases`, partitioned by UTC `date`.

Idempotent by offset, not by MERGE. Each append also records, in the same Delta commit, one
application transaction per Kafka partition (`txn` actions, Delta's protocol for idempotent
streaming writes): app id ``shop_analytics.stream:<topic>:<partition>``, version = the last
offset written. Before appending, rows at or below the recorded offset of their partition are
dropped, so a replayed batch, whatever its boundaries, adds only what the table lacks. A MERGE on
purchase_id would read the growing table on every batch; this costs one log lookup.

Columns: the purchase fields (UUIDs as text), `timestamp` (UTC, microseconds as Delta stores),
`_partition`, `_offset`, `_ingested_at`, and `date`.
"""

from __future__ import annotations

import time

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import CommitProperties, DeltaTable, Transaction, write_deltalake
from deltalake.exceptions import TableNotFoundError

from shop_analytics.resources.lake import LakeResource
from shop_analytics.streaming.offset_ranges import OffsetRange
from shop_analytics.tables.lake import RAW_PURCHASES_TABLE


def watermark_app_id(topic: str, partition: int) -> str:
    return f"shop_analytics.stream:{topic}:{partition}"


class LakeSink:
    def __init__(self, lake: LakeResource, table: str = RAW_PURCHASES_TABLE) -> None:
        self.uri = lake.table_uri(table)
        self.storage_options = lake.storage_options()
        self._table: DeltaTable | None = None

    def watermark(self, topic: str, partition: int) -> int | None:
        """The last offset of ``topic``/``partition`` already in the table, if any."""
        table = self._refreshed()
        if table is None:
            return None
        return table.transaction_version(watermark_app_id(topic, partition))

    def write(self, rows: pa.Table, ranges: list[OffsetRange]) -> int:
        """Append the rows the table does not hold yet; returns how many were appended."""
        if rows.num_rows == 0:
            return 0
        table = self._refreshed()  # once per write: a log lookup on S3 is a round trip
        keep = None
        # What each partition's watermark becomes. A replay may end below the recorded one
        # (a restart resumes from the committed offset, behind what the lake already holds):
        # the watermark must never move back, or the rows between would be appended twice.
        watermarks: dict[tuple[str, int], int] = {}
        for r in ranges:
            watermarks[r.topic, r.partition] = max(
                watermarks.get((r.topic, r.partition), -1), r.last
            )
        for offset_range in ranges:
            if table is None:
                break
            done = table.transaction_version(
                watermark_app_id(offset_range.topic, offset_range.partition)
            )
            if done is None:
                continue
            key = (offset_range.topic, offset_range.partition)
            watermarks[key] = max(watermarks[key], done)
            stale = pc.and_(
                pc.equal(rows["_partition"], offset_range.partition),
                pc.less_equal(rows["_offset"], done),
            )
            keep = pc.invert(stale) if keep is None else pc.and_(keep, pc.invert(stale))
        if keep is not None:
            rows = rows.filter(keep)
        if rows.num_rows == 0:
            return 0
        transactions = [
            Transaction(watermark_app_id(topic, partition), last)
            for (topic, partition), last in watermarks.items()
        ]
        write_deltalake(
            table if table is not None else self.uri,
            _lake_rows(rows),
            mode="append",
            partition_by=["date"],
            storage_options=self.storage_options,
            commit_properties=CommitProperties(app_transactions=transactions),
        )
        return rows.num_rows

    def _refreshed(self) -> DeltaTable | None:
        if self._table is None:
            try:
                self._table = DeltaTable(self.uri, storage_options=self.storage_options)
            except TableNotFoundError:
                return None
        else:
            # Another process (a rebalance, the Dagster path) may have committed since.
            self._table.update_incremental()
        return self._table


def _lake_rows(rows: pa.Table) -> pa.Table:
    timestamps = rows["timestamp"].cast(pa.timestamp("us", tz="UTC"))
    now = pa.scalar(time.time_ns() // 1000, pa.timestamp("us", tz="UTC"))
    return (
        rows.set_column(rows.schema.get_field_index("timestamp"), "timestamp", timestamps)
        .append_column("_ingested_at", pa.repeat(now, rows.num_rows))
        .append_column("date", pc.cast(timestamps, pa.date32()))
    )
