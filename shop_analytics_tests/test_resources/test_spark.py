"""Spark resource: Delta Lake on the real local S3 through S3A, and delta-rs on the same tables.

Starting Spark takes ~10 s, so the module shares one session; each test writes tables under a
prefix of its own. Timings are printed (``pytest -s``) for the record.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import pyarrow as pa
import pytest
from delta.tables import DeltaTable as SparkDeltaTable
from deltalake import DeltaTable, write_deltalake
from pyspark.sql import SparkSession
from pyspark.sql.functions import udf
from pyspark.sql.types import (
    DoubleType,
    IntegerType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from shop_analytics.defs.batch import metrics as batch_metrics
from shop_analytics.resources import build_resources
from shop_analytics.resources.spark import SparkResource, build_spark_config, s3a_uri
from shop_analytics.settings import Settings

# The product schema of the spec (updated_at is timestamp-millis there; a timestamp here).
PRODUCT_SCHEMA = StructType(
    [
        StructField("product_id", StringType(), False),
        StructField("name", StringType()),
        StructField("category", StringType()),
        StructField("price", DoubleType()),
        StructField("available_stock", IntegerType()),
        StructField("updated_at", TimestampType()),
    ]
)
DAY1 = datetime(2025, 4, 6, 12, 0, tzinfo=UTC)
DAY2 = datetime(2025, 4, 7, 12, 0, tzinfo=UTC)


# --- configuration: no Spark needed -------------------------------------------------------


def test_config_is_derived_without_spark(tmp_path: Path) -> None:
    jars = [tmp_path / "delta-spark_2.13-4.0.1.jar", tmp_path / "hadoop-aws-3.4.1.jar"]
    conf = build_spark_config(
        master="local[2]",
        home=tmp_path,
        jars=jars,
        s3_endpoint_url="http://127.0.0.1:9000",
        s3_access_key_id="key",
        s3_secret_access_key="secret",
        s3_region="eu-west-1",
        extra={"spark.sql.shuffle.partitions": 8, "spark.executor.memory": "2g"},
    )
    assert conf["spark.master"] == "local[2]"
    assert conf["spark.jars"] == ",".join(map(str, jars))
    assert conf["spark.sql.extensions"] == "io.delta.sql.DeltaSparkSessionExtension"
    assert conf["spark.sql.catalog.spark_catalog"].endswith("DeltaCatalog")
    assert conf["spark.hadoop.fs.s3a.endpoint"] == "http://127.0.0.1:9000"
    assert conf["spark.hadoop.fs.s3a.path.style.access"] == "true"
    assert conf["spark.hadoop.fs.s3a.connection.ssl.enabled"] == "false"
    assert conf["spark.hadoop.fs.s3a.endpoint.region"] == "eu-west-1"
    assert conf["spark.hadoop.fs.s3a.secret.key"] == "secret"
    assert conf["spark.local.dir"] == str(tmp_path / "spark" / "tmp")
    # A short-lived local JVM: client compiler and serial collector, passed at launch.
    assert conf["spark.driver.extraJavaOptions"] == "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
    # Extra options win over derived ones; values are strings as Spark stores them.
    assert conf["spark.sql.shuffle.partitions"] == "8"
    assert conf["spark.executor.memory"] == "2g"


def test_config_for_aws_leaves_endpoint_and_credentials_to_defaults(tmp_path: Path) -> None:
    conf = build_spark_config(master="spark://head:7077", home=tmp_path)
    assert not {key for key in conf if "endpoint" in key and "region" not in key}
    assert "spark.hadoop.fs.s3a.access.key" not in conf
    assert "spark.hadoop.fs.s3a.aws.credentials.provider" not in conf
    assert "spark.jars" not in conf
    # Only a local master is pinned to loopback: a cluster's executors must reach the driver.
    assert "spark.driver.host" not in conf


def test_config_for_a_cluster_on_loopback_keeps_driver_and_executors_there(tmp_path: Path) -> None:
    conf = build_spark_config(master="spark://127.0.0.1:25077", home=tmp_path, jars=[tmp_path])
    # The workers of a master on loopback run on this machine: the driver listens there only.
    assert conf["spark.driver.host"] == conf["spark.driver.bindAddress"] == "127.0.0.1"
    assert conf["spark.executor.extraJavaOptions"] == conf["spark.driver.extraJavaOptions"]
    # The executors get the jars from the driver, as on any cluster.
    assert conf["spark.jars"] == str(tmp_path)


def test_resource_fields_map_to_config(tmp_path: Path) -> None:
    resource = SparkResource(
        home=str(tmp_path), s3_endpoint_url="https://s3.example.com", s3_access_key_id="k"
    )
    conf = resource.resolved_config()
    assert conf["spark.hadoop.fs.s3a.connection.ssl.enabled"] == "true"
    assert resource.jars_dir == tmp_path / "jars" / "spark"


def test_resource_from_env_vars_starts_nothing_until_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPARK_MASTER", "local[1]")
    monkeypatch.setenv("SHOP_ANALYTICS_HOME", str(tmp_path))
    resource = SparkResource(
        master=dg.EnvVar("SPARK_MASTER"), home=dg.EnvVar("SHOP_ANALYTICS_HOME")
    )

    @dg.asset
    def untouched(spark: SparkResource) -> str:
        return spark.resolved_config()["spark.master"]

    result = dg.materialize([untouched], resources={"spark": resource})
    assert result.output_for_node("untouched") == "local[1]"
    # Neither jars fetched nor a session started: only an asset that asks for one pays.
    assert not (tmp_path / "jars").exists()


def test_s3a_uri() -> None:
    assert s3a_uri("s3://shop-lake/stage/purchases") == "s3a://shop-lake/stage/purchases"
    assert s3a_uri("s3a://shop-lake/x") == "s3a://shop-lake/x"
    assert s3a_uri("/srv/lake/products") == "/srv/lake/products"


# --- a real session on the real local S3 --------------------------------------------------


@pytest.fixture(scope="module")
def spark_resource(stack: Settings) -> SparkResource:
    spark: SparkResource = build_resources(stack.as_environment().__getitem__)["spark"]
    return spark


@pytest.fixture(scope="module")
def spark(spark_resource: SparkResource) -> Iterator[SparkSession]:
    started = time.monotonic()
    jars = spark_resource.resolve_jars()
    resolved = time.monotonic()
    session = spark_resource.spark_session
    print(
        f"\n[spark] jars ({len(jars)}) ready in {resolved - started:.1f} s, "
        f"session started in {time.monotonic() - resolved:.1f} s"
    )
    yield session
    session.stop()


@pytest.fixture
def prefix(stack: Settings) -> str:
    """A lake folder of this test's own (s3://...), so reruns never meet old tables."""
    return f"{stack.lake_root}/tests/spark/{uuid.uuid4().hex}"


