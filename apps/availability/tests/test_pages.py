"""The editor page and its days-off panel (HTMX and plain forms), and who may see them."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.availability.models import BlackoutDate
from apps.availability.tests.helpers import NOW, WEEK, ny, store
from apps.bookings.tests.factories import make_booking

pytestmark = pytest.mark.django_db

EDITOR = "/teach/availability/"
ADD = "/teach/availability/days-off/"
HTMX = {"HX-Request": "true"}
OUR_TABLES = re.compile(r'FROM "(instructors|availability|bookings)_')


def editor_data(response) -> dict[str, Any]:
    html = response.content.decode()
    start = html.index('<script id="week-data" type="application/json">') + len(
        '<script id="week-data" type="application/json">'
    )
    data: dict[str, Any] = json.loads(html[start : html.index("</script>", start)])
    return data


def test_editor_shows_the_current_week_with_its_data(client, profile, offering, student) -> None:
    store(profile, date(2026, 6, 2), ("09:00", "12:00"))
    make_booking(student=student, offering=offering, starts_at=ny(date(2026, 6, 2), "10:00"))
    client.force_login(profile.user)
    response = client.get(EDITOR)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Week of Mon 1 Jun – Sun 7 Jun" in html
    assert html.count('<td class="cell"') == 7 * 48
    assert "Back to this week" not in html
    data = editor_data(response)
    assert data["week"]["week_start"] == "2026-06-01"
    assert data["week"]["days"][1]["windows"] == [{"start": "09:00", "end": "12:00"}]
    assert [(b["label"], b["student_initials"]) for b in data["booked"]] == [("Piano, Tue 2 Jun, 10:00–11:00 am", "SS")]
    assert data["urls"] == {
        "week": "/api/v1/instructors/me/availability/weeks/2026-06-01",
        "bookings": "/api/v1/instructors/me/availability/weeks/2026-06-01/bookings",
        "copy": "/api/v1/instructors/me/availability/weeks/2026-06-01/copy",
        "apply": "/api/v1/instructors/me/availability/weeks/2026-06-01/apply",
    }
    assert data["today"] == "2026-06-01"


@pytest.mark.parametrize(
    ("today", "opens_on"),
    [
        (date(2026, 6, 5), "2026-06-01"),  # Friday: three days of this week are still ahead
        (date(2026, 6, 6), "2026-06-08"),  # Saturday: the week to plan is the next one
        (date(2026, 6, 7), "2026-06-08"),  # Sunday
    ],
)
def test_editor_opens_on_the_next_useful_week(client, profile, today: date, opens_on: str) -> None:
    client.force_login(profile.user)
    with time_machine.travel(ny(today, "10:00"), tick=False):
        data = editor_data(client.get(EDITOR))
    assert (data["week"]["week_start"], data["today"]) == (opens_on, today.isoformat())


def test_editor_query_count_does_not_grow_with_bookings_or_days_off(client, profile, offering, student) -> None:
    client.force_login(profile.user)
    counts: list[int] = []
    ours: list[list[str]] = []
    for hour in ("09:00", "13:00"):
        make_booking(student=student, offering=offering, starts_at=ny(date(2026, 6, 3), hour))
        BlackoutDate.objects.create(instructor=profile, date=date(2026, 6, 4 if hour == "09:00" else 5), created_at=NOW)
        store(profile, date(2026, 6, 6 if hour == "09:00" else 7), ("09:00", "10:00"))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(EDITOR).status_code == 200
        counts.append(len(queries))
        ours.append([q["sql"].split('"')[1] for q in queries.captured_queries if OUR_TABLES.search(q["sql"])])
    assert counts[0] == counts[1]  # whatever the site header adds, the page does not grow
    # The profile; the week's days and version row; days off; bookings with their students;
    # busy time from imported calendars with their names.
    assert ours == [["instructors_instructorprofile", "availability_availabilityday", "availability_availabilityweek",
                     "availability_blackoutdate", "bookings_booking", "availability_importedcalendar"]] * 2  # fmt: skip


def test_editor_navigates_by_week_and_ignores_a_bad_week(client, profile) -> None:
    client.force_login(profile.user)
    response = client.get(EDITOR, {"week": "2026-06-11"})
    assert editor_data(response)["week"]["week_start"] == "2026-06-08"
    html = response.content.decode()
    assert 'href="?week=2026-06-01" rel="prev"' in html
    assert 'href="?week=2026-06-15" rel="next"' in html
    assert "Back to this week" in html
    assert editor_data(client.get(EDITOR, {"week": "june"}))["week"]["week_start"] == "2026-06-01"


def test_editor_is_for_instructors_only(client, student) -> None:
    response = client.get(EDITOR)
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/teach/availability/")
    client.force_login(student)
    assert client.get(EDITOR).status_code == 404
    assert client.post(ADD, {"date": "2026-06-09"}).status_code == 404
    assert not BlackoutDate.objects.exists()


def test_days_off_panel_adds_and_removes_with_htmx(client, profile) -> None:
    client.force_login(profile.user)
    response = client.post(ADD, {"date": "2026-06-09", "reason": "Dentist", "week": WEEK.isoformat()}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    blackout = BlackoutDate.objects.get()
    assert (blackout.date, blackout.reason, blackout.created_at) == (date(2026, 6, 9), "Dentist", NOW)
    assert '<strong>Tue 9 Jun</strong> <span class="muted">· Dentist</span>' in html
    assert (
        'id="week-days-off" class="week-days-off" hx-swap-oob="true">Days off this week: <strong>Tue 9 Jun</strong>'
        in html
    )
    assert '<p class="toast toast-success">Tue 9 Jun is a day off.</p>' in html

    response = client.post(
        f"/teach/availability/days-off/{blackout.pk}/delete/", {"week": WEEK.isoformat()}, headers=HTMX
    )
    assert response.status_code == 200
    assert "No days off planned." in response.content.decode()
    assert not BlackoutDate.objects.exists()


def test_days_off_errors_show_under_the_field(client, profile, offering, student) -> None:
    client.force_login(profile.user)
    make_booking(student=student, offering=offering, starts_at=ny(date(2026, 6, 9), "10:00"))
    past = client.post(ADD, {"date": "2026-05-31"}, headers=HTMX)
    assert past.status_code == 200  # htmx swaps only 2xx
    assert "Pick a date from today on: past days cannot be booked anyway." in past.content.decode()
    booked = client.post(ADD, {"date": "2026-06-09"}, headers=HTMX).content.decode()
    assert "You have lessons on Tue 9 Jun: Piano, Tue 9 Jun, 10:00–11:00 am (SS)." in booked
    without_js = client.post(ADD, {"date": ""})
    assert without_js.status_code == 422
    assert "This field is required." in without_js.content.decode()
    assert not BlackoutDate.objects.exists()


def test_days_off_without_javascript_redirects_back_to_the_week(client, profile) -> None:
    client.force_login(profile.user)
    response = client.post(ADD, {"date": "2026-06-16", "week": "2026-06-15"})
    assert (response.status_code, response["Location"]) == (302, "/teach/availability/?week=2026-06-15")
    assert BlackoutDate.objects.get().date == date(2026, 6, 16)


def test_another_instructor_cannot_remove_my_day_off(client, profile, other_instructor) -> None:
    blackout = BlackoutDate.objects.create(instructor=profile, date=WEEK + timedelta(days=1), created_at=NOW)
    client.force_login(other_instructor)
    assert client.post(f"/teach/availability/days-off/{blackout.pk}/delete/", headers=HTMX).status_code == 404
    assert BlackoutDate.objects.filter(pk=blackout.pk).exists()
