"""Weekly-lesson pages: "Repeat weekly" on the lesson page, the series page for both sides,
change the time and end from the page (once per rendered form); others get 404 and change
nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from apps.bookings.models import Booking, BookingSeries
from apps.bookings.states import BookingStatus, SeriesStatus
from apps.bookings.tests.conftest import NOW, THURSDAY, local
from apps.bookings.tests.factories import make_booking
from apps.bookings.tests.money import book
from apps.bookings.tests.series_helpers import open_ten_weeks, snapshot, weekly

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("weeks_open")]
WEEK = timedelta(weeks=1)


@pytest.fixture
def weeks_open(scene):
    open_ten_weeks(scene)


@time_machine.travel(NOW, tick=False)
def test_repeat_weekly_from_the_lesson_page(client, scene, student, other_student) -> None:
    booking = book(scene, student, start=local(THURSDAY, 10))
    make_booking(student=other_student, offering=scene.offering, starts_at=local(THURSDAY + WEEK, 10), fmt="studio")
    client.force_login(student)
    page = client.get(f"/lessons/{booking.public_id}/")
    assert b"Repeat weekly" in page.content
    assert b'name="weeks"' in page.content
    response = client.post(f"/lessons/{booking.public_id}/repeat/", {"weeks": "3", "idempotency_key": "r-1"})
    series = BookingSeries.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/lessons/weekly/{series.public_id}/"
    assert [b.series_week for b in Booking.objects.filter(series=series)] == [0, 2]
    shown = client.get(response["Location"])
    text = shown.content.decode()
    assert "Weekly lesson set up: 1 lesson booked. Not free: Thu 10 Dec, 10:00 am." in text
    assert "Thursdays at 10:00 am (New York time), for 3 weeks" in text
    assert "Weeks not booked" in text
    assert "Book Thu 10 Dec, 11:15 am" in text
    # The same form sent again shows the first result and books nothing more.
    again = client.post(f"/lessons/{booking.public_id}/repeat/", {"weeks": "3", "idempotency_key": "r-1"})
    assert again.status_code == 302
    assert BookingSeries.objects.count() == 1
    # The lesson page now links to the series instead of offering to repeat it.
    after = client.get(f"/lessons/{booking.public_id}/").content.decode()
    assert f"/lessons/weekly/{series.public_id}/" in after
    assert 'name="weeks"' not in after


@time_machine.travel(NOW, tick=False)
def test_a_refused_repeat_is_said_on_its_page(client, scene, student) -> None:
    booking = book(scene, student, start=local(THURSDAY, 10))
    client.force_login(student)
    before = snapshot()
    response = client.post(f"/lessons/{booking.public_id}/repeat/", {"weeks": "40", "idempotency_key": "r-2"})
    assert response.status_code == 422
    assert "Select a valid choice." in response.content.decode()
    assert snapshot() == before


@time_machine.travel(NOW, tick=False)
def test_the_series_page_for_both_sides_and_nobody_else(client, scene, student, other_student) -> None:
    series = weekly(scene, student, local(THURSDAY, 10), None).series
    url = f"/lessons/weekly/{series.public_id}/"
    client.force_login(student)
    mine = client.get(url).content.decode()
    assert mine.count("Skip this week") == 4
    assert mine.count("Move this week") == 4
    assert "Change the time from a date on" in mine
    assert "End weekly lesson" in mine
    client.force_login(scene.profile.user)
    theirs = client.get(url).content.decode()
    assert theirs.count("Skip this week") == 4
    assert "Move this week" not in theirs
    assert "Change the time from a date on" not in theirs
    assert "End weekly lesson" in theirs
    client.force_login(other_student)
    before = snapshot()
    assert client.get(url).status_code == 404
    assert client.post(f"{url}end/", {"idempotency_key": "x"}).status_code == 404
    change = {"from_date": "2026-12-14", "weekday": "2", "local_time": "15:00", "idempotency_key": "y"}
    assert client.post(f"{url}change/", change).status_code == 404
    assert snapshot() == before


@time_machine.travel(NOW, tick=False)
def test_change_and_end_from_the_page(client, scene, student) -> None:
    series = weekly(scene, student, local(THURSDAY, 10), 4).series
    url = f"/lessons/weekly/{series.public_id}/"
    client.force_login(student)
    change = {"from_date": "2026-12-14", "weekday": "2", "local_time": "15:00", "idempotency_key": "c-1"}
    assert client.post(f"{url}change/", change)["Location"] == url
    assert list(Booking.objects.filter(series=series).values_list("starts_at", flat=True)) == [
        local(THURSDAY, 10), local(THURSDAY + WEEK, 10), local(date(2026, 12, 16), 15), local(date(2026, 12, 23), 15),
    ]  # fmt: skip
    assert "New weekly time saved. 2 upcoming lessons moved." in client.get(url).content.decode()
    bad = client.post(f"{url}change/", {**change, "local_time": "15:10", "idempotency_key": "c-2"})
    assert bad.status_code == 422
    assert "Lessons start on the quarter hour" in bad.content.decode()
    ended = client.post(f"{url}end/", {"idempotency_key": "e-1"})
    assert ended["Location"] == url
    assert "Weekly lesson ended. 4 upcoming lessons cancelled." in client.get(url).content.decode()
    series.refresh_from_db()
    assert series.status == SeriesStatus.ENDED
    assert set(Booking.objects.filter(series=series).values_list("status", flat=True)) == {BookingStatus.CANCELLED}
    twice = client.post(f"{url}end/", {"idempotency_key": "e-2"})
    assert twice.status_code == 409
    assert "This weekly lesson has already ended." in twice.content.decode()
