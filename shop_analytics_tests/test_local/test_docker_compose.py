"""docker-compose.yml cannot run here (no Docker engine): check that it agrees with the code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from shop_analytics import settings as settings_module
from shop_analytics.cli.stream_command import stream
from shop_analytics.local.dagster_home import POSTGRES_STORAGE
from shop_analytics.local.kafka_cluster import KafkaCluster, replication_for

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"
PLATFORM_SERVICES = ("dagster-webserver", "dagster-daemon", "stream", "api", "lake-bucket")
# Only the embedded stack uses these; in compose every system is external.
LOCAL_ONLY = {
    "SHOP_ANALYTICS_HOME", "SHOP_ANALYTICS_PORT_BASE", "KAFKA_CLUSTER_SIZE", "SPARK_CLUSTER_SIZE",
}  # fmt: skip
# The broker settings that decide replication, as compose spells them (KAFKA_ + the property).
REPLICATION_PROPERTIES = (
    "default.replication.factor",
    "min.insync.replicas",
    "offsets.topic.replication.factor",
    "transaction.state.log.replication.factor",
    "transaction.state.log.min.isr",
)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def _env(compose: dict[str, Any], service: str) -> dict[str, str]:
    return {k: str(v) for k, v in compose["services"][service]["environment"].items()}


def _resolve(value: str) -> str:
    """Compose's ${VAR:-default} with the default taken (no variables set)."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def test_every_system_and_platform_process_is_a_service(compose: dict[str, Any]) -> None:
    expected = {"postgres", "s3", "clickhouse", *PLATFORM_SERVICES}
    assert expected <= set(compose["services"])
    assert _kafka_nodes(compose)


