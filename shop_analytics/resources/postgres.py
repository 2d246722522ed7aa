"""PostgreSQL as a Dagster resource: the plain client, configurable through `dg.EnvVar`."""

from __future__ import annotations

import dagster as dg

from shop_analytics.clients.postgres import PostgresClient


class PostgresResource(dg.ConfigurableResource, PostgresClient):
    """A PostgreSQL database named by a DSN (``postgresql://user[:pw]@host:port/db``)."""
