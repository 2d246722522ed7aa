"""Batches of clients, sellers and products: read all or nothing, answered item by item.

The same rules as `POST /api/purchases:batch`: the body is a JSON array of the single POST's
bodies; one invalid item makes the whole batch a 400 naming `<index>.<field>` and nothing is
written; otherwise each item is `accepted` (written now, or already stored with these values:
a repeated batch gets the same answer) or a `conflict` (its id holds other values).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, Literal, NamedTuple, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from api.errors import ApiError, validation_error
from api.request_body import nul_text_errors
from shop_analytics.contracts import field_errors

M = TypeVar("M", bound=BaseModel)
ItemStatus = Literal["accepted", "conflict"]


class ItemOutcome(NamedTuple):
    """What happened to one item; `message` says why a conflict is one."""

    status: ItemStatus
    message: str | None = None


ACCEPTED = ItemOutcome("accepted")


def conflict(key_name: str, key: object) -> ItemOutcome:
    return ItemOutcome(
        "conflict", f"{key_name} {key} already exists with different values; use PUT or PATCH"
    )


@cache
def _list_adapter(model: type[BaseModel]) -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def read_entity_batch(
    model: type[M], raw: bytes, limit: int, *, postgres_text: bool = False
) -> list[M]:
    """The items of a JSON array body; 400 naming `<index>.<field>`, 413 past `limit` items.

    `postgres_text`: also refuse text PostgreSQL cannot store (NUL), like the single POST.
    """
    try:
        items: list[M] = _list_adapter(model).validate_json(raw)
    except ValidationError as error:
        raise validation_error(field_errors(error)) from None
    if len(items) > limit:
        raise ApiError(413, f"{len(items)} items in one batch; at most {limit} are accepted")
    # JSON can only carry NUL escaped, so a body without the escape needs no look at each item.
    if postgres_text and b"\\u0000" in raw:
        errors = [
            problem
            for index, item in enumerate(items)
            for problem in nul_text_errors(item.model_dump(), f"{index}.")
        ]
        if errors:
            raise validation_error(errors)
    return items


def first_of_each_key(keys: Sequence[object]) -> dict[object, int]:
    """Each distinct key and the index of its first occurrence, in order."""
    firsts: dict[object, int] = {}
    for index, key in enumerate(keys):
        firsts.setdefault(key, index)
    return firsts


def settle_repeats(
    keys: Sequence[object],
    values: Sequence[object],
    settled: Mapping[Any, ItemOutcome],
    key_name: str,
) -> list[ItemOutcome]:
    """One outcome per item: a key repeated within the batch with the same values shares the
    first item's outcome, with other values it is a conflict (as if sent one after the other)."""
    firsts = first_of_each_key(keys)
    outcomes: list[ItemOutcome] = []
    for index, key in enumerate(keys):
        first = firsts[key]
        if first == index or values[index] == values[first]:
            outcomes.append(settled[key])
        else:
            outcomes.append(conflict(key_name, key))
    return outcomes


def batch_answer(
    key_name: str, keys: Sequence[object], outcomes: Sequence[ItemOutcome]
) -> dict[str, Any]:
    """`{"accepted", "rejected", "results": [{"index", <key_name>, "status", "message"?}]}`."""
    results: list[dict[str, Any]] = []
    for index, (key, outcome) in enumerate(zip(keys, outcomes, strict=True)):
        item: dict[str, Any] = {"index": index, key_name: str(key), "status": outcome.status}
        if outcome.message is not None:
            item["message"] = outcome.message
        results.append(item)
    accepted = sum(outcome.status == "accepted" for outcome in outcomes)
    return {"accepted": accepted, "rejected": len(outcomes) - accepted, "results": results}
