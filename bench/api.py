"""Throughput and latency of the write API under gunicorn, beside a trivial endpoint.

    .venv/bin/python bench/api.py [--duration 10] [--connections 8,32,64] [--batch 1000]
        [--skip-batch]

Needs the local stack (`shop-analytics up`, same SHOP_ANALYTICS_PORT_BASE) and `wrk`
(apt-get install wrk). Starts gunicorn with api/gunicorn.conf.py on 127.0.0.1 (workers and
threads from API_WORKERS / API_THREADS), publishing to a topic of its own. For each concurrency:
GET /api/health (the baseline: the same app doing no work), POST /api/purchases (every request
waits for Kafka's acknowledgement), then POST /api/purchases:batch. Prints req/s, p50 and p99.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from confluent_kafka.admin import AdminClient, NewTopic

from shop_analytics import settings as settings_module

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).with_suffix(".lua")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "api/gunicorn.conf.py", "api.app:create_app()"],
        cwd=ROOT,
        env={**env, "API_BIND": f"127.0.0.1:{port}", "API_ACCESS_LOG": ""},
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1):
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("gunicorn did not answer within 60 s")


def wrk(url: str, connections: int, duration: int, env: dict[str, str], script: bool) -> dict:
    threads = min(2, connections)
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout",
            "10s"]  # fmt: skip
    if script:
        argv += ["-s", str(LUA)]
    output = subprocess.run(
        [*argv, url], env=env, capture_output=True, text=True, check=True
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": rate,
        "p50": _ms(re.search(r"\s50%\s+([\d.]+\w+)", output).group(1)),  # type: ignore[union-attr]
        "p99": _ms(re.search(r"\s99%\s+([\d.]+\w+)", output).group(1)),  # type: ignore[union-attr]
        "errors": int(errors.group(1)) if errors else 0,
    }


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", default="8,32,64")
    parser.add_argument("--batch", type=int, default=1000, help="purchases per batch request")
    parser.add_argument("--skip-batch", action="store_true", help="health and single only")
    args = parser.parse_args()

    settings = settings_module.export_defaults()
    topic = f"bench-api-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": settings.kafka_bootstrap_servers})
    admin.create_topics([NewTopic(topic, settings.topic_partitions, 1)])[topic].result(30)
    token = secrets.token_urlsafe(16)
    env = {**os.environ, "KAFKA_PURCHASES_TOPIC": topic, "API_TOKEN": token,
           "API_MAX_BODY_BYTES": str(max(1 << 20, 300 * args.batch))}  # fmt: skip
    port = free_port()
    server = start_gunicorn(env, port)
    base = f"http://127.0.0.1:{port}"
    print(f"gunicorn workers={os.environ.get('API_WORKERS', os.cpu_count() + 1)} "  # type: ignore[operator]
          f"threads={os.environ.get('API_THREADS', 8)} on {base}; topic {topic}; "
          f"{args.duration} s per point")  # fmt: skip
    try:
        # Warm-up: each worker's producer, metadata and PostgreSQL connections get made here.
        wrk(base, 16, 3, {**env, "BATCH": "0"}, script=True)
        wrk(base, 4, 3, {**env, "BATCH": str(args.batch)}, script=True)
        print(f"{'endpoint':<26}{'conns':>6}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
              f"{'non-2xx':>9}{'items/s':>10}{'vs health':>10}")  # fmt: skip
        for connections in [int(c) for c in args.connections.split(",")]:
            health = wrk(f"{base}/api/health", connections, args.duration, env, script=False)
            single = wrk(base, connections, args.duration, {**env, "BATCH": "0"}, script=True)
            rows = [
                ("GET /api/health", connections, health, 1),
                ("POST /api/purchases", connections, single, 1),
            ]
            if not args.skip_batch:
                batch = wrk(base, min(connections, 8), args.duration,
                            {**env, "BATCH": str(args.batch)}, script=True)  # fmt: skip
                rows.append((f"POST :batch ({args.batch}/req)", min(connections, 8), batch,
                             args.batch))  # fmt: skip
            for name, conns, r, per in rows:
                print(f"{name:<26}{conns:>6}{r['rps']:>10.0f}{r['p50']:>9.1f}{r['p99']:>9.1f}"
                      f"{r['errors']:>9}{r['rps'] * per:>10.0f}"
                      f"{r['rps'] * per / health['rps']:>10.2f}")  # fmt: skip
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
        admin.delete_topics([topic])[topic].result(30)


if __name__ == "__main__":
    main()