def delta_rs_options(settings: Settings) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": settings.s3_endpoint_url,
        "AWS_ALLOW_HTTP": "true",
        "AWS_ACCESS_KEY_ID": settings.s3_access_key,
        "AWS_SECRET_ACCESS_KEY": settings.s3_secret_key,
        "AWS_REGION": settings.s3_region,
    }


def test_spark_writes_merges_and_time_travels_and_delta_rs_reads_it(
    spark: SparkSession, stack: Settings, prefix: str
) -> None:
    table = f"{prefix}/products"
    started = time.monotonic()
    first = [
        ("p1", "Kettle", "kitchen", 30.0, 10, DAY1),
        ("p2", "Lamp", "home", 15.5, 4, DAY1),
        ("p3", "Mug", "kitchen", 4.0, 100, DAY1),
    ]
    spark.createDataFrame(first, PRODUCT_SCHEMA).write.format("delta").save(s3a_uri(table))

    changes = spark.createDataFrame(
        [("p2", "Lamp", "home", 12.0, 3, DAY2), ("p4", "Chair", "home", 45.0, 7, DAY2)],
        PRODUCT_SCHEMA,
    )
    (
        SparkDeltaTable.forPath(spark, s3a_uri(table))
        .alias("t")
        .merge(changes.alias("s"), "t.product_id = s.product_id")
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute()
    )
    current = spark.read.format("delta").load(s3a_uri(table))
    prices = {row.product_id: row.price for row in current.collect()}
    original = spark.read.format("delta").option("versionAsOf", 0).load(s3a_uri(table))
    original_prices = {row.product_id: row.price for row in original.collect()}
    print(f"\n[spark] write + merge + 2 reads on S3: {time.monotonic() - started:.1f} s")

    assert prices == {"p1": 30.0, "p2": 12.0, "p3": 4.0, "p4": 45.0}
    assert original_prices == {"p1": 30.0, "p2": 15.5, "p3": 4.0}

    # delta-rs reads the same log and files: same versions, same rows, same types.
    rs_table = DeltaTable(table, storage_options=delta_rs_options(stack))
    assert rs_table.version() == 1
    assert [entry["operation"] for entry in rs_table.history()] == ["MERGE", "WRITE"]
    rows = sorted(rs_table.to_pyarrow_table().to_pylist(), key=lambda row: row["product_id"])
    assert [(row["product_id"], row["price"]) for row in rows] == sorted(prices.items())
    assert rows[1]["updated_at"] == DAY2 and rows[0]["updated_at"] == DAY1
    rs_table.load_as_version(0)
    assert sorted(rs_table.to_pyarrow_table().column("price").to_pylist()) == [4.0, 15.5, 30.0]


