"""Lesson history as each side reads it: a cancelled lesson leaves "Upcoming" and shows what
it actually cost (no total, no calendar link); timelines speak local, human time; the place
is worded for whoever reads it. The booking is the money tests' one: Thu 3 Dec 10:00 New
York, $90 lesson + $10.80 fee = $100.80."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from apps.accounts.models import User
from apps.bookings.models import Booking
from apps.bookings.policies import booking_cancel
from apps.bookings.tests.conftest import NOW, Scene
from apps.bookings.tests.factories import make_booking
from apps.bookings.tests.money import START, authorize, book
from apps.bookings.transitions import booking_event_add

pytestmark = pytest.mark.django_db
VERY_LATE = START - timedelta(hours=6)  # < 12 h before the start


def detail(client: Client, booking: Booking) -> str:
    return client.get(f"/lessons/{booking.public_id}/").content.decode()


def test_a_lesson_cancelled_a_day_ahead_leaves_upcoming_and_cost_nothing(
    client: Client, scene: Scene, student: User
) -> None:
    booking = book(scene, student)
    with time_machine.travel(NOW, tick=False):
        booking_cancel(actor=student, booking_id=booking.pk, now=NOW, reason="")
        client.force_login(student)
        page = client.get("/lessons/").context["page"]
        html = detail(client, booking)
    assert page.upcoming_rows == []
    assert [row.booking for row in page.past_rows] == [booking]
    assert "Nothing was charged to your card." in html
    above_timeline = html.split('id="timeline-title"')[0]  # the timeline keeps the booking's own record
    assert "Total" not in above_timeline
    assert "$100.80" not in above_timeline
    assert "Add to calendar" not in html


def test_a_very_late_cancellation_shows_the_charge_and_the_credit(client: Client, scene: Scene, student: User) -> None:
    booking = authorize(book(scene, student), now=NOW)
    with time_machine.travel(VERY_LATE, tick=False):
        booking_cancel(actor=student, booking_id=booking.pk, now=VERY_LATE, reason="")
        client.force_login(student)
        html = detail(client, booking)
        client.force_login(scene.profile.user)
        theirs = detail(client, booking)
    assert "Your card was charged $100.80." in html
    assert "You got $45 back as credit." in html
    assert "Add to calendar" not in html
    assert "The student&#x27;s card was charged $100.80." in theirs
    assert "The student got $45 back as credit." in theirs
    assert "You earn $38.25." in theirs


def test_an_active_lesson_keeps_its_price_and_calendar_link(client: Client, scene: Scene, student: User) -> None:
    booking = book(scene, student)
    client.force_login(student)
    with time_machine.travel(NOW, tick=False):
        html = detail(client, booking)
    assert "Add to calendar (.ics)" in html
    assert "$100.80" in html


def test_the_timeline_never_shows_a_raw_instant(client: Client, scene: Scene, student: User) -> None:
    """Older events wrote instants raw; they read in the viewer's zone like everything else."""
    booking = book(scene, student)
    booking_event_add(
        booking=booking, kind="rescheduled", actor=student, now=NOW,
        reason="moved from 2026-12-03T15:00:00+00:00 to 2026-12-04T15:00:00+00:00",
    )  # fmt: skip
    student.timezone = "America/Los_Angeles"
    student.save(update_fields=["timezone"])
    client.force_login(student)
    with time_machine.travel(NOW, tick=False):
        html = detail(client, booking)
    assert "Moved from Thu 3 Dec, 7:00 am to Fri 4 Dec, 7:00 am" in html
    assert "+00:00" not in html.split('id="timeline-title"')[1]


@pytest.mark.parametrize(
    ("fmt", "student_words", "instructor_words"),
    [
        ("travel", "At your place", "At the student&#x27;s home"),
        ("studio", "At the instructor&#x27;s studio", "At your studio"),
        ("online", "Online", "Online"),
    ],
)
def test_the_place_is_worded_for_each_side(
    client: Client, scene: Scene, student: User, fmt: str, student_words: str, instructor_words: str
) -> None:
    booking = make_booking(student=student, offering=scene.offering, starts_at=START, fmt=fmt)
    with time_machine.travel(NOW, tick=False):
        client.force_login(student)
        mine = detail(client, booking)
        client.force_login(scene.profile.user)
        theirs = detail(client, booking)
    assert f"<dt>Format</dt><dd>{student_words}</dd>" in mine
    assert f"<dt>Format</dt><dd>{instructor_words}</dd>" in theirs
