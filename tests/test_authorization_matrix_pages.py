"""The authorization matrix for pages (ours, allauth's and its headless API): see
test_authorization_matrix.py for what is checked."""

from __future__ import annotations

import pytest

from tests.authz.matrix import (  # noqa: F401  # the matrix's fixtures, used by name
    PAGES,
    check_page,
    is_admin,
    matrix_db,
    private_root,
    world,
    world_files,
)
from tests.authz.world import World


@pytest.mark.parametrize("key", sorted(k for k, (route, _) in PAGES.items() if not is_admin(route)))
def test_page(matrix_db: World, key: str) -> None:  # noqa: F811  # the fixture
    check_page(matrix_db, key)
