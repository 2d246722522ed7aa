"""How the API is served in production: granian running the Flask app (`api.app:create_app`).

One command line for `shop-analytics api`, docker-compose (`python -m api.serving`), the tests
and the bench. Granian reads and parses HTTP in Rust, so a connection that sends half a header
and stops costs a task there, not a Python thread; bodies are read by the app within
`API_BODY_DEADLINE_S` (`api.body_reading`). README "Serving the API" has the measurements
behind the choice.

| variable | default | meaning |
|---|---|---|
| `API_BIND` | 127.0.0.1:8000 | host:port to listen on (`python -m api.serving`) |
| `API_WORKERS` | cores + 1 | worker processes |
| `API_THREADS` | 32 | request threads per worker (each waits on Kafka, PostgreSQL or a body) |
| `API_HEADER_TIMEOUT_S` | 10 | a connection that has not sent its whole header by then is closed |
| `API_ACCESS_LOG` | on | empty: no access log |
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping


def server_argv(host: str, port: int, env: Mapping[str, str] = os.environ) -> list[str]:
    """The server's command line, configured by the variables above (read from `env`)."""
    workers = int(env.get("API_WORKERS", (os.cpu_count() or 1) + 1))
    threads = int(env.get("API_THREADS", 32))
    header_timeout_ms = int(float(env.get("API_HEADER_TIMEOUT_S", 10)) * 1000)
    access_log = "--access-log" if env.get("API_ACCESS_LOG", "-") else "--no-access-log"
    granian = os.path.join(os.path.dirname(sys.executable), "granian")
    return [
        granian,
        "--interface",
        "wsgi",
        "--factory",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--http",
        "1",
        "--http1-header-read-timeout",
        str(header_timeout_ms),
        access_log,
        "api.app:create_app",
    ]


def main() -> None:
    host, _, port = os.environ.get("API_BIND", "127.0.0.1:8000").rpartition(":")
    argv = server_argv(host, int(port))
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main()
