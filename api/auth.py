"""Who may call what: a write token (writes and reads) and a read-only token (reads).

Clients, sellers and products are personal or commercial data, so reading them needs a token as
much as writing does. Liveness, the OpenAPI document and the docs page describe the API, not
its data, and stay public. The OpenAPI document names the same schemes (`api.openapi`).
"""

from __future__ import annotations

import hmac

from flask import request

from api.errors import ApiError

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Endpoints (Flask endpoint names) anyone may call.
PUBLIC_ENDPOINTS = frozenset({"health", "docs.document", "docs.page", "docs.asset"})

# The OpenAPI security schemes: both are bearer tokens; which one an operation takes is what
# tells them apart.
READ_SCHEME = "readToken"
WRITE_SCHEME = "writeToken"


class Credentials:
    """The two tokens; either may be unset (the dashboard serves readers only)."""

    def __init__(self, write_token: str | None, read_token: str | None) -> None:
        self._write = write_token.encode() if write_token else None
        self._read = read_token.encode() if read_token else None

    def may_read(self, given: bytes) -> bool:
        """Whether ``given`` is either token (both may read)."""
        is_writer, is_reader = self._match(given)
        return is_writer or is_reader

    def authorize(self) -> None:
        """401 unless the current request carries a token that allows its method.

        Only routed requests reach here: an unknown path or method is a 404/405 whatever the
        token."""
        if request.endpoint in PUBLIC_ENDPOINTS:
            return
        is_writer, is_reader = self._match(bearer_token())
        if is_writer or (is_reader and request.method not in WRITE_METHODS):
            return
        if is_reader:
            raise ApiError(
                403,
                "this token may only read; writes need the write token (API_TOKEN)",
            )
        raise ApiError(
            401,
            "missing or invalid API token: send 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": 'Bearer realm="shop-analytics"'},
        )

    def _match(self, given: bytes) -> tuple[bool, bool]:
        """(is the write token, is the read token)."""
        # compare_digest: constant time; both are compared every time so that the answer's
        # timing does not tell which token came close.
        is_writer = self._write is not None and hmac.compare_digest(given, self._write)
        is_reader = self._read is not None and hmac.compare_digest(given, self._read)
        return is_writer, is_reader


def bearer_token() -> bytes:
    """The token of the request's ``Authorization: Bearer`` header, or b""."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return b""
    # Bytes: no TypeError on non-ASCII input.
    return token.strip().encode("utf-8", "replace")
