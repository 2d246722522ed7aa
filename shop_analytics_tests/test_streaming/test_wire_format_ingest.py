"""Wire-format purchases through the local schema registry, Kafka, chDB and S3."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from confluent_kafka.schema_registry.json_schema import JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from shop_analytics.contracts.registry_schemas import registry_subjects
from shop_analytics.schema_registry.client import registry_client
from shop_analytics.schema_registry.subjects import provision_subjects
from shop_analytics.settings import Settings
from shop_analytics.streaming import OffsetRange, ingest_range
from shop_analytics_tests.test_contracts.cases import SELLER_ID
from shop_analytics_tests.test_streaming import checks
from shop_analytics_tests.test_streaming import helpers as h


def test_wire_format_messages_reach_clickhouse_and_an_unknown_id_the_dlq(
    stack: Settings, tmp_path: Path
) -> None:
    place = h.new_place(stack, tmp_path, partitions=1)
    # The place's own topic gets its own value subject, as `up` registers purchases-value.
    provision_subjects(dataclasses.replace(stack, purchases_topic=place.topic))
    client = registry_client(stack)
    (subject, *_) = registry_subjects(place.topic)
    context = SerializationContext(place.topic, MessageField.VALUE)
    no_registering = {"auto.register.schemas": False, "use.latest.version": False}
    v1 = JSONSerializer(subject.versions["v1"], client, conf=no_registering)
    v2 = JSONSerializer(subject.versions["v2"], client, conf=no_registering)

    plain = h.purchases(300, seed=1)
    wire_v1 = h.purchases(1000, seed=2)
    wire_v2 = [{**p, "seller_id": SELLER_ID} for p in h.purchases(200, seed=3)]
    wire = [v1(p, context) for p in wire_v1] + [v2(p, context) for p in wire_v2]
    unknown_id = b"\x00" + (2**31 - 1).to_bytes(4, "big") + b"{}"
    h.produce(place.bootstrap, place.topic, plain)
    h.produce(place.bootstrap, place.topic, [w for w in wire if w is not None])
    h.produce(place.bootstrap, place.topic, [unknown_id])
    end = h.end_offsets(place.bootstrap, place.topic, 1)[0]
    r = place.resources()

    result = ingest_range(
        r["kafka"], r["clickhouse"], r["lake"], OffsetRange(place.topic, 0, 0, end)
    )

    wanted = {p["purchase_id"] for p in plain + wire_v1 + wire_v2}
    assert (result.totals.rows, result.totals.dead_letters) == (len(wanted), 1)
    checks.assert_exactly_once(place, wanted)
    with r["clickhouse"].session() as client_ch:
        sellers = client_ch.query(
            "SELECT count() FROM purchases FINAL WHERE seller_id IS NOT NULL"
        ).result_rows[0][0]
    assert sellers == len(wire_v2)
    (letter,) = h.read_all(place.bootstrap, place.dlq, 1)
    reason = dict(letter.headers())
    assert any(b"unknown schema id 2147483647" in (v or b"") for v in reason.values()), reason
