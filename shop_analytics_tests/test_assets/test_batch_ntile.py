"""The RFM quintiles ranked across partitions equal Spark's NTILE window over all clients."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from shop_analytics.defs.batch.metrics import ntile
from shop_analytics.resources import SparkResource

# Starts a JVM of its own: the stack tier.
pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    home = Path(tmp_path_factory.mktemp("spark-home"))
    session = SparkResource(home=str(home), master="local[2]").spark_session
    yield session
    # Later tests of this process start sessions of their own (with S3): leave none behind.
    session.stop()


@pytest.mark.parametrize("rows", [0, 3, 17, 1_003])
def test_ntile_across_partitions_equals_the_window_function(spark: SparkSession, rows: int) -> None:
    rng = random.Random(rows)
    # Few distinct values, so that the tie-breaking second key decides most places.
    data = [(f"c{i:05d}", rng.randrange(4), rng.random()) for i in range(rows)]
    frame = spark.createDataFrame(data, "client_id string, order_count int, revenue double")
    for order in (
        [F.asc("order_count"), F.asc("client_id")],
        [F.desc("order_count"), F.asc("client_id")],
        [F.asc("revenue"), F.asc("client_id")],
    ):
        expected = frame.withColumn("want", F.ntile(5).over(Window.orderBy(*order)))
        got = ntile(expected, order, "got", rows)
        pairs = got.select("client_id", "want", "got").collect()
        assert len(pairs) == rows
        assert all(row.want == row.got for row in pairs), [r for r in pairs if r.want != r.got]
    # The window without PARTITION BY moves every row into one partition; ntile does not.
    if rows:
        order = [F.asc("revenue"), F.asc("client_id")]
        assert "SinglePartition" in _plan(
            frame.withColumn("t", F.ntile(5).over(Window.orderBy(*order)))
        )
        assert "SinglePartition" not in _plan(ntile(frame, order, "t", rows))


def _plan(frame: DataFrame) -> str:
    return str(frame._jdf.queryExecution().executedPlan().toString())
