"""The demo's round trip through every system, on the real local stack."""

from __future__ import annotations

from shop_analytics.cli.roundtrip import run_roundtrip
from shop_analytics.contracts.purchase import SPEC_EXAMPLE
from shop_analytics.resources import build_resources
from shop_analytics.settings import Settings


def test_roundtrip_touches_every_system_and_is_idempotent(stack: Settings) -> None:
    lines: list[str] = []
    run_roundtrip(stack, echo=lines.append)
    run_roundtrip(stack, echo=lines.append)  # a second run leaves one row per id

    for system in ("postgres", "kafka", "lake", "clickhouse", "spark"):
        assert sum(line.startswith(f"[{system}] done") for line in lines) == 2

    resources = build_resources(stack.as_environment().__getitem__)
    clients = resources["postgres"].fetch(
        "SELECT count(*) AS n FROM clients WHERE client_id = %s", (SPEC_EXAMPLE["client_id"],)
    )
    assert clients == [{"n": 1}]
    with resources["clickhouse"].session() as client:
        rows = client.query(
            "SELECT quantity, price FROM purchases FINAL WHERE purchase_id = %(id)s",
            parameters={"id": SPEC_EXAMPLE["purchase_id"]},
        ).result_rows
    assert rows == [(SPEC_EXAMPLE["quantity"], SPEC_EXAMPLE["price"])]
