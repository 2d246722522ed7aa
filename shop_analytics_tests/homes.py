"""Where test stacks keep their data: under the checkout's .local/ when PostgreSQL can reach it.

PostgreSQL runs as the `postgres` user, which cannot enter a checkout under a root-only folder
(/root, a umask-077 tree); such a checkout keeps its test data in /var/tmp instead.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from shop_analytics.local.postgres import first_blocked_dir

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_home(name: str) -> Path:
    if first_blocked_dir(REPO_ROOT) is None:
        return REPO_ROOT / ".local" / name
    checkout = hashlib.sha256(str(REPO_ROOT).encode()).hexdigest()[:8]
    return Path("/var/tmp") / f"shop-analytics-{checkout}" / name


test_home.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test for pytest
