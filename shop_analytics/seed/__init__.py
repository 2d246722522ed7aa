"""Demo data: realistic clients, sellers, products and a purchase stream, deterministic by a seed.

`generate_demo_data` builds the tables in memory; `load` writes clients and sellers to
PostgreSQL and products to the Delta lake; `stream` sends the purchases to Kafka.
"""

from shop_analytics.seed.generate import DemoData, DemoSpec, generate_demo_data

__all__ = ["DemoData", "DemoSpec", "generate_demo_data"]
