"""The instants a client, seller or product timestamp may hold: what every store reads back.

Each store takes a different range, and a value one of them cannot hold breaks more than the
write that brought it: PostgreSQL stores `9999-12-31T23:59:59-14:00` (year 10000 in UTC) but
psycopg cannot read it back into a Python datetime (years 1 to 9999), so every later read of
that row fails. The accepted range is the intersection of what the stores and readers hold:

* ClickHouse `DateTime64` (marts, stage carried into ClickHouse): 1900-01-01 to 2299-12-31;
* pandas' nanosecond timestamps (Delta tables read through dagster-deltalake-pandas): up to
  2262-04-11;
* Python's datetime (psycopg, deltalake, pydantic): years 1 to 9999 in any zone;
* PostgreSQL `timestamptz` and Delta/Spark timestamps hold all of the above.

So `[1900-01-01T00:00:00Z, 2262-01-01T00:00:00Z)`: whole years, well inside every range, with
room for any time-zone offset on either side. Purchases have narrower, moving bounds of their
own (`purchase_time_bounds`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

EARLIEST: Final = datetime(1900, 1, 1, tzinfo=UTC)
"""The first instant accepted (inclusive)."""
END: Final = datetime(2262, 1, 1, tzinfo=UTC)
"""The first instant no longer accepted (exclusive)."""

REASON: Final = (
    f"Input should be from {EARLIEST:%Y-%m-%dT%H:%M:%SZ} up to (not including) "
    f"{END:%Y-%m-%dT%H:%M:%SZ}, the range every store reads back"
)


def stored_time_refusal(moment: datetime) -> str | None:
    """Why an aware datetime cannot be stored, or None."""
    if EARLIEST <= moment < END:
        return None
    return REASON
