"""A JSON Lines file read as batches of records, each record remembering its line number.

A batch becomes the body of a batch endpoint (`[line, line, ...]`, the lines' own bytes), so
an error the API names as `<index>.<field>` maps back to `line N: <field>`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson


@dataclass(frozen=True)
class Batch:
    line_numbers: list[int]
    """The file line (1-based) of each record, in order."""
    records: list[bytes]

    @property
    def body(self) -> bytes:
        return b"[" + b",".join(self.records) + b"]"

    def without(self, lines: set[int]) -> Batch:
        """The batch less the records on `lines`."""
        kept = [
            (number, record)
            for number, record in zip(self.line_numbers, self.records, strict=True)
            if number not in lines
        ]
        return Batch([number for number, _ in kept], [record for _, record in kept])

    def locate(self, field: str) -> tuple[int, str]:
        """`3.email` (an API error's field) as (line of record 3, `email`)."""
        index, _, rest = field.partition(".")
        return self.line_numbers[int(index)], rest or "$"


@dataclass(frozen=True)
class LineProblem:
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        where = "" if self.field == "$" else f"{self.field}: "
        return f"line {self.line}: {where}{self.reason}"


def read_batches(path: Path, size: int) -> Iterator[Batch]:
    """Batches of up to `size` records; blank lines are skipped (but counted)."""
    numbers: list[int] = []
    records: list[bytes] = []
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            record = line.strip()
            if not record:
                continue
            numbers.append(number)
            records.append(record)
            if len(records) == size:
                yield Batch(numbers, records)
                numbers, records = [], []
    if records:
        yield Batch(numbers, records)


def unreadable_lines(batch: Batch) -> list[LineProblem]:
    """Records that are not one JSON value each (the API could only say the body is broken)."""
    problems = []
    for number, record in zip(batch.line_numbers, batch.records, strict=True):
        try:
            orjson.loads(record)
        except orjson.JSONDecodeError as error:
            problems.append(LineProblem(number, "$", f"not valid JSON ({error})"))
    return problems
