"""The instructor's week as an HTTP resource: ETag / If-Match semantics, validation, booked
time protection, copy and apply, and who may do what. Times are New York wall times."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.utils.http import http_date

from apps.availability.cells import mask_from_ranges, week_etag
from apps.availability.models import AvailabilityWeek
from apps.availability.selectors import availability_owner_week_get, availability_week_get
from apps.availability.tests.helpers import NOW, WEEK, ny, store, stored, utc_iso
from apps.bookings.states import BookingStatus
from apps.bookings.tests.factories import make_booking

pytestmark = pytest.mark.django_db

URL = "/api/v1/instructors/me/availability/weeks/2026-06-10"  # a Wednesday: the week of Mon 8 Jun
EMPTY_ETAG = f'"{week_etag(WEEK, [0] * 7)}"'
TUE = WEEK + timedelta(days=1)


def etag_of(*masks: int) -> str:
    return f'"{week_etag(WEEK, [*masks, *[0] * (7 - len(masks))])}"'


def mask(*ranges: tuple[str, str]) -> int:
    return mask_from_ranges((int(s[:2]) * 60 + int(s[3:]), int(e[:2]) * 60 + int(e[3:])) for s, e in ranges)


def week_body(**windows: list[tuple[str, str]]) -> dict[str, Any]:
    """A PUT body: day names (mon…sun) mapped to windows; other days are left out (empty)."""
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    return {
        "days": [
            {
                "date": (WEEK + timedelta(days=names.index(name))).isoformat(),
                "windows": [{"start": s, "end": e} for s, e in ranges],
            }
            for name, ranges in windows.items()
        ]
    }


def expected_days(**windows: list[tuple[str, str]]) -> list[dict[str, Any]]:
    labels = ["Mon 8 Jun", "Tue 9 Jun", "Wed 10 Jun", "Thu 11 Jun", "Fri 12 Jun", "Sat 13 Jun", "Sun 14 Jun"]
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    return [
        {
            "date": (WEEK + timedelta(days=index)).isoformat(),
            "label": labels[index],
            "windows": [{"start": s, "end": e} for s, e in windows.get(name, [])],
        }
        for index, name in enumerate(names)
    ]


def put(client, body: dict[str, Any], etag: str | None, url: str = URL):
    headers = {} if etag is None else {"If-Match": etag}
    return client.put(url, body, content_type="application/json", headers=headers)


def test_get_returns_the_empty_week_with_etag_and_last_modified(client, profile) -> None:
    client.force_login(profile.user)
    response = client.get(URL)
    assert response.status_code == 200
    assert response["ETag"] == EMPTY_ETAG
    assert response["Last-Modified"] == http_date(NOW.timestamp())  # the profile's creation
    assert response["Cache-Control"] == "private, no-cache"
    assert response.json() == {
        "week_start": "2026-06-08",
        "week_end": "2026-06-14",
        "timezone": "America/New_York",
        "etag": EMPTY_ETAG,
        "version": 0,
        "last_modified": "2026-06-01T16:00:00Z",
        "days": expected_days(),
    }


def test_put_with_the_current_etag_replaces_the_week_and_returns_the_new_etag(client, profile) -> None:
    client.force_login(profile.user)
    store(profile, WEEK, ("08:00", "10:00"))  # replaced: Monday is not in the new week
    store(profile, WEEK + timedelta(days=7), ("08:00", "10:00"))  # the next week is untouched
    current = client.get(URL)["ETag"]
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        response = put(
            client, week_body(tue=[("09:00", "12:00"), ("12:00", "14:00")], sun=[("22:00", "24:00")]), current
        )
    assert response.status_code == 200
    new_etag = etag_of(0, mask(("09:00", "14:00")), 0, 0, 0, 0, mask(("22:00", "24:00")))
    assert response["ETag"] == new_etag
    assert response["Last-Modified"] == http_date((NOW + timedelta(minutes=5)).timestamp())
    assert response.json() == {
        "week_start": "2026-06-08",
        "week_end": "2026-06-14",
        "timezone": "America/New_York",
        "etag": new_etag,
        "version": 1,
        "last_modified": "2026-06-01T16:05:00Z",
        # Adjacent windows come back as one.
        "days": expected_days(tue=[("09:00", "14:00")], sun=[("22:00", "24:00")]),
    }
    assert stored(profile) == {
        "2026-06-09": [("09:00", "14:00")],
        "2026-06-14": [("22:00", "24:00")],
        "2026-06-15": [("08:00", "10:00")],
    }
    again = client.get(URL)
    assert (again["ETag"], again.json()["days"], again.json()["version"]) == (new_etag, response.json()["days"], 1)


def test_get_with_a_matching_if_none_match_is_304(client, profile) -> None:
    client.force_login(profile.user)
    response = client.get(URL, headers={"If-None-Match": EMPTY_ETAG})
    assert (response.status_code, response["ETag"], response.content) == (304, EMPTY_ETAG, b"")
    assert client.get(URL, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_a_week_read_is_one_query_after_the_session_and_agrees_with_the_two_query_read(
    client, profile, django_assert_num_queries
) -> None:
    """The editor's most frequent request reads the profile, the week's version row and its
    days in one statement (`availability_owner_week_get`); days of the weeks beside it stay
    out, and a saved week, an unsaved one and a lock-only row (version 0) read as the
    services' two-query read sees them."""
    store(profile, WEEK - timedelta(days=1), ("08:00", "09:00"))  # Sunday before: another week
    store(profile, WEEK, ("09:00", "10:00"))
    store(profile, WEEK + timedelta(days=6), ("18:00", "20:00"))
    store(profile, WEEK + timedelta(days=7), ("07:00", "08:00"))  # Monday after
    client.force_login(profile.user)
    with django_assert_num_queries(3):  # the session, the user, the week
        response = client.get(URL)
    assert response.json()["days"] == expected_days(mon=[("09:00", "10:00")], sun=[("18:00", "20:00")])
    assert response.json()["version"] == 0
    assert availability_owner_week_get(actor=profile.user, day=WEEK) == availability_week_get(profile=profile, day=WEEK)

    assert put(client, week_body(tue=[("12:00", "13:00")]), response["ETag"]).status_code == 200
    saved = availability_owner_week_get(actor=profile.user, day=TUE)
    assert saved == availability_week_get(profile=profile, day=TUE)
    assert saved is not None
    assert (saved.version, saved.masks[1]) == (1, mask(("12:00", "13:00")))

    lock_only = WEEK + timedelta(weeks=3)
    AvailabilityWeek.objects.create(instructor=profile, week_start=lock_only, version=0, updated_at=NOW)
    assert availability_owner_week_get(actor=profile.user, day=lock_only) == availability_week_get(
        profile=profile, day=lock_only
    )


