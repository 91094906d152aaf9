"""Fixtures for availability tests: a frozen clock and the instructor's live profile with a
piano offering."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
import time_machine

from apps.availability.tests.feed_server import FeedServer, feed_server_running
from apps.availability.tests.helpers import NOW
from apps.instructors.models import InstructorProfile, Offering
from apps.instructors.tests.factories import OfferingFactory, live_instructor


@pytest.fixture
def frozen() -> Iterator[datetime]:
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def profile(instructor, catalog, frozen) -> InstructorProfile:
    """The `instructor` persona's live profile, created at NOW."""
    return live_instructor(user=instructor, slug="ines-instructor")


@pytest.fixture
def offering(profile) -> Offering:
    return OfferingFactory.create(profile=profile, duration_options=[30, 60, 90], rate_travel_cents=12000)


@pytest.fixture
def feed_server(settings) -> Iterator[FeedServer]:
    """A real HTTP server on 127.0.0.1 for calendar import, with 127.0.0.1/32 (and only it)
    allowed as a private feed address."""
    settings.CALENDAR_FEED_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32"]
    with feed_server_running() as server:
        yield server
