"""`dagster dev` serves the code location: GraphQL lists every asset with its upstream edges."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from shop_analytics.definitions import defs
from shop_analytics_tests.processes import stop

# Starts processes of its own: the stack tier.
pytestmark = pytest.mark.stack

REPO_ROOT = Path(__file__).resolve().parents[2]
QUERY = "{ assetNodes { assetKey { path } dependencyKeys { path } } }"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def dagster_dev(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    log = (tmp_path / "dagster-dev.log").open("w")
    # A new session with default signal handlers: dagster dev then stops cleanly on SIGTERM.
    process = subprocess.Popen(
        ["setsid", "env", "--default-signal=INT,TERM", sys.executable, "-m", "dagster", "dev",
         "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"],
        cwd=REPO_ROOT, env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process, timeout_s=30)
        log.close()


def _graphql(url: str, deadline_s: float = 120) -> dict[str, object]:
    body = json.dumps({"query": QUERY}).encode()
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            request = urllib.request.Request(
                f"{url}/graphql", body, {"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                data: dict[str, object] = json.load(response)["data"]
            if data.get("assetNodes"):
                return data
        except (OSError, KeyError, TypeError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"dagster dev at {url} did not list assets in {deadline_s} s")
        time.sleep(1)


def test_dagster_dev_lists_every_asset_with_its_upstream_edges(dagster_dev: str) -> None:
    nodes = _graphql(dagster_dev)["assetNodes"]
    served = {
        "/".join(n["assetKey"]["path"]): {"/".join(d["path"]) for d in n["dependencyKeys"]}
        for n in nodes  # type: ignore[attr-defined]
    }
    graph = defs.resolve_asset_graph()
    expected = {
        key.to_user_string(): {p.to_user_string() for p in graph.get(key).parent_keys}
        for key in graph.get_all_asset_keys()
    }
    assert served == expected
    assert served["sales_daily"] >= {"purchases", "product_metrics", "purchase_records"}
    assert served["purchase_records"] == {"raw_purchases", "clients", "products"}
