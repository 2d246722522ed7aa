"""Source assets: where clients, sellers, products and purchases come from.

Materialising a source does not copy it: it records what the table (created by
`shop-analytics provision`) holds now, so the UI shows row counts and versions over time.
"""

import dagster as dg

from shop_analytics.defs.common import DATA_OWNERS
from shop_analytics.defs.sources.reads import postgres_row_count, read_products
from shop_analytics.resources import LakeResource, PostgresResource
from shop_analytics.tables.lake import PRODUCTS_TABLE


@dg.asset(group_name="sources", owners=DATA_OWNERS, kinds={"postgres"})
def clients(postgres: PostgresResource) -> dg.MaterializeResult:
    """Registered clients of the store (PostgreSQL `clients`, spec section 3): name, e-mail,
    address and registration date. One row per client_id."""
    return dg.MaterializeResult(
        metadata={"dagster/row_count": postgres_row_count(postgres, "clients")}
    )


@dg.asset(group_name="sources", owners=DATA_OWNERS, kinds={"postgres"})
def sellers(postgres: PostgresResource) -> dg.MaterializeResult:
    """Sellers who offer products in the store (PostgreSQL `sellers`): name and e-mail.
    Products and purchases may name their seller (schema version 2)."""
    return dg.MaterializeResult(
        metadata={"dagster/row_count": postgres_row_count(postgres, "sellers")}
    )


@dg.asset(group_name="sources", owners=DATA_OWNERS, kinds={"delta", "s3"})
def products(lake: LakeResource) -> dg.MaterializeResult:
    """The product catalogue (Delta table `products` on S3, spec section 5): name, category,
    list price, stock on hand and when the row last changed. Versioned: every change is a new
    Delta version, and older versions stay readable."""
    version = lake.version(PRODUCTS_TABLE)
    table = read_products(lake, columns=["product_id", "category"])
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": table.num_rows,
            "delta_version": version,
            "categories": len(set(table["category"].to_pylist())),
            "table_uri": dg.MetadataValue.path(lake.table_uri(PRODUCTS_TABLE)),
        }
    )
