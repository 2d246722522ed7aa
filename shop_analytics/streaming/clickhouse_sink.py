"""Valid purchases into the ClickHouse fact table `purchases`, one insert per Kafka partition.

Each insert carries ``insert_deduplication_token = topic-partition-first-last``: the table keeps
the tokens of its last inserts (``non_replicated_deduplication_window``), so a batch retried with
the same range is dropped by ClickHouse. A replay with other batch boundaries (after a crash the
group re-reads from the last commit) gets new tokens and inserts the rows again; the table is a
ReplacingMergeTree keyed by purchase_id, so those copies collapse and `FINAL` counts each once.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from clickhouse_connect.driver.client import Client

from shop_analytics.contracts.clickhouse_ddl import (
    CLICKHOUSE_PURCHASES_TABLE,
    clickhouse_purchases_ddl,
)
from shop_analytics.streaming.offset_ranges import OffsetRange


class ClickHouseSink:
    def __init__(self, client: Client) -> None:
        self.client = client
        self.table = CLICKHOUSE_PURCHASES_TABLE
        client.command(clickhouse_purchases_ddl(if_not_exists=True).rstrip().rstrip(";"))

    def write(self, rows: pa.Table, ranges: list[OffsetRange]) -> int:
        """Insert ``rows`` partition by partition; returns the number of rows sent."""
        if rows.num_rows == 0:
            return 0
        for offset_range in ranges:
            part = rows
            if len(ranges) > 1:
                part = rows.filter(pc.equal(rows["_partition"], offset_range.partition))
            if part.num_rows:
                self.client.insert_arrow(
                    self.table,
                    part,
                    settings={"insert_deduplication_token": offset_range.dedup_token},
                )
        return rows.num_rows
