"""The Kafka sensor on the real stack: its run requests, run as the `ingest_purchases` job, land
every purchase exactly once, through a failed run and a replayed one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg

from shop_analytics.definitions import defs
from shop_analytics.defs.ingest.sensor import BATCH_TAG, purchases_kafka_sensor
from shop_analytics.resources import ClickHouseResource
from shop_analytics.settings import Settings
from shop_analytics_tests.test_streaming.checks import assert_exactly_once
from shop_analytics_tests.test_streaming.helpers import end_offsets, new_place, produce, purchases


def _tick(
    instance: dg.DagsterInstance, resources: dict[str, Any], cursor: str | None
) -> tuple[list[dg.RunRequest], str]:
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"kafka": resources["kafka"], "lake": resources["lake"]},
    )
    result = purchases_kafka_sensor(context)
    assert isinstance(result, dg.SensorResult) and result.cursor is not None
    return list(result.run_requests or []), result.cursor


def _run(request: dg.RunRequest, instance: dg.DagsterInstance, resources: dict[str, Any]) -> bool:
    """What the daemon launches for the request: a run of the named job with its config/tags."""
    result = defs.resolve_job_def("ingest_purchases").execute_in_process(
        run_config=request.run_config, tags=request.tags, instance=instance,
        resources=resources, raise_on_error=False,
    )  # fmt: skip
    return result.success


def _ranges(request: dg.RunRequest) -> list[tuple[int, int, int]]:
    config = request.run_config["ops"]["purchases_ingest"]["config"]["ranges"]
    return [(r["partition"], r["start_offset"], r["end_offset"]) for r in config]


def test_sensor_runs_land_every_purchase_exactly_once(stack: Settings, tmp_path: Path) -> None:
    place = new_place(stack, tmp_path)
    resources = place.resources()
    instance = dg.DagsterInstance.ephemeral()
    sent = purchases(90, seed=31)

    produce(place.bootstrap, place.topic, sent[:40])
    (first,), cursor = _tick(instance, resources, None)
    ends = end_offsets(place.bootstrap, place.topic)
    assert _ranges(first) == [(p, 0, end) for p, end in sorted(ends.items()) if end]
    assert _run(first, instance, resources)

    # A real failure (ClickHouse unreachable: nothing listens on the discard port); its ranges
    # go into the next run together with what arrived since.
    produce(place.bootstrap, place.topic, sent[40:70])
    (failing,), cursor = _tick(instance, resources, cursor)
    broken = {**resources, "clickhouse": ClickHouseResource(dsn="http://127.0.0.1:9/")}
    assert not _run(failing, instance, broken)
    produce(place.bootstrap, place.topic, sent[70:])
    (retry,), cursor = _tick(instance, resources, cursor)
    final_ends = end_offsets(place.bootstrap, place.topic)
    assert _ranges(retry) == [
        (p, ends[p], end) for p, end in sorted(final_ends.items()) if end > ends[p]
    ]
    assert retry.tags[BATCH_TAG].endswith("-retry1")
    assert _run(retry, instance, resources)
    assert _tick(instance, resources, cursor)[0] == []

    # Ranges written twice are harmless, and a new cursor starts after what the lake holds.
    assert _run(first, instance, resources)
    assert _tick(instance, resources, None)[0] == []
    assert_exactly_once(place, {p["purchase_id"] for p in sent})
