"""A student's journeys, at both sizes: move a lesson; cancel a day ahead (nothing charged)
and hours before (credit shown); book for a new child from inside the booking sheet."""

from __future__ import annotations

import re
from datetime import UTC, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.models import Learner
from apps.bookings.models import Booking
from apps.bookings.states import BookingStatus, PaymentStatus
from tests.browser import main_nav
from tests.journeys.conftest import Journey
from tests.journeys.scenes import booked, log_in, move_to, piano_teacher, student_with_card

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalog", "gazetteer"),
]


def _open_lesson(journey: Journey, booking: Booking) -> None:
    main_nav(journey.page).get_by_role("link", name="My lessons").click()
    expect(journey.page.get_by_role("heading", level=1, name="My lessons")).to_be_visible()
    journey.page.get_by_role("link", name="Piano").first.click()
    expect(journey.page).to_have_url(re.compile(rf"/lessons/{booking.public_id}/$"))


def _action(journey: Journey, name: str) -> None:
    journey.page.locator("#actions").get_by_role("link", name=name).click()


def test_a_student_moves_a_lesson(journey: Journey) -> None:
    teacher = piano_teacher()
    rita = student_with_card("rita@example.com", "Rita")
    booking = booked(teacher, rita)
    log_in(journey, rita.email)
    journey.check("my-lessons")
    _open_lesson(journey, booking)
    journey.check("lesson")

    _action(journey, "Reschedule")
    page = journey.page
    expect(page.get_by_role("heading", level=1, name="Reschedule")).to_be_visible()
    expect(page.get_by_text("You can move this lesson for free.")).to_be_visible()
    journey.check("reschedule")
    new_start = teacher.first_day + timedelta(days=1, hours=3)  # 12:00 pm the next open day
    page.locator(f'input[value="{new_start.astimezone(UTC).isoformat()}"]').check()
    page.get_by_role("button", name="Move the lesson").click()

    expect(page).to_have_url(re.compile(rf"/lessons/{booking.public_id}/$"))
    timeline = page.get_by_role("list").filter(has_text="Booked Piano")
    expect(timeline).to_contain_text("Moved from ")
    expect(timeline).not_to_contain_text("+00:00")
    journey.check()
    booking.refresh_from_db()
    assert (booking.starts_at, booking.status) == (new_start, BookingStatus.CONFIRMED)


def test_cancelling_a_day_ahead_charges_nothing(journey: Journey) -> None:
    teacher = piano_teacher()
    rita = student_with_card("rita@example.com", "Rita")
    booking = booked(teacher, rita)
    log_in(journey, rita.email)
    _open_lesson(journey, booking)
    _action(journey, "Cancel lesson")
    page = journey.page
    expect(page.get_by_text("Nothing is charged to your card.")).to_be_visible()
    expect(page.get_by_text("The lesson is 24 hours or more away.")).to_be_visible()
    journey.check("cancel")
    page.get_by_role("button", name="Cancel lesson").click()

    expect(page.get_by_text("Lesson cancelled.", exact=False)).to_be_visible()
    expect(page.get_by_text("Nothing was charged to your card.")).to_be_visible()
    expect(page.get_by_role("link", name="Add to calendar (.ics)")).to_have_count(0)
    journey.check("cancelled-lesson")
    main_nav(page).get_by_role("link", name="My lessons").click()
    expect(page.get_by_text("No upcoming lessons.", exact=False)).to_be_visible()
    past = page.get_by_role("region", name="Past and cancelled")
    expect(past.get_by_text("Cancelled", exact=True)).to_be_visible()
    journey.check()
    booking.refresh_from_db()
    assert (booking.status, booking.payment_status) == (BookingStatus.CANCELLED, PaymentStatus.SETTLED)


def test_cancelling_hours_before_shows_the_credit(journey: Journey) -> None:
    teacher = piano_teacher()
    rita = student_with_card("rita@example.com", "Rita")
    booking = booked(teacher, rita)
    move_to(booking, (timezone.now() + timedelta(hours=6)).replace(second=0, microsecond=0))
    log_in(journey, rita.email)
    _open_lesson(journey, booking)
    _action(journey, "Cancel lesson")
    page = journey.page
    expect(page.get_by_text("The lesson is less than 12 hours away.")).to_be_visible()
    expect(page.get_by_text("You get $45 back as credit (valid 365 days).")).to_be_visible()
    journey.check()
    page.get_by_role("button", name="Cancel lesson").click()

    expect(page.get_by_text("Your card was charged $100.80.")).to_be_visible()
    expect(page.get_by_text("You got $45 back as credit.")).to_be_visible()
    journey.check("late-cancellation")
    booking.refresh_from_db()
    assert (booking.status, booking.payment_status) == (BookingStatus.CANCELLED, PaymentStatus.CAPTURED)


def test_booking_for_a_new_child_inside_the_sheet(journey: Journey) -> None:
    teacher = piano_teacher()
    rita = student_with_card("rita@example.com", "Rita")
    log_in(journey, rita.email)
    journey.goto(f"/book/{teacher.profile.slug}/")
    page = journey.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Book a lesson with Ana Alvarez")
    times = page.get_by_role("group", name=re.compile(r"^Time on "))
    times.get_by_text("11:00 am", exact=True).click()
    expect(page.get_by_role("radio", name="11:00 am")).to_be_checked()
    # The choice re-renders the sheet; booking.js puts what was typed back after each
    # re-render. Once, under load, the name typed here was still lost; the likely cause is
    # Playwright's fill landing on the input the swap was detaching, so the journey types once
    # the summary shows the time.
    expect(page.locator("#sheet-summary-body")).to_contain_text("11:00 am")

    page.get_by_text("Booking for a child? Add them here").click()
    page.get_by_label("First name").fill("Mia")
    age = page.get_by_label("Age group")
    expect(age).to_have_value("")  # nothing chosen for the parent
    age.select_option(label="Kids, 5–12")
    journey.check("sheet-child")
    page.get_by_role("button", name="Add child").click()

    expect(page.get_by_role("status").filter(has_text="Mia is added to your family")).to_be_visible()
    expect(page.get_by_role("radio", name="Mia Kids, 5–12")).to_be_checked()
    expect(page.get_by_role("radio", name="11:00 am")).to_be_checked()
    expect(page.locator("#sheet-summary-body")).to_contain_text("Mia")
    journey.check()
    page.locator("#sheet-bar").get_by_role("button", name=re.compile(r"^Book ")).click()

    expect(page).to_have_url(re.compile(r"/lessons/[0-9a-f-]{36}/$"))
    expect(page.get_by_text("Confirmed", exact=True)).to_be_visible()
    expect(page.locator(".summary-list")).to_contain_text("Mia")
    journey.check()
    assert Booking.objects.get().learner == Learner.objects.get(parent=rita, first_name="Mia")
