"""The Confluent wire format of a message: magic byte 0, the schema id (4 bytes, big-endian),
then the document (here the purchase's JSON). The id stands for a registered schema; which one is
the registry's answer (`schema_registry`), the framing itself is this module's."""

from __future__ import annotations

from typing import Final

MAGIC: Final = 0
HEADER_BYTES: Final = 5


def wire_schema_id(value: bytes) -> int | None:
    """The schema id of a wire-format value, or None for anything else (plain JSON starts `{`)."""
    if len(value) > HEADER_BYTES and value[0] == MAGIC:
        return int.from_bytes(value[1:HEADER_BYTES], "big")
    return None


def wire_header(schema_id: int) -> bytes:
    """What goes in front of a document registered under ``schema_id``."""
    return bytes((MAGIC,)) + schema_id.to_bytes(HEADER_BYTES - 1, "big")
