"""The instants a purchase may carry: the one place both bounds are decided.

A purchase is taken only if every store can hold it and the daily pipeline can take it further:

* **earliest** = the history start (`SHOP_ANALYTICS_HISTORY_START`, read by `settings`), which is
  also the first day partition. Older purchases would land in ClickHouse and the raw lake table
  where no partition ever reaches them. The setting itself cannot go below 1900-01-01, the first
  day ClickHouse's DateTime64 stores.
* **latest** = now + `FUTURE_TOLERANCE` (one day). Purchases are completed sales, so a later
  time is a wrong clock or a wrong year (2300, 9999); a day absorbs clock skew between the shop
  and us, and keeps every accepted purchase within the day partitions of the next two days and
  far inside what ClickHouse (until 2299), pandas (until 2262) and Spark store.

The API (pydantic model and its fast reader) and the streaming ingestor (per message and per
batch) all ask this module, so a purchase the API accepts is never one the ingestor refuses.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Final

from shop_analytics import settings as settings_module

FUTURE_TOLERANCE: Final = timedelta(days=1)
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MS: Final = timedelta(milliseconds=1)


@dataclass(frozen=True)
class PurchaseTimeBounds:
    """`earliest` inclusive; the latest instant moves with the clock (now + `tolerance`)."""

    earliest: datetime
    tolerance: timedelta = FUTURE_TOLERANCE

    @classmethod
    def starting(cls, history_start: date) -> PurchaseTimeBounds:
        return cls(datetime.combine(history_start, datetime.min.time(), tzinfo=UTC))

    @property
    def earliest_ms(self) -> int:
        """`earliest` in epoch milliseconds (how ClickHouse and the stream rows hold time)."""
        return (self.earliest - _EPOCH) // _MS

    def latest_ms(self) -> int:
        """The latest instant accepted right now, in epoch milliseconds."""
        return time.time_ns() // 1_000_000 + self.tolerance // _MS

    def latest(self) -> datetime:
        return _EPOCH + self.latest_ms() * _MS

    @property
    def too_early(self) -> str:
        return (
            f"Input should be at or after {self.earliest:%Y-%m-%dT%H:%M:%SZ}, the history start "
            "(SHOP_ANALYTICS_HISTORY_START)"
        )

    @property
    def too_late(self) -> str:
        hours = int(self.tolerance.total_seconds() // 3600)
        return f"Input should be at most {hours} hours after the current time"

    def refusal_ms(self, millis: int) -> str | None:
        """Why an instant (epoch ms) is out of bounds, as the reason of field `timestamp`."""
        if millis < self.earliest_ms:
            return self.too_early
        if millis > self.latest_ms():
            return self.too_late
        return None

    def refusal(self, moment: datetime) -> str | None:
        """Why an aware datetime is out of bounds, or None (judged at millisecond precision,
        the precision the sinks keep, exactly like `refusal_ms`)."""
        return self.refusal_ms((moment - _EPOCH) // _MS)


@cache
def purchase_time_bounds() -> PurchaseTimeBounds:
    """The bounds of this process, from `SHOP_ANALYTICS_HISTORY_START` (read once)."""
    return PurchaseTimeBounds.starting(settings_module.load().history_start)