def test_the_one_query_read_leaves_students_and_instructors_without_a_profile_to_the_services(
    profile, student, other_instructor
) -> None:
    assert availability_owner_week_get(actor=student, day=WEEK) is None
    assert availability_owner_week_get(actor=other_instructor, day=WEEK) is None
    assert availability_owner_week_get(actor=profile.user, day=WEEK) is not None


def test_put_without_if_match_is_428_and_changes_nothing(client, profile) -> None:
    client.force_login(profile.user)
    for etag in (None, "*"):
        response = put(client, week_body(tue=[("09:00", "12:00")]), etag)
        assert response.status_code == 428
        assert response.json() == {
            "error": {
                "code": "precondition_required",
                "message": "Send the week's ETag in an If-Match header (GET the week first), "
                "so you never overwrite changes you have not seen.",
                "fields": {},
            }
        }
    assert stored(profile) == {}
    assert not AvailabilityWeek.objects.exists()


def test_put_with_a_stale_etag_is_409_with_the_current_version_and_content(client, profile) -> None:
    client.force_login(profile.user)
    assert put(client, week_body(mon=[("10:00", "11:00")]), EMPTY_ETAG).status_code == 200
    response = put(client, week_body(tue=[("09:00", "12:00")]), EMPTY_ETAG)
    assert response.status_code == 409
    current = etag_of(mask(("10:00", "11:00")))
    assert response.json() == {
        "error": {
            "code": "stale_version",
            "message": "This week changed in another window. Reload it, or save again to keep your version.",
            "fields": {},
            "etag": current,
            "version": 1,
            "week": {
                "week_start": "2026-06-08",
                "week_end": "2026-06-14",
                "timezone": "America/New_York",
                "etag": current,
                "version": 1,
                "last_modified": "2026-06-01T16:00:00Z",
                "days": expected_days(mon=[("10:00", "11:00")]),
            },
        }
    }
    assert stored(profile) == {"2026-06-08": [("10:00", "11:00")]}
    # "Keep mine": the same content again, with the ETag from the 409 body.
    kept = put(client, week_body(tue=[("09:00", "12:00")]), response.json()["error"]["etag"])
    assert (kept.status_code, kept.json()["version"]) == (200, 2)
    assert stored(profile) == {"2026-06-09": [("09:00", "12:00")]}


