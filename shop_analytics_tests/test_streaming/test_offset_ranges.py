"""An offset range's names and the ingestor's totals, without services.

The run key and the deduplication token are stored by deployments already running (Dagster
run keys and tags, ClickHouse's deduplication window): their spelling is pinned here.
"""

from __future__ import annotations

import pytest

from shop_analytics.defs.ingest.assets import INGEST_OP, OffsetRangeConfig, ingest_run_config
from shop_analytics.defs.ingest.offset_batches import Batch
from shop_analytics.streaming import IngestTotals, OffsetRange
from shop_analytics.streaming.offset_ranges import dedup_token, ranges_key


def test_a_range_is_half_open() -> None:
    offsets = OffsetRange("purchases", 2, 10, 15)
    assert (offsets.last, offsets.messages) == (14, 5)
    assert offsets.commit_position().offset == 15  # Kafka commits the next offset to read
    assert OffsetRange("purchases", 2, 10, 10).messages == 0


def test_the_run_key_and_tag_derive_from_the_range_keys() -> None:
    one = OffsetRange("purchases", 0, 50, 60)
    two = OffsetRange("purchases", 1, 0, 5)
    assert one.key == "purchases:0:50-60"
    assert ranges_key([one]) == one.key
    assert ranges_key([one, two]) == "purchases:0:50-60+1:0-5"
    assert Batch((one, two)).key == "purchases:0:50-60+1:0-5"
    assert Batch((one, two), attempt=3).key == "purchases:0:50-60+1:0-5-retry2"


def test_ranges_of_two_topics_have_no_key() -> None:
    with pytest.raises(ValueError, match="one topic"):
        ranges_key([OffsetRange("a", 0, 0, 1), OffsetRange("b", 0, 0, 1)])


def test_the_deduplication_token_keeps_its_stored_spelling() -> None:
    # The last offset, not the end: what inserts before the half-open range were tagged with.
    assert OffsetRange("purchases", 3, 0, 6).dedup_token == "purchases-3-0-5"
    ranges = [OffsetRange("purchases", 0, 0, 6), OffsetRange("purchases", 1, 7, 8)]
    assert dedup_token(ranges) == "purchases-0-0-5+purchases-1-7-7"


def test_run_config_carries_ranges_and_reads_back_the_same() -> None:
    ranges = [OffsetRange("purchases", 0, 5, 9), OffsetRange("purchases", 1, 0, 3)]
    config = ingest_run_config(ranges)["ops"][INGEST_OP]["config"]["ranges"]
    assert config[0] == {"topic": "purchases", "partition": 0, "start_offset": 5, "end_offset": 9}
    assert [OffsetRangeConfig(**c).offsets() for c in config] == ranges


def test_totals_add_field_by_field() -> None:
    a = IngestTotals(messages=10, rows=8, lake_rows=8, dead_letters=2)
    b = IngestTotals(messages=5, rows=5, lake_rows=0, dead_letters=0)
    assert a + b == IngestTotals(messages=15, rows=13, lake_rows=8, dead_letters=2)
    assert IngestTotals() + a == a
    total = IngestTotals()
    for part in (a, b, b):
        total += part
    assert total.as_dict() == {"messages": 20, "rows": 18, "lake_rows": 8, "dead_letters": 2}
