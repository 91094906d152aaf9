"""A student sets up a weekly lesson in a real browser, on a phone: on the booking sheet,
pick a time and "Repeat weekly: for 4 weeks", book, and land on the weekly lesson's page,
which lists the booked weeks and the week that was not free with the open times that week.
The clock is real, so availability is made relative to today."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.tests.factories import StudentFactory
from apps.availability.cells import mask_from_ranges
from apps.availability.models import AvailabilityDay
from apps.bookings.models import Booking, BookingSeries
from apps.bookings.states import BookingStatus
from apps.bookings.tests.factories import make_booking
from apps.bookings.tests.test_browser_booking import _log_in
from apps.catalog.models import Service
from apps.instructors.tests.factories import OfferingFactory, live_instructor
from apps.payments.services import payment_method_add
from apps.search.models import Neighborhood
from tests.browser import assert_accessible

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalog", "gazetteer"),
]
NEW_YORK = ZoneInfo("America/New_York")


def test_a_student_sets_up_a_weekly_lesson_on_a_phone(phone_page: Page, live_server) -> None:
    profile = live_instructor(
        display_name="Ana Alvarez", slug="ana-alvarez", studio_neighborhood=Neighborhood.objects.get(slug="park-slope")
    )
    offering = OfferingFactory.create(
        profile=profile, service=Service.objects.get(slug="piano"), rate_studio_cents=9000, duration_options=[60]
    )
    first = timezone.now().astimezone(NEW_YORK).date() + timedelta(days=2)
    mask = mask_from_ranges([(9 * 60, 17 * 60)])
    AvailabilityDay.objects.bulk_create(
        [AvailabilityDay(instructor=profile, date=first + timedelta(days=n), cells=mask) for n in range(25)]
    )
    # The second week's 9:00 am is someone else's lesson.
    taken = datetime.combine(first + timedelta(weeks=1), time(9), tzinfo=NEW_YORK)
    make_booking(student=StudentFactory.create(), offering=offering, starts_at=taken, fmt="studio")
    student = StudentFactory.create(email="rita@example.com", first_name="Rita", timezone="America/New_York")
    payment_method_add(actor=student, card_token="4242424242424242", request_key="browser-series-card")

    page, base = phone_page, live_server.url
    _log_in(page, base, student.email)
    page.goto(f"{base}/book/{profile.slug}/?service=piano&format=studio&duration=60&day={first.isoformat()}")
    times = page.get_by_role("group", name=re.compile(r"^Time on "))
    times.get_by_text("9:00 am", exact=True).click()
    page.get_by_label("Repeat weekly").select_option(label="For 4 weeks")
    label = times.locator("legend").inner_text().removeprefix("Time on ") + ", 9:00 am"
    confirm = page.locator("#sheet-bar").get_by_role("button", name=f"Book weekly from {label}")
    expect(confirm).to_be_visible()
    assert_accessible(page)
    confirm.click()

    expect(page).to_have_url(re.compile(rf"{re.escape(base)}/lessons/weekly/[0-9a-f-]{{36}}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Weekly piano with Ana Alvarez")
    expect(page.get_by_text(re.compile(r"Weekly lesson set up: 3 lessons booked\. Not free: "))).to_be_visible()
    expect(page.get_by_text(f"{first.strftime('%A')}s at 9:00 am (New York time), for 4 weeks")).to_be_visible()
    expect(page.get_by_role("link", name="Skip this week")).to_have_count(3)
    expect(page.get_by_role("link", name="Move this week")).to_have_count(3)
    unbooked = page.get_by_role("region", name="Weeks not booked")
    expect(unbooked).to_contain_text("That time was just taken or is no longer open.")
    # The nearest open starts that week follow the taken 9–10 am lesson (held until 10:15).
    expect(unbooked.get_by_role("link", name=re.compile(r"^Book .*10:15 am$"))).to_be_visible()
    assert_accessible(page)

    series = BookingSeries.objects.get()
    weeks = Booking.objects.filter(series=series).order_by("series_week")
    assert [(b.series_week, b.status) for b in weeks] == [(n, BookingStatus.CONFIRMED) for n in (0, 2, 3)]
    assert {b.starts_at.astimezone(NEW_YORK).strftime("%a %H:%M") for b in weeks} == {first.strftime("%a 09:00")}
