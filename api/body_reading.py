"""Reading a request body within a deadline and a size, whatever the client does.

The server hands the body over as it arrives, so a client that stops sending would hold the
request's thread for as long as it keeps the connection open. The read therefore runs on a
small pool of reader threads per process while the request thread waits at most
`deadline_s` (then 408); a reader stuck on a stalled client is bounded by the pool's size, and
the other requests keep their threads. Chunked bodies, whose size is unknown in advance, are
read only up to `max_bytes` + 1 (then 413), never buffered whole.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import IO

from api.errors import ApiError

BODY_READER_KEY = "shop_analytics_api_body_reader"
_CHUNK = 64 * 1024


class BodyTooLarge(Exception):
    pass


class BodyReader:
    def __init__(self, max_bytes: int, deadline_s: float, readers: int = 32) -> None:
        self._max_bytes = max_bytes
        self._deadline_s = deadline_s
        self._readers = readers
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._pid = 0

    def _executor(self) -> ThreadPoolExecutor:
        # Made on first use in each process: threads do not survive a fork.
        if self._pool is None or self._pid != os.getpid():
            with self._lock:
                if self._pool is None or self._pid != os.getpid():
                    self._pool = ThreadPoolExecutor(self._readers, "body-reader")
                    self._pid = os.getpid()
        return self._pool

    def read(self, stream: IO[bytes], content_length: int | None) -> bytes:
        """The whole body; ApiError 413 past `max_bytes`, 408 past the deadline."""
        if content_length is not None and content_length > self._max_bytes:
            raise _too_large(self._max_bytes)
        if content_length == 0:
            return b""
        future = self._executor().submit(_read_all, stream, content_length, self._max_bytes)
        try:
            return future.result(timeout=self._deadline_s)
        except FutureTimeout:
            raise ApiError(
                408,
                f"the request body did not arrive within {self._deadline_s:g} s",
                headers={"Connection": "close"},
            ) from None
        except BodyTooLarge:
            raise _too_large(self._max_bytes) from None


def _too_large(max_bytes: int) -> ApiError:
    return ApiError(
        413, f"the request body is larger than {max_bytes} bytes", headers={"Connection": "close"}
    )


def _read_all(stream: IO[bytes], content_length: int | None, max_bytes: int) -> bytes:
    parts: list[bytes] = []
    received = 0
    wanted = max_bytes + 1 if content_length is None else content_length
    while received < wanted:
        part = stream.read(min(_CHUNK, wanted - received))
        if not part:
            break
        parts.append(part)
        received += len(part)
    if received > max_bytes:
        raise BodyTooLarge
    return b"".join(parts)
