"""gunicorn settings for the write API in production; every value can be overridden by env.

Threads, not more processes: a purchase request spends most of its time waiting for Kafka's
acknowledgement, and the threads of one worker share its producer, so their messages leave in
the same produce requests.
"""

import multiprocessing
import os

bind = os.environ.get("API_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("API_WORKERS", multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("API_THREADS", 8))
timeout = int(os.environ.get("API_TIMEOUT_S", 30))
accesslog = os.environ.get("API_ACCESS_LOG", "-") or None


def worker_exit(server: object, worker: object) -> None:
    """On a graceful stop: deliver what the producer holds and close the connection pool."""
    app = getattr(worker, "wsgi", None)
    backends = getattr(app, "extensions", {}).get("shop_analytics_api")
    if backends is not None:
        backends.close()
