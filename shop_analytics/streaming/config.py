"""How the ingestor batches, and the limits it applies to messages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IngestConfig:
    max_batch_messages: int = 50_000
    """A batch closes at this many messages ..."""
    max_batch_wait_s: float = 0.5
    """... or this long after its first message, whichever comes first."""
    max_message_bytes: int = 64 * 1024
    """A purchase is ~250 bytes; anything far larger is a producer bug and becomes a dead letter."""
    write_attempts: int = 5
    """A batch whose sinks fail is written again (idempotently) up to this many times."""
    retry_backoff_s: float = 1.0
    measure_latency: bool = False
    """Keep each message's Kafka timestamp in the batch result (produce-to-queryable latency)."""
