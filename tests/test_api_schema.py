"""The JSON API against its own OpenAPI spec: schemathesis generates requests for every GET operation,
in process (ASGI), and checks that nothing answers 5xx and every answer matches its declared schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from parkbrain.web import create_app

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


# The spec does not depend on the data, so it is read here from an app without a park; the
# requests go to the app over the demo park. (schemathesis' lazy `from_fixture` loader does not
# work with pytest 9: it sets `node._nodeid`, which pytest no longer has.)
schema = schemathesis.openapi.from_dict(create_app(None).openapi()).include(method="GET")


@pytest.fixture(scope="module")
def app(demo_park):
    return create_app(demo_park.park)


@schema.parametrize()
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_get_operations_conform(case, app):
    case.call_and_validate(checks=CHECKS, app=app)


def test_every_get_operation_is_covered():
    operations = {op.ok().path for op in schema.get_all_operations()}
    assert operations == {"/api/overview", "/api/enterprises", "/api/enterprises/{uscc}", "/healthz"}
