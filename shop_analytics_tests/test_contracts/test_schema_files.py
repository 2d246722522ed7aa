"""The checked-in schema files: generated from the models, equal to the spec where it has one."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import fastavro
import pytest

from shop_analytics.contracts import export
from shop_analytics.contracts.schema_files import SCHEMA_DIR, read_schema_json, read_schema_text
from shop_analytics_tests.test_contracts import spec_text

EXPECTED = export.render_all()


def _sql_statement(text: str) -> str:
    """SQL without comment lines and with whitespace runs collapsed."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("--")]
    return re.sub(r"\s+", " ", " ".join(lines)).strip()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_checked_in_file_matches_models(name: str) -> None:
    path = SCHEMA_DIR / name
    assert path.is_file(), f"{name} is missing: run `{export.EXPORT_COMMAND}`"
    assert path.read_text(encoding="utf-8") == EXPECTED[name], (
        f"{name} differs from the models: run `{export.EXPORT_COMMAND}` and commit the result"
    )


def test_no_orphan_schema_files() -> None:
    # A file no model generates any more would still look authoritative to a reader.
    on_disk = {path.name for path in SCHEMA_DIR.iterdir() if path.is_file()}
    assert on_disk == set(EXPECTED)


def test_export_check_mode_reports_drift(tmp_path: Path) -> None:
    assert export.main(["--dir", str(tmp_path), "--check"]) == 1
    assert export.main(["--dir", str(tmp_path)]) == 0
    assert export.main(["--dir", str(tmp_path), "--check"]) == 0
    (tmp_path / "clients.sql").write_text("CREATE TABLE clients ();\n", encoding="utf-8")
    assert export.stale_files(tmp_path) == ["clients.sql"]


def test_product_avro_is_the_spec_schema() -> None:
    assert read_schema_json("product.avsc") == json.loads(spec_text.PRODUCT_AVRO)


# The spec's example product (sections 5 and 6) as an Avro record; timestamp-millis keeps the ms.
SPEC_PRODUCT = {
    "product_id": "543e2198-e89b-12d3-a456-426614174000",
    "name": "Смартфон",
    "category": "Электроника",
    "price": 499.99,
    "available_stock": 7,
    "updated_at": datetime(2025, 4, 6, 12, 0, 0, 123000, tzinfo=UTC),
}


def test_product_avro_round_trips_a_record() -> None:
    schema = fastavro.parse_schema(read_schema_json("product.avsc"))
    record = SPEC_PRODUCT
    buffer = io.BytesIO()
    fastavro.writer(buffer, schema, [record])
    buffer.seek(0)
    assert list(fastavro.reader(buffer)) == [record]


def test_product_v2_reader_reads_v1_data() -> None:
    # Avro schema resolution: data written with v1 must stay readable with the v2 schema.
    v1 = fastavro.parse_schema(read_schema_json("product.avsc"))
    v2 = fastavro.parse_schema(read_schema_json("product.v2.avsc"))
    record = SPEC_PRODUCT
    buffer = io.BytesIO()
    fastavro.writer(buffer, v1, [record])
    buffer.seek(0)
    assert list(fastavro.reader(buffer, reader_schema=v2)) == [{**record, "seller_id": None}]


def test_clients_ddl_is_the_spec_ddl() -> None:
    assert _sql_statement(read_schema_text("clients.sql")) == _sql_statement(spec_text.CLIENTS_DDL)


def test_sellers_ddl() -> None:
    assert _sql_statement(read_schema_text("sellers.sql")) == _sql_statement(
        """CREATE TABLE sellers (
            seller_id UUID PRIMARY KEY,
            name VARCHAR(200) NOT NULL,
            email VARCHAR(150),
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
        );"""
    )


def test_purchase_json_schemas_have_the_spec_fields() -> None:
    for version in ("v1", "v2"):
        schema = read_schema_json(f"purchase.{version}.schema.json")
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"].endswith(f"purchase.{version}")
        assert schema["version"] == version
        assert schema["required"] == spec_text.PURCHASE_REQUIRED
        assert schema["additionalProperties"] is False
        for name, (json_type, json_format) in spec_text.PURCHASE_PROPERTY_TYPES.items():
            assert schema["properties"][name]["type"] == json_type
            assert schema["properties"][name].get("format") == json_format
    v1 = read_schema_json("purchase.v1.schema.json")
    v2 = read_schema_json("purchase.v2.schema.json")
    assert list(v1["properties"]) == spec_text.PURCHASE_REQUIRED
    assert list(v2["properties"]) == [*spec_text.PURCHASE_REQUIRED, "seller_id"]
    assert v2["properties"]["seller_id"]["type"] == ["string", "null"]
    assert v2["properties"]["seller_id"]["format"] == "uuid"


def test_clickhouse_ddl_creates_a_deduplicating_table(tmp_path: Path) -> None:
    # chDB is ClickHouse in-process, not a service. It runs in a child process because it allows
    # one data directory per process, and other tests may open their own.
    script = """
import sys, uuid, datetime
import clickhouse_connect
from shop_analytics.contracts.clickhouse_ddl import clickhouse_purchase_columns
from shop_analytics.contracts.schema_files import read_schema_text
client = clickhouse_connect.get_client(dsn="chdb://" + sys.argv[1])
client.command(read_schema_text("clickhouse_purchases.sql"))
stamp = datetime.datetime(2025, 4, 6, 12, tzinfo=datetime.timezone.utc)
row = [uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), 2, 49.99, stamp, None, 0, 5]
names = [c for c in clickhouse_purchase_columns() if c != "_ingested_at"]
for _ in range(2):  # a retried batch with the same token is dropped
    client.insert("purchases", [row], column_names=names,
                  settings={"insert_deduplication_token": "purchases-0-5-5"})
client.insert("purchases", [row], column_names=names)  # a replay after the window: replaced
print(client.query("SELECT count() FROM purchases FINAL").result_rows[0][0])
client.close()
"""
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "chdb")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"
