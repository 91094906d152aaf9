"""The waitlist: joining (refused when the window has open times already), matching open
starts against entries, each start told once however often checks and sweeps run, the
checks queued by cancellations and availability edits, expiry, and refusals that change
nothing."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import time_machine
from django.core import mail

from apps.accounts.models import User
from apps.accounts.tests.factories import StudentFactory
from apps.availability.services import blackout_create, blackout_delete
from apps.bookings.models import Booking
from apps.bookings.states import BookingStatus
from apps.bookings.tests.conftest import NOW, THURSDAY, Scene, local
from apps.bookings.tests.factories import make_booking
from apps.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from apps.notifications.models import Notification
from apps.waitlist.models import WaitlistEntry, WaitlistNotice
from apps.waitlist.services import WaitWindow, waitlist_cancel, waitlist_check, waitlist_join, waitlist_sweep
from apps.waitlist.states import EntryStatus
from apps.waitlist.tests.conftest import thursday_window, wait_for

pytestmark = pytest.mark.django_db
TEN, QUARTER_PAST_TEN = time(10, 0), time(10, 15)


def _notices() -> list[tuple[int, str]]:
    return [
        (entry_id, start.isoformat())
        for entry_id, start in WaitlistNotice.objects.order_by("entry_id", "slot_start").values_list(
            "entry_id", "slot_start"
        )
    ]


def _taken_at_ten(scene: Scene) -> Booking:
    other = StudentFactory.create()
    return make_booking(student=other, offering=scene.offering, starts_at=local(THURSDAY, 10), fmt="studio")


def test_joining_a_window_with_open_times_is_refused_with_them(scene: Scene, student: User) -> None:
    with pytest.raises(Conflict) as refused:
        wait_for(student, scene, TEN, time(11, 0))
    assert refused.value.extra["open_times"] == [
        "2026-12-03T15:00:00+00:00", "2026-12-03T15:15:00+00:00", "2026-12-03T15:30:00+00:00",
    ]  # fmt: skip
    assert "Thu 3 Dec, 10:00 am" in refused.value.message
    assert not WaitlistEntry.objects.exists()


@pytest.mark.parametrize(
    ("window", "field"),
    [
        (WaitWindow(frozenset(), TEN, time(11), THURSDAY, THURSDAY), "weekdays"),
        (WaitWindow(frozenset({3}), time(11), TEN, THURSDAY, THURSDAY), "end"),
        (WaitWindow(frozenset({3}), TEN, time(11), date(2026, 11, 30), THURSDAY), "date_from"),
        (WaitWindow(frozenset({3}), TEN, time(11), THURSDAY, THURSDAY + timedelta(weeks=8)), "date_to"),
        (WaitWindow(frozenset({3}), TEN, time(11), THURSDAY, THURSDAY - timedelta(days=1)), "date_to"),
    ],
)
def test_invalid_windows_change_nothing(scene: Scene, student: User, window: WaitWindow, field: str) -> None:
    with pytest.raises(ValidationFailed) as failed:
        waitlist_join(actor=student, slug=scene.profile.slug, service="piano", window=window, now=NOW)
    assert list(failed.value.fields) == [field]
    assert not WaitlistEntry.objects.exists()


def test_eight_weeks_is_the_longest_window(scene: Scene, student: User) -> None:
    window = WaitWindow(frozenset({6}), time(6), time(7), THURSDAY, THURSDAY + timedelta(weeks=8, days=-1))
    entry = waitlist_join(actor=student, slug=scene.profile.slug, service="piano", window=window, now=NOW)
    assert (entry.date_to, entry.weekdays, entry.start_minute, entry.end_minute) == (date(2027, 1, 27), 64, 360, 420)


def test_instructors_and_unknown_teachers_are_refused(scene: Scene, instructor: User, student: User) -> None:
    with pytest.raises(PermissionDenied):
        waitlist_join(
            actor=instructor,
            slug=scene.profile.slug,
            service="piano",
            window=thursday_window(TEN, QUARTER_PAST_TEN),
            now=NOW,
        )
    with pytest.raises(NotFound):
        waitlist_join(
            actor=student, slug="nobody", service="piano", window=thursday_window(TEN, QUARTER_PAST_TEN), now=NOW
        )
    assert not WaitlistEntry.objects.exists()


def test_an_opened_time_is_told_once_to_each_matching_entry(
    scene: Scene, student: User, other_student: User, django_capture_on_commit_callbacks
) -> None:
    taken = _taken_at_ten(scene)
    waiting = wait_for(student, scene, TEN, QUARTER_PAST_TEN)
    also_waiting = wait_for(other_student, scene, time(9, 30), time(10, 30))  # 09:30–10:15 are taken too
    friday = waitlist_join(
        actor=StudentFactory.create(), slug=scene.profile.slug, service="piano", now=NOW,
        window=WaitWindow(frozenset({4}), time(6), time(7), THURSDAY, THURSDAY + timedelta(days=1)),
    )  # fmt: skip
    assert waitlist_check(instructor_id=scene.profile.pk, now=NOW) == 0  # nothing opened yet

    Booking.objects.filter(pk=taken.pk).update(status=BookingStatus.CANCELLED)
    with django_capture_on_commit_callbacks(execute=True):
        assert waitlist_check(instructor_id=scene.profile.pk, now=NOW) == 2
    # 60-minute lessons, 15-minute buffers: with 10:00 free again, 09:30–10:15 can start.
    assert _notices() == [
        (waiting.pk, "2026-12-03T15:00:00+00:00"),
        (also_waiting.pk, "2026-12-03T14:30:00+00:00"),
        (also_waiting.pk, "2026-12-03T14:45:00+00:00"),
        (also_waiting.pk, "2026-12-03T15:00:00+00:00"),
        (also_waiting.pk, "2026-12-03T15:15:00+00:00"),
    ]
    told = Notification.objects.get(user=student)
    name = scene.profile.display_name
    assert (told.kind, told.category, told.subject) == ("waitlist_opening", "lessons", f"A time opened with {name}")
    assert told.body.startswith(f"{name} has a Piano time you were waiting for: Thu 3 Dec, 10:00 am (your time).")
    assert (
        told.url
        == "/book/"
        + scene.profile.slug
        + "/?service=piano&format=online&duration=60&start=2026-12-03T15%3A00%3A00%2B00%3A00"
    )
    assert (
        "Thu 3 Dec, 9:30 am, Thu 3 Dec, 9:45 am, Thu 3 Dec, 10:00 am and 1 more"
        in Notification.objects.get(user=other_student).body
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([student.email, other_student.email])
    assert not WaitlistNotice.objects.filter(entry=friday).exists()

    # Checks and sweeps again: nothing new, nobody told twice.
    assert waitlist_check(instructor_id=scene.profile.pk, now=NOW) == 0
    assert waitlist_sweep(now=NOW) == 0
    assert waitlist_sweep(now=NOW + timedelta(minutes=5)) == 0
    assert WaitlistNotice.objects.count() == 5
    assert Notification.objects.filter(kind="waitlist_opening").count() == 2


def test_cancelled_entries_hear_nothing(scene: Scene, student: User) -> None:
    taken = _taken_at_ten(scene)
    entry = wait_for(student, scene, TEN, QUARTER_PAST_TEN)
    waitlist_cancel(actor=student, public_id=entry.public_id, now=NOW)
    waitlist_cancel(actor=student, public_id=entry.public_id, now=NOW)  # again: a no-op
    Booking.objects.filter(pk=taken.pk).update(status=BookingStatus.CANCELLED)
    assert waitlist_sweep(now=NOW) == 0
    entry.refresh_from_db()
    assert (entry.status, entry.ended_at) == (EntryStatus.CANCELLED, NOW)
    assert not Notification.objects.exists()


def test_only_the_owner_can_cancel(scene: Scene, student: User, other_student: User) -> None:
    _taken_at_ten(scene)
    entry = wait_for(student, scene, TEN, QUARTER_PAST_TEN)
    with pytest.raises(NotFound):
        waitlist_cancel(actor=other_student, public_id=entry.public_id, now=NOW)
    entry.refresh_from_db()
    assert (entry.status, entry.ended_at) == (EntryStatus.ACTIVE, None)


def test_entries_expire_after_their_last_day_in_the_teachers_zone(scene: Scene, student: User) -> None:
    taken = _taken_at_ten(scene)
    entry = wait_for(student, scene, TEN, QUARTER_PAST_TEN)
    late_thursday = local(THURSDAY, 23, 59)  # 04:59 UTC on Friday, still Thursday in New York
    waitlist_sweep(now=late_thursday)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.ACTIVE
    friday = local(THURSDAY + timedelta(days=1), 0, 0)
    waitlist_sweep(now=friday)
    entry.refresh_from_db()
    assert (entry.status, entry.ended_at) == (EntryStatus.EXPIRED, friday)
    Booking.objects.filter(pk=taken.pk).update(status=BookingStatus.CANCELLED)
    assert waitlist_sweep(now=friday) == 0
    with pytest.raises(Conflict):
        waitlist_cancel(actor=student, public_id=entry.public_id, now=friday)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.EXPIRED
    assert not Notification.objects.exists()


def test_removing_a_day_off_checks_the_waitlist_after_commit(
    scene: Scene, student: User, django_capture_on_commit_callbacks
) -> None:
    with time_machine.travel(NOW, tick=False):
        day_off = blackout_create(actor=scene.profile.user, day=THURSDAY, reason="Recital", now=NOW)
        entry = wait_for(student, scene, TEN, QUARTER_PAST_TEN)
        with django_capture_on_commit_callbacks(execute=True):
            blackout_delete(actor=scene.profile.user, blackout_id=day_off.pk, now=NOW)
    assert _notices() == [(entry.pk, "2026-12-03T15:00:00+00:00")]
