"""The API's own settings: the only environment the API reads besides `shop_analytics.settings`.

| variable | default | meaning |
|---|---|---|
| `API_TOKEN` | none (required) | bearer token that every write must carry (it may read too) |
| `API_READ_TOKEN` | none | bearer token that may only read (GET); unset: only `API_TOKEN` reads |
| `API_MAX_BODY_BYTES` | 1048576 | larger request bodies are refused with 413 |
| `API_BODY_DEADLINE_S` | 10 | a request body not received whole within this is a 408 |
| `API_MAX_BATCH_ITEMS` | 1000 | purchases per `POST /api/purchases:batch` |
| `API_KAFKA_TIMEOUT_S` | 5 | a purchase not acknowledged by Kafka within this is a 503 |
| `API_KAFKA_LINGER_MS` | 0 | the producer waits this long to send concurrent purchases together |
| `API_RETRY_AFTER_S` | 5 | the Retry-After a 503 suggests |
| `API_LAKE_TABLE` | products | the Delta table (under `LAKE_ROOT`) products are merged into |
| `API_PG_DEADLINE_S` | 2.5 | a PostgreSQL call (pool wait included) not done within this is a 503 |
| `API_PG_POOL_SIZE` | 10 | PostgreSQL connections per worker process (one per thread, and spare) |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


class ConfigError(ValueError):
    """A missing or malformed API setting."""


@dataclass(frozen=True)
class ApiConfig:
    token: str
    read_token: str | None = None
    max_body_bytes: int = 1024 * 1024
    max_batch_items: int = 1000
    body_deadline_s: float = 10.0
    kafka_timeout_s: float = 5.0
    kafka_linger_ms: float = 0.0
    retry_after_s: int = 5
    products_table: str = "products"
    pg_deadline_s: float = 2.5
    pg_pool_size: int = 10

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> ApiConfig:
        env = os.environ if environ is None else environ
        token = env.get("API_TOKEN", "")
        if not token:
            raise ConfigError("API_TOKEN is not set: the write API needs a bearer token")
        try:
            return cls(
                token=token,
                read_token=env.get("API_READ_TOKEN") or None,
                max_body_bytes=int(env.get("API_MAX_BODY_BYTES", cls.max_body_bytes)),
                max_batch_items=int(env.get("API_MAX_BATCH_ITEMS", cls.max_batch_items)),
                body_deadline_s=float(env.get("API_BODY_DEADLINE_S", cls.body_deadline_s)),
                kafka_timeout_s=float(env.get("API_KAFKA_TIMEOUT_S", cls.kafka_timeout_s)),
                kafka_linger_ms=float(env.get("API_KAFKA_LINGER_MS", cls.kafka_linger_ms)),
                retry_after_s=int(env.get("API_RETRY_AFTER_S", cls.retry_after_s)),
                products_table=env.get("API_LAKE_TABLE", cls.products_table),
                pg_deadline_s=float(env.get("API_PG_DEADLINE_S", cls.pg_deadline_s)),
                pg_pool_size=int(env.get("API_PG_POOL_SIZE", cls.pg_pool_size)),
            )
        except ValueError as error:
            raise ConfigError(f"malformed API setting: {error}") from None

    def __post_init__(self) -> None:
        # One token for both would make the read credential a write credential.
        if self.read_token is not None and self.read_token == self.token:
            raise ConfigError("API_READ_TOKEN must differ from API_TOKEN")
