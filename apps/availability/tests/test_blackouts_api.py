"""Blackout dates through the API: create, list, edit, delete; refused in the past, twice, or
on a day with lessons; nobody else's can be touched."""

from __future__ import annotations

from datetime import date

import pytest

from apps.availability.models import BlackoutDate
from apps.availability.tests.helpers import NOW, ny
from apps.bookings.tests.factories import make_booking

pytestmark = pytest.mark.django_db

URL = "/api/v1/instructors/me/availability/blackouts"


def test_create_list_edit_and_delete(client, profile) -> None:
    client.force_login(profile.user)
    created = client.post(URL, {"date": "2026-06-09", "reason": "  Recital  "}, content_type="application/json")
    assert created.status_code == 201
    blackout = BlackoutDate.objects.get()
    assert created.json() == {"id": blackout.pk, "date": "2026-06-09", "label": "Tue 9 Jun", "reason": "Recital"}
    assert (blackout.instructor_id, blackout.created_at) == (profile.pk, NOW)
    client.post(URL, {"date": "2026-07-01"}, content_type="application/json")
    assert [b["date"] for b in client.get(URL).json()] == ["2026-06-09", "2026-07-01"]
    assert [b["date"] for b in client.get(URL, {"from": "2026-06-10", "to": "2026-07-31"}).json()] == ["2026-07-01"]

    edited = client.patch(f"{URL}/{blackout.pk}", {"reason": "Concert"}, content_type="application/json")
    assert (edited.status_code, edited.json()["reason"]) == (200, "Concert")
    assert client.delete(f"{URL}/{blackout.pk}").status_code == 204
    assert list(BlackoutDate.objects.values_list("date", flat=True)) == [date(2026, 7, 1)]


def test_refused_in_the_past_twice_too_long_or_with_lessons(client, profile, offering, student) -> None:
    client.force_login(profile.user)
    BlackoutDate.objects.create(instructor=profile, date=date(2026, 6, 9), created_at=NOW)
    booking = make_booking(student=student, offering=offering, starts_at=ny(date(2026, 6, 10), "16:00"))

    past = client.post(URL, {"date": "2026-05-31"}, content_type="application/json")
    assert (past.status_code, past.json()["error"]["fields"]) == (
        422,
        {"date": ["Pick a date from today on: past days cannot be booked anyway."]},
    )
    twice = client.post(URL, {"date": "2026-06-09"}, content_type="application/json")
    assert (twice.status_code, twice.json()["error"]["message"]) == (409, "Tue 9 Jun is already a day off.")
    long = client.post(URL, {"date": "2026-06-11", "reason": "x" * 121}, content_type="application/json")
    assert (long.status_code, list(long.json()["error"]["fields"])) == (422, ["reason"])
    booked = client.post(URL, {"date": "2026-06-10"}, content_type="application/json")
    assert booked.status_code == 409
    error = booked.json()["error"]
    assert (error["code"], error["message"]) == (
        "booked_time",
        "You have lessons on Wed 10 Jun: Piano, Wed 10 Jun, 4:00–5:00 pm (SS). Move or cancel them before taking the day off.",
    )
    assert [b["id"] for b in error["bookings"]] == [str(booking.public_id)]
    assert list(BlackoutDate.objects.values_list("date", flat=True)) == [date(2026, 6, 9)]


def test_another_instructors_day_off_is_not_found(client, profile, other_instructor) -> None:
    blackout = BlackoutDate.objects.create(instructor=profile, date=date(2026, 6, 9), reason="Mine", created_at=NOW)
    client.force_login(other_instructor)
    assert client.get(URL).json() == []
    patched = client.patch(f"{URL}/{blackout.pk}", {"reason": "Theirs"}, content_type="application/json")
    assert (patched.status_code, patched.json()["error"]["message"]) == (404, "That day off was not found.")
    assert client.delete(f"{URL}/{blackout.pk}").status_code == 404
    blackout.refresh_from_db()
    assert blackout.reason == "Mine"
