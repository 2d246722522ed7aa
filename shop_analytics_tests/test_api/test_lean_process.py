"""An API worker imports its clients and the contracts, not the orchestrator or the batch engine."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("dagster", "dagster_aws", "pyspark", "pandas", "pyarrow", "deltalake")

# A fresh interpreter: this test process has imported Dagster through other tests.
PROBE = f"""
import json, os, sys
os.environ.setdefault("API_TOKEN", "lean-process-token")
from api.app import create_app
create_app()
print(json.dumps([name for name in {HEAVY!r} if name in sys.modules]))
"""


def test_creating_the_app_imports_no_orchestrator_nor_batch_engine() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
