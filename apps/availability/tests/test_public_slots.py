"""Public open slots: the JSON API (slots and next-available) and the profile's slot picker
partial. The instructor is in New York with the default buffers (15 min, 60 for travel);
the clock is Monday 1 June 2026, noon."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.tests.factories import StudentFactory
from apps.availability.models import BlackoutDate
from apps.availability.tests.helpers import NOW, NY, ny, store
from apps.bookings.states import BookingStatus
from apps.bookings.tests.factories import make_booking
from apps.catalog.models import Service
from apps.instructors.tests.factories import InstructorProfileFactory, OfferingFactory
from apps.search.generation import search_generation_bump

pytestmark = pytest.mark.django_db

TUE = date(2026, 6, 2)
STUDIO_60 = {"service": "piano", "format": "studio", "duration": 60, "from": "2026-06-02", "to": "2026-06-02"}


def url(profile) -> str:
    return f"/api/v1/instructors/{profile.pk}/slots"


def starts(response) -> list[str]:
    return [slot["local"][11:16] for slot in response.json()["slots"]]


@pytest.fixture
def tuesday(profile, offering, student):
    """Tuesday 08:00–13:00 open, a studio lesson booked 10:00–11:00."""
    store(profile, TUE, ("08:00", "13:00"))
    make_booking(student=student, offering=offering, starts_at=ny(TUE, "10:00"))
    return profile


def test_slots_around_a_booking_with_buffers_exact_values(client, tuesday) -> None:
    response = client.get(url(tuesday), STUDIO_60)
    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in body if key != "slots"} == {
        "instructor_id": tuesday.pk,
        "service": "piano",
        "format": "studio",
        "duration": 60,
        "timezone": "America/New_York",
        "viewer_timezone": "America/New_York",
        "date_from": "2026-06-02",
        "date_to": "2026-06-02",
    }
    # Booked 10:00–11:00 plus 15 minutes either side: free 08:00–09:45 and 11:15–13:00.
    assert body["slots"][0] == {
        "starts_at": "2026-06-02T12:00:00+00:00",
        "local": "2026-06-02T08:00:00-04:00",
        "label": "Tue 2 Jun, 8:00 am",
        "book_url": "/book/ines-instructor/?service=piano&format=studio&duration=60&start=2026-06-02T12%3A00%3A00%2B00%3A00",
    }
    assert [s["starts_at"] for s in body["slots"]] == [
        "2026-06-02T12:00:00+00:00",
        "2026-06-02T12:15:00+00:00",
        "2026-06-02T12:30:00+00:00",
        "2026-06-02T12:45:00+00:00",
        "2026-06-02T15:15:00+00:00",
        "2026-06-02T15:30:00+00:00",
        "2026-06-02T15:45:00+00:00",
        "2026-06-02T16:00:00+00:00",
    ]


def test_travel_lessons_use_the_travel_buffer(client, tuesday) -> None:
    response = client.get(url(tuesday), {**STUDIO_60, "format": "travel"})
    assert starts(response) == ["08:00", "12:00"]  # booked time padded by 60 minutes


def test_slots_in_the_viewers_time_zone(client, tuesday) -> None:
    london = client.get(url(tuesday), {**STUDIO_60, "tz": "Europe/London"}).json()
    assert london["viewer_timezone"] == "Europe/London"
    assert london["slots"][0] | {"book_url": ""} == {
        "starts_at": "2026-06-02T12:00:00+00:00",
        "local": "2026-06-02T13:00:00+01:00",
        "label": "Tue 2 Jun, 1:00 pm",
        "book_url": "",
    }
    client.force_login(StudentFactory.create(timezone="America/Los_Angeles"))
    pacific = client.get(url(tuesday), STUDIO_60).json()
    assert (pacific["viewer_timezone"], pacific["slots"][0]["label"]) == ("America/Los_Angeles", "Tue 2 Jun, 5:00 am")


def test_a_blackout_date_removes_its_slots(client, tuesday) -> None:
    BlackoutDate.objects.create(instructor=tuesday, date=TUE, created_at=NOW)
    assert client.get(url(tuesday), STUDIO_60).json()["slots"] == []


def test_cancelled_bookings_free_their_time(client, profile, offering, student) -> None:
    store(profile, TUE, ("09:00", "11:00"))
    make_booking(student=student, offering=offering, starts_at=ny(TUE, "09:00"), status=BookingStatus.CANCELLED)
    assert starts(client.get(url(profile), STUDIO_60)) == ["09:00", "09:15", "09:30", "09:45", "10:00"]


def test_one_booking_can_be_left_out_for_moving_it(profile, offering, student) -> None:
    from apps.availability.selectors_public import SlotChoice, open_slot_list

    store(profile, TUE, ("09:00", "11:00"))
    moving = make_booking(student=student, offering=offering, starts_at=ny(TUE, "09:00"))
    choice = SlotChoice(offering=offering, format="studio", duration=60)

    def open_at(**kwargs: Any) -> list[str]:
        found = open_slot_list(profile=profile, choice=choice, date_from=TUE, date_to=TUE, now=NOW, **kwargs)
        return [start.astimezone(NY).strftime("%H:%M") for start in found]

    assert open_at() == []
    assert open_at(exclude_booking_id=moving.pk) == ["09:00", "09:15", "09:30", "09:45", "10:00"]


def test_overnight_protection_follows_the_profile(client, profile, offering) -> None:
    store(profile, TUE, ("07:00", "10:00"))
    with time_machine.travel(datetime(2026, 6, 1, 21, 0, tzinfo=NY), tick=False):
        assert starts(client.get(url(profile), STUDIO_60)) == ["09:00"]
        profile.overnight_protection = False
        profile.save()
        search_generation_bump()  # what the profile service does after its commit
        assert starts(client.get(url(profile), STUDIO_60)) == [
            "07:00", "07:15", "07:30", "07:45", "08:00", "08:15", "08:30", "08:45", "09:00",
        ]  # fmt: skip


def test_defaults_are_the_first_offering_its_first_format_and_the_usual_length(client, tuesday) -> None:
    body = client.get(url(tuesday)).json()
    # Piano's usual 45 minutes is not offered, so 60; the coming week from today.
    assert (body["service"], body["format"], body["duration"], body["date_from"], body["date_to"]) == (
        "piano", "studio", 60, "2026-06-01", "2026-06-07",
    )  # fmt: skip
    assert len(body["slots"]) == 8


def test_unknown_or_unlisted_instructors_are_404(client, profile, offering) -> None:
    hidden = InstructorProfileFactory.create()  # still onboarding
    for instructor_id in (hidden.pk, 999_999):
        for path in ("slots", "next-available"):
            response = client.get(f"/api/v1/instructors/{instructor_id}/{path}")
            assert response.json() == {"error": {"code": "not_found", "message": "Instructor not found.", "fields": {}}}
    assert client.get(f"/instructors/{hidden.slug}/slots/").status_code == 404


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"format": "online"}, {"format": ["Choose one of: studio, travel."]}),
        ({"duration": 45}, {"duration": ["Choose one of: 30, 60, 90 minutes."]}),
        ({"service": "guitar"}, {"service": ["Choose one of: piano."]}),
        ({"from": "2026-06-05", "to": "2026-06-04"}, {"to": ["End on or after the start date."]}),
        ({"from": "2026-06-01", "to": "2026-08-30"}, {"to": ["Ask for at most 90 days at a time."]}),
        ({"tz": "Mars/Olympus_Mons"}, {"tz": ["Use an IANA time zone such as America/New_York."]}),
    ],
)
def test_bad_parameters_are_422_naming_the_field(client, profile, offering, params, fields) -> None:
    response = client.get(url(profile), params)
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == fields


def test_malformed_parameters_are_422(client, profile, offering) -> None:
    for params, field in [
        ({"from": "2026-02-30"}, "from"),
        ({"format": "space"}, "format"),
        ({"duration": "long"}, "duration"),
    ]:
        response = client.get(url(profile), params)
        assert (response.status_code, list(response.json()["error"]["fields"])) == (422, [field])


def test_query_count_does_not_grow_with_the_range_or_bookings(client, profile, offering, student) -> None:
    for day in range(2, 30):
        store(profile, date(2026, 6, day), ("08:00", "20:00"))
    for hour in ("09:00", "12:00", "15:00"):
        make_booking(student=student, offering=offering, starts_at=ny(TUE, hour))
    counts = []
    for params in ({**STUDIO_60}, {**STUDIO_60, "to": "2026-06-30"}):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(profile), params).status_code == 200
        counts.append(len(queries))
    # profile, offerings, days (with their blackouts), bookings
    assert counts == [4, 4]


def test_next_available_across_offerings_defaults(client, profile, offering, student) -> None:
    OfferingFactory.create(
        profile=profile, service=Service.objects.get(slug="guitar"), duration_options=[45],
        rate_online_cents=6000, rate_studio_cents=None,
    )  # fmt: skip
    store(profile, TUE, ("08:00", "10:00"))
    make_booking(student=student, offering=offering, starts_at=ny(TUE, "08:00"), duration_minutes=30)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/instructors/{profile.pk}/next-available", {"count": 3, "tz": "America/Chicago"})
    assert len(queries) == 4  # profile, offerings, days (with their blackouts), bookings
    assert response.json() == {
        "instructor_id": profile.pk,
        "viewer_timezone": "America/Chicago",
        "slots": [
            {
                "starts_at": "2026-06-02T12:45:00+00:00",
                "local": "2026-06-02T07:45:00-05:00",
                "label": "Tue 2 Jun, 7:45 am",
                "book_url": "/book/ines-instructor/?service=piano&format=studio&duration=60&start=2026-06-02T12%3A45%3A00%2B00%3A00",
                "service": "piano",
                "format": "studio",
                "duration": 60,
            },
            {
                "starts_at": "2026-06-02T13:00:00+00:00",
                "local": "2026-06-02T08:00:00-05:00",
                "label": "Tue 2 Jun, 8:00 am",
                "book_url": "/book/ines-instructor/?service=piano&format=studio&duration=60&start=2026-06-02T13%3A00%3A00%2B00%3A00",
                "service": "piano",
                "format": "studio",
                "duration": 60,
            },
            {
                "starts_at": "2026-06-02T13:15:00+00:00",
                "local": "2026-06-02T08:15:00-05:00",
                "label": "Tue 2 Jun, 8:15 am",
                "book_url": "/book/ines-instructor/?service=guitar&format=online&duration=45&start=2026-06-02T13%3A15%3A00%2B00%3A00",
                "service": "guitar",
                "format": "online",
                "duration": 45,
            },
        ],
    }
    assert client.get(f"/api/v1/instructors/{profile.pk}/next-available", {"count": 11}).status_code == 422


# --- the slot picker partial ------------------------------------------------------------------


def test_slot_picker_shows_the_day_strip_and_bookable_times(client, tuesday) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            "/instructors/ines-instructor/slots/",
            {"date": "2026-06-02", "service": "piano", "format": "studio", "duration": 60},
        )
    assert response.status_code == 200
    assert len(queries) == 4  # profile, offerings, days (with their blackouts), bookings
    picker = response.context["picker"]
    assert [(d.name, d.label, d.count, d.selected) for d in picker.days[:3]] == [
        ("Today", "Mon 1 Jun", 0, False),
        ("Tomorrow", "Tue 2 Jun", 8, True),
        ("Wed", "Wed 3 Jun", 0, False),
    ]
    assert [d.label for d in picker.days][-1] == "Sun 14 Jun"
    assert len(picker.days) == 14
    # Taken times are absent, not disabled.
    assert [t.text for t in picker.times] == [
        "8:00 am",
        "8:15 am",
        "8:30 am",
        "8:45 am",
        "11:15 am",
        "11:30 am",
        "11:45 am",
        "12:00 pm",
    ]
    html = response.content.decode()
    assert (
        '<a class="slot-time" href="/book/ines-instructor/?service=piano&amp;format=studio&amp;duration=60&amp;'
        'start=2026-06-02T12%3A00%3A00%2B00%3A00" aria-label="Book Tue 2 Jun, 8:00 am">8:00 am</a>'
    ) in html
    assert 'aria-current="date"' in html
    assert "10:00 am" not in html


def test_slot_picker_falls_back_to_defaults_and_helps_on_an_empty_day(client, tuesday) -> None:
    response = client.get(
        "/instructors/ines-instructor/slots/", {"date": "2026-06-03", "format": "online", "duration": "7"}
    )
    picker = response.context["picker"]
    assert (picker.choice.format, picker.choice.duration, picker.selected) == ("studio", 60, date(2026, 6, 3))
    html = response.content.decode()
    assert "No open times on Wed 3 Jun." in html
    assert "See Tue 2 Jun (8 times)" not in html  # only later days are offered
    assert "Nothing open in the next two weeks." in html
    today = client.get("/instructors/ines-instructor/slots/", {"date": "2026-06-01"}).content.decode()
    assert "No open times on Mon 1 Jun." in today
    assert "See Tue 2 Jun (8 times)</button>" in today
    first_open = client.get("/instructors/ines-instructor/slots/").context["picker"]
    assert first_open.selected == TUE  # no date: the first day with open times
