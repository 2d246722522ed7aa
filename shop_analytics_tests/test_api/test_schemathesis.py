"""schemathesis against the served document: every operation, every check, no 5xx."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from shop_analytics.contracts.purchase_time_bounds import purchase_time_bounds
from shop_analytics_tests.test_api.conftest import AUTH

# A purchase's date-time must also lie within the time bounds, which JSON Schema cannot state
# (the document says so in words): valid data is generated within them. Other date-times
# (a client's registration_date) take any instant, so the narrower range suits them too.
_BOUNDS = purchase_time_bounds()
schemathesis.openapi.format(
    "date-time",
    st.datetimes(
        min_value=_BOUNDS.earliest.replace(tzinfo=None),
        max_value=datetime.now(UTC).replace(tzinfo=None),
        timezones=st.just(UTC),
    ).map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ")),
)


@pytest.fixture(scope="module")
def api_schema(app: Flask) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=AUTH)
