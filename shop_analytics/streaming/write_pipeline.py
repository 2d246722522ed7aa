"""The stream's pipeline of depth one: batch N is written while batch N+1 is read and checked.

The sinks (chDB insert, Delta write to S3, dead-letter flush) spend most of their time outside
the GIL, so a writer thread runs them beside the next ``consume()`` and validation on the main
thread. The rules of the sequential loop still hold:

* commit after write: a batch's offsets are committed only once its write has returned, and on
  the consumer's own thread: a commit from the writer thread while ``on_revoke`` waits for that
  thread would deadlock the rebalance. A write that fails for good raises in `settle` and is
  never committed;
* one batch in flight: batch N+1 goes to the writer only after batch N was committed, so the
  committed offset of a partition only moves forward and never past unwritten rows;
* a rebalance waits: ``on_revoke`` (run by librdkafka inside ``consume()``) settles the batch in
  flight before the partitions are given away, so no other member reads a partition whose rows
  are still being written.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from confluent_kafka import Consumer, TopicPartition

from shop_analytics.streaming.ingestor import BatchResult, Ingestor
from shop_analytics.streaming.purchase_batch import PurchaseBatch


class WritePipeline:
    def __init__(
        self,
        ingestor: Ingestor,
        on_written: Callable[[BatchResult], None],
        should_stop: Callable[[], bool],
    ) -> None:
        """``on_written`` commits a written batch; it runs on the thread that calls `settle`."""
        self.ingestor = ingestor
        self.on_written = on_written
        self.should_stop = should_stop
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch-writer")
        self._in_flight: Future[BatchResult] | None = None
        self._failure: BaseException | None = None

    def submit(self, batch: PurchaseBatch) -> None:
        """Settle the batch in flight, then start writing ``batch``."""
        self.settle()
        self._in_flight = self._writer.submit(
            self.ingestor.write_batch_with_retries, batch, self.should_stop
        )

    def settle(self) -> None:
        """Wait for the batch in flight and hand it to ``on_written``; raise its write error."""
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure
        future, self._in_flight = self._in_flight, None
        if future is not None:
            self.on_written(future.result())

    def on_revoke(self, _consumer: Consumer, _partitions: list[TopicPartition]) -> None:
        """Rebalance callback: the batch in flight is written and committed first."""
        try:
            self.settle()
        except Exception as exc:
            # Raised inside consume(), an exception would interrupt librdkafka's rebalance;
            # keep it for the main loop's next `settle`, which stops the stream with it.
            self._failure = exc

    def close(self) -> None:
        """Wait for a write still in flight (after an error) without committing it."""
        self._in_flight = None
        self._writer.shutdown(wait=True)
