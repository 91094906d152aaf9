"""Calendar files: one lesson's .ics (exact content, RFC 5545 escaping and folding) and each
user's private feed (only their active, upcoming lessons; a reset kills the old URL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine

from apps.bookings.calendar import fold, ics_text
from apps.bookings.models import Booking, CalendarFeed
from apps.bookings.services import BookingRequest, booking_create
from apps.bookings.states import BookingStatus, PaymentStatus
from apps.bookings.tests.conftest import NOW, THURSDAY, local
from apps.bookings.tests.factories import make_booking
from apps.payments.services import payment_method_add

pytestmark = pytest.mark.django_db
LESSON_ID = uuid.UUID("0b7e0c1e-5a59-4f7a-9d2c-3f1f6c0a9e11")


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _book(scene, student, hour: int = 10) -> Booking:
    card = (
        scene.card if scene.card.user == student else payment_method_add(actor=student, card_token="4242424242424242")
    )
    request = BookingRequest(
        instructor=scene.profile.slug, service="piano", format="studio", duration_minutes=60,
        starts_at=local(THURSDAY, hour), payment_method_id=card.pk,
    )  # fmt: skip
    return booking_create(actor=student, request=request, now=NOW)


def test_text_values_are_escaped() -> None:
    assert ics_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_long_lines_fold_at_75_octets_without_splitting_a_character() -> None:
    line = "SUMMARY:" + "é" * 40  # 8 + 80 octets
    folded = fold(line)
    assert folded == "SUMMARY:" + "é" * 33 + "\r\n " + "é" * 7
    assert [len(part.encode()) for part in folded.split("\r\n")] == [74, 15]
    assert folded.replace("\r\n ", "") == line
    assert fold("X" * 75) == "X" * 75
    assert fold("X" * 76) == "X" * 75 + "\r\n X"


def test_a_lesson_as_an_ics_file(client, scene, student) -> None:
    scene.profile.display_name = "Ana Álvarez"
    scene.profile.save(update_fields=["display_name"])
    booking = _book(scene, student)
    Booking.objects.filter(pk=booking.pk).update(public_id=LESSON_ID)
    client.force_login(student)
    response = client.get(f"/lessons/{LESSON_ID}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="lesson-2026-12-03.ics"'
    assert response.content.decode() == (
        "BEGIN:VCALENDAR\r\n"
        "VERSION:2.0\r\n"
        "PRODID:-//InstaInstru//Lessons//EN\r\n"
        "CALSCALE:GREGORIAN\r\n"
        "METHOD:PUBLISH\r\n"
        "BEGIN:VEVENT\r\n"
        "UID:0b7e0c1e-5a59-4f7a-9d2c-3f1f6c0a9e11@instainstru\r\n"
        "DTSTAMP:20261201T120000Z\r\n"
        "DTSTART:20261203T150000Z\r\n"
        "DTEND:20261203T160000Z\r\n"
        "SUMMARY:Piano lesson with Ana Álvarez\r\n"
        "LOCATION:Ana Álvarez's studio\\, Park Slope\r\n"
        "DESCRIPTION:Piano\\, 60 min\\, booked on InstaInstru.\\nDetails: http://testse\r\n"
        " rver/lessons/0b7e0c1e-5a59-4f7a-9d2c-3f1f6c0a9e11/\r\n"
        "STATUS:CONFIRMED\r\n"
        "URL:http://testserver/lessons/0b7e0c1e-5a59-4f7a-9d2c-3f1f6c0a9e11/\r\n"
        "END:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )


def test_the_instructors_file_names_the_student_and_the_child(client, scene, student) -> None:
    from apps.accounts.tests.factories import LearnerFactory

    booking = _book(scene, student)
    Booking.objects.filter(pk=booking.pk).update(learner=LearnerFactory.create(parent=student, first_name="Mia"))
    client.force_login(scene.profile.user)
    body = client.get(f"/lessons/{booking.public_id}/calendar.ics").content.decode()
    assert "\r\nSUMMARY:Piano lesson with Sam S. (for Mia)\r\n" in body


def _feed_uids(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    lines = response.content.decode().split("\r\n")
    return [line.removeprefix("UID:") for line in lines if line.startswith("UID:")]


def test_the_feed_lists_only_my_active_upcoming_lessons(client, scene, student, other_student) -> None:
    mine = _book(scene, student, 10)
    theirs = _book(scene, other_student, 13)
    cancelled = make_booking(student=student, offering=scene.offering, starts_at=local(THURSDAY, 15), fmt="studio",
                             status=BookingStatus.CANCELLED, payment_status=PaymentStatus.SETTLED)  # fmt: skip
    past = make_booking(student=student, offering=scene.offering, starts_at=NOW - timedelta(days=2), fmt="studio")
    client.force_login(student)
    feed_url = client.get("/lessons/").context["feed_url"]
    client.logout()  # calendar apps fetch the feed without a session
    assert _feed_uids(client, feed_url) == [f"{mine.public_id}@instainstru"]
    body = client.get(feed_url).content.decode()
    assert body.startswith(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//InstaInstru//Lessons//EN\r\nCALSCALE:GREGORIAN\r\n"
        "METHOD:PUBLISH\r\nX-WR-CALNAME:InstaInstru lessons\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n"
        "X-PUBLISHED-TTL:PT1H\r\nBEGIN:VEVENT\r\n"
    )
    assert body.endswith("END:VEVENT\r\nEND:VCALENDAR\r\n")
    assert {cancelled.public_id, past.public_id, theirs.public_id}.isdisjoint(
        uuid.UUID(uid.split("@")[0]) for uid in _feed_uids(client, feed_url)
    )

    client.force_login(scene.profile.user)
    instructor_feed = client.get("/schedule/").context["feed_url"]
    assert instructor_feed != feed_url
    assert _feed_uids(client, instructor_feed) == [f"{mine.public_id}@instainstru", f"{theirs.public_id}@instainstru"]


def test_resetting_the_link_invalidates_the_old_one(client, scene, student) -> None:
    _book(scene, student)
    client.force_login(student)
    old_url = client.get("/lessons/").context["feed_url"]
    old_token = CalendarFeed.objects.get(user=student).token
    assert len(old_token) == 43
    assert client.get(old_url).status_code == 200

    response = client.post("/calendar/reset/")
    assert response.status_code == 302
    assert response["Location"] == "/lessons/"
    feed = CalendarFeed.objects.get(user=student)
    assert feed.token != old_token
    assert client.get(old_url).status_code == 404
    new_url = client.get("/lessons/").context["feed_url"]
    assert new_url == f"http://testserver/calendar/{feed.token}.ics"
    assert client.get(new_url).status_code == 200
    assert CalendarFeed.objects.count() == 1


def test_an_unknown_feed_token_is_not_found(client, scene) -> None:
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404
