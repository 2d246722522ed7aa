"""The bounded path on real Kafka, chDB and S3: mixed input, dead letters, idempotent re-runs."""

from __future__ import annotations

from pathlib import Path

import orjson
import pyarrow as pa

from shop_analytics.contracts import SCHEMA_VERSION_HEADER
from shop_analytics.settings import Settings
from shop_analytics.streaming import RAW_PURCHASES_TABLE, OffsetRange, ingest_range
from shop_analytics.streaming.dead_letters import (
    REASON_HEADER,
    SOURCE_OFFSET_HEADER,
    SOURCE_PARTITION_HEADER,
    SOURCE_TOPIC_HEADER,
)
from shop_analytics_tests.test_contracts.cases import BAD, SELLER_ID
from shop_analytics_tests.test_streaming import helpers as h


def test_mixed_input_lands_exactly_once_and_bad_messages_reach_the_dlq(
    stack: Settings, tmp_path: Path
) -> None:
    place = h.new_place(stack, tmp_path, partitions=1)
    good = h.purchases(3000)
    v2 = [{**p, "seller_id": SELLER_ID} for p in h.purchases(200, seed=8)]
    bad: list[tuple[bytes, list[tuple[str, bytes]] | None, str]] = [
        (orjson.dumps(case), None, field) for case, field in BAD.values()
    ]
    bad += [
        (b"not json at all", None, "$"),
        (orjson.dumps(good[0]), [(SCHEMA_VERSION_HEADER, b"v9")], "$"),
        (orjson.dumps({**good[0], "pad": "x" * 70_000}), None, "$"),  # over 64 KiB
        (orjson.dumps(v2[0]), None, "seller_id"),  # no header: read as v1, seller_id unknown
    ]
    h.produce(place.bootstrap, place.topic, good[:1500])
    for value, headers, _field in bad:
        h.produce(place.bootstrap, place.topic, [value], headers=headers)
    h.produce(place.bootstrap, place.topic, v2, headers=[(SCHEMA_VERSION_HEADER, b"v2")])
    h.produce(place.bootstrap, place.topic, good[1500:])
    end = h.end_offsets(place.bootstrap, place.topic, 1)[0]
    r = place.resources()

    first = ingest_range(
        r["kafka"], r["clickhouse"], r["lake"], OffsetRange(place.topic, 0, 0, end)
    )
    again = ingest_range(
        r["kafka"], r["clickhouse"], r["lake"], OffsetRange(place.topic, 0, 0, end)
    )

    wanted = {p["purchase_id"] for p in good + v2}
    assert (first.totals.rows, first.totals.dead_letters, first.totals.messages) == (
        len(wanted),
        len(bad),
        end,
    )
    assert again.totals.lake_rows == 0, "a re-run must not append to the lake again"
    with r["clickhouse"].session() as client:
        rows = client.query("SELECT toString(purchase_id), seller_id FROM purchases").result_rows
    # No FINAL: the dedup token alone kept the re-run out.
    assert sorted(pid for pid, _ in rows) == sorted(wanted)
    assert sum(seller is not None for _, seller in rows) == len(v2)
    lake = r["lake"].read(RAW_PURCHASES_TABLE)
    assert sorted(lake["purchase_id"].to_pylist()) == sorted(wanted)
    assert set(lake["date"].to_pylist()) == set(
        pa.array(lake["timestamp"]).cast(pa.date32()).to_pylist()
    )

    letters = h.read_all(place.bootstrap, place.dlq, 2 * len(bad))
    assert len(letters) == 2 * len(bad)  # at least once: the re-run re-sends them
    by_offset = {}
    for letter in letters:
        headers = dict(letter.headers())
        assert headers[SOURCE_TOPIC_HEADER] == place.topic.encode()
        assert headers[SOURCE_PARTITION_HEADER] == b"0"
        by_offset[int(headers[SOURCE_OFFSET_HEADER])] = (letter.value(), headers)
    assert len(by_offset) == len(bad)
    for offset, (value, headers, field) in zip(sorted(by_offset), bad, strict=True):
        sent, got = by_offset[offset]
        assert sent == value, "a dead letter keeps the original bytes"
        assert field in got[REASON_HEADER].decode()
        for name, header_value in headers or []:
            assert got[name] == header_value, "a dead letter keeps the original headers"


def test_the_duplicate_check_catches_a_batch_written_twice_without_dedup(
    stack: Settings, tmp_path: Path
) -> None:
    """Negative control: the checks above would see a doubled batch if deduplication failed."""
    place = h.new_place(stack, tmp_path, partitions=1)
    h.produce(place.bootstrap, place.topic, h.purchases(500))
    r = place.resources()
    ingest_range(r["kafka"], r["clickhouse"], r["lake"], OffsetRange(place.topic, 0, 0, 500))
    with r["clickhouse"].session() as client:
        batch = client.query_arrow("SELECT * EXCEPT _ingested_at FROM purchases")
        client.insert_arrow("purchases", batch, settings={"insert_deduplicate": 0})
        total, unique = client.query(
            "SELECT count(), uniqExact(purchase_id) FROM purchases"
        ).result_rows[0]
        final = client.query("SELECT count() FROM purchases FINAL").result_rows[0][0]
    assert (total, unique) == (1000, 500), "the doubled batch is visible as duplicates"
    assert final == 500, "and FINAL (ReplacingMergeTree) collapses it"
