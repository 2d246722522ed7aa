"""Settings: embedded defaults, external systems, and the environment handed to resources."""

from __future__ import annotations

from pathlib import Path

import pytest

from shop_analytics import settings as settings_module


def test_embedded_defaults_derive_from_home_and_port_base(tmp_path: Path) -> None:
    env = {"SHOP_ANALYTICS_HOME": str(tmp_path), "SHOP_ANALYTICS_PORT_BASE": "30000"}
    s = settings_module.load(env)
    assert s.external == frozenset()
    assert s.postgres_dsn == "postgresql://postgres@127.0.0.1:30432/shop"
    assert s.kafka_bootstrap_servers == "127.0.0.1:30092"
    assert s.s3_endpoint_url == "http://127.0.0.1:30333"
    assert s.clickhouse_dsn == f"chdb://{tmp_path / 'clickhouse'}"
    # Every port of the stack is distinct, so nothing collides with itself.
    ports = [s.port(name) for name in settings_module.PORT_OFFSETS]
    assert len(set(ports)) == len(ports)


def test_a_variable_set_by_the_user_makes_its_system_external() -> None:
    env = {"KAFKA_BOOTSTRAP_SERVERS": "broker:9092", "CLICKHOUSE_DSN": "http://ch:8123"}
    s = settings_module.load(env)
    assert s.external == {"kafka", "clickhouse"}
    assert s.kafka_bootstrap_servers == "broker:9092"
    assert s.is_embedded("postgres") and not s.is_embedded("kafka")


def test_exported_defaults_stay_embedded_in_child_processes() -> None:
    env: dict[str, str] = {"S3_ENDPOINT_URL": "https://s3.example.com"}
    exported = settings_module.export_defaults(env)
    assert env["POSTGRES_DSN"] == exported.postgres_dsn
    assert env["S3_ENDPOINT_URL"] == "https://s3.example.com"
    # A process that inherits this environment sees the same split, not five external systems.
    assert settings_module.load(env).external == {"s3"}


def test_ui_and_api_ports_follow_the_base_unless_set() -> None:
    s = settings_module.load({"SHOP_ANALYTICS_PORT_BASE": "30000"})
    assert (s.dagster_ui_port, s.api_port) == (30300, 30800)
    assert settings_module.load({}).dagster_ui_port == settings_module.DEFAULT_PORT_BASE + 300
    fixed = settings_module.load({"DAGSTER_UI_PORT": "3000", "API_PORT": "8000"})
    assert (fixed.dagster_ui_port, fixed.api_port) == (3000, 8000)
    assert set(settings_module.PORT_OVERRIDES.values()) <= settings_module.as_environment_keys()


def test_history_start_is_a_checked_date() -> None:
    assert settings_module.load({}).history_start == settings_module.DEFAULT_HISTORY_START
    s = settings_module.load({"SHOP_ANALYTICS_HISTORY_START": "1997-01-01"})
    assert s.history_start.isoformat() == "1997-01-01"
    assert s.as_environment()["SHOP_ANALYTICS_HISTORY_START"] == "1997-01-01"
    for wrong in ("1997", "01.01.1997", "1899-12-31", "9999-01-01"):
        with pytest.raises(ValueError, match="SHOP_ANALYTICS_HISTORY_START"):
            settings_module.load({"SHOP_ANALYTICS_HISTORY_START": wrong})


def test_a_kafka_cluster_bootstraps_from_every_node_on_ports_of_its_own() -> None:
    single = settings_module.load({"SHOP_ANALYTICS_PORT_BASE": "20000"})
    assert single.kafka_cluster_size == 1
    assert single.kafka_bootstrap_servers == "127.0.0.1:20092"

    cluster = settings_module.load({"SHOP_ANALYTICS_PORT_BASE": "20000", "KAFKA_CLUSTER_SIZE": "3"})
    assert cluster.kafka_bootstrap_servers == "127.0.0.1:20092,127.0.0.1:20094,127.0.0.1:20096"
    assert cluster.as_environment()["KAFKA_CLUSTER_SIZE"] == "3"
    # Every node's client and controller port is an entry of PORT_OFFSETS (so no other
    # service's offset can take it).
    for node in range(1, settings_module.MAX_KAFKA_CLUSTER_SIZE + 1):
        assert settings_module.kafka_port_name(node) in settings_module.PORT_OFFSETS
        assert settings_module.kafka_controller_port_name(node) in settings_module.PORT_OFFSETS


def test_a_kafka_cluster_size_out_of_range_is_refused() -> None:
    for wrong in ("0", "4", "three"):
        with pytest.raises(ValueError, match="KAFKA_CLUSTER_SIZE must be 1 to 3"):
            settings_module.load({"KAFKA_CLUSTER_SIZE": wrong})


def test_a_spark_cluster_size_points_the_batch_at_the_local_master() -> None:
    assert settings_module.load({}).spark_master == "local[2]"
    cluster = settings_module.load({"SHOP_ANALYTICS_PORT_BASE": "20000", "SPARK_CLUSTER_SIZE": "2"})
    assert cluster.spark_master == "spark://127.0.0.1:20077"
    assert cluster.is_embedded("spark")
    assert cluster.as_environment()["SPARK_CLUSTER_SIZE"] == "2"
    # A master set by the user wins: nothing is started for it.
    elsewhere = settings_module.load({"SPARK_CLUSTER_SIZE": "2", "SPARK_MASTER": "spark://h:7077"})
    assert elsewhere.spark_master == "spark://h:7077" and not elsewhere.is_embedded("spark")
    for worker in range(1, settings_module.MAX_SPARK_CLUSTER_SIZE + 1):
        for name in settings_module.spark_worker_port_names(worker):
            assert name in settings_module.PORT_OFFSETS
    for wrong in ("3", "-1", "two"):
        with pytest.raises(ValueError, match="SPARK_CLUSTER_SIZE must be 0"):
            settings_module.load({"SPARK_CLUSTER_SIZE": wrong})
