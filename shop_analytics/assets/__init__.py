"""The asset graph: sources -> stage -> Spark batch -> ClickHouse marts -> report.

Modules by layer: `sources` and `purchases` (PostgreSQL, Delta, Kafka), `stage`, `batch`
(Spark), `marts` (ClickHouse), `report`; `checks` holds the checks on the purchases fact.
"""

from shop_analytics.assets.batch import spark_daily_batch
from shop_analytics.assets.checks import FACT_CHECKS
from shop_analytics.assets.marts import daily_marts
from shop_analytics.assets.purchases import purchases_ingest
from shop_analytics.assets.report import sales_report
from shop_analytics.assets.sources import clients, products, sellers
from shop_analytics.assets.stage import purchase_records

SOURCE_ASSETS = [clients, sellers, products, purchases_ingest]
DAILY_ASSETS = [purchase_records, spark_daily_batch, daily_marts, sales_report]
ALL_ASSETS = [*SOURCE_ASSETS, *DAILY_ASSETS]
ALL_CHECKS = FACT_CHECKS

__all__ = ["ALL_ASSETS", "ALL_CHECKS", "DAILY_ASSETS", "SOURCE_ASSETS"]
