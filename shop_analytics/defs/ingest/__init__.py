"""Ingest: Kafka offset ranges into the ClickHouse fact and the raw lake table; the sensor and
the checks on the fact."""
