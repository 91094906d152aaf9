"""Dates availability accepts: ISO dates from 2000 to 2099 in every API date parameter (path,
query and body) and in the editor's forms. Near year 1 or 9999, adding a week or converting a
time zone left Python's date range and the request crashed (OverflowError); a bare number was
read as a Unix time."""

from __future__ import annotations

import pytest

from apps.availability.models import AvailabilityDay, AvailabilityWeek, BlackoutDate
from apps.availability.tests.test_pages import ADD, EDITOR, editor_data

pytestmark = pytest.mark.django_db

RANGE = "Value error, Use a date between 2000-01-01 and 2099-12-31."
ISO = "Value error, Use a date as YYYY-MM-DD."
WEEKS = "/api/v1/instructors/me/availability/weeks"
BLACKOUTS = "/api/v1/instructors/me/availability/blackouts"


@pytest.mark.parametrize(
    ("method", "url", "body", "field", "message"),
    [
        ("get", f"{WEEKS}/9999-12-31", None, "day", RANGE),
        ("get", f"{WEEKS}/0001-01-01/bookings", None, "day", RANGE),
        ("get", f"{WEEKS}/0", None, "day", ISO),
        ("get", f"{BLACKOUTS}?from=0001-01-01", None, "from", RANGE),
        ("get", f"{BLACKOUTS}?to=0", None, "to", ISO),
        ("post", BLACKOUTS, {"date": "9999-12-31"}, "date", RANGE),
        ("post", BLACKOUTS, {"date": 20260609}, "date", ISO),
        ("post", f"{WEEKS}/2026-06-10/copy", {"target": "9999-12-28"}, "target", RANGE),
        ("post", f"{WEEKS}/2026-06-10/apply", {"from": "2026-06-15", "to": "9999-12-31"}, "to", RANGE),
        ("put", f"{WEEKS}/9999-12-31", {"days": []}, "day", RANGE),
        ("put", f"{WEEKS}/2026-06-10", {"days": [{"date": "2026-02-30", "windows": []}]}, "days.0.date", None),
    ],
)
def test_dates_outside_the_range_or_not_iso_are_422_and_change_nothing(
    client, profile, method, url, body, field, message
) -> None:
    client.force_login(profile.user)
    kwargs = {} if body is None else {"data": body, "content_type": "application/json"}
    response = getattr(client, method)(url, **kwargs, HTTP_IF_MATCH='"any"')
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert list(fields) == [field]
    assert fields[field] == [message or "Value error, There is no such date."]
    assert not BlackoutDate.objects.exists()
    assert not AvailabilityDay.objects.exists()
    assert not AvailabilityWeek.objects.exists()


def test_public_slots_refuse_dates_outside_the_range(client, profile, offering) -> None:
    for params, field in [({"from": "9999-12-31"}, "from"), ({"from": "2026-06-02", "to": "0001-01-01"}, "to")]:
        response = client.get(f"/api/v1/instructors/{profile.pk}/slots", params)
        assert (response.status_code, response.json()["error"]["fields"]) == (422, {field: [RANGE]})


def test_the_edges_of_the_range_are_accepted(client, profile) -> None:
    client.force_login(profile.user)
    assert client.get(f"{WEEKS}/2099-12-31").json()["week_end"] == "2100-01-03"
    assert client.get(f"{WEEKS}/2000-01-01/bookings").json() == []
    assert client.get(BLACKOUTS, {"from": "2000-01-01", "to": "2099-12-31"}).json() == []


def test_the_editor_page_shows_the_current_week_for_a_week_out_of_range(client, profile) -> None:
    client.force_login(profile.user)
    for week in ("9999-12-31", "0001-01-01"):
        response = client.get(EDITOR, {"week": week})
        assert (response.status_code, editor_data(response)["week"]["week_start"]) == (200, "2026-06-01")


def test_a_day_off_out_of_range_is_a_form_error(client, profile) -> None:
    client.force_login(profile.user)
    response = client.post(ADD, {"date": "9999-12-31", "week": "0001-01-01"})
    assert response.status_code == 422
    assert "Use a date between 2000-01-01 and 2099-12-31." in response.content.decode()
    assert not BlackoutDate.objects.exists()