def test_two_clients_with_the_same_etag_exactly_one_wins(client, profile) -> None:
    """Compare-and-set: both read version 0; the first save wins, the second is told."""
    from django.test import Client

    first, second = client, Client()
    first.force_login(profile.user)
    second.force_login(profile.user)
    seen = first.get(URL)["ETag"]
    assert second.get(URL)["ETag"] == seen
    assert put(first, week_body(wed=[("06:00", "07:00")]), seen).status_code == 200
    assert put(second, week_body(thu=[("06:00", "07:00")]), seen).status_code == 409
    assert stored(profile) == {"2026-06-10": [("06:00", "07:00")]}
    assert AvailabilityWeek.objects.get().version == 1


def test_if_match_accepts_a_list_and_an_unquoted_tag_but_not_a_weak_one(client, profile) -> None:
    client.force_login(profile.user)
    assert put(client, week_body(), f"W/{EMPTY_ETAG}").status_code == 409
    assert put(client, week_body(), f'"nope", {EMPTY_ETAG}').status_code == 200
    assert put(client, week_body(mon=[("06:00", "06:30")]), EMPTY_ETAG.strip('"')).status_code == 200


def test_invalid_windows_are_422_with_a_message_per_field_and_change_nothing(client, profile) -> None:
    client.force_login(profile.user)
    store(profile, WEEK, ("08:00", "10:00"))
    body = {
        "days": [
            {"date": "2026-06-08", "windows": [{"start": "09:00", "end": "11:00"}, {"start": "10:30", "end": "12:00"}]},
            {"date": "2026-06-09", "windows": [{"start": "13:00", "end": "14:00"}, {"start": "09:00", "end": "10:00"}]},
            {"date": "2026-06-10", "windows": [{"start": "09:15", "end": "10:00"}, {"start": "9am", "end": "24:30"}]},
            {"date": "2026-06-11", "windows": [{"start": "12:00", "end": "11:00"}, {"start": "24:00", "end": "24:00"}]},
            {"date": "2026-06-15", "windows": []},
            {"date": "2026-06-08", "windows": []},
        ]
    }
    response = put(client, body, client.get(URL)["ETag"])
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "validation_error",
        "message": "Some windows need fixing before the week can be saved.",
        "fields": {
            "days.0.windows.1.start": ["This overlaps the window before it, which ends at 11:00."],
            "days.1.windows.1.start": ["List the windows in order of start time."],
            "days.2.windows.0.start": ["Use a time on the hour or half hour, like 09:00 or 09:30."],
            "days.2.windows.1.start": ["Use a time like 09:00 or 13:30."],
            "days.2.windows.1.end": ["Use a time like 09:00 or 13:30."],
            "days.3.windows.0.end": ["End the window after it starts."],
            "days.3.windows.1.start": ["Start before midnight: 24:00 can only end a window."],
            "days.4.date": ["Pick a date in the week of Mon 8 Jun."],
            "days.5.date": ["This day is listed twice."],
        },
    }
    assert stored(profile) == {"2026-06-08": [("08:00", "10:00")]}
    assert not AvailabilityWeek.objects.exists()


def test_bad_dates_are_422(client, profile) -> None:
    client.force_login(profile.user)
    response = client.get("/api/v1/instructors/me/availability/weeks/2026-02-30")
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["day"]
    response = put(client, {"days": [{"date": "2026-13-01", "windows": []}]}, EMPTY_ETAG)
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["days.0.date"]
    response = put(client, {"days": [{"date": "2026-06-08", "windows": [{"start": "09:00"}]}]}, EMPTY_ETAG)
    assert response.json()["error"]["fields"] == {"days.0.windows.0.end": ["Field required"]}
    assert stored(profile) == {}


