"""`shop-analytics load`: JSON Lines files into every store, through the API's batch code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner, Result

from shop_analytics.cli import main
from shop_analytics.resources import LakeResource, PostgresResource
from shop_analytics_tests.test_api.conftest import ApiPlace, purchase_body
from shop_analytics_tests.test_api.test_entity_batches import ENTITIES
from shop_analytics_tests.test_api.test_purchases import _messages_with_keys

KEYS = {**{kind: key for kind, (key, _body, _change) in ENTITIES.items()},
        "purchases": "purchase_id"}  # fmt: skip


def _records(kind: str, count: int) -> list[dict[str, Any]]:
    if kind == "purchases":
        return [purchase_body(timestamp="1997-06-01T12:00:00Z") for _ in range(count)]
    return [ENTITIES[kind][1]() for _ in range(count)]


def _write(path: Path, records: list[dict[str, Any]], bad: dict[int, bytes] | None = None) -> Path:
    lines = [orjson.dumps(record) for record in records]
    for index, line in (bad or {}).items():
        lines[index] = line
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _load(place: ApiPlace, *args: str) -> Result:
    return CliRunner().invoke(main, ["load", *args], env=place.environment())


def _stored_ids(place: ApiPlace, kind: str, ids: list[str]) -> set[str]:
    if kind == "purchases":
        return {m.key().decode() for m in _messages_with_keys(place, set(ids))}
    if kind == "products":
        lake: LakeResource = place.resources()["lake"]
        if not lake.exists("products"):
            return set()
        return set(lake.read("products")["product_id"].to_pylist()) & set(ids)
    postgres: PostgresResource = place.resources()["postgres"]
    query = f"SELECT {KEYS[kind]}::text AS id FROM {kind} WHERE {KEYS[kind]} = ANY(%s::uuid[])"
    return {row["id"] for row in postgres.fetch(query, (ids,))}


@pytest.mark.parametrize("kind", ["clients", "sellers", "products", "purchases"])
def test_a_file_loads_in_batches_and_a_rerun_changes_nothing(
    place: ApiPlace,
    tmp_path: Path,
    kind: str,
) -> None:
    records = _records(kind, 25)
    path = _write(tmp_path / f"{kind}.jsonl", records)

    first = _load(place, kind, str(path), "--batch-size", "10")
    again = _load(place, kind, str(path), "--batch-size", "7")

    assert first.exit_code == 0, first.output
    assert f"loaded 25 {kind}" in first.stdout and "(25 accepted)" in first.stdout
    assert f"{kind}: 25/25 records" in first.stderr  # the progress line
    assert again.exit_code == 0, again.output
    ids = [record[KEYS[kind]] for record in records]
    assert _stored_ids(place, kind, ids) == set(ids)


@pytest.mark.parametrize("kind", ["clients", "sellers", "products", "purchases"])
def test_a_bad_line_is_named_and_nothing_is_loaded(
    place: ApiPlace,
    tmp_path: Path,
    kind: str,
) -> None:
    records = _records(kind, 30)
    bad_record = {**records[16], "unexpected": 1}
    path = _write(
        tmp_path / f"{kind}.jsonl",
        records,
        {16: orjson.dumps(bad_record), 24: b"{not json"},
    )

    result = _load(place, kind, str(path), "--batch-size", "10")

    assert result.exit_code == 1
    assert "line 17: unexpected: Extra inputs are not permitted" in result.stderr
    assert "line 25: not valid JSON" in result.stderr
    assert "nothing was loaded" in result.stderr
    ids = [record[KEYS[kind]] for record in records]
    assert _stored_ids(place, kind, ids) == set()


def test_a_conflicting_record_is_reported_by_line(
    place: ApiPlace,
    tmp_path: Path,
) -> None:
    records = _records("clients", 5)
    assert _load(place, "clients", str(_write(tmp_path / "a.jsonl", records))).exit_code == 0
    changed = [*records[:3], {**records[3], "first_name": "Другое"}, records[4]]

    result = _load(place, "clients", str(_write(tmp_path / "b.jsonl", changed)))

    assert result.exit_code == 1
    assert "line 4: client_id" in result.stderr and "different values" in result.stderr
    assert "1 records conflict with stored ones (the other 4 are loaded)" in result.stderr
