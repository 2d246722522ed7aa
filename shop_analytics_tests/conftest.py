"""Session fixtures: the real local stack, on ports of its own so a demo stack can run beside."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from shop_analytics import settings as settings_module
from shop_analytics.local import stack as local_stack
from shop_analytics.settings import Settings
from shop_analytics_tests.homes import test_home

# Set while pytest imports this file, before any test module: modules that fill in the embedded
# defaults on import (shop_analytics.definitions) must see the test stack's home and ports.
os.environ.setdefault("SHOP_ANALYTICS_HOME", str(test_home("test")))
os.environ.setdefault("SHOP_ANALYTICS_PORT_BASE", "25000")


@pytest.fixture(scope="session")
def stack() -> Iterator[Settings]:
    """The embedded stack for the test session; stopped at the end if this session started it."""
    settings = settings_module.export_defaults()
    already_running = all(s.status().running for s in local_stack.services(settings))
    local_stack.up(settings)
    yield settings
    if not already_running:
        local_stack.down(settings)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Two tiers: a test that asks for the stack (directly or through a fixture), or is marked
    `stack` because it starts processes of its own, is a stack test; every other one is a unit
    test, so `pytest -m unit` runs in-process without any service."""
    for item in items:
        needs_stack = "stack" in getattr(item, "fixturenames", ()) or item.get_closest_marker(
            "stack"
        )
        item.add_marker(pytest.mark.stack if needs_stack else pytest.mark.unit)
