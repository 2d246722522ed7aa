"""The Spark computations of the daily batch: client metrics with RFM, product sales and stock.

Pure functions of DataFrames (stage records, products) and the day they are "as of", so that the
rules are written once and read in one place.

* Client: orders, units, revenue, first and last purchase, recency in days, R/F/M scores 1-5
  (quintiles over all clients, ranked across partitions rather than in one window;
  ties broken by client_id so reruns agree), a segment, and
  `lifetime_value`: the client's revenue per day of tenure projected over a year, with tenure
  counted as at least 30 days so that a first-day buyer is not multiplied by 365.
* Product: units sold and revenue to date, and the stock left after the sales counted since the
  product row was last updated (`updated_at`); the new row is stamped with the last sale counted,
  so running the same day again counts nothing twice. Sales at or before `updated_at` are not
  subtracted (the stock was counted then); unless `updated_at` is the batch's own stamp (the
  time of one of the product's staged sales, on any day: a later day's run may have stamped
  it), they are counted as `units_before_update`, so that a product registered after its first
  sales (a history loaded today) is reported rather than skipped in silence.
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

MIN_TENURE_DAYS = 30


def _segment(r: Column, f: Column) -> Column:
    return (
        F.when((r >= 4) & (f >= 4), "champions")
        .when((r >= 3) & (f >= 3), "loyal")
        .when((r >= 4) & (f <= 2), "new")
        .when((r <= 2) & (f >= 3), "at_risk")
        .when((r <= 2) & (f <= 2), "lost")
        .otherwise("needs_attention")
    )


def stage_lines(stage: DataFrame, as_of: date) -> DataFrame:
    """Flat purchase lines of every staged day up to and including ``as_of``."""
    return stage.where(F.col("day") <= F.lit(as_of.isoformat())).select(
        F.col("client.client_id").alias("client_id"),
        F.col("purchase.purchase_id").alias("purchase_id"),
        F.col("purchase.product_id").alias("product_id"),
        F.col("purchase.quantity").alias("quantity"),
        F.col("purchase.timestamp").alias("timestamp"),
        (F.col("purchase.quantity") * F.col("purchase.price")).alias("amount"),
    )


def later_sale_times(stage: DataFrame, as_of: date) -> DataFrame:
    """(product_id, timestamp) of the staged sales after ``as_of``: stamps a later day's run may
    have left on product rows (none, and nothing read, for a run as of the newest day)."""
    return stage.where(F.col("day") > F.lit(as_of.isoformat())).select(
        F.col("purchase.product_id").alias("product_id"),
        F.col("purchase.timestamp").alias("timestamp"),
    )


def client_metrics(lines: DataFrame, as_of: date) -> DataFrame:
    as_of_col = F.lit(as_of).cast("date")
    per_client = lines.groupBy("client_id").agg(
        F.countDistinct("purchase_id").alias("order_count"),
        F.sum("quantity").cast("long").alias("units"),
        F.sum("amount").alias("revenue"),
        F.min("timestamp").alias("first_purchase_at"),
        F.max("timestamp").alias("last_purchase_at"),
    )
    recency = F.datediff(as_of_col, F.to_date("last_purchase_at"))
    tenure = F.greatest(
        F.datediff(as_of_col, F.to_date("first_purchase_at")) + 1, F.lit(MIN_TENURE_DAYS)
    )
    scored = per_client.withColumn("recency_days", recency).withColumn(
        "lifetime_value", F.col("revenue") / tenure * 365
    )
    # Checkpointed (locally): each score below ranks the clients in a job of its own, which would
    # otherwise aggregate the purchases again.
    scored = scored.localCheckpoint()
    total = scored.count()
    scored = ntile(scored, [F.desc("recency_days"), F.asc("client_id")], "r_score", total)
    scored = ntile(scored, [F.asc("order_count"), F.asc("client_id")], "f_score", total)
    scored = ntile(scored, [F.asc("revenue"), F.asc("client_id")], "m_score", total)
    return scored.withColumn(
        "rfm_segment", _segment(F.col("r_score"), F.col("f_score"))
    ).withColumn("as_of", as_of_col)


def ntile(
    frame: DataFrame, order: list[Column], name: str, total: int, tiles: int = 5
) -> DataFrame:
    """``frame`` with ``name`` = ``ntile(tiles)`` over ``order`` (a total order), as Spark's
    window function numbers it, without gathering every row into one partition as a window
    without PARTITION BY does.

    The rows are range-partitioned by ``order``, so partition k holds a run of the order that
    comes after partition k-1's; a row's position is the count of rows in the partitions before
    its own plus its position inside it.
    """
    if total == 0:
        return frame.withColumn(name, F.lit(None).cast("int"))
    parts = max(1, int(frame.sparkSession.conf.get("spark.sql.shuffle.partitions") or 1))
    ranged = frame.repartitionByRange(parts, *order).withColumn("_part", F.spark_partition_id())
    ranged = ranged.localCheckpoint()  # the partition ids are read twice; fix them once
    sizes: dict[int, int] = dict(ranged.groupBy("_part").count().collect())
    before, offsets = 0, {}
    for part in sorted(sizes):
        offsets[part] = before
        before += sizes[part]
    offset = F.create_map(*(F.lit(x) for pair in offsets.items() for x in pair))
    index = offset[F.col("_part")] + F.row_number().over(
        Window.partitionBy("_part").orderBy(*order)
    ) - 1  # fmt: skip
    # Spark's NTILE: the first `total % tiles` tiles hold one row more than the others.
    size, remainder = divmod(total, tiles)
    big = remainder * (size + 1)
    tile = F.when(index < big, F.floor(index / (size + 1)) + 1).otherwise(
        F.floor((index - big) / max(size, 1)) + remainder + 1
    )
    return ranged.withColumn(name, tile.cast("int")).drop("_part")


def product_metrics(
    lines: DataFrame, products: DataFrame, as_of: date, later_sales: DataFrame
) -> DataFrame:
    """One row per catalogued product; unsold products have zero units. ``later_sales`` is
    `later_sale_times` of the stage."""
    catalogue = products.select(
        "product_id", "name", "category", F.col("price").alias("list_price"), "seller_id",
        "available_stock", F.col("updated_at").cast("timestamp").alias("stock_as_of"),
    )  # fmt: skip
    sold = lines.join(catalogue.select("product_id", "stock_as_of"), "product_id")
    since = F.col("timestamp") > F.col("stock_as_of")
    before = ~since
    per_product = sold.groupBy("product_id").agg(
        F.sum("quantity").cast("long").alias("units_sold"),
        F.sum("amount").alias("revenue"),
        F.sum(F.when(since, F.col("quantity")).otherwise(0)).cast("long").alias("units_since"),
        F.max(F.when(since, F.col("timestamp"))).alias("last_counted_sale"),
        F.sum(F.when(before, F.col("quantity")).otherwise(0)).cast("long").alias("units_before"),
        F.count(F.when(before, 1)).cast("long").alias("purchases_before"),
    )
    # Sales up to the batch's own stamp were counted by a run (this day's or a later one's, when
    # an old day runs again): not "before the update". Any other `updated_at` (a product created
    # or restocked through the API) is a stock count that these sales did not reach.
    sale_times = lines.select("product_id", "timestamp").unionByName(later_sales)
    stamped = (
        catalogue.select("product_id", F.col("stock_as_of").alias("timestamp"))
        .join(sale_times, ["product_id", "timestamp"], "left_semi")
        .select("product_id", F.lit(1).alias("stamped_by_batch"))
    )
    joined = (
        catalogue.join(per_product, "product_id", "left")
        .join(stamped, "product_id", "left")
        .fillna({"units_sold": 0, "revenue": 0.0, "units_since": 0, "units_before": 0,
                 "purchases_before": 0, "stamped_by_batch": 0})
    )  # fmt: skip
    uncounted = F.col("stamped_by_batch") == 0
    remaining = F.col("available_stock").cast("long") - F.col("units_since")
    return joined.select(
        F.lit(as_of).cast("date").alias("as_of"),
        "product_id", "name", "category", "seller_id", "list_price", "units_sold", "revenue",
        # The contract allows no negative stock: oversold units are reported, not stored.
        F.greatest(remaining, F.lit(0)).alias("available_stock"),
        F.greatest(-remaining, F.lit(0)).alias("oversold_units"),
        "units_since",
        "last_counted_sale",
        F.when(uncounted, F.col("units_before")).otherwise(0).alias("units_before_update"),
        F.when(uncounted, F.col("purchases_before")).otherwise(0).alias("purchases_before_update"),
    )  # fmt: skip
