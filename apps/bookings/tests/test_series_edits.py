"""Weekly series edits: skip one week, move one week, change the time from a date on, end the
series; the instructor's availability edits cannot remove a week's time; denied actors
change nothing."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from apps.availability.models import BlackoutDate
from apps.availability.selectors import availability_week_get
from apps.availability.services import (
    BookedTimeConflict,
    DayInput,
    WindowInput,
    availability_week_replace,
    blackout_create,
)
from apps.bookings.models import Booking, SeriesEvent
from apps.bookings.policies import booking_cancel, booking_reschedule
from apps.bookings.series.edits import booking_series_change, booking_series_end, series_end_finish
from apps.bookings.series.services import series_sweep
from apps.bookings.states import BookingStatus, PaymentStatus, SeriesStatus
from apps.bookings.tests.conftest import NOW, THURSDAY, local
from apps.bookings.tests.factories import make_booking
from apps.bookings.tests.money import FEE, PRICE, TOTAL, ZERO, authorize, settled
from apps.bookings.tests.series_helpers import occurrences, open_ten_weeks, snapshot, weekly
from apps.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db
WEEK = timedelta(weeks=1)
SCHEDULED = (BookingStatus.CONFIRMED, PaymentStatus.SCHEDULED)
LATE = {"charge": TOTAL, "credit": PRICE, "refund": 0, "instructor": 0, "platform": FEE}


def thursday(n: int, hour: int = 10, minute: int = 0):
    return local(THURSDAY + n * WEEK, hour, minute)


@pytest.fixture
def series(scene, student):
    open_ten_weeks(scene)
    return weekly(scene, student, thursday(0), None).series


def week(series, n: int) -> Booking:
    return Booking.objects.get(series=series, series_week=n)


# --- skip and move one week: the lesson's own policies -------------------------------------------


def test_skip_one_week_cancels_that_lesson_under_the_normal_policy_and_nothing_else(series, student) -> None:
    done = booking_cancel(actor=student, booking_id=week(series, 1).pk, now=NOW)
    assert (done.window, done.booking.status) == ("free", BookingStatus.CANCELLED)
    assert settled(week(series, 1), "student_cancellation") == ZERO
    assert occurrences(series) == [
        (0, thursday(0), *SCHEDULED), (1, thursday(1), BookingStatus.CANCELLED, PaymentStatus.SETTLED),
        (2, thursday(2), *SCHEDULED), (3, thursday(3), *SCHEDULED),
    ]  # fmt: skip
    series.refresh_from_db()
    assert series.status == SeriesStatus.ACTIVE
    # The skipped week stays skipped: the sweep only books weeks it has not considered.
    series_sweep(now=NOW + WEEK)
    assert Booking.objects.filter(series=series, series_week=1).count() == 1


def test_move_one_week_is_a_normal_reschedule(series, student) -> None:
    moved = booking_reschedule(actor=student, booking_id=week(series, 2).pk, starts_at=thursday(2, 14), now=NOW)
    assert (moved.starts_at, moved.status, moved.payment_status) == (thursday(2, 14), *SCHEDULED)
    assert [w for w, *_ in occurrences(series)] == [0, 1, 2, 3]
    assert [b.starts_at for b in Booking.objects.filter(series=series).exclude(series_week=2)] == [
        thursday(0), thursday(1), thursday(3),
    ]  # fmt: skip


# --- change the time from a date on --------------------------------------------------------------


def test_change_from_a_date_reschedules_the_later_weeks_and_reports_conflicts(series, student, other_student) -> None:
    scene_offering = week(series, 0).offering
    # Wed 23 Dec 3 pm is taken: week 4 keeps its Thursday time and the open times that week are offered.
    make_booking(student=other_student, offering=scene_offering, starts_at=local(date(2026, 12, 23), 15), fmt="studio")
    done = booking_series_change(
        actor=student, series_id=series.pk, from_date=date(2026, 12, 14), weekday=2, local_time=time(15), now=NOW
    )
    assert [(b.series_week, b.starts_at) for b in done.moved] == [(2, local(date(2026, 12, 16), 15))]
    assert [(c["booking"].series_week, c["starts_at"], c["reason"]) for c in done.conflicts] == [
        (3, local(date(2026, 12, 23), 15), "That time isn't open. Pick another time."),
    ]
    # The taken 3–4 pm lesson holds 2:45–4:15: the nearest open starts end by 2:45.
    assert done.conflicts[0]["alternatives"] == [local(date(2026, 12, 23), 13, m) for m in (15, 30, 45)]
    assert occurrences(series) == [
        (0, thursday(0), *SCHEDULED), (1, thursday(1), *SCHEDULED),
        (2, local(date(2026, 12, 16), 15), *SCHEDULED), (3, thursday(3), *SCHEDULED),
    ]  # fmt: skip
    assert [e.reason for e in week(series, 2).events.filter(kind="rescheduled")] == [
        "moved from Thu 17 Dec, 10:00 am to Wed 16 Dec, 3:00 pm"
    ]
    series.refresh_from_db()
    assert (series.anchor_week, series.anchor_date, series.local_time) == (2, date(2026, 12, 16), time(15))
    # Weeks not booked yet follow the new rule: Wed 30 Dec, 3 pm is inside the horizon already.
    assert series.next_starts_at == local(date(2026, 12, 30), 15)
    assert series_sweep(now=NOW) == 1
    assert occurrences(series)[-1] == (4, local(date(2026, 12, 30), 15), *SCHEDULED)
    assert SeriesEvent.objects.filter(series=series, kind="time_changed").get().reason == (
        "from Wed 16 Dec on, Wednesdays at 3:00 pm"
    )


def test_only_the_student_changes_the_time(series, scene, other_student) -> None:
    before = snapshot()
    with pytest.raises(PermissionDenied):
        booking_series_change(
            actor=scene.profile.user, series_id=series.pk, from_date=date(2026, 12, 14), weekday=2, local_time=time(15),
            now=NOW,
        )  # fmt: skip
    with pytest.raises(NotFound):
        booking_series_change(
            actor=other_student, series_id=series.pk, from_date=date(2026, 12, 14), weekday=2, local_time=time(15),
            now=NOW,
        )  # fmt: skip
    assert snapshot() == before


def test_a_past_date_is_refused(series, student) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        booking_series_change(
            actor=student, series_id=series.pk, from_date=date(2026, 11, 30), weekday=2, local_time=time(15), now=NOW
        )
    assert refused.value.fields == {"from_date": ["Pick a date from today on."]}
    assert snapshot() == before


# --- end the series ------------------------------------------------------------------------------


def test_ending_cancels_the_future_weeks_under_the_normal_policy_and_keeps_the_past(series, student) -> None:
    # Wed 9 Dec 8 pm UTC: week 1 (Thu 10 Dec 3 pm UTC) is 19 hours away and its card is held.
    now = thursday(1) - timedelta(hours=19)
    authorize(week(series, 1), now=now - timedelta(hours=5))
    Booking.objects.filter(pk=week(series, 0).pk).update(status=BookingStatus.COMPLETED)
    done = booking_series_end(actor=student, series_id=series.pk, now=now)
    assert [(c.booking.series_week, c.window) for c in done.cancelled] == [(1, "late"), (2, "free"), (3, "free")]
    assert done.kept == []
    assert settled(week(series, 1), "student_cancellation") == LATE
    assert settled(week(series, 2), "student_cancellation") == ZERO
    assert occurrences(series) == [
        (0, thursday(0), BookingStatus.COMPLETED, PaymentStatus.SCHEDULED),
        (1, thursday(1), BookingStatus.CANCELLED, PaymentStatus.CAPTURED),
        (2, thursday(2), BookingStatus.CANCELLED, PaymentStatus.SETTLED),
        (3, thursday(3), BookingStatus.CANCELLED, PaymentStatus.SETTLED),
    ]  # fmt: skip
    series.refresh_from_db()
    assert (series.status, series.ended_at, series.next_starts_at) == (SeriesStatus.ENDED, now, None)
    assert series_sweep(now=now + 2 * WEEK) == 0
    with pytest.raises(Conflict, match="already ended"):
        booking_series_end(actor=student, series_id=series.pk, now=now)


def test_an_ending_whose_process_died_midway_is_finished_by_the_sweep(series, student, monkeypatch) -> None:
    # The process dies after the series is ended and week 0 is cancelled, before week 1: the
    # one seam mocked is the cancellation service, which fails on its second call.
    now = thursday(0) - timedelta(days=3)
    calls: list[int] = []

    def dies_on_the_second(**kwargs):
        calls.append(kwargs["booking_id"])
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return booking_cancel(**kwargs)

    monkeypatch.setattr("apps.bookings.series.edits.booking_cancel", dies_on_the_second)
    with pytest.raises(SystemExit):
        booking_series_end(actor=student, series_id=series.pk, now=now)
    monkeypatch.undo()
    assert [status for _, _, status, _ in occurrences(series)] == [
        BookingStatus.CANCELLED, BookingStatus.CONFIRMED, BookingStatus.CONFIRMED, BookingStatus.CONFIRMED,
    ]  # fmt: skip
    later = now + timedelta(minutes=1)
    assert series_end_finish(now=later) == 3
    assert occurrences(series) == [(w, thursday(w), BookingStatus.CANCELLED, PaymentStatus.SETTLED) for w in range(4)]
    events = Booking.objects.get(series=series, series_week=3).events.filter(to_status=BookingStatus.CANCELLED)
    assert [(e.actor_id, e.reason) for e in events] == [(student.pk, "cancelled by the student: weekly lesson ended")]
    assert settled(week(series, 3), "student_cancellation") == ZERO
    assert series_end_finish(now=later) == 0  # nothing left: running it again does nothing


def test_the_instructor_may_end_it_and_the_student_is_refunded_in_full(series, scene, student) -> None:
    authorize(week(series, 0), now=NOW + timedelta(hours=27))
    done = booking_series_end(actor=scene.profile.user, series_id=series.pk, now=NOW + timedelta(hours=28))
    assert [c.by for c in done.cancelled] == ["instructor"] * 4
    assert settled(week(series, 0), "instructor_cancellation")["refund"] == 0  # the hold is released, nothing charged
    assert week(series, 0).payment_status == PaymentStatus.SETTLED


def test_others_cannot_end_it(series, other_student, instructor) -> None:
    before = snapshot()
    for actor in (other_student, instructor):
        with pytest.raises(NotFound):
            booking_series_end(actor=actor, series_id=series.pk, now=NOW)
    assert snapshot() == before


# --- the instructor's availability ---------------------------------------------------------------


def test_a_day_off_on_a_booked_week_is_refused(series, scene) -> None:
    with pytest.raises(BookedTimeConflict):
        blackout_create(actor=scene.profile.user, day=date(2026, 12, 24), now=NOW)
    assert not BlackoutDate.objects.filter(date=date(2026, 12, 24)).exists()


def test_removing_a_booked_weeks_time_is_refused(series, scene) -> None:
    day = date(2026, 12, 24)
    etag = availability_week_get(profile=scene.profile, day=day).quoted_etag
    afternoons = [
        DayInput(date=day - timedelta(days=3) + timedelta(days=n), windows=[WindowInput("13:00", "17:00")])
        for n in range(7)
    ]
    with pytest.raises(BookedTimeConflict):
        availability_week_replace(actor=scene.profile.user, day=day, days=afternoons, if_match=etag, now=NOW)
    assert availability_week_get(profile=scene.profile, day=day).quoted_etag == etag
