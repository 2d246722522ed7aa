"""The fast validation paths agree with the pydantic contract, message by message and in batches."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from confluent_kafka import Message
from pydantic import ValidationError

from shop_analytics.contracts import SCHEMA_VERSION_HEADER, parse_purchase
from shop_analytics.contracts.purchase_check import PurchaseRow, decode_purchase
from shop_analytics.streaming.purchase_batch import decode_batch
from shop_analytics_tests.test_contracts.cases import BAD, GOOD_V1, GOOD_V2_ONLY, SPEC_MESSAGE

CASES: dict[str, dict[str, Any]] = {
    **GOOD_V1,
    **GOOD_V2_ONLY,
    **{name: case for name, (case, _field) in BAD.items()},
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def expected_row(payload: bytes, version: str) -> PurchaseRow | None:
    """What the contract says: the stored row of a valid message, None for a refused one."""
    try:
        model = parse_purchase(payload, version)
    except ValidationError:
        return None
    seller = getattr(model, "seller_id", None)
    return PurchaseRow(
        str(model.purchase_id),
        str(model.client_id),
        str(model.product_id),
        model.quantity,
        model.price,
        (model.timestamp - _EPOCH) // timedelta(milliseconds=1),
        None if seller is None else str(seller),
    )


def kafka_message(value: bytes | None, offset: int, version: str | None) -> Message:
    headers = None if version is None else [(SCHEMA_VERSION_HEADER, version.encode())]
    return Message(topic="t", partition=0, offset=offset, value=value, headers=headers)


def batch_rows(payloads: list[bytes], version: str | None) -> dict[int, PurchaseRow | str]:
    """Offset -> stored row or dead-letter reason, through the batch path."""
    batch = decode_batch(
        [kafka_message(p, i, version) for i, p in enumerate(payloads)], max_message_bytes=4096
    )
    found: dict[int, PurchaseRow | str] = {}
    for row in batch.rows.to_pylist():
        moment = row["timestamp"]
        found[row["_offset"]] = PurchaseRow(
            row["purchase_id"],
            row["client_id"],
            row["product_id"],
            row["quantity"],
            row["price"],
            (moment - _EPOCH) // timedelta(milliseconds=1),
            row["seller_id"],
        )
    for letter in batch.dead_letters:
        found[letter.offset] = letter.reason
    assert len(found) == len(payloads)
    return found


@pytest.mark.parametrize("version", ["v1", "v2"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_per_message_check_matches_contract(name: str, version: str) -> None:
    payload = orjson.dumps(CASES[name])
    want = expected_row(payload, version)
    got = decode_purchase(payload, version)
    if want is None:
        assert isinstance(got, str), f"{name} must be refused under {version}"
    else:
        assert got == want


@pytest.mark.parametrize("version", ["v1", "v2", None])
@pytest.mark.parametrize("name", sorted(CASES))
def test_batch_path_matches_contract(name: str, version: str | None) -> None:
    # Beside a plain valid message, so that the columnar fast path is exercised around it.
    payloads = [orjson.dumps(SPEC_MESSAGE), orjson.dumps(CASES[name])]
    found = batch_rows(payloads, version)
    want = expected_row(payloads[1], version or "v1")
    assert found[0] == expected_row(payloads[0], "v1")
    if want is None:
        assert isinstance(found[1], str)
        if name in BAD:
            assert BAD[name][1] in found[1], "the reason names the wrong field"
    else:
        assert found[1] == want


def test_a_batch_of_every_good_case_and_one_impossible_date() -> None:
    # The impossible date makes Arrow refuse the whole column: every row must still be right.
    goods = [orjson.dumps(case) for case in GOOD_V1.values()]
    payloads = [*goods, orjson.dumps({**SPEC_MESSAGE, "timestamp": "2025-02-29T12:00:00Z"})]
    found = batch_rows(payloads, None)
    assert [found[i] for i in range(len(goods))] == [expected_row(p, "v1") for p in goods]
    assert isinstance(found[len(goods)], str)
    assert "timestamp" in found[len(goods)]


def random_timestamp(rng: random.Random) -> str:
    # Around the time bounds (1990 .. now + 1 day) and the stores' own limits.
    year = rng.choice([1899, 1900, 1969, 1989, 1990, 1997, 2024, 2025, 2261, 2263, 2299, 2300])
    text = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 31):02d}"
    text += rng.choice("Tt ") + f"{rng.randint(0, 24):02d}:{rng.randint(0, 59):02d}:"
    text += f"{rng.randint(0, 60):02d}" + rng.choice(["", ".5", ".123456", ".1234567891"])
    zone = rng.choice(["Z", "z", "", "+03:00", "-05:30", "+24:00", "+00:60", "+0300"])
    return text + zone


def random_message(rng: random.Random) -> dict[str, Any]:
    message = dict(SPEC_MESSAGE)
    message["timestamp"] = random_timestamp(rng)
    message["quantity"] = rng.choice([1, 0, -3, 7, 2.0, 2.5, True, "3", 2**31 - 1, 2**31])
    message["price"] = rng.choice([0, 0.0, -0.0, 9.99, -1, 1e300, "1", False, None])
    if rng.random() < 0.1:
        message["purchase_id"] = rng.choice(["X" * 36, SPEC_MESSAGE["purchase_id"].upper(), 5])
    return message


def test_random_messages_agree_with_contract_in_both_paths() -> None:
    rng = random.Random(20251126)
    payloads = [orjson.dumps(random_message(rng)) for _ in range(3000)]
    found = batch_rows(payloads, None)
    for offset, payload in enumerate(payloads):
        want = expected_row(payload, "v1")
        one = decode_purchase(payload, "v1")
        if want is None:
            assert isinstance(one, str), payload
            assert isinstance(found[offset], str), payload
        else:
            assert one == want, payload
            assert found[offset] == want, payload


def test_messages_the_contract_cannot_judge_become_dead_letters() -> None:
    big = orjson.dumps({**SPEC_MESSAGE, "pad": "x" * 5000})
    confluent = b"\x00\x00\x00\x00\x07" + orjson.dumps(SPEC_MESSAGE)
    messages = [
        kafka_message(b"{not json", 0, None),
        kafka_message(orjson.dumps(SPEC_MESSAGE), 1, "v3"),
        kafka_message(big, 2, None),
        kafka_message(None, 3, None),
        kafka_message(confluent, 4, None),
        kafka_message(orjson.dumps([SPEC_MESSAGE]), 5, None),
    ]
    batch = decode_batch(messages, max_message_bytes=4096)
    reasons = {letter.offset: letter.reason for letter in batch.dead_letters}
    assert batch.rows.num_rows == 0
    assert "JSON" in reasons[0]
    assert "unknown purchase schema version 'v3'" in reasons[1]
    assert "over the limit of 4096" in reasons[2]
    assert "empty message" in reasons[3]
    assert "schema id 7" in reasons[4]
    assert reasons[5].startswith("$")
    assert [(r.start, r.end) for r in batch.ranges] == [(0, 6)]
