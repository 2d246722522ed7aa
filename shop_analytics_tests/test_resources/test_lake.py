"""LakeResource: Delta tables on the real local S3 server and in a local folder."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from shop_analytics.resources.lake import LakeResource
from shop_analytics.settings import Settings
from shop_analytics_tests.test_resources.helpers import closed_port, silent_port

PRODUCT_SCHEMA = pa.schema(
    [
        ("product_id", pa.string()),
        ("name", pa.string()),
        ("category", pa.string()),
        ("price", pa.float64()),
        ("available_stock", pa.int32()),
        ("updated_at", pa.timestamp("us", tz="UTC")),
    ]
)


def products(*rows: tuple[str, str, float, int]) -> pa.Table:
    """Products (id, name, price, stock) in the spec's Avro shape."""
    at = datetime(2025, 4, 6, 12, 0, tzinfo=UTC)
    return pa.Table.from_pylist(
        [
            {
                "product_id": pid,
                "name": name,
                "category": "tea",
                "price": price,
                "available_stock": stock,
                "updated_at": at,
            }
            for pid, name, price, stock in rows
        ],
        schema=PRODUCT_SCHEMA,
    )


def by_id(table: pa.Table) -> dict[str, tuple[float, int]]:
    return {row["product_id"]: (row["price"], row["available_stock"]) for row in table.to_pylist()}


@pytest.fixture
def s3_lake(stack: Settings) -> LakeResource:
    # A prefix per test: the stack keeps its data between sessions.
    return LakeResource(
        root=f"{stack.lake_root}/tests/{uuid.uuid4().hex[:12]}",
        endpoint_url=stack.s3_endpoint_url,
        access_key_id=stack.s3_access_key,
        secret_access_key=stack.s3_secret_key,
        region=stack.s3_region,
    )


@pytest.fixture
def folder_lake(tmp_path: Path) -> LakeResource:
    return LakeResource(root=str(tmp_path / "lake"))


@pytest.fixture(params=["s3_lake", "folder_lake"])
def lake(request: pytest.FixtureRequest) -> LakeResource:
    resource: LakeResource = request.getfixturevalue(request.param)
    return resource


@pytest.mark.stack  # the s3_lake case needs the local S3 server
def test_write_merge_and_time_travel(lake: LakeResource) -> None:
    first = products(("p1", "green", 3.5, 10), ("p2", "black", 4.0, 5))
    assert lake.write("products", first) == 0

    metrics = lake.merge(
        "products",
        products(("p2", "black", 4.5, 7), ("p3", "white", 9.0, 1)),
        "t.product_id = s.product_id",
    )

    assert (metrics["num_target_rows_updated"], metrics["num_target_rows_inserted"]) == (1, 1)
    assert lake.version("products") == 1
    assert by_id(lake.read("products")) == {"p1": (3.5, 10), "p2": (4.5, 7), "p3": (9.0, 1)}
    # Time travel: version 0 is still the first write.
    assert by_id(lake.read("products", version=0)) == by_id(first)
    assert lake.read("products").schema == PRODUCT_SCHEMA


@pytest.mark.stack  # the s3_lake case needs the local S3 server
def test_merge_is_idempotent_and_creates_a_missing_table(lake: LakeResource) -> None:
    batch = products(("p1", "green", 3.5, 10), ("p2", "black", 4.0, 5))

    lake.merge("stage/products", batch, "t.product_id = s.product_id")
    lake.merge("stage/products", batch, "t.product_id = s.product_id")

    assert lake.exists("stage/products")
    assert by_id(lake.read("stage/products")) == by_id(batch)
    assert lake.read("stage/products").num_rows == 2


def test_storage_options() -> None:
    assert LakeResource(root="/tmp/lake").storage_options() == {}
    options = LakeResource(
        root="s3://b", endpoint_url="http://127.0.0.1:1", access_key_id="k", secret_access_key="s"
    ).storage_options()
    assert options["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
    assert options["AWS_ALLOW_HTTP"] == "true"  # inferred from the http:// endpoint
    assert (options["AWS_ACCESS_KEY_ID"], options["AWS_SECRET_ACCESS_KEY"]) == ("k", "s")
    assert "AWS_ALLOW_HTTP" not in LakeResource(root="s3://b").storage_options()


def test_folder_root_is_resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert LakeResource(root="lake").table_uri("raw/purchases") == str(
        tmp_path / "lake" / "raw" / "purchases"
    )
    assert LakeResource(root="s3://b/pre/").table_uri("/products") == "s3://b/pre/products"


def unreachable_lake(port: int, **overrides: Any) -> LakeResource:
    """A lake on a dead endpoint, with the resource's default timeouts unless overridden."""
    return LakeResource(
        root="s3://shop-lake",
        endpoint_url=f"http://127.0.0.1:{port}",
        access_key_id="k",
        secret_access_key="s",
        **overrides,
    )


def test_refused_endpoint_errors_within_seconds() -> None:
    lake = unreachable_lake(closed_port())

    for attempt in (lambda: lake.read("products"), lambda: lake.write("products", products())):
        started = time.monotonic()
        with pytest.raises(OSError, match="error sending request"):
            attempt()
        assert time.monotonic() - started < 5


def test_hung_endpoint_errors_within_the_timeouts() -> None:
    with silent_port() as port:
        lake = unreachable_lake(port, request_timeout_s=1, max_retries=1, retry_timeout_s=3)
        started = time.monotonic()
        with pytest.raises(OSError):
            lake.read("products")
        elapsed = time.monotonic() - started

    assert elapsed < 10


def test_wrong_credentials_fail_clearly(stack: Settings) -> None:
    lake = LakeResource(
        root=f"{stack.lake_root}/tests/{uuid.uuid4().hex[:12]}",
        endpoint_url=stack.s3_endpoint_url,
        access_key_id=stack.s3_access_key,
        secret_access_key="not-the-secret",
        region=stack.s3_region,
    )
    started = time.monotonic()
    with pytest.raises(Exception, match=r"(?i)403|forbidden|signature|access denied"):
        lake.write("products", products(("p1", "Green tea", 4.5, 10)))
    assert time.monotonic() - started < 20
