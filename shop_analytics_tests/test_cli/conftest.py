"""The commands run against the API tests' private place (topic, lake folder, chDB)."""

from shop_analytics_tests.test_api.conftest import place

__all__ = ["place"]