def test_spark_reads_and_appends_what_delta_rs_wrote(
    spark: SparkSession, stack: Settings, prefix: str
) -> None:
    table = f"{prefix}/purchases"
    options = delta_rs_options(stack)
    write_deltalake(
        table,
        pa.table({"purchase_id": ["a", "b"], "quantity": pa.array([1, 2], pa.int32())}),
        storage_options=options,
    )
    frame = spark.read.format("delta").load(s3a_uri(table))
    assert sorted(row.quantity for row in frame.collect()) == [1, 2]

    spark.createDataFrame([("c", 3)], frame.schema).write.format("delta").mode("append").save(
        s3a_uri(table)
    )
    rs_table = DeltaTable(table, storage_options=options)
    assert rs_table.version() == 1
    assert sorted(rs_table.to_pyarrow_table().column("quantity").to_pylist()) == [1, 2, 3]


def test_credentials_stay_off_the_jvm_command_line(
    spark: SparkSession, stack: Settings, prefix: str
) -> None:
    # The JVM still authenticates: it lists the bucket with keys set after launch.
    spark.range(1).write.format("delta").save(s3a_uri(f"{prefix}/probe"))
    gateway_proc = spark.sparkContext._gateway.proc  # type: ignore[union-attr]
    cmdline = Path(f"/proc/{gateway_proc.pid}/cmdline").read_bytes().decode()
    assert "spark.jars=" in cmdline  # it is the JVM's command line that we read
    assert stack.s3_secret_key not in cmdline


def test_python_udfs_run_in_this_interpreter(spark: SparkSession) -> None:
    # Python workers must see this virtualenv's packages (pyarrow, the project's modules).
    interpreter = udf(lambda _: sys.executable)
    assert spark.range(1).select(interpreter("id")).collect()[0][0] == sys.executable


def test_unreachable_endpoint_fails_in_seconds(spark: SparkSession) -> None:
    # A per-bucket endpoint sends one bucket to a closed port, leaving the session intact.
    hadoop_conf = spark.sparkContext._jsc.hadoopConfiguration()
    hadoop_conf.set("fs.s3a.bucket.nowhere.endpoint", "http://127.0.0.1:1")
    started = time.monotonic()
    with pytest.raises(Exception, match="Connection refused"):
        spark.range(3).write.format("delta").save("s3a://nowhere/table")
    elapsed = time.monotonic() - started
    print(f"\n[spark] refused endpoint failed after {elapsed:.1f} s")
    assert elapsed < 30


def test_resource_serves_a_dagster_asset(
    spark: SparkSession, spark_resource: SparkResource, prefix: str
) -> None:
    table = s3a_uri(f"{prefix}/daily")

    @dg.asset
    def daily_counts(spark: SparkResource) -> int:
        session = spark.spark_session
        session.range(5).write.format("delta").save(table)
        return session.read.format("delta").load(table).count()

    started = time.monotonic()
    result = dg.materialize([daily_counts], resources={"spark": spark_resource})
    print(f"\n[spark] asset materialised in {time.monotonic() - started:.1f} s")
    assert result.success
    assert result.output_for_node("daily_counts") == 5


def test_stock_rule_tells_the_batch_stamp_from_a_later_stock_count(spark: SparkSession) -> None:
    def at(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)

    def sale(product: str, when: str, quantity: int) -> tuple[Any, ...]:
        return ("c", uuid.uuid4().hex, product, quantity, at(when), quantity * 1.0)

    day = "2025-01-02T10:00:00"
    lines = spark.createDataFrame(
        [sale("counted", day, 2), sale("loaded_later", day, 3), sale("stamped_later", day, 4),
         sale("stamped_today", day, 5), sale("stamped_today", "2025-01-02T12:00:00", 1)],
        "client_id string, purchase_id string, product_id string, quantity int, "
        "timestamp timestamp, amount double",
    )  # fmt: skip
    stock_counted = {
        "counted": at("2025-01-01T00:00:00"),  # before its sales: they are subtracted
        "loaded_later": at("2026-06-01T09:30:00"),  # created through the API after its sales
        "stamped_later": at("2025-03-01T08:00:00"),  # a later day's run stamped its last sale
        "stamped_today": at(day),  # this day's earlier run stamped it
    }
    products = spark.createDataFrame(
        [(p, p, "cat", 1.0, None, 100, t) for p, t in stock_counted.items()],
        "product_id string, name string, category string, price double, seller_id string, "
        "available_stock int, updated_at timestamp",
    )
    later_sales = spark.createDataFrame(
        [("stamped_later", at("2025-03-01T08:00:00"))], "product_id string, timestamp timestamp"
    )
    rows = {
        r["product_id"]: r
        for r in batch_metrics.product_metrics(
            lines, products, date(2025, 1, 2), later_sales
        ).collect()
    }
    assert rows["counted"]["available_stock"] == 98
    assert rows["counted"]["units_before_update"] == 0
    assert rows["loaded_later"]["units_before_update"] == 3
    assert rows["loaded_later"]["available_stock"] == 100
    assert rows["stamped_later"]["units_before_update"] == 0
    assert rows["stamped_today"]["units_before_update"] == 0
    assert rows["stamped_today"]["available_stock"] == 99  # only the sale after the stamp
