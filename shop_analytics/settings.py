"""Where every system lives: the one place that maps environment variables to endpoints.

Each system is either *external* (its variable is set: a real host, nothing is started for it)
or *embedded* (the variable is unset: the local stack under ``SHOP_ANALYTICS_HOME`` serves it,
on ports derived from ``SHOP_ANALYTICS_PORT_BASE``). The code location gives resources the
variables the user set through ``dg.EnvVar`` and the embedded values for the rest; the CLI's
``export_defaults`` writes the embedded values into its own environment for the processes it
starts (Dagster, the API, the stream).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

# Offsets from SHOP_ANALYTICS_PORT_BASE, so that a second stack (tests, a colleague) can run
# beside the first by moving one number.
PORT_OFFSETS = {
    "postgres": 432,
    "kafka": 92,
    "kafka_controller": 93,
    # The second and third nodes of a local three-broker cluster (KAFKA_CLUSTER_SIZE=3); the
    # first node keeps the single broker's ports.
    "kafka_2": 94,
    "kafka_controller_2": 95,
    "kafka_3": 96,
    "kafka_controller_3": 97,
    "s3": 333,
    # SeaweedFS runs master, volume and filer servers behind its S3 gateway; each needs a port
    # and a gRPC port of its own.
    "weed_master": 334,
    "weed_volume": 335,
    "weed_filer": 336,
    "weed_s3_grpc": 337,
    "weed_admin": 338,
    "weed_master_grpc": 339,
    "weed_volume_grpc": 340,
    "weed_filer_grpc": 341,
    "weed_admin_grpc": 342,
    "weed_iceberg": 343,
    "weed_lance": 344,
    # The platform's own servers: the Dagster UI (`shop-analytics ui`) and the write API
    # (`shop-analytics api`); 300 and 800 echo their usual ports 3000 and 8000.
    "dagster_ui": 300,
    "api": 800,
    # The read-only dashboard (`shop-analytics dashboard`), beside the API.
    "dashboard": 850,
    # The schema registry; 81 echoes the usual 8081 of a Confluent-compatible registry.
    "schema_registry": 81,
    # Quarkus' management interface (health, metrics): 0.0.0.0:9000 unless told otherwise.
    "schema_registry_management": 82,
    # A local Spark standalone cluster (SPARK_CLUSTER_SIZE=2): its master (77 echoes the usual
    # 7077) and web UI, and each worker's RPC port and web UI.
    "spark_master": 77,
    "spark_master_ui": 78,
    "spark_worker_1": 70,
    "spark_worker_ui_1": 71,
    "spark_worker_2": 72,
    "spark_worker_ui_2": 73,
}
DEFAULT_PORT_BASE = 15000

# How many brokers the embedded Kafka runs: 1 (the default, fastest to start) or a cluster of
# up to 3 whose topics are replicated (see shop_analytics/local/kafka_cluster.py).
MAX_KAFKA_CLUSTER_SIZE = 3

# How many workers the embedded Spark standalone cluster runs: 0 (the default: Spark runs
# `local[2]` inside the process that uses it, nothing to start) or up to 2 workers of one core
# each (see shop_analytics/local/spark_cluster.py).
MAX_SPARK_CLUSTER_SIZE = 2

# A port of the platform's own servers can be set apart from the base (a fixed port behind a
# proxy, say); the stack's ports always follow the base so that two stacks never collide.
PORT_OVERRIDES = {
    "dagster_ui": "DAGSTER_UI_PORT",
    "api": "API_PORT",
    "dashboard": "DASHBOARD_PORT",
}

# The first day of purchases the platform takes (API, stream) and partitions (daily assets).
# 1990-01-01 takes a shop's whole digital history (the oldest logs of real shops are from the
# 1990s) and keeps ~13 000 day partitions; the earliest allowed is ClickHouse DateTime64's
# first day, 1900-01-01.
DEFAULT_HISTORY_START = date(1990, 1, 1)
EARLIEST_HISTORY_START = date(1900, 1, 1)

# Development credentials of the embedded S3 server: it serves 127.0.0.1 only.
LOCAL_S3_ACCESS_KEY = "shopanalytics"
LOCAL_S3_SECRET_KEY = "shopanalytics-local-secret"

# The variable that makes each system external, when set.
EXTERNAL_MARKERS = {
    "postgres": "POSTGRES_DSN",
    "kafka": "KAFKA_BOOTSTRAP_SERVERS",
    "s3": "S3_ENDPOINT_URL",
    "clickhouse": "CLICKHOUSE_DSN",
    "spark": "SPARK_MASTER",
    "schema_registry": "SCHEMA_REGISTRY_URL",
}


@dataclass(frozen=True)
class Settings:
    home: Path
    port_base: int
    external: frozenset[str]
    postgres_dsn: str
    kafka_bootstrap_servers: str
    purchases_topic: str
    dead_letter_topic: str
    topic_partitions: int
    kafka_cluster_size: int
    kafka_security_protocol: str
    kafka_sasl_mechanism: str
    kafka_sasl_username: str
    kafka_sasl_password: str
    s3_endpoint_url: str
    s3_access_key: str
    s3_secret_key: str
    s3_region: str
    lake_bucket: str
    lake_root: str
    clickhouse_dsn: str
    spark_master: str
    spark_cluster_size: int
    schema_registry_url: str
    schema_registry_username: str
    schema_registry_password: str
    purchase_format: str
    dagster_ui_port: int
    api_port: int
    dashboard_port: int
    history_start: date = DEFAULT_HISTORY_START

    def port(self, name: str) -> int:
        return self.port_base + PORT_OFFSETS[name]

    def is_embedded(self, system: str) -> bool:
        return system not in self.external

    def as_environment(self) -> dict[str, str]:
        """The variables resources read, with every embedded default filled in."""
        return {
            "SHOP_ANALYTICS_HOME": str(self.home),
            "SHOP_ANALYTICS_PORT_BASE": str(self.port_base),
            "POSTGRES_DSN": self.postgres_dsn,
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap_servers,
            "KAFKA_PURCHASES_TOPIC": self.purchases_topic,
            "KAFKA_DEAD_LETTER_TOPIC": self.dead_letter_topic,
            "KAFKA_TOPIC_PARTITIONS": str(self.topic_partitions),
            "KAFKA_CLUSTER_SIZE": str(self.kafka_cluster_size),
            "KAFKA_SECURITY_PROTOCOL": self.kafka_security_protocol,
            "KAFKA_SASL_MECHANISM": self.kafka_sasl_mechanism,
            "KAFKA_SASL_USERNAME": self.kafka_sasl_username,
            "KAFKA_SASL_PASSWORD": self.kafka_sasl_password,
            "S3_ENDPOINT_URL": self.s3_endpoint_url,
            "S3_ACCESS_KEY_ID": self.s3_access_key,
            "S3_SECRET_ACCESS_KEY": self.s3_secret_key,
            "S3_REGION": self.s3_region,
            "LAKE_BUCKET": self.lake_bucket,
            "LAKE_ROOT": self.lake_root,
            "CLICKHOUSE_DSN": self.clickhouse_dsn,
            "SPARK_MASTER": self.spark_master,
            "SPARK_CLUSTER_SIZE": str(self.spark_cluster_size),
            "SHOP_ANALYTICS_HISTORY_START": self.history_start.isoformat(),
            "SCHEMA_REGISTRY_URL": self.schema_registry_url,
            "SCHEMA_REGISTRY_USERNAME": self.schema_registry_username,
            "SCHEMA_REGISTRY_PASSWORD": self.schema_registry_password,
            "KAFKA_PURCHASE_FORMAT": self.purchase_format,
        }


# Variables whose default suits a plain deployment too, so docker-compose need not set them.
OPTIONAL_VARIABLES = frozenset(
    {
        "KAFKA_SECURITY_PROTOCOL",
        "KAFKA_SASL_MECHANISM",
        "KAFKA_SASL_USERNAME",
        "KAFKA_SASL_PASSWORD",
        "SHOP_ANALYTICS_HISTORY_START",
        "SCHEMA_REGISTRY_USERNAME",
        "SCHEMA_REGISTRY_PASSWORD",
        "KAFKA_PURCHASE_FORMAT",
    }
)

# Written by ``export_defaults`` so that a child process still tells an embedded default from a
# variable the user set.
EMBEDDED_MARKER = "SHOP_ANALYTICS_EMBEDDED"


def _external_systems(env: Mapping[str, str]) -> frozenset[str]:
    embedded = set(filter(None, env.get(EMBEDDED_MARKER, "").split(",")))
    return frozenset(
        system
        for system, var in EXTERNAL_MARKERS.items()
        if env.get(var) and system not in embedded
    )


def history_start(value: str | None) -> date:
    """``SHOP_ANALYTICS_HISTORY_START`` (``YYYY-MM-DD``) as a date, checked to be usable."""
    if not value:
        return DEFAULT_HISTORY_START
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"SHOP_ANALYTICS_HISTORY_START={value!r} is not a date like 1990-01-01"
        ) from None
    today = datetime.now(UTC).date()
    if not EARLIEST_HISTORY_START <= day <= today:
        raise ValueError(
            f"SHOP_ANALYTICS_HISTORY_START={value} must lie between "
            f"{EARLIEST_HISTORY_START} (the first day ClickHouse stores) and today ({today})"
        )
    return day


PURCHASE_FORMATS = ("json", "wire")


def purchase_format(value: str | None) -> str:
    """``KAFKA_PURCHASE_FORMAT``: what producers write on the purchases topic. ``json`` (the
    default) is the spec's plain message; ``wire`` the Confluent wire format (needs the registry,
    see `schema_registry.purchase_serializer`)."""
    chosen = value or "json"
    if chosen not in PURCHASE_FORMATS:
        raise ValueError(
            f"KAFKA_PURCHASE_FORMAT={value!r} is not one of {', '.join(PURCHASE_FORMATS)}"
        )
    return chosen


def load(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    home = Path(env.get("SHOP_ANALYTICS_HOME", ".local")).resolve()
    base = int(env.get("SHOP_ANALYTICS_PORT_BASE", DEFAULT_PORT_BASE))
    bucket = env.get("LAKE_BUCKET", "shop-lake")

    def port(name: str) -> int:
        return base + PORT_OFFSETS[name]

    cluster_size = _kafka_cluster_size(env)
    spark_workers = _spark_cluster_size(env)
    embedded_spark = f"spark://127.0.0.1:{port('spark_master')}" if spark_workers else "local[2]"
    # Every node of the embedded cluster, so that a client still bootstraps with one node down.
    embedded_brokers = ",".join(
        f"127.0.0.1:{port(kafka_port_name(node))}" for node in range(1, cluster_size + 1)
    )
    return Settings(
        home=home,
        port_base=base,
        external=_external_systems(env),
        postgres_dsn=env.get("POSTGRES_DSN")
        or f"postgresql://postgres@127.0.0.1:{port('postgres')}/shop",
        kafka_bootstrap_servers=env.get("KAFKA_BOOTSTRAP_SERVERS") or embedded_brokers,
        purchases_topic=env.get("KAFKA_PURCHASES_TOPIC", "purchases"),
        dead_letter_topic=env.get("KAFKA_DEAD_LETTER_TOPIC", "purchases.dlq"),
        topic_partitions=int(env.get("KAFKA_TOPIC_PARTITIONS", 3)),
        kafka_cluster_size=cluster_size,
        kafka_security_protocol=env.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT"),
        # Empty: no SASL (the local broker and a plaintext cluster need none).
        kafka_sasl_mechanism=env.get("KAFKA_SASL_MECHANISM", ""),
        kafka_sasl_username=env.get("KAFKA_SASL_USERNAME", ""),
        kafka_sasl_password=env.get("KAFKA_SASL_PASSWORD", ""),
        s3_endpoint_url=env.get("S3_ENDPOINT_URL") or f"http://127.0.0.1:{port('s3')}",
        s3_access_key=env.get("S3_ACCESS_KEY_ID", LOCAL_S3_ACCESS_KEY),
        s3_secret_key=env.get("S3_SECRET_ACCESS_KEY", LOCAL_S3_SECRET_KEY),
        s3_region=env.get("S3_REGION", "us-east-1"),
        lake_bucket=bucket,
        # Delta tables live under this URI; a local folder works too (no S3 server needed).
        lake_root=env.get("LAKE_ROOT") or f"s3://{bucket}",
        clickhouse_dsn=env.get("CLICKHOUSE_DSN") or f"chdb://{home / 'clickhouse'}",
        spark_master=env.get("SPARK_MASTER") or embedded_spark,
        spark_cluster_size=spark_workers,
        # The Confluent-compatible API of the registry (Apicurio serves it under this path).
        schema_registry_url=env.get("SCHEMA_REGISTRY_URL")
        or f"http://127.0.0.1:{port('schema_registry')}/apis/ccompat/v7",
        # Empty: no authentication (the local registry serves 127.0.0.1 only).
        schema_registry_username=env.get("SCHEMA_REGISTRY_USERNAME", ""),
        schema_registry_password=env.get("SCHEMA_REGISTRY_PASSWORD", ""),
        purchase_format=purchase_format(env.get("KAFKA_PURCHASE_FORMAT")),
        dagster_ui_port=int(env.get(PORT_OVERRIDES["dagster_ui"]) or port("dagster_ui")),
        api_port=int(env.get(PORT_OVERRIDES["api"]) or port("api")),
        dashboard_port=int(env.get(PORT_OVERRIDES["dashboard"]) or port("dashboard")),
        history_start=history_start(env.get("SHOP_ANALYTICS_HISTORY_START")),
    )


def kafka_port_name(node: int) -> str:
    """The PORT_OFFSETS key of embedded Kafka node ``node`` (1-based) for clients."""
    return "kafka" if node == 1 else f"kafka_{node}"


def kafka_controller_port_name(node: int) -> str:
    return "kafka_controller" if node == 1 else f"kafka_controller_{node}"


def _kafka_cluster_size(env: Mapping[str, str]) -> int:
    raw = env.get("KAFKA_CLUSTER_SIZE") or "1"
    size = int(raw) if raw.isdigit() else 0
    if not 1 <= size <= MAX_KAFKA_CLUSTER_SIZE:
        raise ValueError(
            f"KAFKA_CLUSTER_SIZE must be 1 to {MAX_KAFKA_CLUSTER_SIZE} brokers, not {raw!r}"
        )
    return size


def spark_worker_port_names(worker: int) -> tuple[str, str]:
    """The PORT_OFFSETS keys of embedded Spark worker ``worker`` (1-based): RPC and web UI."""
    return f"spark_worker_{worker}", f"spark_worker_ui_{worker}"


def _spark_cluster_size(env: Mapping[str, str]) -> int:
    raw = env.get("SPARK_CLUSTER_SIZE") or "0"
    size = int(raw) if raw.isdigit() else -1
    if not 0 <= size <= MAX_SPARK_CLUSTER_SIZE:
        raise ValueError(
            f"SPARK_CLUSTER_SIZE must be 0 (local[2]) to {MAX_SPARK_CLUSTER_SIZE} workers, "
            f"not {raw!r}"
        )
    return size


def as_environment_keys() -> frozenset[str]:
    """Every variable this module reads or exports (to clear an environment in tests)."""
    return frozenset(load({}).as_environment()) | {EMBEDDED_MARKER, *PORT_OVERRIDES.values()}


def export_defaults(environ: MutableMapping[str, str] | None = None) -> Settings:
    """Fill the embedded defaults into the environment (never overriding what is set)."""
    env = os.environ if environ is None else environ
    settings = load(env)
    env.setdefault(EMBEDDED_MARKER, ",".join(sorted(set(EXTERNAL_MARKERS) - settings.external)))
    for key, value in settings.as_environment().items():
        env.setdefault(key, value)
    return settings
