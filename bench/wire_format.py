"""Ingest of wire-format purchases against plain JSON ones, in the same run.

    .venv/bin/python bench/wire_format.py [--count 300000] [--runs 3]

Runs on the stack of SHOP_ANALYTICS_HOME / SHOP_ANALYTICS_PORT_BASE (started if needed), whose
schema registry the stream reads ids from. Each run produces the same purchases twice, each time
into a fresh topic (its value subject registered as `register-schemas` does): once as the spec's
plain JSON, once in the Confluent wire format (`PurchaseSerializer`, what producers write with
KAFKA_PURCHASE_FORMAT=wire). Two figures per format:

1. ingest: `run_stream` (what `shop-analytics stream` runs) over the topic, from the first batch
   to the last commit, as bench/stream.py measures it;
2. decode: `decode_batch` alone over the same messages held in memory, in batches of the
   stream's size: the only step whose work differs between the formats, without Kafka,
   ClickHouse and the lake around it; rounds alternate between the formats, best of five.

The two formats are measured in alternating order, one after the other, so each pair sees
about the same load; the ratio wire / plain is per run (goal: >= 0.9).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import orjson
from confluent_kafka import Message
from stream import ingest  # bench/stream.py: the same measurement of `run_stream`

from shop_analytics import settings as settings_module
from shop_analytics.local import stack
from shop_analytics.schema_registry.client import registry_client
from shop_analytics.schema_registry.purchase_serializer import PurchaseSerializer
from shop_analytics.schema_registry.subjects import provision_subjects
from shop_analytics.settings import Settings
from shop_analytics.streaming import IngestConfig
from shop_analytics.streaming.purchase_batch import decode_batch
from shop_analytics_tests.test_streaming import helpers as h

FORMATS = ("plain", "wire")
DECODE_ROUNDS = 5


def load() -> str:
    return "{:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def measure(
    settings: Settings, scratch: Path, messages: list[bytes], wire: bool
) -> tuple[float, h.StreamPlace, list[bytes]]:
    """Ingest events/s of ``messages`` on a fresh topic; the place and the values produced."""
    place = h.new_place(settings, scratch)
    provision_subjects(dataclasses.replace(settings, purchases_topic=place.topic))
    serialize = PurchaseSerializer(registry_client(settings) if wire else None, place.topic)
    values = [serialize(message, "v1") for message in messages]
    h.produce(place.bootstrap, place.topic, values)
    rate, _, _ = ingest(place, len(values), IngestConfig())
    return rate, place, values


def decode_rates(produced: dict[str, tuple[h.StreamPlace, list[bytes]]]) -> dict[str, float]:
    """Events/s of `decode_batch` per format: rounds alternate between the formats and the best
    round of each counts, so that both meet the same moments of a loaded machine."""
    batch = IngestConfig().max_batch_messages
    work = {}
    for name, (place, values) in produced.items():
        messages = [
            Message(topic=place.topic, partition=0, offset=i, value=v) for i, v in enumerate(values)
        ]
        chunks = [messages[i : i + batch] for i in range(0, len(messages), batch)]
        work[name] = (chunks, place.resources()["kafka"].schema_versions(), len(values))
    best = dict.fromkeys(work, float("inf"))
    for _ in range(DECODE_ROUNDS):
        for name, (chunks, versions, count) in work.items():
            started = time.perf_counter()
            rows = sum(
                decode_batch(c, 64 * 1024, schema_versions=versions).rows.num_rows for c in chunks
            )
            best[name] = min(best[name], time.perf_counter() - started)
            assert rows == count, f"{count - rows} {name} messages did not decode"
    return {name: work[name][2] / seconds for name, seconds in best.items()}


def summary(values: list[float], digits: int = 0) -> str:
    return (
        f"{statistics.median(values):,.{digits}f} "
        f"({min(values):,.{digits}f}-{max(values):,.{digits}f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    settings = settings_module.export_defaults()
    stack.up(settings, echo=lambda line: None)
    messages = [orjson.dumps(p) for p in h.purchases(args.count, seed=1)]
    scratch = Path(tempfile.mkdtemp(prefix="bench-wire-format-"))
    ingest_rates: dict[str, list[float]] = {f: [] for f in FORMATS}
    decoding: dict[str, list[float]] = {f: [] for f in FORMATS}
    ingest_ratios: list[float] = []
    decode_ratios: list[float] = []
    try:
        for run in range(1, args.runs + 1):
            order = FORMATS if run % 2 else FORMATS[::-1]
            at_start = load()
            produced = {}
            for name in order:
                rate, place, values = measure(
                    settings, scratch / f"run{run}-{name}", messages, name == "wire"
                )
                ingest_rates[name].append(rate)
                produced[name] = (place, values)
            for name, decoded in decode_rates(produced).items():
                decoding[name].append(decoded)
            ingest_ratios.append(ingest_rates["wire"][-1] / ingest_rates["plain"][-1])
            decode_ratios.append(decoding["wire"][-1] / decoding["plain"][-1])
            print(
                f"run {run}: ingest plain {ingest_rates['plain'][-1]:>9,.0f} events/s, wire "
                f"{ingest_rates['wire'][-1]:>9,.0f} events/s, ratio {ingest_ratios[-1]:.2f}; "
                f"decode plain {decoding['plain'][-1]:,.0f}/s, wire "
                f"{decoding['wire'][-1]:,.0f}/s, ratio {decode_ratios[-1]:.2f}  "
                f"(load {at_start} -> {load()})"
            )
        print(f"{args.count} purchases, {args.runs} runs, median (range):")
        print(f"  stream ingest, plain JSON:  {summary(ingest_rates['plain'])} events/s")
        print(f"  stream ingest, wire format: {summary(ingest_rates['wire'])} events/s")
        print(f"  ingest wire / plain: {summary(ingest_ratios, 2)}")
        print(f"  decode_batch, plain JSON:  {summary(decoding['plain'])} events/s")
        print(f"  decode_batch, wire format: {summary(decoding['wire'])} events/s")
        print(f"  decode wire / plain: {summary(decode_ratios, 2)}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
