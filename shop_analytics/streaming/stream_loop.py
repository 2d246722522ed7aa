"""The long-running path: a consumer group member that ingests until asked to stop.

Several processes with the same group id share the topic's partitions; that is how the stream
scales out against a ClickHouse server. With embedded chDB the stream keeps its session from
batch to batch (reopening chDB for every half-second batch would cost ~0.1-0.3 s each time) but
only while nobody else wants the data directory: before handing a batch to the writer it checks
the queue of waiting processes (one directory listing), and when one waits it lets the batch in
flight finish and commit, closes its chDB client, queues behind the waiters and reopens
(`HeldSession.hand_over`). So `shop-analytics report` or a Dagster run beside the stream waits
for the batch being read and the write in flight, and the stream for their units of work.

Offsets are committed (offset + 1, synchronously) only after a batch is in both sinks and its
dead letters are acknowledged. The sinks of one batch run in a writer thread while the next
batch is consumed and validated (`write_pipeline`, depth one); the rebalance callback waits for
that write and commits it before partitions are revoked. A stop request (SIGTERM) is honoured
between batches: the batch in flight and the one just read are written and committed first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from confluent_kafka import Consumer, KafkaException, Message

from shop_analytics.resources.clickhouse import ClickHouseResource
from shop_analytics.resources.kafka import KafkaResource
from shop_analytics.resources.lake import LakeResource
from shop_analytics.streaming.config import IngestConfig
from shop_analytics.streaming.dead_letters import DeadLetterWriter
from shop_analytics.streaming.ingestor import BatchResult, Ingestor
from shop_analytics.streaming.metrics import StreamMetrics
from shop_analytics.streaming.write_pipeline import WritePipeline

logger = logging.getLogger("shop_analytics.stream")

DEFAULT_GROUP_ID = "shop-analytics-stream"


def run_stream(
    kafka: KafkaResource,
    clickhouse: ClickHouseResource,
    lake: LakeResource,
    *,
    should_stop: Callable[[], bool],
    group_id: str = DEFAULT_GROUP_ID,
    instance_id: str | None = None,
    config: IngestConfig | None = None,
    log_interval_s: float = 10.0,
    on_batch: Callable[[BatchResult], None] | None = None,
) -> StreamMetrics:
    """Consume ``kafka.purchases_topic`` in group ``group_id`` until ``should_stop()``.

    ``instance_id`` makes the member static (``group.instance.id``): restarted under the same id
    after a crash, it gets its partitions back at once instead of after the session timeout.
    """
    config = config or IngestConfig()
    overrides: dict[str, object] = {
        # Larger fetches: a batch of 50 k messages should not take 50 round trips.
        "fetch.max.bytes": 64 * 1024 * 1024,
        "max.partition.fetch.bytes": 8 * 1024 * 1024,
        "queued.max.messages.kbytes": 256 * 1024,
    }
    if instance_id:
        overrides["group.instance.id"] = instance_id
    metrics = StreamMetrics(interval_s=log_interval_s)
    logger.info(
        "opening ClickHouse (%s); an embedded chDB waits its turn for up to %.0f s",
        "embedded chDB" if clickhouse.embedded else "server",
        clickhouse.lock_timeout_s,
    )
    with clickhouse.held_session() as session:
        consumer = kafka.consumer(group_id, **overrides)
        producer = kafka.producer(**{"linger.ms": 5})
        ingestor = Ingestor(
            session.client,
            lake,
            DeadLetterWriter(producer, kafka.dead_letter_topic),
            config,
            schema_versions=kafka.schema_versions(),
        )

        def written(result: BatchResult) -> None:
            _commit(consumer, result)
            metrics.record(result)
            if on_batch is not None:
                on_batch(result)

        pipeline = WritePipeline(ingestor, written, should_stop)
        try:
            consumer.subscribe([kafka.purchases_topic], on_revoke=pipeline.on_revoke)
            logger.info("consuming %s as group %s", kafka.purchases_topic, group_id)
            while not should_stop():
                messages = _poll_batch(consumer, config)
                batch = ingestor.decode(messages) if messages else None
                del messages  # the Message objects are done with; the batch holds what counts
                if session.others_waiting():
                    # The client may be closed only with no write in flight: settle (write and
                    # commit) the batch in flight first; the batch just read waits for our turn.
                    pipeline.settle()
                    session.hand_over()
                    ingestor.use_clickhouse(session.client)
                if batch is None:
                    pipeline.settle()
                else:
                    pipeline.submit(batch)
                metrics.maybe_log(consumer)
            pipeline.settle()
            metrics.maybe_log(consumer, force=True)
            logger.info(
                "stopped after %d messages; ClickHouse handed to other processes %d times (%.1f s)",
                metrics.totals.messages,
                session.hand_overs,
                session.seconds_handed_over,
            )
        finally:
            pipeline.close()
            ingestor.close()
            consumer.close()
    return metrics


def _poll_batch(consumer: Consumer, config: IngestConfig) -> list[Message]:
    """Up to ``max_batch_messages``, returned after at most ``max_batch_wait_s``."""
    messages = consumer.consume(config.max_batch_messages, config.max_batch_wait_s)
    # The usual batch has no error event in it: one pass in C to see that.
    if not any(map(Message.error, messages)):
        return messages
    batch = []
    for message in messages:
        error = message.error()
        if error is None:
            batch.append(message)
        elif error.fatal():
            raise KafkaException(error)
        else:
            # Transport errors while a broker restarts: librdkafka reconnects by itself.
            logger.warning("kafka: %s", error.str())
    return batch


def _commit(consumer: Consumer, result: BatchResult) -> None:
    try:
        consumer.commit(offsets=[r.commit_position() for r in result.ranges], asynchronous=False)
    except KafkaException as exc:
        # The rows are written; an uncommitted batch is read again and written idempotently,
        # and the next successful commit covers this one. Losing the group (a rebalance) or
        # the coordinator (a broker restart) lands here.
        logger.warning("offset commit failed, the batch will be re-read if needed: %s", exc)
