"""Loading a JSON Lines file through the API's batch endpoints, in this process.

The loader drives the API's own WSGI app (`api.app.create_app`) in-process: every batch goes
through the same route, validation, idempotency and store code as `POST /api/<kind>:batch`
over HTTP, without a server, a port or a token to arrange, and without HTTP's cost.

Two passes, so that nothing is half-loaded silently:

1. check: every record is read with the endpoint's own reader (`read_entity_batch`,
   `read_batch`); any bad line stops the load before anything is written, and each is reported
   as `line N: field: reason`.
2. load: batch after batch; conflicts (an id stored with other values) are reported by line
   and make the load fail at the end; a store that stays unavailable stops it, saying which
   lines are in. Re-running the same file is safe: stored records are accepted again.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from flask import Flask

from api.app import create_app
from api.config import ApiConfig
from api.entity_batches import read_entity_batch
from api.entity_models import ClientCreate, ProductCreate, SellerCreate
from api.errors import ApiError
from api.purchase_reading import read_batch
from shop_analytics.cli.jsonl_batches import Batch, LineProblem, read_batches, unreadable_lines

KINDS: Final = ("clients", "sellers", "products", "purchases")
MAX_PROBLEMS_SHOWN: Final = 20
_UNAVAILABLE_ATTEMPTS: Final = 5


def _check(kind: str) -> Callable[[bytes, int], object]:
    """The endpoint's reader of a batch body (raises the 400 ApiError the endpoint would)."""
    if kind == "purchases":
        return lambda body, _limit: read_batch(body)
    model = {"clients": ClientCreate, "sellers": SellerCreate, "products": ProductCreate}[kind]
    postgres_text = kind != "products"
    return lambda body, limit: read_entity_batch(model, body, limit, postgres_text=postgres_text)


class LoadFailed(Exception):
    """The load stopped or finished with problems; the message says what is in and what not."""


@dataclass
class LoadReport:
    records: int = 0
    accepted: int = 0
    conflicts: list[LineProblem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


def loader_app(batch_size: int, resources: dict[str, Any] | None = None) -> tuple[Flask, str]:
    """The API app sized for batches of `batch_size`, and the token it takes."""
    token = secrets.token_urlsafe(24)
    config = ApiConfig(token=token, max_body_bytes=1 << 30, max_batch_items=batch_size)
    return create_app(config, resources), token


def check_file(kind: str, path: Path, batch_size: int) -> tuple[int, list[LineProblem]]:
    """Pass 1: the number of records and every bad line (nothing is written)."""
    check = _check(kind)
    records, problems = 0, []
    for batch in read_batches(path, batch_size):
        records += len(batch.records)
        unreadable = unreadable_lines(batch)
        if unreadable:
            problems += unreadable
            batch = batch.without({problem.line for problem in unreadable})
        try:
            check(batch.body, batch_size)
        except ApiError as error:
            problems += _line_problems(batch, error)
    return records, sorted(problems, key=lambda problem: problem.line)


def load_file(
    kind: str,
    path: Path,
    batch_size: int,
    app: Flask,
    token: str,
    progress: Callable[[LoadReport, int], None] = lambda _report, _total: None,
) -> LoadReport:
    """Check, then load `path` into `kind` through `POST /api/<kind>:batch` of `app`."""
    total, problems = check_file(kind, path, batch_size)
    if problems:
        shown = "\n".join(str(p) for p in problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        tail = f"\n... and {more} more" if more > 0 else ""
        raise LoadFailed(f"{shown}{tail}\nnothing was loaded: fix these lines and run again")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    report = LoadReport()
    started = time.perf_counter()
    for batch in read_batches(path, batch_size):
        answer = _post(client, f"/api/{kind}:batch", batch, headers, report)
        report.records += len(batch.records)
        report.accepted += answer["accepted"]
        for item in answer["results"]:
            if item["status"] != "accepted":
                line = batch.line_numbers[item["index"]]
                report.conflicts.append(LineProblem(line, "$", item.get("message", "conflict")))
        report.seconds = time.perf_counter() - started
        progress(report, total)
    if report.conflicts:
        shown = "\n".join(str(p) for p in report.conflicts[:MAX_PROBLEMS_SHOWN])
        raise LoadFailed(
            f"{shown}\n{len(report.conflicts)} records conflict with stored ones (the other "
            f"{report.accepted} are loaded); change them with PUT or PATCH, or fix the file"
        )
    return report


def _post(
    client: Any, path: str, batch: Batch, headers: dict[str, str], report: LoadReport
) -> dict[str, Any]:
    for attempt in range(_UNAVAILABLE_ATTEMPTS):
        response = client.post(path, data=batch.body, headers=headers,
                               content_type="application/json")  # fmt: skip
        answer: dict[str, Any] = response.get_json()
        if response.status_code == 200:
            return answer
        where = f"lines {batch.line_numbers[0]}-{batch.line_numbers[-1]}"
        if response.status_code == 503 and attempt + 1 < _UNAVAILABLE_ATTEMPTS:
            time.sleep(float(response.headers.get("Retry-After", 5)))
            continue
        if response.status_code == 400:
            error = ApiError(400, answer["message"], errors=answer.get("errors"))
            problems = "\n".join(str(p) for p in _line_problems(batch, error))
            detail = f"\n{problems}"
        else:
            detail = f": {answer.get('message', response.status_code)}"
        raise LoadFailed(
            f"{where} refused ({response.status_code}){detail}\n{report.records} records "
            "before them are loaded; running the same file again is safe"
        )
    raise AssertionError("unreachable")


def _line_problems(batch: Batch, error: ApiError) -> list[LineProblem]:
    if error.status != 400 or not error.errors:
        return [LineProblem(batch.line_numbers[0], "$", error.message)]
    problems = []
    for item in error.errors:
        head = item["field"].partition(".")[0]
        if head.isdigit():
            line, name = batch.locate(item["field"])
        else:  # about the batch as a whole (cannot happen once every line is JSON)
            line, name = batch.line_numbers[0], "$"
        problems.append(LineProblem(line, name, item["reason"]))
    return problems
