"""Fixtures shared by every app's tests: personas, the catalog, caches, and the browser."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from apps.accounts.models import User
from apps.accounts.tests.factories import InstructorUserFactory, StaffFactory, StudentFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API beside live_server

pytest_plugins = ["tests.browser", "tests.stripe_emulator"]


@pytest.fixture(autouse=True)
def _isolated_cache(settings: Any) -> None:
    """Each test gets its own cache namespace (a fresh key prefix, for every thread, the live
    server's included), so rate limits and cached values never leak between tests or runs."""
    prefix = f"t{uuid.uuid4().hex}"
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": prefix}}


def _ensure_catalog() -> None:
    from apps.catalog.models import Category
    from apps.catalog.services import catalog_load

    if not Category.objects.exists():
        catalog_load(path=settings.DATA_DIR / "catalog.json")


def _ensure_gazetteer() -> None:
    from apps.search.gazetteer import gazetteer_load
    from apps.search.models import Borough

    if not Borough.objects.exists():
        gazetteer_load(data_dir=settings.DATA_DIR)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Load the reference data once per test database; tests roll back around it. At the end,
    end sessions other threads left open (live server, race tests) so the database can be
    dropped instead of lingering on the machine."""
    with django_db_blocker.unblock():
        _ensure_catalog()
        _ensure_gazetteer()
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def catalog(db: None) -> None:
    """The real catalog from data/catalog.json (reloaded after a transactional test
    flushed the tables)."""
    _ensure_catalog()


@pytest.fixture
def gazetteer(db: None) -> None:
    """NYC boroughs and neighborhoods from data/."""
    _ensure_gazetteer()


@pytest.fixture
def student(db: None) -> User:
    return StudentFactory.create(email="student@example.com", first_name="Sam", last_name="Student")


@pytest.fixture
def other_student(db: None) -> User:
    return StudentFactory.create(email="other.student@example.com", first_name="Olivia", last_name="Other")


@pytest.fixture
def instructor(db: None) -> User:
    return InstructorUserFactory.create(email="instructor@example.com", first_name="Ines", last_name="Instructor")


@pytest.fixture
def other_instructor(db: None) -> User:
    return InstructorUserFactory.create(email="other.instructor@example.com", first_name="Oscar", last_name="Other")


@pytest.fixture
def staff(db: None) -> User:
    return StaffFactory.create(email="staff@example.com", first_name="Stella", last_name="Staff")
