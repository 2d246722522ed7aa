"""The local stack: every embedded service, started, provisioned, reported and stopped in order."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from shop_analytics.local.service import LocalService, Status
from shop_analytics.settings import Settings

# Start order; stopped in reverse. ClickHouse (chDB) runs inside the processes that use it, and
# so does Spark unless SPARK_CLUSTER_SIZE asks for a standalone cluster.
SERVICE_CLASSES = (
    "shop_analytics.local.postgres:PostgresService",
    "shop_analytics.local.s3:S3Service",
    "shop_analytics.local.kafka:KafkaService",
    # After PostgreSQL, which stores its subjects.
    "shop_analytics.local.registry:RegistryService",
    "shop_analytics.local.spark_cluster:SparkClusterService",
)


def _load(path: str) -> type[LocalService]:
    module, name = path.split(":")
    cls: type[LocalService] = getattr(importlib.import_module(module), name)
    return cls


def services(settings: Settings) -> list[LocalService]:
    """The embedded services ``settings`` asks for (external systems are left to their owners)."""
    return [service for service in _embedded(settings) if service.wanted()]


def _embedded(settings: Settings) -> list[LocalService]:
    """Every embedded service, also an optional one ``settings`` does not ask for (to stop it)."""
    found = [_load(path)(settings) for path in SERVICE_CLASSES]
    return [service for service in found if settings.is_embedded(service.system)]


def up(settings: Settings, echo: Callable[[str], None] = print) -> None:
    """Start what is not running and provision everything; a second call finds it running."""
    embedded = services(settings)
    for service in embedded:
        service.check_prerequisites()
    for service in embedded:
        if service.status().running:
            echo(f"{service.system}: already running")
        else:
            echo(f"{service.system}: starting")
            service.start()
        service.provision()
        echo(service.status().line())
    for line in provision_tables(settings):
        echo(line)


def provision_tables(settings: Settings) -> list[str]:
    """Create the platform's missing tables in the stores ``settings`` names, embedded or not;
    one line per store."""
    # Imported here: the registry loads the resources (and Dagster), which `down` and `status`
    # do not need.
    from shop_analytics.resources import build_resources
    from shop_analytics.tables.registry import provision

    return provision(build_resources(settings.as_environment().__getitem__))


def down(settings: Settings, echo: Callable[[str], None] = print) -> None:
    for service in reversed(_embedded(settings)):
        stopped = service.stop()
        if stopped or service.wanted():
            echo(f"{service.system}: {'stopped' if stopped else 'was not running'}")


def status(settings: Settings) -> list[Status]:
    lines = [
        found
        for service in _embedded(settings)
        if (found := service.status()).running or service.wanted()
    ]
    for system in sorted(settings.external):
        lines.append(Status(system, True, "external"))
    return lines
