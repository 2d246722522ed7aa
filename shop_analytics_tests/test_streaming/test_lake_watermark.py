"""The lake sink's per-partition watermark never moves back, so a replay appends nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from shop_analytics.resources.lake import LakeResource
from shop_analytics.streaming.lake_sink import LakeSink
from shop_analytics.streaming.offset_ranges import OffsetRange

TOPIC = "purchases"


def rows(partition: int, first: int, last: int) -> tuple[pa.Table, OffsetRange]:
    offsets = list(range(first, last + 1))
    table = pa.table(
        {
            "purchase_id": [f"p{partition}-{o}" for o in offsets],
            "timestamp": pa.array(
                [datetime(2025, 4, 6, 12, tzinfo=UTC)] * len(offsets), pa.timestamp("ms", "UTC")
            ),
            "_partition": pa.array([partition] * len(offsets), pa.int32()),
            "_offset": pa.array(offsets, pa.int64()),
        }
    )
    return table, OffsetRange(TOPIC, partition, first, last + 1)


def write(sink: LakeSink, *parts: tuple[pa.Table, OffsetRange]) -> int:
    return sink.write(pa.concat_tables([t for t, _ in parts]), [r for _, r in parts])


def test_a_replay_ending_below_the_watermark_does_not_lower_it(tmp_path: Path) -> None:
    sink = LakeSink(LakeResource(root=str(tmp_path / "lake")))
    assert write(sink, rows(0, 0, 99), rows(1, 0, 9)) == 110

    # A restart resumes partition 0 from an older committed offset: all of it is in the lake
    # already, while partition 1 brings new rows, so the write still happens.
    assert write(sink, rows(0, 0, 49), rows(1, 10, 19)) == 10
    assert sink.watermark(TOPIC, 0) == 99

    # The next batch of partition 0 overlaps what the lake holds: only the new part is added.
    assert write(sink, rows(0, 50, 149)) == 50

    assert sink.watermark(TOPIC, 0) == 149
    table = LakeResource(root=str(tmp_path / "lake")).read("raw/purchases", columns=["purchase_id"])
    assert table.num_rows == pc.count_distinct(table["purchase_id"]).as_py() == 170