def _kafka_nodes(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The Kafka services by name (kafka-1, kafka-2, ...)."""
    return {
        name: service
        for name, service in compose["services"].items()
        if re.fullmatch(r"kafka-\d+", name)
    }


def test_platform_processes_get_every_variable_the_resources_read(compose: dict[str, Any]) -> None:
    needed = (
        set(settings_module.load({}).as_environment())
        - LOCAL_ONLY
        - settings_module.OPTIONAL_VARIABLES
    )
    for service in PLATFORM_SERVICES:
        env = _env(compose, service)
        assert needed <= set(env), f"{service} lacks {needed - set(env)}"
        # With these variables set, the code starts nothing: every system is external.
        resolved = {k: _resolve(v) for k, v in env.items()}
        assert settings_module.load(resolved).external == set(settings_module.EXTERNAL_MARKERS)


def test_dagster_storage_variables_are_set(compose: dict[str, Any]) -> None:
    db = POSTGRES_STORAGE["postgres"]["postgres_db"]
    names = {value["env"] for value in db.values() if isinstance(value, dict)}
    for service in ("dagster-webserver", "dagster-daemon"):
        assert names <= set(_env(compose, service))


def test_endpoints_point_at_the_services_that_serve_them(compose: dict[str, Any]) -> None:
    env = {k: _resolve(v) for k, v in _env(compose, "dagster-daemon").items()}
    services = compose["services"]

    pg = urlsplit(env["POSTGRES_DSN"])
    assert (pg.hostname, pg.port) == ("postgres", 5432)
    assert pg.path == "/" + services["postgres"]["environment"]["POSTGRES_DB"]
    assert pg.username == services["postgres"]["environment"]["POSTGRES_USER"]

    # Every broker is a bootstrap server, so that clients start with any one of them down.
    nodes = _kafka_nodes(compose)
    bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"].split(",")
    assert len(bootstrap) == len(nodes)
    for address in bootstrap:
        host, port = address.split(":")
        kafka_env = nodes[host]["environment"]
        assert f"PLAINTEXT://{host}:{port}" == kafka_env["KAFKA_ADVERTISED_LISTENERS"]
        assert f":{port}" in kafka_env["KAFKA_LISTENERS"]
        assert kafka_env["KAFKA_NUM_PARTITIONS"] == int(env["KAFKA_TOPIC_PARTITIONS"])

    s3 = urlsplit(env["S3_ENDPOINT_URL"])
    assert s3.hostname == "s3"
    assert f"-s3.port={s3.port}" in services["s3"]["command"]
    s3_env = {k: _resolve(v) for k, v in services["s3"]["environment"].items()}
    assert s3_env["AWS_ACCESS_KEY_ID"] == env["S3_ACCESS_KEY_ID"]
    assert s3_env["AWS_SECRET_ACCESS_KEY"] == env["S3_SECRET_ACCESS_KEY"]

    ch = urlsplit(env["CLICKHOUSE_DSN"])
    assert (ch.scheme, ch.hostname, ch.port) == ("http", "clickhouse", 8123)
    assert ch.password == _resolve(services["clickhouse"]["environment"]["CLICKHOUSE_PASSWORD"])


def test_published_ports_listen_on_loopback_only(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for mapping in service.get("ports", []):
            assert mapping.startswith("127.0.0.1:"), f"{name} publishes {mapping} beyond loopback"


def _published(service: dict[str, Any]) -> tuple[str, int]:
    """The host side (a ${VAR:-default} or a number) and the container port of the one mapping."""
    (mapping,) = service["ports"]
    address, host_side, container = re.fullmatch(r"([\d.]+):(.+):(\d+)", mapping).groups()  # type: ignore[union-attr]
    assert address == "127.0.0.1"
    return host_side, int(container)


def test_ui_and_api_are_published_on_the_variables_the_code_reads(compose: dict[str, Any]) -> None:
    services = compose["services"]
    overrides = settings_module.PORT_OVERRIDES

    host_side, container = _published(services["dagster-webserver"])
    assert host_side == f"${{{overrides['dagster_ui']}:-3000}}"
    command = services["dagster-webserver"]["command"]
    assert int(command[command.index("-p") + 1]) == container

    host_side, container = _published(services["api"])
    assert host_side == f"${{{overrides['api']}:-8000}}"
    assert services["api"]["environment"]["API_BIND"] == f"0.0.0.0:{container}"


def test_stream_replicas_share_one_consumer_group_on_the_clickhouse_server(
    compose: dict[str, Any],
) -> None:
    service = compose["services"]["stream"]
    command = service["command"]
    assert command[:2] == ["shop-analytics", "stream"]
    (group_option,) = [p for p in stream.params if p.name == "group_id"]
    assert command[command.index("--group-id") + 1] == group_option.default
    # Scaled replicas: no fixed name, no published port, no static member id to share.
    assert "container_name" not in service and "ports" not in service
    assert "--instance-id" not in command
    partitions = int(_env(compose, "stream")["KAFKA_TOPIC_PARTITIONS"])
    assert 2 <= service["deploy"]["replicas"] <= partitions
    # Several writers at once need a ClickHouse server: embedded chDB admits one process.
    assert urlsplit(_env(compose, "stream")["CLICKHOUSE_DSN"]).scheme in {"http", "https"}


def test_topics_bucket_and_tables_are_provisioned_before_the_platform_starts(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    env = _env(compose, "stream")
    script = " ".join(services["kafka-topics"]["command"])
    topics = re.search(r"for topic in (.+?); do", script).group(1).split()  # type: ignore[union-attr]
    assert topics == [env["KAFKA_PURCHASES_TOPIC"], env["KAFKA_DEAD_LETTER_TOPIC"]]
    assert f"--bootstrap-server {env['KAFKA_BOOTSTRAP_SERVERS']}" in script
    assert f"--partitions {env['KAFKA_TOPIC_PARTITIONS']}" in script
    assert "ensure_bucket(settings.load())" in " ".join(services["lake-bucket"]["command"])
    assert services["tables"]["command"] == ["shop-analytics", "provision"]
    for name in ("dagster-webserver", "dagster-daemon", "stream", "api"):
        depends = services[name]["depends_on"]
        for once in ("kafka-topics", "lake-bucket", "tables"):
            assert depends[once] == {"condition": "service_completed_successfully"}, name


def test_kafka_nodes_form_one_quorum_replicated_as_the_local_cluster(
    compose: dict[str, Any],
) -> None:
    nodes = _kafka_nodes(compose)
    envs = [node["environment"] for node in nodes.values()]
    assert sorted(e["KAFKA_NODE_ID"] for e in envs) == list(range(1, len(nodes) + 1))
    assert len({e["CLUSTER_ID"] for e in envs}) == 1
    voters = {f"{e['KAFKA_NODE_ID']}@{name}:9093" for name, e in zip(nodes, envs, strict=True)}
    for e in envs:
        assert set(e["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")) == voters
        assert "CONTROLLER://:9093" in e["KAFKA_LISTENERS"]

    # The brokers' replication settings are the ones `shop-analytics up` gives a local cluster
    # of the same size.
    local = settings_module.load({"KAFKA_CLUSTER_SIZE": str(len(nodes))})
    properties = KafkaCluster(local).shared_properties()
    for name in REPLICATION_PROPERTIES:
        key = "KAFKA_" + name.upper().replace(".", "_")
        assert [str(e[key]) for e in envs] == [str(properties[name])] * len(envs), name

    # And so are the topics the one-shot service creates.
    replication = replication_for(len(nodes))
    script = " ".join(compose["services"]["kafka-topics"]["command"])
    assert f"--replication-factor {replication.factor}" in script
    for key, value in replication.topic_config().items():
        assert f"--config {key}={value}" in script
