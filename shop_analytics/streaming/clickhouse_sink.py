"""Valid purchases into the ClickHouse fact table `purchases`, one insert per batch.

Each insert carries ``insert_deduplication_token``: the batch's ranges as
``topic-partition-first-last``, joined by ``+`` when it spans several partitions. The table keeps
the tokens of its last inserts (``non_replicated_deduplication_window``), so a batch retried with
the same ranges is dropped by ClickHouse. A replay with other batch boundaries (after a crash the
group re-reads from the last commit) gets new tokens and inserts the rows again; the table is a
ReplacingMergeTree keyed by purchase_id, so those copies collapse and `FINAL` counts each once.
"""

from __future__ import annotations

import pyarrow as pa
from clickhouse_connect.driver.client import Client

from shop_analytics.contracts.clickhouse_ddl import CLICKHOUSE_PURCHASES_TABLE
from shop_analytics.streaming.offset_ranges import OffsetRange, dedup_token
from shop_analytics.tables.missing import TableMissing


class ClickHouseSink:
    def __init__(self, client: Client) -> None:
        self.client = client
        self.table = CLICKHOUSE_PURCHASES_TABLE
        # Checked once, before the first batch is taken from Kafka, so a stream on a store that
        # was never provisioned stops at once with one line, not after consuming a batch.
        if not client.query(f"EXISTS TABLE {self.table}").result_rows[0][0]:
            raise TableMissing("ClickHouse", self.table)

    def write(self, rows: pa.Table, ranges: list[OffsetRange]) -> int:
        """Insert ``rows`` (those of ``ranges``) in one go; returns the number of rows sent."""
        if rows.num_rows == 0:
            return 0
        # One insert, not one per partition: fewer parts and round trips per batch.
        token = dedup_token(ranges)
        self.client.insert_arrow(self.table, rows, settings={"insert_deduplication_token": token})
        return rows.num_rows
