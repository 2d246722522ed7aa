"""`shop-analytics stream`: the stream loop as a process, stopped cleanly by SIGTERM or Ctrl-C."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from shop_analytics.resources import build_resources
from shop_analytics.resources.clickhouse import ClickHouseResource
from shop_analytics.settings import Settings
from shop_analytics.streaming.config import IngestConfig
from shop_analytics.streaming.stream_loop import run_stream

logger = logging.getLogger("shop_analytics.stream")


def stream_main(
    settings: Settings,
    *,
    group_id: str,
    instance_id: str | None,
    config: IngestConfig,
    log_interval_s: float,
    lock_timeout_s: float | None,
) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    resources = build_resources(settings.as_environment().__getitem__)
    clickhouse: ClickHouseResource = resources["clickhouse"]
    if lock_timeout_s is not None:
        clickhouse = ClickHouseResource(dsn=clickhouse.dsn, lock_timeout_s=lock_timeout_s)
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("%s: finishing the current batch, then stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    resources["kafka"].ensure_reachable()
    run_stream(
        resources["kafka"],
        clickhouse,
        resources["lake"],
        should_stop=stop.is_set,
        group_id=group_id,
        instance_id=instance_id,
        config=config,
        log_interval_s=log_interval_s,
    )
