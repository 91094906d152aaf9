"""The authorization matrix: every route × every persona × mine / someone else's.

Routes are discovered, not listed: every URL pattern (a walk of the URL resolver) and every
operation of /api/v1/openapi.json. Each must have a rule in tests/authz/rules.py (the admin's
routes share one), and each is called by anonymous, a student, another student, an instructor,
another instructor, staff with two-factor and staff without. For each call the matrix checks:

- the status (401 on the API and the login page for pages when anonymous; 403/404 for the wrong
  role as the product says; 404 for someone else's object; staff without two-factor refused);
- that a refused call wrote nothing to the database or the file store;
- that no answer contains private text planted in objects its caller may not see;
- on writes, mass assignment: every write carries `status`, `price_cents`, `is_staff`, `role`,
  another person's `user_id`/`instructor_id`… and a let-in write must change only the caller's
  own rows, never those fields.

This file: completeness and the API's operations. Pages and the admin are in
test_authorization_matrix_pages.py and test_authorization_matrix_admin.py (tests/authz/matrix.py
holds the machinery).
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import get_resolver

from tests.authz import rules
from tests.authz.matrix import (  # noqa: F401  # the matrix's fixtures, used by name
    OPERATIONS,
    PAGES,
    check_operation,
    is_admin,
    is_api_operation,
    matrix_db,
    private_root,
    walk,
    world,
    world_files,
)
from tests.authz.world import World


def test_every_route_has_a_rule_and_every_rule_a_route(client: Client) -> None:
    served = client.get("/api/v1/openapi.json").json()
    served_ids = {op["operationId"] for methods in served["paths"].values() for op in methods.values()}
    assert served_ids == set(OPERATIONS)
    assert sorted(set(OPERATIONS) - set(rules.API)) == [], "API operations without a rule"
    assert sorted(set(rules.API) - set(OPERATIONS)) == [], "rules for API operations that no longer exist"
    ours = {key for key, (route, _) in PAGES.items() if not is_admin(route)}
    assert sorted(ours - set(rules.PAGES)) == [], "routes without a rule"
    assert sorted(set(rules.PAGES) - ours) == [], "rules for routes that no longer exist"
    # An operation left out of the document would escape the matrix: every URL pattern under
    # /api/v1/ is a documented path.
    documented = {re.sub(r"\{(\w+)\}", r"<\1>", path.removeprefix("/")) for path in served["paths"]}
    hidden = {route for route, name, _ in walk(get_resolver().url_patterns) if is_api_operation(route, name)}
    assert sorted(hidden - documented) == []


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_api_operation(matrix_db: World, operation_id: str) -> None:  # noqa: F811  # the fixture
    check_operation(matrix_db, operation_id)
