"""Kafka as a Dagster resource: the plain client, configurable through `dg.EnvVar`."""

from __future__ import annotations

import dagster as dg

from shop_analytics.clients.kafka import KafkaClient, KafkaUnreachableError

__all__ = ["KafkaResource", "KafkaUnreachableError"]


class KafkaResource(dg.ConfigurableResource, KafkaClient):
    """Producers, consumers and an admin client for one Kafka cluster.

    ``**overrides`` take librdkafka's dotted property names, so pass them as a mapping:
    ``kafka.producer(**{"linger.ms": 20})``.
    """
