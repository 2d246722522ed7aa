"""What every stream test asserts at the end: each purchase once in ClickHouse and the lake."""

from __future__ import annotations

from collections import Counter

from shop_analytics.streaming import RAW_PURCHASES_TABLE
from shop_analytics_tests.test_streaming.helpers import StreamPlace


def assert_exactly_once(place: StreamPlace, wanted: set[str]) -> int:
    """Returns how many extra (replayed) rows ClickHouse held before FINAL collapsed them."""
    r = place.resources()
    with r["clickhouse"].session() as client:
        final = client.query("SELECT toString(purchase_id) FROM purchases FINAL").result_rows
        raw_count = client.query("SELECT count() FROM purchases").result_rows[0][0]
    ids = Counter(pid for (pid,) in final)
    assert not [pid for pid, n in ids.items() if n > 1], "duplicated purchase_ids under FINAL"
    assert set(ids) == wanted, (
        f"{len(wanted - set(ids))} missing, {len(set(ids) - wanted)} unexpected in ClickHouse"
    )
    lake_ids = r["lake"].read(RAW_PURCHASES_TABLE, columns=["purchase_id"])["purchase_id"]
    lake = Counter(lake_ids.to_pylist())
    doubled = sum(1 for n in lake.values() if n > 1)
    assert set(lake) == wanted and not doubled, (
        f"the lake lost {len(wanted - set(lake))}, doubled {doubled}, "
        f"gained {len(set(lake) - wanted)} purchase_ids"
    )
    return int(raw_count) - len(wanted)
