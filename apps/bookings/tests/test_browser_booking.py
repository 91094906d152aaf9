"""A student books a lesson in a real browser, on a phone: log in, open the instructor's
profile, pick a time, type a test card, see the price, confirm, land on the booking
with its timeline. The clock is real, so availability is made relative to today."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.accounts.tests.factories import DEFAULT_PASSWORD, StudentFactory
from apps.availability.cells import mask_from_ranges
from apps.availability.models import AvailabilityDay
from apps.bookings.models import Booking
from apps.bookings.states import BookingStatus, PaymentStatus
from apps.catalog.models import Service
from apps.instructors.models import InstructorProfile
from apps.instructors.tests.factories import OfferingFactory, live_instructor
from apps.search.models import Neighborhood
from tests.browser import assert_accessible, main_nav

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalog", "gazetteer"),
]
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def teacher() -> InstructorProfile:
    """A live piano teacher, open 09:00–17:00 New York time from the day after tomorrow, so
    every open time is more than 24 hours away whatever the hour the test runs."""
    profile = live_instructor(
        display_name="Ana Alvarez", slug="ana-alvarez", studio_neighborhood=Neighborhood.objects.get(slug="park-slope")
    )
    OfferingFactory.create(
        profile=profile, service=Service.objects.get(slug="piano"), rate_studio_cents=9000, duration_options=[30, 60]
    )
    first = timezone.now().astimezone(NEW_YORK).date() + timedelta(days=2)
    mask = mask_from_ranges([(9 * 60, 17 * 60)])
    AvailabilityDay.objects.bulk_create(
        [AvailabilityDay(instructor=profile, date=first + timedelta(days=n), cells=mask) for n in range(5)]
    )
    return profile


@pytest.fixture
def learner() -> User:
    return StudentFactory.create(email="rita@example.com", first_name="Rita", last_name="Reyes")


def _log_in(page: Page, base: str, email: str, home_link: str = "My lessons") -> None:
    page.goto(f"{base}/accounts/login/")
    assert_accessible(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(main_nav(page).get_by_role("link", name=home_link)).to_be_visible()


def test_a_student_books_a_lesson_on_a_phone(phone_page: Page, live_server, teacher, learner) -> None:
    page, base = phone_page, live_server.url
    _log_in(page, base, learner.email)

    page.goto(f"{base}/instructors/{teacher.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ana Alvarez")
    assert_accessible(page)
    page.get_by_role("link", name="Book a lesson").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Book a lesson with Ana Alvarez")
    bar = page.locator("#sheet-bar")
    expect(bar).to_contain_text("$90 lesson + $10.80 booking fee = $100.80")
    expect(bar.get_by_role("button", name="Book this lesson")).to_be_visible()
    assert_accessible(page)

    # Half an hour instead: the price follows (an HTMX swap, no reload).
    page.get_by_text("30 min", exact=True).click()
    expect(bar).to_contain_text("$45 lesson + $5.40 booking fee = $50.40")
    page.get_by_text("1 hour", exact=True).click()
    expect(bar).to_contain_text("$90 lesson + $10.80 booking fee = $100.80")

    times = page.get_by_role("group", name=re.compile(r"^Time on "))
    times.get_by_text("9:00 am", exact=True).click()
    label = times.locator("legend").inner_text().removeprefix("Time on ") + ", 9:00 am"  # "Fri 27 Nov, 9:00 am"
    confirm = bar.get_by_role("button", name=f"Book {label}")
    expect(confirm).to_be_visible()
    expect(page.locator("#sheet-price")).to_contain_text(
        "Nothing is charged now: your card is authorized the day before and charged after your lesson."
    )

    # No card yet: type it right here; it is saved when the lesson is booked.
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    assert_accessible(page)

    confirm.click()
    expect(page).to_have_url(re.compile(rf"{re.escape(base)}/lessons/[0-9a-f-]{{36}}/$"))
    booking = Booking.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text("Piano with Ana Alvarez")
    expect(page.get_by_text("Confirmed", exact=True)).to_be_visible()
    timeline = page.get_by_role("list").filter(has_text="Booked Piano")
    expect(timeline).to_contain_text("$100.80 total")
    expect(timeline).to_contain_text("You")
    expect(page.get_by_role("link", name="Add to calendar (.ics)")).to_have_attribute(
        "href", f"/lessons/{booking.public_id}/calendar.ics"
    )
    assert_accessible(page)
    assert (booking.student, booking.status, booking.payment_status, booking.total_cents) == (
        learner, BookingStatus.CONFIRMED, PaymentStatus.SCHEDULED, 10080
    )  # fmt: skip
    assert booking.starts_at.astimezone(NEW_YORK).hour == 9

    main_nav(page).get_by_role("link", name="My lessons").click()
    expect(page.get_by_role("heading", level=2, name="Upcoming")).to_be_visible()
    expect(page.get_by_role("link", name="Piano")).to_have_count(1)
    assert_accessible(page)


def test_cards_and_schedule_pages_on_a_desktop(page: Page, live_server, teacher, learner) -> None:
    base = live_server.url
    _log_in(page, base, learner.email)
    page.goto(f"{base}/account/settings/cards/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cards")
    page.get_by_text("Test cards you can use").click()
    expect(page.get_by_role("cell", name="4242 4242 4242 4242")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Card number").fill("4000 0000 0000 0069")
    page.get_by_role("button", name="Save card").click()
    expect(page.get_by_text("This card has expired. Use another card.")).to_be_visible()
    assert_accessible(page)
    for number in ("4242 4242 4242 4242", "5555 5555 5555 4444"):
        page.get_by_label("Card number").fill(number)
        page.get_by_role("button", name="Save card").click()
        expect(page.get_by_text(f"•••• {number[-4:]} is saved.")).to_be_visible()
    page.get_by_role("button", name="Make Mastercard •••• 4444 the default").click()
    expect(page.get_by_text("Mastercard •••• 4444 is now your default card.")).to_be_visible()
    page.get_by_role("button", name="Remove Visa •••• 4242").click()
    expect(page.get_by_text("Card removed.")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="••••")).to_have_count(1)
    assert_accessible(page)

    main_nav(page).get_by_role("link", name="My lessons").click()
    expect(page.get_by_text("No upcoming lessons.")).to_be_visible()
    assert_accessible(page)

    main_nav(page).get_by_role("button", name="Log out").click()
    _log_in(page, base, teacher.user.email, home_link="Schedule")
    main_nav(page).get_by_role("link", name="Schedule").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Schedule")
    assert_accessible(page)
    page.goto(f"{base}/book/{teacher.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Instructor accounts can't book lessons")
    assert_accessible(page)