def test_removing_time_under_an_active_booking_is_409_naming_it(client, profile, offering, student) -> None:
    client.force_login(profile.user)
    store(profile, TUE, ("09:00", "17:00"))
    booked = make_booking(student=student, offering=offering, starts_at=ny(TUE, "10:15"), duration_minutes=60)
    make_booking(
        student=student,
        offering=offering,
        starts_at=ny(TUE, "14:00"),
        duration_minutes=60,
        status=BookingStatus.CANCELLED,
    )
    etag = client.get(URL)["ETag"]
    response = put(client, week_body(tue=[("09:00", "10:30"), ("11:30", "17:00")]), etag)
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "booked_time",
        "message": "You have lessons in the time you removed: Piano, Tue 9 Jun, 10:15–11:15 am (SS). "
        "Keep those hours open, or cancel the lessons first.",
        "fields": {},
        "bookings": [
            {
                "id": str(booked.public_id),
                "starts_at": utc_iso(TUE, "10:15"),
                "ends_at": utc_iso(TUE, "11:15"),
                "label": "Piano, Tue 9 Jun, 10:15–11:15 am",
                "student_initials": "SS",
                "service_name": "Piano",
                "format": "studio",
                "status": "confirmed",
                "cells": [{"date": "2026-06-09", "start": "10:00", "end": "11:30"}],
            }
        ],
    }
    assert stored(profile) == {"2026-06-09": [("09:00", "17:00")]}
    # Removing time elsewhere (the cancelled lesson's time included) is fine.
    response = put(client, week_body(tue=[("09:00", "12:00")]), etag)
    assert response.status_code == 200
    assert stored(profile) == {"2026-06-09": [("09:00", "12:00")]}


def test_a_failing_save_changes_nothing(client, profile, offering, student) -> None:
    """The Monday change is valid, Tuesday's removes booked time: neither is written."""
    client.force_login(profile.user)
    store(profile, WEEK, ("09:00", "10:00"))
    store(profile, TUE, ("09:00", "12:00"))
    make_booking(
        student=student,
        offering=offering,
        starts_at=ny(TUE, "09:00"),
        duration_minutes=60,
        status=BookingStatus.PENDING,
    )
    response = put(client, week_body(mon=[("13:00", "15:00")], tue=[("10:00", "12:00")]), client.get(URL)["ETag"])
    assert response.status_code == 409
    assert stored(profile) == {"2026-06-08": [("09:00", "10:00")], "2026-06-09": [("09:00", "12:00")]}
    assert not AvailabilityWeek.objects.exists()


def test_an_error_midway_through_a_save_rolls_everything_back(profile, monkeypatch) -> None:
    """The days are written before the version is bumped: if the bump fails, the days revert."""
    from apps.availability import services

    store(profile, WEEK, ("09:00", "10:00"))

    def broken_bump(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "_bump", broken_bump)
    days = [services.DayInput(date=TUE, windows=[services.WindowInput("13:00", "14:00")])]
    with pytest.raises(RuntimeError, match="database went away"):
        services.availability_week_replace(
            actor=profile.user, day=TUE, days=days, if_match=etag_of(mask(("09:00", "10:00"))), now=NOW
        )
    assert stored(profile) == {"2026-06-08": [("09:00", "10:00")]}
    assert not AvailabilityWeek.objects.exists()


