"""Clients per second through `shop-analytics load` (the batch endpoint), against single POSTs.

    .venv/bin/python bench/bulk_load.py [--clients 20000] [--singles 2000] [--runs 3]
        [--batch-size 1000]

Needs the local stack (`shop-analytics up`, same SHOP_ANALYTICS_PORT_BASE). Each run writes
new clients (fresh ids) into PostgreSQL `clients`, twice, through the same in-process API app:

* baseline: `POST /api/clients`, one request per client (`--singles` of them), as a client
  without a bulk path had to;
* bulk: `load_file` (what `shop-analytics load clients FILE` runs after start-up): the check
  pass over the file, then `POST /api/clients:batch` per `--batch-size` lines.

Both skip HTTP (the Flask test client), which favours the baseline: over a socket every single
POST also pays a round trip. Prints each run with the load average beside it, then the median
and range of each path and of the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import orjson

from shop_analytics import settings as settings_module
from shop_analytics.cli.bulk_loader import load_file, loader_app


def client_record(number: int) -> dict[str, object]:
    return {
        "client_id": str(uuid.uuid4()),
        "first_name": f"Имя{number}",
        "last_name": "Иванова",
        "email": f"client{number}@example.com",
        "address": f"Москва, ул. Ленина, {number}",
        "registration_date": "1997-06-01T10:00:00+03:00",
    }


def loadavg() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20_000)
    parser.add_argument("--singles", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args()

    settings_module.export_defaults()
    app, token = loader_app(args.batch_size)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    singles: list[float] = []
    bulks: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clients.jsonl"
        for run in range(1, args.runs + 1):
            before = loadavg()
            started = time.perf_counter()
            for number in range(args.singles):
                response = client.post("/api/clients", json=client_record(number), headers=headers)
                assert response.status_code == 200, response.json
            singles.append(args.singles / (time.perf_counter() - started))

            records = (orjson.dumps(client_record(n)) for n in range(args.clients))
            path.write_bytes(b"\n".join(records) + b"\n")
            report = load_file("clients", path, args.batch_size, app, token)
            assert report.accepted == args.clients
            bulks.append(report.per_second)
            print(
                f"run {run}: single POST {singles[-1]:,.0f} clients/s, load "
                f"{bulks[-1]:,.0f} clients/s ({bulks[-1] / singles[-1]:.1f}x); "
                f"load average {before} -> {loadavg()}",
                flush=True,
            )
    app.extensions["shop_analytics_api"].close()
    ratios = [bulk / single for bulk, single in zip(bulks, singles, strict=True)]
    for name, values, unit in (
        ("single POST /api/clients", singles, " clients/s"),
        (f"load (batches of {args.batch_size})", bulks, " clients/s"),
        ("ratio load / single", ratios, "x"),
    ):
        print(
            f"{name}: median {statistics.median(values):,.1f}{unit} "
            f"(range {min(values):,.1f}-{max(values):,.1f}, {len(values)} runs)"
        )


if __name__ == "__main__":
    main()
