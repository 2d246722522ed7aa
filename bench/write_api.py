"""Throughput and latency of the write API as served in production, beside a trivial endpoint.

    .venv/bin/python bench/write_api.py [--duration 10] [--connections 32] [--batch 1000]
        [--skip-batch]

Needs the local stack (`shop-analytics up`, same SHOP_ANALYTICS_PORT_BASE) and `wrk`
(apt-get install wrk). Starts the server of `api/serving.py` on 127.0.0.1 (API_WORKERS /
API_THREADS apply), publishing to a topic of its own, and prints:

* worker start: seconds from launch to the first answer of /api/health, and each process's RSS
  then and after the load;
* for each concurrency: GET /api/health (the baseline: the same app doing no work),
  POST /api/purchases (every request waits for Kafka's acknowledgement), then
  POST /api/purchases:batch: req/s, p50 and p99;
* slow clients: /api/health latency (median, p99 of 200 sequential requests) alone and while 60
  connections hold a partial header, and the difference.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

from confluent_kafka.admin import AdminClient, NewTopic

from api.serving import server_argv
from shop_analytics import settings as settings_module

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).with_suffix(".lua")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def start_server(env: dict[str, str], port: int) -> tuple[subprocess.Popen[bytes], float]:
    """The server, and the seconds from its launch to its first answer."""
    started = time.monotonic()
    process = subprocess.Popen(
        server_argv("127.0.0.1", port, env),
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = started + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1):
                return process, time.monotonic() - started
        except OSError:
            time.sleep(0.02)
    process.kill()
    raise SystemExit("the API server did not answer within 120 s")


def rss_mb(root_pid: int) -> list[float]:
    """RSS of the server process and of its descendants (its workers), in MB."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    sizes, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)  # type: ignore[union-attr]
        todo += children.get(pid, [])
    return sizes


def health_latency_ms(base: str, count: int = 200) -> tuple[float, float]:
    """Median and p99 of sequential GET /api/health."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        with urllib.request.urlopen(f"{base}/api/health", timeout=30) as response:
            response.read()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(count * 0.99) - 1]


def slow_clients(base: str, port: int, stalled: int = 60) -> None:
    alone = health_latency_ms(base)
    sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(stalled)]
    try:
        for sock in sockets:
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: bench\r\nX-Slow: ")
        time.sleep(0.5)
        held = health_latency_ms(base)
    finally:
        for sock in sockets:
            sock.close()
    print(f"slow clients: health median/p99 {alone[0]:.1f}/{alone[1]:.1f} ms alone, "
          f"{held[0]:.1f}/{held[1]:.1f} ms beside {stalled} stalled headers: added "
          f"{held[0] - alone[0]:+.1f}/{held[1] - alone[1]:+.1f} ms")  # fmt: skip


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
    parser.add_argument("--connections", default="32")
    parser.add_argument("--batch", type=int, default=1000, help="purchases per batch request")
    parser.add_argument("--skip-batch", action="store_true", help="health and single only")
    args = parser.parse_args()

    settings = settings_module.export_defaults()
    topic = f"bench-api-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": settings.kafka_bootstrap_servers})
    admin.create_topics([NewTopic(topic, settings.topic_partitions, 1)])[topic].result(30)
    token = secrets.token_urlsafe(16)
    env = {**os.environ, "KAFKA_PURCHASES_TOPIC": topic, "API_TOKEN": token, "API_ACCESS_LOG": "",
           "API_MAX_BODY_BYTES": str(max(1 << 20, 300 * args.batch))}  # fmt: skip
    port = free_port()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    server, ready_s = start_server(env, port)
    base = f"http://127.0.0.1:{port}"
    start_rss = rss_mb(server.pid)
    print(f"{' '.join(server_argv('127.0.0.1', port, env)[1:])}; topic {topic}; "
          f"{args.duration} s per point")  # fmt: skip
    print(f"worker start: first answer {ready_s:.2f} s after launch; RSS MB per process "
          f"{', '.join(f'{mb:.0f}' for mb in start_rss)}")  # fmt: skip
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
        slow_clients(base, port)
        print(f"RSS MB per process after the load: "
              f"{', '.join(f'{mb:.0f}' for mb in rss_mb(server.pid))}")  # fmt: skip
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
        admin.delete_topics([topic])[topic].result(30)


if __name__ == "__main__":
    main()