def test_week_bookings_lists_booked_time_with_initials_and_cells(
    client, profile, offering, student, other_student
) -> None:
    client.force_login(profile.user)
    first = make_booking(student=student, offering=offering, starts_at=ny(TUE, "09:00"), duration_minutes=90)
    # Sunday 23:30 for 60 minutes: only the Sunday cell is in this week.
    late = make_booking(
        student=other_student, offering=offering, starts_at=ny(WEEK + timedelta(days=6), "23:30"), fmt="travel"
    )
    make_booking(student=student, offering=offering, starts_at=ny(TUE, "15:00"), status=BookingStatus.CANCELLED)
    make_booking(student=student, offering=offering, starts_at=ny(WEEK + timedelta(days=7), "09:00"))  # next week
    response = client.get(URL + "/bookings")
    assert response.status_code == 200
    assert [(b["id"], b["label"], b["student_initials"], b["format"], b["cells"]) for b in response.json()] == [
        (
            str(first.public_id),
            "Piano, Tue 9 Jun, 9:00–10:30 am",
            "SS",
            "studio",
            [{"date": "2026-06-09", "start": "09:00", "end": "10:30"}],
        ),
        (
            str(late.public_id),
            "Piano, Sun 14 Jun, 11:30 pm–12:30 am",
            "OO",
            "travel",
            [{"date": "2026-06-14", "start": "23:30", "end": "24:00"}],
        ),
    ]


def test_copy_week_replaces_the_target_week(client, profile) -> None:
    client.force_login(profile.user)
    store(profile, WEEK, ("09:00", "12:00"))
    store(profile, WEEK + timedelta(days=4), ("14:00", "18:00"))
    store(profile, date(2026, 6, 23), ("07:00", "08:00"))  # the target's own Tuesday goes
    response = client.post(URL + "/copy", {"target": "2026-06-26"}, content_type="application/json")
    assert response.status_code == 200
    target_etag = (
        f'"{week_etag(date(2026, 6, 22), [mask(("09:00", "12:00")), 0, 0, 0, mask(("14:00", "18:00")), 0, 0])}"'
    )
    assert (response.json()["week_start"], response.json()["version"], response["ETag"]) == (
        "2026-06-22",
        1,
        target_etag,
    )
    assert stored(profile) == {
        "2026-06-08": [("09:00", "12:00")],
        "2026-06-12": [("14:00", "18:00")],
        "2026-06-22": [("09:00", "12:00")],
        "2026-06-26": [("14:00", "18:00")],
    }
    assert client.get("/api/v1/instructors/me/availability/weeks/2026-06-22")["ETag"] == target_etag


def test_copy_week_refuses_the_same_week_a_past_week_and_booked_time(client, profile, offering, student) -> None:
    client.force_login(profile.user)
    store(profile, date(2026, 6, 16), ("09:00", "12:00"))
    make_booking(student=student, offering=offering, starts_at=ny(date(2026, 6, 16), "09:00"))
    before = stored(profile)
    same = client.post(URL + "/copy", {"target": "2026-06-14"}, content_type="application/json")
    assert (same.status_code, same.json()["error"]["fields"]) == (
        422,
        {"target": ["Pick a different week to copy to."]},
    )
    past = client.post(URL + "/copy", {"target": "2026-05-31"}, content_type="application/json")
    assert (past.status_code, past.json()["error"]["fields"]) == (
        422,
        {"target": ["Pick a date from today on: past days cannot be booked anyway."]},
    )
    booked = client.post(URL + "/copy", {"target": "2026-06-15"}, content_type="application/json")
    assert (booked.status_code, booked.json()["error"]["code"]) == (409, "booked_time")
    assert stored(profile) == before
    assert not AvailabilityWeek.objects.exists()


