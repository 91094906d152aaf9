"""Weekly series: creation (partial conflicts reported with the same week's open starts),
from a booked lesson, idempotency, the horizon and its extension sweep, DST weeks."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.availability.models import BlackoutDate
from apps.bookings.models import Booking, BookingSeries, SeriesEvent
from apps.bookings.series.services import SeriesUnavailable, booking_series_from_booking, series_sweep
from apps.bookings.services import StudentBusy
from apps.bookings.states import BookingStatus, PaymentStatus, SeriesStatus
from apps.bookings.tests.conftest import NOW, THURSDAY, local, open_days
from apps.bookings.tests.factories import make_booking
from apps.bookings.tests.money import book
from apps.bookings.tests.series_helpers import occurrences, open_ten_weeks, snapshot, weekly
from apps.core.errors import NotFound, PermissionDenied, ValidationFailed
from apps.notifications.models import Notification

pytestmark = pytest.mark.django_db
WEEK = timedelta(weeks=1)
CONFIRMED = (BookingStatus.CONFIRMED, PaymentStatus.SCHEDULED)


def thursday(n: int, hour: int = 10, minute: int = 0) -> datetime:
    """Thursday n weeks after Thu 3 Dec 2026, at a New York wall time (EST all December)."""
    return local(THURSDAY + n * WEEK, hour, minute)


@pytest.fixture
def weeks_open(scene):
    open_ten_weeks(scene)
    return scene


def test_a_series_books_every_free_week_inside_the_horizon_and_reports_the_others(
    weeks_open, student, other_student
) -> None:
    scene = weeks_open
    # Week 2 (Thu 10 Dec) is taken by someone else; week 4 (Thu 24 Dec) is a day off.
    make_booking(student=other_student, offering=scene.offering, starts_at=thursday(1), fmt="studio")
    BlackoutDate.objects.create(instructor=scene.profile, date=date(2026, 12, 24), created_at=NOW)
    result = weekly(scene, student, thursday(0), 8)
    series = result.series
    # The horizon (30 days) ends Thu 31 Dec 12:00 UTC: week 5 (Thu 31 Dec 10:00 EST) waits for the sweep.
    assert occurrences(series) == [(0, thursday(0), *CONFIRMED), (2, thursday(2), *CONFIRMED)]
    assert [b.series_week for b in result.booked] == [0, 2]
    assert result.unbooked == [
        {
            "week": 1, "starts_at": thursday(1).isoformat(),
            "reason": "That time was just taken or is no longer open. Pick another time.",
            # The taken 10–11 lesson holds 9:45–11:15 with its buffer: the nearest open starts are after it.
            "alternatives": [thursday(1, 11, 15).isoformat(), thursday(1, 11, 30).isoformat(), thursday(1, 11, 45).isoformat()],
        },
        {
            "week": 3, "starts_at": thursday(3).isoformat(),
            "reason": "That time was just taken or is no longer open. Pick another time.",
            # Nothing on the day off: the nearest starts that week are the evening before.
            "alternatives": [local(date(2026, 12, 23), h, m).isoformat() for h, m in ((15, 30), (15, 45), (16, 0))],
        },
    ]  # fmt: skip
    assert series.unbooked == result.unbooked
    assert (series.weeks, series.next_week, series.next_starts_at) == (8, 4, thursday(4))
    assert (series.anchor_date, series.local_time, series.timezone) == (THURSDAY, time(10), "America/New_York")
    # Each week is an ordinary booking with its own price snapshot, event and confirmation.
    for booking in result.booked:
        assert (booking.total_cents, booking.instructor_net_cents) == (10080, 7650)
        assert [e.kind for e in booking.events.all()] == ["created"]
    assert Notification.objects.filter(user=student, kind="booking_confirmed").count() == 2
    assert list(SeriesEvent.objects.filter(series=series).values_list("kind", flat=True)) == [
        "created", "week_unbooked", "week_unbooked",
    ]  # fmt: skip


def test_the_students_own_lesson_that_week_is_named_and_open_times_around_it_offered(weeks_open, student) -> None:
    scene = weeks_open
    make_booking(student=student, offering=scene.offering, starts_at=thursday(1, 10, 30), fmt="studio")
    result = weekly(scene, student, thursday(0), 2)
    assert [b.series_week for b in result.booked] == [0]
    assert result.unbooked == [
        {
            "week": 1, "starts_at": thursday(1).isoformat(), "reason": StudentBusy().message,
            # Their 10:30 lesson holds 10:15–11:45: the nearest starts are 9:15, 9:00 and 11:45.
            "alternatives": [thursday(1, 9).isoformat(), thursday(1, 9, 15).isoformat(), thursday(1, 11, 45).isoformat()],
        },
    ]  # fmt: skip


def test_when_no_week_is_free_nothing_is_created(weeks_open, student, other_student) -> None:
    scene = weeks_open
    for n in range(4):
        make_booking(student=other_student, offering=scene.offering, starts_at=thursday(n), fmt="studio")
    before = snapshot()
    with pytest.raises(SeriesUnavailable) as refused:
        weekly(scene, student, thursday(0), None)
    assert [item["week"] for item in refused.value.extra["unbooked"]] == [0, 1, 2, 3]
    assert snapshot() == before
    assert not SeriesEvent.objects.exists()


@pytest.mark.parametrize("weeks", [0, 1, 17])
def test_the_number_of_weeks_is_two_to_sixteen(weeks_open, student, weeks) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        weekly(weeks_open, student, thursday(0), weeks)
    assert refused.value.fields == {"weeks": ["Repeat for 2 to 16 weeks, or until you end it."]}
    assert snapshot() == before


def test_an_instructor_cannot_create_a_series(weeks_open, instructor) -> None:
    before = snapshot()
    with pytest.raises(PermissionDenied):
        weekly(weeks_open, instructor, thursday(0), 4)
    assert snapshot() == before


def test_a_retry_with_the_same_key_returns_the_first_series(weeks_open, student) -> None:
    first = weekly(weeks_open, student, thursday(0), 4, key="k-1")
    again = weekly(weeks_open, student, thursday(0), 4, key="k-1")
    assert again.series.pk == first.series.pk
    assert BookingSeries.objects.count() == 1
    assert Booking.objects.count() == 4


def test_an_until_ended_series_is_extended_by_the_sweep_once_per_week(weeks_open, student) -> None:
    scene = weeks_open
    series = weekly(scene, student, thursday(0), None).series
    assert [w for w, *_ in occurrences(series)] == [0, 1, 2, 3]
    assert series_sweep(now=NOW) == 0  # week 5 is not inside the horizon yet
    # Thu 31 Dec 10:00 EST = 15:00 UTC comes within 30 days at Tue 1 Dec 15:00 UTC.
    later = datetime(2026, 12, 1, 15, 1, tzinfo=UTC)
    assert series_sweep(now=later) == 1
    assert series_sweep(now=later) == 0  # twice is the same as once
    series.refresh_from_db()
    assert occurrences(series)[-1] == (4, thursday(4), *CONFIRMED)
    assert (series.next_week, series.next_starts_at) == (5, thursday(5))
    # A week later, the sweep books the next one; weeks it already considered are never redone.
    Booking.objects.filter(series=series, series_week=1).update(status=BookingStatus.CANCELLED)
    assert series_sweep(now=later + WEEK) == 1
    assert series_sweep(now=later + WEEK) == 0
    assert [w for w, *_ in occurrences(series)] == [0, 1, 2, 3, 4, 5]
    assert Booking.objects.filter(series=series).count() == 6


def test_a_fixed_series_stops_at_its_last_week(weeks_open, student) -> None:
    series = weekly(weeks_open, student, thursday(0), 5).series
    assert series_sweep(now=NOW + 3 * WEEK) == 1
    series.refresh_from_db()
    assert [w for w, *_ in occurrences(series)] == [0, 1, 2, 3, 4]
    assert (series.next_week, series.next_starts_at) == (5, None)
    assert series_sweep(now=NOW + 5 * WEEK) == 0


def test_a_week_the_sweep_cannot_book_is_recorded_and_the_student_told(weeks_open, student, other_student) -> None:
    scene = weeks_open
    series = weekly(scene, student, thursday(0), None).series
    make_booking(student=other_student, offering=scene.offering, starts_at=thursday(4), fmt="studio")
    later = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    assert series_sweep(now=later) == 1
    assert series_sweep(now=later) == 0
    series.refresh_from_db()
    assert [item["week"] for item in series.unbooked] == [4]
    # Later that Thursday is past the horizon (16:00 UTC = 11:00 local) and not bookable yet:
    # the nearest bookable starts are the evening before.
    assert series.unbooked[0]["alternatives"] == [
        local(date(2026, 12, 30), h, m).isoformat() for h, m in ((15, 30), (15, 45), (16, 0))
    ]
    told = Notification.objects.get(user=student, kind="series_unbooked")
    assert told.subject == "1 week of your weekly lesson could not be booked"
    assert told.body == (
        "Thu 31 Dec, 10:00 am: That time was just taken or is no longer open. Pick another time. "
        "Open your weekly lesson to pick another time those weeks."
    )
    assert told.url == f"/lessons/weekly/{series.public_id}/"


def test_an_ended_series_is_not_extended(weeks_open, student) -> None:
    series = weekly(weeks_open, student, thursday(0), None).series
    BookingSeries.objects.filter(pk=series.pk).update(status=SeriesStatus.ENDED, next_starts_at=None)
    assert series_sweep(now=NOW + 2 * WEEK) == 0
    assert Booking.objects.filter(series=series).count() == 4


def test_repeat_a_booked_lesson_makes_it_the_first_week(weeks_open, student) -> None:
    booking = book(weeks_open, student, start=thursday(0))
    result = booking_series_from_booking(actor=student, booking_id=booking.pk, weeks=3, now=NOW)
    assert occurrences(result.series) == [(0, thursday(0), *CONFIRMED), (1, thursday(1), *CONFIRMED), (2, thursday(2), *CONFIRMED)]  # fmt: skip
    assert [b.series_week for b in result.booked] == [1, 2]
    assert (result.series.next_week, result.series.next_starts_at) == (3, None)
    # The first lesson is untouched but for its series: same money, same events.
    booking.refresh_from_db()
    assert (booking.series_id, booking.total_cents, [e.kind for e in booking.events.all()]) == (
        result.series.pk, 10080, ["created"],
    )  # fmt: skip


def test_only_the_lessons_student_may_repeat_it(weeks_open, student, other_student, instructor) -> None:
    booking = book(weeks_open, student, start=thursday(0))
    before = snapshot()
    for actor in (other_student, weeks_open.profile.user):
        with pytest.raises(NotFound):
            booking_series_from_booking(actor=actor, booking_id=booking.pk, weeks=3, now=NOW)
    assert snapshot() == before


def test_a_lesson_already_in_a_series_is_not_repeated_twice(weeks_open, student) -> None:
    booking = book(weeks_open, student, start=thursday(0))
    booking_series_from_booking(actor=student, booking_id=booking.pk, weeks=2, now=NOW)
    before = snapshot()
    with pytest.raises(Exception, match="already part of a weekly series"):
        booking_series_from_booking(actor=student, booking_id=booking.pk, weeks=2, now=NOW)
    assert snapshot() == before


# --- DST: the wall clock holds -------------------------------------------------------------


NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("now", "first", "utc_hours"),
    [
        # Spring forward on Sun 14 Mar 2027: 4 pm is 21:00 UTC (EST) then 20:00 UTC (EDT).
        (datetime(2027, 3, 1, 12, tzinfo=UTC), date(2027, 3, 2), [21, 21, 20, 20]),
        # Fall back on Sun 7 Nov 2027: 4 pm is 20:00 UTC (EDT) then 21:00 UTC (EST).
        (datetime(2027, 10, 18, 12, tzinfo=UTC), date(2027, 10, 19), [20, 20, 20, 21]),
    ],
)
def test_tuesday_4_pm_stays_4_pm_local_across_dst(scene, student, now, first, utc_hours) -> None:
    open_days(scene.profile, first, 28, start_hour=9, end_hour=20)
    start = datetime.combine(first, time(16), tzinfo=NEW_YORK)
    result = weekly(scene, student, start, 4, now=now)
    starts = [start for _, start, *_ in occurrences(result.series)]
    assert [s.astimezone(UTC).hour for s in starts] == utc_hours
    assert [s.astimezone(NEW_YORK).strftime("%a %-d %b %H:%M") for s in starts] == [
        (first + timedelta(weeks=n)).strftime("%a %-d %b 16:00") for n in range(4)
    ]


@pytest.mark.parametrize("start", [NOW - WEEK, NOW + timedelta(days=30)])
def test_the_first_week_starts_within_the_booking_horizon(weeks_open, student, start) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        weekly(weeks_open, student, start, None)
    assert refused.value.fields == {"starts_at": ["Start from one of the open times, within the next 30 days."]}
    assert snapshot() == before
