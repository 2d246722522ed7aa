"""gunicorn settings for the write API in production; every value can be overridden by env."""

import multiprocessing
import os

bind = os.environ.get("API_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("API_WORKERS", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("API_TIMEOUT_S", 30))
accesslog = "-"
