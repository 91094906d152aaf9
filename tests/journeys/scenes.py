"""The people and times the journeys use, made with the apps' factories. The live server runs
in another thread on the real clock, so open times start the day after tomorrow (every one is
more than 24 hours away), and a lesson that must be close is moved, never the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.models import Address, User
from apps.accounts.tests.factories import DEFAULT_PASSWORD, StudentFactory
from apps.availability.cells import mask_from_ranges
from apps.availability.models import AvailabilityDay
from apps.bookings.models import Booking
from apps.bookings.services import BookingRequest, booking_authorize, booking_create
from apps.catalog.models import Service
from apps.instructors.models import InstructorProfile
from apps.instructors.tests.factories import OfferingFactory, add_area, live_instructor
from apps.payments.services import payment_method_add
from apps.search.models import Neighborhood
from tests.browser import main_nav
from tests.journeys.conftest import Journey

NEW_YORK = ZoneInfo("America/New_York")
VISA = "4242 4242 4242 4242"


@dataclass(frozen=True)
class Teacher:
    profile: InstructorProfile
    first_day: datetime  # 09:00 New York on the first open day


def piano_teacher() -> Teacher:
    """Ana teaches piano to kids and adults at her Park Slope studio ($90/h) or at the
    student's home in Park Slope ($120/h), 09:00–17:00 on ten days from the day after tomorrow."""
    park_slope = Neighborhood.objects.get(slug="park-slope")
    profile = live_instructor(
        display_name="Ana Alvarez", slug="ana-alvarez", studio_neighborhood=park_slope, public_lat=park_slope.lat,
        public_lon=park_slope.lon,
    )  # fmt: skip
    OfferingFactory.create(
        profile=profile, service=Service.objects.get(slug="piano"), rate_studio_cents=9000, rate_travel_cents=12000,
        duration_options=[30, 60], ages=["kids", "adults"],
    )  # fmt: skip
    add_area(profile, neighborhood=park_slope)
    first = timezone.now().astimezone(NEW_YORK).date() + timedelta(days=2)
    mask = mask_from_ranges([(9 * 60, 17 * 60)])
    AvailabilityDay.objects.bulk_create(
        [AvailabilityDay(instructor=profile, date=first + timedelta(days=n), cells=mask) for n in range(10)]
    )
    return Teacher(profile, datetime(first.year, first.month, first.day, 9, tzinfo=NEW_YORK))


def student_with_card(email: str, first_name: str) -> User:
    student = StudentFactory.create(email=email, first_name=first_name, last_name="Reyes")
    payment_method_add(actor=student, card_token=VISA)
    Address.objects.create(
        user=student, street="1 Garfield Pl", neighborhood=Neighborhood.objects.get(slug="park-slope")
    )
    return student


def booked(teacher: Teacher, student: User, *, day: int = 0, hour: int = 10) -> Booking:
    """A confirmed studio lesson booked through the service, its card authorized."""
    start = teacher.first_day + timedelta(days=day, hours=hour - 9)
    card = student.payment_methods.get()
    request = BookingRequest(
        instructor=teacher.profile.slug, service="piano", format="studio", duration_minutes=60, starts_at=start,
        payment_method_id=card.pk,
    )  # fmt: skip
    booking = booking_create(actor=student, request=request, now=timezone.now())
    return booking_authorize(booking_id=booking.pk, actor=None, now=timezone.now())


def move_to(booking: Booking, starts_at: datetime) -> None:
    """The lesson happens at another time (the clock of the live server can't be moved)."""
    length = booking.ends_at - booking.starts_at
    buffer = booking.blocked_until - booking.ends_at
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=starts_at, ends_at=starts_at + length, blocked_until=starts_at + length + buffer
    )


def log_in(journey: Journey, email: str) -> None:
    journey.goto("/accounts/login/")
    page = journey.page
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=False).click()
    expect(main_nav(page).get_by_role("link", name="My lessons")).to_be_visible()
