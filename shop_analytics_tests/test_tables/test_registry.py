"""The table registry: every contract entity has its tables, with DDL taken from the contracts,
and provisioning creates what is missing, then nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shop_analytics.cli.runner import run_with_settings
from shop_analytics.contracts.arrow_schemas import product_arrow_schema
from shop_analytics.contracts.clickhouse_ddl import (
    CLICKHOUSE_PURCHASES_TABLE,
    clickhouse_purchase_columns,
    clickhouse_purchases_ddl,
)
from shop_analytics.contracts.postgres_ddl import POSTGRES_TABLES as CONTRACT_POSTGRES_TABLES
from shop_analytics.contracts.postgres_ddl import postgres_ddl
from shop_analytics.resources import ClickHouseResource
from shop_analytics.settings import Settings
from shop_analytics.streaming.clickhouse_sink import ClickHouseSink
from shop_analytics.tables.clickhouse import TABLES as CLICKHOUSE_MARTS
from shop_analytics.tables.lake import PRODUCTS_TABLE
from shop_analytics.tables.missing import TableMissing, missing_table_line
from shop_analytics.tables.registry import (
    CLICKHOUSE_TABLES,
    LAKE_TABLES,
    POSTGRES_TABLES,
    provision_clickhouse,
)

REPO = Path(__file__).resolve().parents[2]


def test_every_contract_entity_has_its_tables_with_the_contracts_ddl() -> None:
    # Purchase: the ClickHouse fact, exactly the contract's DDL.
    assert CLICKHOUSE_TABLES[CLICKHOUSE_PURCHASES_TABLE] == clickhouse_purchases_ddl().rstrip(";\n")
    # Client and seller: PostgreSQL, exactly the contract's DDL.
    for name in CONTRACT_POSTGRES_TABLES:
        assert POSTGRES_TABLES[name] == postgres_ddl(name).rstrip(";\n")
    # Product: the Delta table, with the contract's Arrow schema.
    assert LAKE_TABLES[PRODUCTS_TABLE].equals(product_arrow_schema("v2"))
    # Every snapshot and mart of the ClickHouse table module is provisioned too.
    assert set(CLICKHOUSE_MARTS) <= set(CLICKHOUSE_TABLES)
    assert {"client_metrics", "api_idempotency"} <= set(POSTGRES_TABLES)


def test_registry_ddl_creates_plainly() -> None:
    # Provisioning decides what is missing; a guard in the DDL would hide a second creator.
    for ddl in [*CLICKHOUSE_TABLES.values(), *POSTGRES_TABLES.values()]:
        assert "IF NOT EXISTS" not in ddl.upper()
        assert ddl.lstrip().upper().startswith("CREATE TABLE ")


def test_no_component_creates_tables_on_first_use() -> None:
    # Only the registry and the modules it takes its DDL from say CREATE TABLE.
    owners = {"contracts", "tables"}
    creating = []
    for folder in ("shop_analytics", "api"):
        for path in (REPO / folder).rglob("*.py"):
            text = path.read_text()
            if re.search(r"CREATE TABLE (IF NOT EXISTS )?[a-z_]", text) and not (
                owners & set(path.relative_to(REPO).parts)
            ):
                creating.append(str(path.relative_to(REPO)))
    assert creating == []


def test_provisioning_a_fresh_chdb_creates_every_table_then_nothing(tmp_path: Path) -> None:
    clickhouse = ClickHouseResource(dsn=f"chdb://{tmp_path / 'clickhouse'}")
    assert provision_clickhouse(clickhouse) == list(CLICKHOUSE_TABLES)
    assert provision_clickhouse(clickhouse) == []
    with clickhouse.session() as client:
        columns = client.query(
            "SELECT name FROM system.columns WHERE table = 'purchases' ORDER BY position"
        ).result_rows
    assert [row[0] for row in columns] == clickhouse_purchase_columns()


def test_a_missing_table_is_one_line_naming_provision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clickhouse = ClickHouseResource(dsn=f"chdb://{tmp_path / 'clickhouse'}")

    def report(_settings: Settings) -> None:
        with clickhouse.session() as client:
            client.query("SELECT count() FROM sales_daily")

    with pytest.raises(SystemExit) as exited:
        run_with_settings(report)
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "run `shop-analytics provision`" in err
    assert err.count("\n") == 1


def test_the_sink_on_an_unprovisioned_chdb_stops_with_the_provision_line(tmp_path: Path) -> None:
    clickhouse = ClickHouseResource(dsn=f"chdb://{tmp_path / 'clickhouse'}")
    with clickhouse.session() as client, pytest.raises(TableMissing) as missing:
        ClickHouseSink(client)
    assert missing_table_line(missing.value) == (
        "ClickHouse table purchases: the table is missing: run `shop-analytics provision` "
        "(or `shop-analytics up`)"
    )
    provision_clickhouse(clickhouse)
    with clickhouse.session() as client:
        assert ClickHouseSink(client).table == "purchases"
