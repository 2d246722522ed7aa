"""The purchase kernel's reading of API bodies gives exactly what the pydantic contract gives.

The canonical message's SHA-256 decides between "the same purchase again" and a 409, so the
fast path must produce the very bytes `contracts.purchase_message` writes, and refuse with the
very field errors pydantic reports.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import orjson
import pytest
from pydantic import TypeAdapter, ValidationError

from api.errors import ApiError
from api.purchase_reading import read_batch, read_purchase
from shop_analytics.contracts import PurchaseV2, field_errors, purchase_message
from shop_analytics.contracts.purchase_check import FIELDS_BY_VERSION, PurchaseRow, check_purchase
from shop_analytics.contracts.purchase_encoding import EncodedPurchase, encode_row
from shop_analytics_tests.test_contracts.cases import (
    BAD,
    GOOD_V1,
    GOOD_V2_ONLY,
    OUT_OF_BOUNDS,
    SPEC_MESSAGE,
)
from shop_analytics_tests.test_streaming.test_decoding import random_message

GOOD = {**GOOD_V1, **GOOD_V2_ONLY}
_LIST: TypeAdapter[list[PurchaseV2]] = TypeAdapter(list[PurchaseV2])


def contract_read(payload: bytes) -> EncodedPurchase | list[dict[str, str]]:
    """What pydantic makes of one body: the published message, or the 400's field errors."""
    try:
        model = PurchaseV2.model_validate_json(payload)
    except ValidationError as error:
        return [dict(e) for e in field_errors(error)]
    version = "v1" if model.seller_id is None else "v2"
    return EncodedPurchase(str(model.purchase_id), purchase_message(model), version)


def api_read(payload: bytes) -> EncodedPurchase | list[dict[str, str]]:
    try:
        return read_purchase(payload)
    except ApiError as error:
        assert error.status == 400
        return [dict(e) for e in error.errors or []]


def fast_row(message: Any) -> PurchaseRow | None:
    row = check_purchase(message, FIELDS_BY_VERSION["v2"])
    return row if isinstance(row, PurchaseRow) else None


@pytest.mark.parametrize("name", sorted(GOOD))
def test_fast_path_writes_the_contracts_message(name: str) -> None:
    payload = orjson.dumps(GOOD[name])
    row = fast_row(GOOD[name])
    assert row is not None, "every good case of the contract takes the fast path"
    assert encode_row(row, GOOD[name]["timestamp"]) == contract_read(payload)
    assert read_purchase(payload) == contract_read(payload)


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_bodies_get_the_contracts_field_errors(name: str) -> None:
    payload = orjson.dumps(BAD[name][0])
    refused = api_read(payload)
    assert refused == contract_read(payload)
    assert isinstance(refused, list)
    assert BAD[name][1] in {error["field"] for error in refused}


def valid_timestamp(rng: random.Random) -> str:
    """A valid timestamp in any of the forms the contract allows (canonical or not)."""
    # Mostly inside the time bounds (1990 .. now + 1 day), where the fast check answers.
    first, last = rng.choice([(1990, 2025), (1990, 2025), (1990, 2025), (1, 9998)])
    start = datetime(first, 1, 1)
    moment = start + timedelta(
        seconds=rng.randint(0, (datetime(last, 12, 31) - start).days * 86400)
    )
    text = moment.strftime("%Y-%m-%d") + rng.choice("TTTt") + moment.strftime("%H:%M:%S")
    if rng.random() < 0.3:
        text += "." + "".join(rng.choice("0000123456789") for _ in range(rng.randint(1, 9)))
    zone = rng.choice(["Z", "Z", "z", "+00:00", "-00:00", "+03:00", "-05:30", "+14:00"])
    return text + zone


def test_random_bodies_agree_with_the_contract() -> None:
    rng = random.Random(20251126)
    fast = 0
    for _ in range(3000):
        message = random_message(rng)  # mostly invalid: the verdicts must agree
        if rng.random() < 0.6:  # valid: the canonical messages must agree byte for byte
            message["timestamp"] = valid_timestamp(rng)
            message["quantity"] = rng.choice([1, 2.0, rng.randint(1, 2**31 - 1)])
            message["price"] = rng.choice(
                [
                    0,
                    50,
                    49.99,
                    1e-7,
                    0.1 + 0.2,
                    2**53 + 1.0,
                    rng.random() * 10 ** rng.randint(0, 300),
                ]
            )
        if rng.random() < 0.3:
            message["seller_id"] = rng.choice([None, SPEC_MESSAGE["client_id"].upper(), "x"])
        payload = orjson.dumps(message)
        assert api_read(payload) == contract_read(payload), payload
        fast += fast_row(message) is not None
    assert fast > 1000, "the random cases must exercise the fast path too"


def test_a_batch_is_read_like_its_items_and_refused_with_indexed_fields() -> None:
    goods = list(GOOD.values())
    payload = orjson.dumps(goods)
    assert read_batch(payload) == [contract_read(orjson.dumps(item)) for item in goods]

    bad = [*goods[:2], BAD["uuid not hex"][0], goods[2], BAD["naive timestamp"][0]]
    with pytest.raises(ApiError) as refused:
        read_batch(orjson.dumps(bad))
    with pytest.raises(ValidationError) as contract:
        _LIST.validate_json(orjson.dumps(bad))
    assert refused.value.errors == field_errors(contract.value)
    assert {e["field"] for e in refused.value.errors or []} == {"2.purchase_id", "4.timestamp"}


@pytest.mark.parametrize("body", [b"", b"{", b"[]", b"null", b'{"quantity": 1e999}', b"[1]"])
def test_what_orjson_cannot_read_is_judged_by_pydantic(body: bytes) -> None:
    assert api_read(body) == contract_read(body)


@pytest.mark.parametrize("name", sorted(OUT_OF_BOUNDS))
def test_timestamps_outside_the_bounds_are_refused_by_both_paths(name: str) -> None:
    message = OUT_OF_BOUNDS[name]
    fast = check_purchase(message, FIELDS_BY_VERSION["v2"])
    assert isinstance(fast, str) and fast.startswith("timestamp: "), "the fast check refuses"
    refused = api_read(orjson.dumps(message))
    assert refused == contract_read(orjson.dumps(message)), "and pydantic says the same"
    assert isinstance(refused, list)
    (error,) = refused
    assert error["field"] == "timestamp"
    # The reason names the bound: the history start, or the day's tolerance after now.
    assert "1990-01-01T00:00:00Z" in error["reason"] or "24 hours after" in error["reason"]
    with pytest.raises(ApiError) as batch:
        read_batch(orjson.dumps([SPEC_MESSAGE, message]))
    assert [e["field"] for e in batch.value.errors or []] == ["1.timestamp"]


def test_a_row_without_its_text_is_written_in_utc_as_pydantic_writes_it() -> None:
    """The seed's path: rows rendered from epoch ms, with and without milliseconds."""
    rng = random.Random(3)
    for _ in range(500):
        message = random_message(rng)
        millis = rng.randint(631_152_000_000, 1_750_000_000_000)  # 1990 .. 2025
        if rng.random() < 0.5:
            millis -= millis % 1000
        message["timestamp"] = (datetime(1970, 1, 1) + timedelta(milliseconds=millis)).strftime(
            "%Y-%m-%dT%H:%M:%S.%fZ"
        )
        row = fast_row(message)
        if row is None:
            continue
        assert row.timestamp_ms == millis
        assert encode_row(row) == contract_read(orjson.dumps(message))
