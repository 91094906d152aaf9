"""Calendar import end to end: connecting feeds (validation, limits, ownership), refreshing
them against a real local HTTP server, busy time blocking slots like bookings (profile slots,
search), a broken feed keeping what it knew and telling the instructor once, the sweep, the
page, the editor and the API. The clock is Monday 1 June 2026, noon in New York."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.availability.feeds.services import (
    FETCH_LEASE,
    MAX_FEEDS,
    REFRESH_EVERY,
    imported_calendar_add,
    imported_calendar_refresh,
    imported_calendars_sweep,
)
from apps.availability.models import ExternalBusy, ImportedCalendar
from apps.availability.slots import SlotRules
from apps.availability.tests.feed_server import Answer, FeedServer
from apps.availability.tests.helpers import NOW, NY, ny, store
from apps.core.errors import Conflict, NotFound, ValidationFailed
from apps.instructors.tests.factories import live_instructor
from apps.notifications.models import Notification
from apps.search.generation import search_generation_bump
from apps.search.openings import CalendarAsk, calendar_list

pytestmark = pytest.mark.django_db

TUE = date(2026, 6, 2)
STUDIO_60 = {"service": "piano", "format": "studio", "duration": 60, "from": "2026-06-02", "to": "2026-06-02"}
FEEDS_API = "/api/v1/instructors/me/availability/calendars"
# School on Tuesday 09:00–10:00 New York (13:00–14:00 UTC).
SCHOOL = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:school\r\nDTSTAMP:20260501T000000Z\r\n"
    b"DTSTART;TZID=America/New_York:20260602T090000\r\nDTEND;TZID=America/New_York:20260602T100000\r\n"
    b"END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def starts(client, profile) -> list[str]:
    response = client.get(f"/api/v1/instructors/{profile.pk}/slots", STUDIO_60)
    assert response.status_code == 200
    return [slot["local"][11:16] for slot in response.json()["slots"]]


def stored_busy(feed: ImportedCalendar) -> list[tuple[str, str]]:
    return [
        (s.astimezone(NY).strftime("%m-%d %H:%M"), e.astimezone(NY).strftime("%H:%M"))
        for s, e in feed.busy.values_list("starts_at", "ends_at")
    ]


@pytest.fixture
def tuesday(profile, offering):
    """Tuesday 08:00–11:00 open."""
    store(profile, TUE, ("08:00", "11:00"))
    return profile


@pytest.fixture
def school(tuesday, feed_server: FeedServer) -> ImportedCalendar:
    url = feed_server.serve("/school.ics", Answer(SCHOOL, etag='"s1"'))
    return imported_calendar_add(actor=tuesday.user, url=url, label="School", now=NOW)


def test_imported_busy_time_blocks_slots_like_a_booking(
    client, tuesday, school, django_capture_on_commit_callbacks
) -> None:
    assert starts(client, tuesday) == ["08:00", "08:15", "08:30", "08:45", "09:00", "09:15", "09:30", "09:45", "10:00"]
    with django_capture_on_commit_callbacks(execute=True):  # the commit bumps the cached slot reads
        assert imported_calendar_refresh(feed_id=school.pk, now=NOW) is True
    assert stored_busy(school) == [("06-02 09:00", "10:00")]
    # Busy 09:00–10:00 padded by the 15-minute buffer, like a booking (08:45–10:15): no hour
    # fits before it in 08:00–08:45, and none after it in 10:15–11:00.
    assert starts(client, tuesday) == []
    store(tuesday, TUE, ("07:00", "12:00"))
    search_generation_bump()  # stored behind the services' backs
    assert starts(client, tuesday) == ["07:00", "07:15", "07:30", "07:45", "10:15", "10:30", "10:45", "11:00"]


def test_search_reads_imported_busy_time_too(tuesday, school) -> None:
    imported_calendar_refresh(feed_id=school.pk, now=NOW)
    ask = CalendarAsk("America/New_York", SlotRules(), frozenset({60}))
    calendars = calendar_list({tuesday.pk: ask}, TUE, TUE, now=NOW)
    assert [(b.starts_at, b.ends_at) for b in calendars[tuesday.pk].bookings] == [(ny(TUE, "09:00"), ny(TUE, "10:00"))]


def test_an_unchanged_feed_is_asked_conditionally_and_keeps_its_busy_time(tuesday, school, feed_server) -> None:
    imported_calendar_refresh(feed_id=school.pk, now=NOW)
    later = NOW + REFRESH_EVERY
    assert imported_calendar_refresh(feed_id=school.pk, now=later) is True
    assert feed_server.requests[-1][1]["If-None-Match"] == '"s1"'
    school.refresh_from_db()
    assert (school.last_success_at, school.next_fetch_at, stored_busy(school)) == (
        later,
        later + REFRESH_EVERY,
        [("06-02 09:00", "10:00")],
    )


def test_a_broken_feed_keeps_what_it_knew_backs_off_and_tells_the_instructor_once(
    client, tuesday, school, feed_server, django_capture_on_commit_callbacks
) -> None:
    imported_calendar_refresh(feed_id=school.pk, now=NOW)
    feed_server.serve("/school.ics", Answer(b"gone", status=404))
    first, second = NOW + REFRESH_EVERY, NOW + 3 * REFRESH_EVERY
    with django_capture_on_commit_callbacks(execute=True):
        assert imported_calendar_refresh(feed_id=school.pk, now=first) is False
    with django_capture_on_commit_callbacks(execute=True):
        assert imported_calendar_refresh(feed_id=school.pk, now=second) is False
    school.refresh_from_db()
    assert (school.failure_count, school.last_error) == (2, "The calendar server answered with error 404.")
    assert school.next_fetch_at == second + 2 * REFRESH_EVERY  # 30 min, then 60
    assert stored_busy(school) == [("06-02 09:00", "10:00")]
    assert starts(client, tuesday) == []  # still blocked
    notes = Notification.objects.filter(user=tuesday.user, kind="imported_calendar_failing")
    assert [n.subject for n in notes] == ["We can't read your calendar “School”"]
    assert [m.subject for m in mail.outbox] == ["InstaInstru · We can't read your calendar “School”"]
    # It works again: the failure count resets, and a later failure tells the instructor again.
    feed_server.serve("/school.ics", Answer(SCHOOL))
    assert imported_calendar_refresh(feed_id=school.pk, now=second + timedelta(hours=2)) is True
    school.refresh_from_db()
    assert (school.failure_count, school.last_error) == (0, "")


def test_a_feed_that_is_not_a_calendar_is_a_failure_with_the_reason(tuesday, feed_server) -> None:
    url = feed_server.serve("/login", Answer(b"<html>Please sign in</html>"))
    feed = imported_calendar_add(actor=tuesday.user, url=url, label="Work", now=NOW)
    assert imported_calendar_refresh(feed_id=feed.pk, now=NOW) is False
    feed.refresh_from_db()
    assert feed.last_error == "That address doesn't return a calendar (an .ics file)."
    assert not ExternalBusy.objects.exists()


def test_a_changed_feed_replaces_its_busy_time(client, tuesday, school, feed_server) -> None:
    imported_calendar_refresh(feed_id=school.pk, now=NOW)
    feed_server.serve(
        "/school.ics", Answer(SCHOOL.replace(b"T090000", b"T100000").replace(b"T100000\r\nEND", b"T110000\r\nEND"))
    )
    imported_calendar_refresh(feed_id=school.pk, now=NOW + REFRESH_EVERY)
    assert stored_busy(school) == [("06-02 10:00", "11:00")]
    assert starts(client, tuesday) == ["08:00", "08:15", "08:30", "08:45"]  # must end by 09:45


def test_the_sweep_reads_only_due_feeds_and_a_claimed_feed_is_not_read_twice(tuesday, school, feed_server) -> None:
    with time_machine.travel(NOW, tick=False):
        assert imported_calendars_sweep(now=NOW) == 1
        assert imported_calendars_sweep(now=NOW + timedelta(minutes=1)) == 0  # next read in 30 minutes
    assert len(feed_server.requests) == 1
    # A worker that claimed the feed and died: the lease runs out, then another reads it.
    ImportedCalendar.objects.filter(pk=school.pk).update(next_fetch_at=NOW + REFRESH_EVERY + FETCH_LEASE)
    assert imported_calendar_refresh(feed_id=school.pk, now=NOW + REFRESH_EVERY) is None
    assert imported_calendar_refresh(feed_id=school.pk, now=NOW + REFRESH_EVERY + FETCH_LEASE) is True


def test_busy_time_is_kept_from_yesterday_to_the_longest_booking_horizon(tuesday, feed_server) -> None:
    weekly = SCHOOL.replace(b"END:VEVENT", b"RRULE:FREQ=WEEKLY\r\nEND:VEVENT")
    feed = imported_calendar_add(
        actor=tuesday.user, url=feed_server.serve("/weekly.ics", Answer(weekly)), label="Weekly", now=NOW
    )
    imported_calendar_refresh(feed_id=feed.pk, now=NOW)
    busy = list(feed.busy.values_list("starts_at", flat=True))
    assert busy[0] == ny(TUE, "09:00")
    assert busy[-1] == ny(date(2026, 8, 25), "09:00")  # the last Tuesday within 91 days
    assert len(busy) == 13


@pytest.mark.parametrize(
    ("url", "label", "errors"),
    [
        (
            "ftp://x.example/cal.ics",
            "School",
            {"url": ["Use the calendar's web address: it starts with https:// or webcal://."]},
        ),
        (
            "https://a:b@x.example/c.ics",
            "School",
            {"url": ["Use the calendar's secret address, without a user name or password in it."]},
        ),
        ("https://x.example/c.ics", "   ", {"label": ["Give the calendar a name, e.g. School or Studio."]}),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(profile, url, label, errors) -> None:
    with pytest.raises(ValidationFailed) as refused:
        imported_calendar_add(actor=profile.user, url=url, label=label, now=NOW)
    assert refused.value.fields == errors
    assert not ImportedCalendar.objects.exists()


def test_at_most_five_feeds_and_no_duplicates(profile) -> None:
    for n in range(MAX_FEEDS):
        imported_calendar_add(actor=profile.user, url=f"webcal://cal.example.com/{n}.ics", label=f"C{n}", now=NOW)
    with pytest.raises(Conflict, match="up to 5 calendars"):
        imported_calendar_add(actor=profile.user, url="https://cal.example.com/new.ics", label="New", now=NOW)
    ImportedCalendar.objects.filter(label="C4").delete()
    with pytest.raises(Conflict, match="already connected"):
        imported_calendar_add(actor=profile.user, url="https://cal.example.com/0.ics", label="Again", now=NOW)
    assert ImportedCalendar.objects.count() == MAX_FEEDS - 1


def test_students_have_no_calendars(student) -> None:
    with pytest.raises(NotFound):
        imported_calendar_add(actor=student, url="https://cal.example.com/a.ics", label="A", now=NOW)
    assert not ImportedCalendar.objects.exists()


def test_the_page_connects_reads_and_removes_a_feed(client, tuesday, feed_server) -> None:
    url = feed_server.serve("/school.ics", Answer(SCHOOL))
    client.force_login(tuesday.user)
    response = client.post("/teach/availability/calendars/add/", {"label": "School", "url": url}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "“School” is connected. Its busy times now block lesson times." in page
    assert "1 busy time ahead" in page
    assert url not in page  # the secret address is never shown, only its host
    assert "127.0.0.1" in page
    feed = ImportedCalendar.objects.get()
    editor = client.get("/teach/availability/?week=2026-06-01").content.decode()
    assert '<strong>Tue 2 Jun, 9:00–10:00 am</strong> <span class="muted">· School</span>' in editor
    response = client.post(f"/teach/availability/calendars/{feed.pk}/remove/", follow=True)
    assert "Calendar disconnected." in response.content.decode()
    assert not ImportedCalendar.objects.exists()
    assert not ExternalBusy.objects.exists()


def test_the_page_shows_errors_and_keeps_what_was_typed(client, profile) -> None:
    client.force_login(profile.user)
    response = client.post("/teach/availability/calendars/add/", {"label": "School", "url": "ftp://x.example/c.ics"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "starts with https:// or webcal://" in page
    assert 'value="ftp://x.example/c.ics"' in page
    assert 'value="School"' in page
    assert not ImportedCalendar.objects.exists()


def test_another_instructors_feed_is_not_found_anywhere(client, tuesday, school, other_instructor) -> None:
    live_instructor(user=other_instructor, slug="oscar")
    client.force_login(other_instructor)
    assert client.post(f"/teach/availability/calendars/{school.pk}/remove/").status_code == 404
    assert client.post(f"/teach/availability/calendars/{school.pk}/refresh/").status_code == 404
    assert client.delete(f"{FEEDS_API}/{school.pk}").status_code == 404
    assert client.post(f"{FEEDS_API}/{school.pk}/refresh").status_code == 404
    assert client.get(FEEDS_API).json() == []
    school.refresh_from_db()
    assert (school.last_fetched_at, ImportedCalendar.objects.count()) == (None, 1)


def test_the_api_connects_lists_and_removes_without_revealing_the_address(client, tuesday, feed_server) -> None:
    url = feed_server.serve("/school.ics?token=secret", Answer(SCHOOL))
    client.force_login(tuesday.user)
    created = client.post(FEEDS_API, {"label": "School", "url": url}, content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    assert {k: body[k] for k in ("label", "host", "failing", "last_error", "busy_count")} == {
        "label": "School", "host": "127.0.0.1", "failing": False, "last_error": "", "busy_count": 1,
    }  # fmt: skip
    assert "secret" not in created.content.decode()
    with CaptureQueriesContext(connection) as queries:
        listed = client.get(FEEDS_API)
    assert [f["id"] for f in listed.json()] == [body["id"]]
    assert len(queries) <= 4  # session, user, profile, feeds with their busy counts
    bad = client.post(FEEDS_API, {"label": "X", "url": "file:///etc/passwd"}, content_type="application/json")
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"] == {
        "url": ["Use the calendar's web address: it starts with https:// or webcal://."]
    }
    assert client.delete(f"{FEEDS_API}/{body['id']}").status_code == 204
    assert not ImportedCalendar.objects.exists()
