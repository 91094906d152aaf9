from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from apps.accounts.models import Address, User
from apps.availability.cells import mask_from_ranges
from apps.availability.models import AvailabilityDay
from apps.bookings.tests.bank import Bank, LocalBank
from apps.catalog.models import Service
from apps.instructors.models import InstructorProfile, Offering
from apps.instructors.tests.factories import OfferingFactory, add_area, live_instructor
from apps.payments.models import PaymentMethod
from apps.search.models import Neighborhood

# Tue 1 Dec 2026, 07:00 in New York. Lessons on Thu 3 Dec are > 24 h away; Tue 1 Dec afternoon is < 24 h.
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
THURSDAY = date(2026, 12, 3)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A New York wall time in December (EST, UTC−5) as a UTC instant."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour + 5, minutes=minute)


@dataclass
class Scene:
    profile: InstructorProfile
    offering: Offering
    card: PaymentMethod
    address: Address


def open_days(profile: InstructorProfile, first: date, days: int, start_hour: int = 9, end_hour: int = 17) -> None:
    mask = mask_from_ranges([(start_hour * 60, end_hour * 60)])
    AvailabilityDay.objects.bulk_create(
        [AvailabilityDay(instructor=profile, date=first + timedelta(days=n), cells=mask) for n in range(days)]
    )


@pytest.fixture
def bank() -> Bank:
    """The payment provider: the LocalGateway (test_lifecycles runs Stripe too)."""
    return LocalBank()


@pytest.fixture
def scene(catalog: None, gazetteer: None, student: User, bank: Bank) -> Scene:
    park_slope = Neighborhood.objects.get(slug="park-slope")
    profile = live_instructor(studio_neighborhood=park_slope)
    offering = OfferingFactory.create(
        profile=profile, service=Service.objects.get(slug="piano"), rate_online_cents=6000, rate_studio_cents=9000,
        rate_travel_cents=12000, duration_options=[30, 60, 90], ages=["adults"],
    )  # fmt: skip
    add_area(profile, neighborhood=park_slope)
    open_days(profile, date(2026, 12, 1), 10)
    card = bank.card(student)
    bank.connect(profile)
    address = Address.objects.create(user=student, street="1 Garfield Pl", neighborhood=park_slope)
    return Scene(profile=profile, offering=offering, card=card, address=address)
