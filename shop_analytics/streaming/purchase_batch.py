"""One consumed batch, split into valid rows (Arrow columns) and dead letters.

The schema version comes from the ``schema-version`` header (``v1``/``v2``). A message without
the header is read as v1, the spec's own format: producers that send the v2 field must say so,
which keeps an unannounced field from slipping in. Any other version is a dead letter.

A message in Confluent wire format names its schema by registry id instead (`schema_ids`); the
id's version wins over any header. Without a registry configured such a message is a dead letter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Final

import pyarrow as pa
from confluent_kafka import Message
from orjson import JSONDecodeError, loads

from shop_analytics.contracts import SCHEMA_VERSION_HEADER
from shop_analytics.contracts.purchase_check import (
    FIELDS_BY_VERSION,
    REQUIRED,
    decode_purchase,
    reject_reason,
)
from shop_analytics.contracts.purchase_columns import FAST_KEYS, check_columns
from shop_analytics.contracts.wire_format import HEADER_BYTES, MAGIC, wire_schema_id
from shop_analytics.schema_registry.schema_ids import SchemaVersions
from shop_analytics.streaming.dead_letters import DeadLetter, Headers
from shop_analytics.streaming.offset_ranges import OffsetRange

DEFAULT_VERSION: Final = "v1"
WIRE_MAGIC: Final = bytes((MAGIC,))
_pick_required = itemgetter(*REQUIRED)

ROW_SCHEMA: Final = pa.schema(
    [
        ("purchase_id", pa.string()),
        ("client_id", pa.string()),
        ("product_id", pa.string()),
        ("quantity", pa.int32()),
        ("price", pa.float64()),
        ("timestamp", pa.timestamp("ms", tz="UTC")),
        ("seller_id", pa.string()),
        ("_partition", pa.int32()),
        ("_offset", pa.int64()),
    ]
)
"""The columns of ClickHouse `purchases` that the ingestor fills (`_ingested_at` is defaulted)."""


@dataclass
class PurchaseBatch:
    rows: pa.Table
    dead_letters: list[DeadLetter]
    ranges: list[OffsetRange]
    # Kafka's create time (epoch ms) of each message, for produce-to-queryable latency.
    produced_ms: list[int] = field(default_factory=list)

    @property
    def message_count(self) -> int:
        return self.rows.num_rows + len(self.dead_letters)


def schema_version(headers: Headers | dict[str, str | bytes | None] | None) -> str:
    if not headers:
        return DEFAULT_VERSION
    pairs = headers.items() if isinstance(headers, dict) else headers
    for name, value in pairs:
        if name == SCHEMA_VERSION_HEADER:
            if isinstance(value, bytes):
                return value.decode("utf-8", "replace")
            return value or ""
    return DEFAULT_VERSION


def decode_batch(
    messages: Sequence[Message],
    max_message_bytes: int,
    with_produce_times: bool = False,
    schema_versions: SchemaVersions | None = None,
) -> PurchaseBatch:
    """Validate ``messages`` (errors from the client must be filtered out before).

    Common messages take the columnar fast path (`contracts.purchase_columns`); the others, and
    any the fast path does not pass, get the exact per-message check (`decode_purchase`).
    ``with_produce_times`` keeps each message's Kafka timestamp, for latency figures.
    ``schema_versions`` reads wire-format messages (it may wait for the registry, or raise
    `RegistryUnavailable`: then nothing of the batch is written).
    """
    part_array = pa.array([m.partition() for m in messages], pa.int32())
    offset_array = pa.array([m.offset() for m in messages], pa.int64())
    fast_index: list[int] | None = None  # None: every message is on the fast path
    slow: list[Message] = []
    columns = _plain_columns(messages, max_message_bytes, schema_versions)
    if columns is None:
        columns, fast_index, slow = _sort_messages(messages, max_message_bytes, schema_versions)
    passed, failed = check_columns(columns)
    if failed:
        if fast_index is None:
            fast_index = list(range(len(messages)))
        slow += [messages[fast_index[i]] for i in failed]
        failed_set = set(failed)
        fast_index = [m for i, m in enumerate(fast_index) if i not in failed_set]
    fast = _fast_rows(passed, part_array, offset_array, fast_index)
    slow_rows, letters = _decode_one_by_one(slow, max_message_bytes, schema_versions)
    topic = (messages[0].topic() or "") if messages else ""
    rows = pa.concat_tables([fast, slow_rows]) if slow_rows.num_rows else fast
    produced = [m.timestamp()[1] for m in messages] if with_produce_times else []
    return PurchaseBatch(rows, letters, _ranges(topic, part_array, offset_array), produced)


def _plain_columns(
    messages: Sequence[Message], max_message_bytes: int, schema_versions: SchemaVersions | None
) -> list[list[Any]] | None:
    """The six REQUIRED columns if every message is a plain purchase object, else None.

    The usual batch, in passes that each run in C (``map``): no Python code per message except
    for messages with headers, and the slicing of wire-format values (`_without_wire_headers`).
    Anything unusual (an empty, oversized or non-JSON value, another set of keys, an unknown
    schema version or id) returns None and `_sort_messages` sorts the batch message by message.
    The values themselves are judged later, by `check_columns`.
    """
    if not messages:
        return None
    # Any: a None value makes len() or loads() raise TypeError, which is caught below.
    values: list[Any] = [m.value() for m in messages]
    try:
        if max(map(len, values)) > max_message_bytes:
            return None
        if schema_versions is not None:
            values = _without_wire_headers(values, schema_versions)
        objects = list(map(loads, values))
    except (TypeError, JSONDecodeError):  # a message without a value, or not JSON
        return None
    # Exactly six keys, and (below) each of the six present: exactly FAST_KEYS.
    if set(map(type, objects)) != {dict} or set(map(len, objects)) != {len(REQUIRED)}:
        return None
    headers = [m.headers() for m in messages]
    if any(headers) and not all(
        h is None or schema_version(h) in FIELDS_BY_VERSION for h in headers
    ):
        return None
    try:
        return [list(map(itemgetter(name), objects)) for name in REQUIRED]
    except KeyError:
        return None


def _without_wire_headers(values: list[bytes], schema_versions: SchemaVersions) -> list[Any]:
    """The JSON of each value: wire-format ones without their header when every id in the batch
    is a purchase version we read (every version has v1's six fields); else the values as they
    are, which `loads` refuses, so the batch is sorted message by message."""
    ids = {value[1:HEADER_BYTES] for value in values if value[:1] == WIRE_MAGIC}
    if not ids:
        return values
    for schema_id in ids:
        version, _ = schema_versions.resolve(int.from_bytes(schema_id, "big"))
        if version is None:
            return values
    return [value[HEADER_BYTES:] if value[:1] == WIRE_MAGIC else value for value in values]


def _sort_messages(
    messages: Sequence[Message], max_message_bytes: int, schema_versions: SchemaVersions | None
) -> tuple[list[list[Any]], list[int], list[Message]]:
    """Message by message: columns of the plain ones, their positions, and all the others."""
    fast_values: list[tuple[Any, ...]] = []
    fast_index: list[int] = []
    slow: list[Message] = []
    # Bound methods fetched once: this loop runs for every message of a mixed batch.
    add_fast, add_index, add_slow = fast_values.append, fast_index.append, slow.append
    for index, message in enumerate(messages):
        value = message.value()
        headers = message.headers()
        if value is not None and schema_versions is not None and value[:1] == WIRE_MAGIC:
            value = _wire_payload(value, max_message_bytes, schema_versions)
            headers = None  # the schema id has said which version this is
        if (
            value is None
            or len(value) > max_message_bytes
            or (headers is not None and schema_version(headers) not in FIELDS_BY_VERSION)
        ):
            add_slow(message)  # checked and explained one by one later
            continue
        try:
            obj = loads(value)
        except JSONDecodeError:
            add_slow(message)
            continue
        if type(obj) is dict and obj.keys() == FAST_KEYS:
            add_fast(_pick_required(obj))
            add_index(index)
        else:
            add_slow(message)
    columns = [list(column) for column in zip(*fast_values, strict=True)]
    return columns, fast_index, slow


def _wire_payload(
    value: bytes, max_message_bytes: int, schema_versions: SchemaVersions
) -> bytes | None:
    """The JSON after the wire header if its id is a known purchase version; else None (slow
    path, which explains). Every known version has the six fast-path fields as v1 does."""
    schema_id = wire_schema_id(value)
    if schema_id is None or len(value) > max_message_bytes:
        return None
    version, _ = schema_versions.resolve(schema_id)
    return value[HEADER_BYTES:] if version is not None else None


def _ranges(topic: str, partitions: pa.Array, offsets: pa.Array) -> list[OffsetRange]:
    bounds = (
        pa.table({"p": partitions, "o": offsets})
        .group_by("p")
        .aggregate([("o", "min"), ("o", "max")])
        .sort_by("p")
        .to_pylist()
    )
    return [OffsetRange(topic, b["p"], b["o_min"], b["o_max"] + 1) for b in bounds]


def _fast_rows(
    columns: list[pa.Array], partitions: pa.Array, offsets: pa.Array, index: list[int] | None
) -> pa.Table:
    """``index``: the message position of each row; None when the rows are all the messages."""
    if not columns:
        return ROW_SCHEMA.empty_table()
    if index is not None:
        take = pa.array(index, pa.int64())
        partitions, offsets = partitions.take(take), offsets.take(take)
    seller = pa.nulls(len(columns[0]), pa.string())
    return pa.Table.from_arrays([*columns, seller, partitions, offsets], schema=ROW_SCHEMA)


def _decode_one_by_one(
    messages: list[Message], max_message_bytes: int, schema_versions: SchemaVersions | None
) -> tuple[pa.Table, list[DeadLetter]]:
    rows: list[tuple[Any, ...]] = []
    letters: list[DeadLetter] = []
    for message in messages:
        value = message.value()
        if value is None:
            letters.append(DeadLetter.of(message, "$: empty message (no value)"))
            continue
        if len(value) > max_message_bytes:
            reason = f"$: message of {len(value)} bytes is over the limit of {max_message_bytes}"
            letters.append(DeadLetter.of(message, reason))
            continue
        schema_id = wire_schema_id(value)
        if schema_id is None:
            version = schema_version(message.headers())
        elif schema_versions is None:
            reason = f"$: Confluent wire format (schema id {schema_id}) needs a schema registry"
            letters.append(DeadLetter.of(message, reason))
            continue
        else:
            found, reason = schema_versions.resolve(schema_id)
            if found is None:
                letters.append(DeadLetter.of(message, reason))
                continue
            version, value = found, value[HEADER_BYTES:]
        row = decode_purchase(value, version)
        if isinstance(row, str):
            letters.append(DeadLetter.of(message, reject_reason(value, version, row)))
            continue
        rows.append((*row, message.partition(), message.offset()))
    if not rows:
        return ROW_SCHEMA.empty_table(), letters
    columns = zip(*rows, strict=True)
    arrays = [pa.array(values, type=f.type) for values, f in zip(columns, ROW_SCHEMA, strict=True)]
    return pa.Table.from_arrays(arrays, schema=ROW_SCHEMA), letters
