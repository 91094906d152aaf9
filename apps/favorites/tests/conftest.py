"""Live piano teachers with open afternoons from today, for saving and "My teachers"."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.accounts.tests.factories import InstructorUserFactory
from apps.bookings.tests.conftest import open_days
from apps.catalog.models import Service
from apps.instructors.models import InstructorProfile
from apps.instructors.tests.factories import OfferingFactory, live_instructor

NEW_YORK = ZoneInfo("America/New_York")


def make_teacher(slug: str, name: str, *, open_from_day: int = 1) -> InstructorProfile:
    """A live teacher of piano (studio or online, 30/60/90 min), open 13:00–17:00 New York
    time on the 10 days starting `open_from_day` days from today."""
    user = InstructorUserFactory.create(email=f"{slug}@example.com", first_name=name.split()[0])
    profile = live_instructor(user=user, slug=slug, display_name=name)
    OfferingFactory.create(
        profile=profile, service=Service.objects.get(slug="piano"), rate_online_cents=6000, rate_studio_cents=9000,
        duration_options=[30, 60, 90], ages=["adults"],
    )  # fmt: skip
    today = timezone.now().astimezone(NEW_YORK).date()
    open_days(profile, today + timedelta(days=open_from_day), 10, start_hour=13, end_hour=17)
    return profile


@pytest.fixture
def teacher(catalog: None) -> InstructorProfile:
    return make_teacher("ines", "Ines Instructor")
