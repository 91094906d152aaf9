"""The authorization matrix for the admin: every admin route is for staff with two-factor
only (see test_authorization_matrix.py for what is checked)."""

from __future__ import annotations

import pytest
from django.contrib import admin

from tests.authz.matrix import (  # noqa: F401  # the matrix's fixtures, used by name
    PAGES,
    check_admin,
    is_admin,
    matrix_db,
    private_root,
    world,
    world_files,
)
from tests.authz.world import World


@pytest.mark.parametrize("key", sorted(k for k, (route, _) in PAGES.items() if is_admin(route)))
def test_admin(matrix_db: World, key: str) -> None:  # noqa: F811  # the fixture
    check_admin(matrix_db, key)


def test_every_admin_model_has_a_row_to_probe(matrix_db: World) -> None:  # noqa: F811  # the fixture
    """The admin's object pages are probed with a real row of each registered model."""
    empty = [model._meta.label for model in admin.site._registry if not model._default_manager.exists()]
    assert empty == []
