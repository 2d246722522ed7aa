"""One ConfigurableResource per system, and the one place that wires them to the environment.

Every value comes from a variable that `shop_analytics.settings` fills with the embedded default
when the user has not set it, so local, CI and production differ only in those variables.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dagster as dg
from dagster_aws.s3 import S3Resource

from shop_analytics.clients import client_fields
from shop_analytics.resources.clickhouse import ClickHouseResource
from shop_analytics.resources.kafka import KafkaResource
from shop_analytics.resources.lake import LakeResource
from shop_analytics.resources.postgres import PostgresResource
from shop_analytics.resources.reports import ReportsFolder
from shop_analytics.resources.spark import SparkResource

__all__ = [
    "ClickHouseResource",
    "KafkaResource",
    "LakeResource",
    "PostgresResource",
    "ReportsFolder",
    "SparkResource",
    "build_resources",
]


def build_resources(value: Callable[[str], Any] = dg.EnvVar) -> dict[str, Any]:
    """The resources of the code location, keyed as assets ask for them.

    ``value`` turns a variable name into a field value: ``dg.EnvVar`` (the default) defers the
    read to launch time and keeps secrets out of the UI; outside Dagster, pass
    ``settings.as_environment().__getitem__`` to get plain values.
    """
    fields = client_fields(value)
    s3_endpoint, s3_region = value("S3_ENDPOINT_URL"), value("S3_REGION")
    s3_key, s3_secret = value("S3_ACCESS_KEY_ID"), value("S3_SECRET_ACCESS_KEY")
    return {
        "postgres": PostgresResource(**fields["postgres"]),
        "kafka": KafkaResource(**fields["kafka"]),
        "lake": LakeResource(**fields["lake"]),
        "clickhouse": ClickHouseResource(dsn=value("CLICKHOUSE_DSN")),
        "spark": SparkResource(
            master=value("SPARK_MASTER"),
            home=value("SHOP_ANALYTICS_HOME"),
            s3_endpoint_url=s3_endpoint,
            s3_access_key_id=s3_key,
            s3_secret_access_key=s3_secret,
            s3_region=s3_region,
        ),
        "reports": ReportsFolder(home=value("SHOP_ANALYTICS_HOME")),
        "s3": S3Resource(
            endpoint_url=s3_endpoint,
            aws_access_key_id=s3_key,
            aws_secret_access_key=s3_secret,
            region_name=s3_region,
        ),
    }