def test_apply_pattern_sets_each_date_in_the_range_from_its_weekday(client, profile) -> None:
    client.force_login(profile.user)
    store(profile, WEEK, ("09:00", "12:00"))  # Monday
    store(profile, WEEK + timedelta(days=2), ("13:00", "15:00"))  # Wednesday
    store(profile, date(2026, 6, 18), ("06:00", "07:00"))  # a Thursday in range: the pattern's Thursday is empty
    store(profile, date(2026, 6, 25), ("06:00", "07:00"))  # a Thursday after the range: untouched
    response = client.post(URL + "/apply", {"from": "2026-06-10", "to": "2026-06-24"}, content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert (body["date_from"], body["date_to"], body["days_changed"]) == ("2026-06-10", "2026-06-24", 5)
    # The source week (inside the range) already matches itself: its version stays 0.
    assert [(w["week_start"], w["version"]) for w in body["weeks"]] == [
        ("2026-06-08", 0),
        ("2026-06-15", 1),
        ("2026-06-22", 1),
    ]
    assert stored(profile) == {
        "2026-06-08": [("09:00", "12:00")],
        "2026-06-10": [("13:00", "15:00")],
        "2026-06-15": [("09:00", "12:00")],
        "2026-06-17": [("13:00", "15:00")],
        "2026-06-22": [("09:00", "12:00")],
        "2026-06-24": [("13:00", "15:00")],
        "2026-06-25": [("06:00", "07:00")],
    }
    assert [w["etag"] for w in body["weeks"]][1] == client.get("/api/v1/instructors/me/availability/weeks/2026-06-15")[
        "ETag"
    ]


def test_apply_pattern_validates_the_range_and_protects_bookings(client, profile, offering, student) -> None:
    client.force_login(profile.user)
    store(profile, date(2026, 6, 16), ("09:00", "10:00"))
    make_booking(student=student, offering=offering, starts_at=ny(date(2026, 6, 16), "09:00"))
    before = stored(profile)
    cases = [
        (
            {"from": "2026-05-31", "to": "2026-06-02"},
            {"from": ["Pick a date from today on: past days cannot be booked anyway."]},
        ),
        ({"from": "2026-06-10", "to": "2026-06-09"}, {"to": ["End on or after the start date."]}),
        ({"from": "2026-06-10", "to": "2026-12-09"}, {"to": ["Apply a pattern to at most 26 weeks at a time."]}),
    ]
    for body, fields in cases:
        response = client.post(URL + "/apply", body, content_type="application/json")
        assert (response.status_code, response.json()["error"]["fields"]) == (422, fields)
    booked = client.post(URL + "/apply", {"from": "2026-06-15", "to": "2026-06-21"}, content_type="application/json")
    assert (booked.status_code, booked.json()["error"]["code"]) == (409, "booked_time")
    assert stored(profile) == before


def test_anonymous_gets_401_and_students_404_and_nothing_changes(client, profile, student) -> None:
    store(profile, WEEK, ("09:00", "10:00"))
    for method, url, body in [
        ("get", URL, None),
        ("put", URL, week_body()),
        ("post", URL + "/copy", {"target": "2026-06-15"}),
        ("post", URL + "/apply", {"from": "2026-06-15", "to": "2026-06-16"}),
        ("get", URL + "/bookings", None),
        ("get", "/api/v1/instructors/me/availability/blackouts", None),
        ("post", "/api/v1/instructors/me/availability/blackouts", {"date": "2026-06-09"}),
    ]:
        kwargs = {} if body is None else {"data": body, "content_type": "application/json"}
        client.logout()
        assert getattr(client, method)(url, headers={"If-Match": EMPTY_ETAG}, **kwargs).status_code == 401
        client.force_login(student)
        response = getattr(client, method)(url, headers={"If-Match": EMPTY_ETAG}, **kwargs)
        assert (response.status_code, response.json()["error"]["message"]) == (
            404,
            "Only instructors have availability.",
        )
    assert stored(profile) == {"2026-06-08": [("09:00", "10:00")]}
    assert not AvailabilityWeek.objects.exists()
    assert not profile.blackouts.exists()


def test_another_instructor_edits_only_their_own_week(client, profile, other_instructor) -> None:
    store(profile, WEEK, ("09:00", "10:00"))
    client.force_login(other_instructor)
    assert client.get(URL).json()["days"] == expected_days()
    assert put(client, week_body(mon=[("11:00", "12:00")]), EMPTY_ETAG).status_code == 200
    assert stored(profile) == {"2026-06-08": [("09:00", "10:00")]}
    assert stored(other_instructor.instructor_profile) == {"2026-06-08": [("11:00", "12:00")]}


def test_openapi_documents_the_week_endpoints_and_their_errors(client, db) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    put_responses = spec["paths"]["/api/v1/instructors/me/availability/weeks/{day}"]["put"]["responses"]
    assert {"200", "401", "404", "409", "422", "428"} <= set(put_responses)
    parameters = spec["paths"]["/api/v1/instructors/me/availability/weeks/{day}"]["put"]["parameters"]
    assert {"name": "If-Match", "in": "header"}.items() <= next(
        p for p in parameters if p["name"] == "If-Match"
    ).items()
    assert "from" in {
        p["name"] for p in spec["paths"]["/api/v1/instructors/{instructor_id}/slots"]["get"]["parameters"]
    }
