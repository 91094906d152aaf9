"""Writes for the waitlist: join, cancel, and the check that tells waiting students about
times that opened.

Choice (README, decisions): every matching student is told at once and the first to book
gets the time. Holding a slot for one student at a time would need holds that expire,
a queue order and a sweep to pass each hold on; telling everyone needs only the notice
rows below, and booking itself already refuses a taken time (409). A notice row per
(entry, slot start), under a unique constraint, is written in the same transaction as the
notification, so a student hears about a given start at most once however many checks run.

Checks are driven from database state: whatever may open time (a cancellation, an
availability edit, a day off removed) enqueues a check of that instructor after its commit
(`waitlist_check_after_commit`), and a sweep re-checks every instructor with waiting students,
so a lost task only delays a notice. Concurrent checks of one instructor are serialized by
locking that instructor's active entries, and each reads the notices already sent after it
holds the lock."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.db import transaction

from apps.accounts.models import User
from apps.availability.selectors_public import (
    SlotChoice,
    book_url,
    offerings_of,
    open_slot_list,
    slot_choice_resolve,
    slot_instructor_get,
)
from apps.availability.slots import format_slot
from apps.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from apps.instructors.models import InstructorProfile
from apps.notifications.services import notify
from apps.waitlist.models import WaitlistEntry, WaitlistNotice
from apps.waitlist.states import EntryStatus, entry_can_transition

MAX_WEEKS = 8
MAX_ACTIVE_ENTRIES = 20  # per student: enough for a real search, not a scraper
NOTICE_TIMES = 3  # times named in one notice; the link shows the rest


@dataclass(frozen=True)
class WaitWindow:
    """What the student asks for, in the instructor's zone."""

    weekdays: frozenset[int]  # 0 = Monday
    start: time
    end: time  # exclusive; 00:00 means midnight at the end of the day
    date_from: date
    date_to: date

    @property
    def start_minute(self) -> int:
        return self.start.hour * 60 + self.start.minute

    @property
    def end_minute(self) -> int:
        return self.end.hour * 60 + self.end.minute or 1440


def _validated(window: WaitWindow, today: date) -> None:
    errors: dict[str, list[str]] = {}
    if not window.weekdays or not window.weekdays <= set(range(7)):
        errors["weekdays"] = ["Choose at least one day of the week."]
    if window.start_minute >= window.end_minute:
        errors["end"] = ["End after the start time."]
    if window.start.second or window.end.second or window.start.microsecond or window.end.microsecond:
        errors["start"] = ["Use whole minutes."]
    if window.date_from < today:
        errors["date_from"] = ["Start today or later."]
    if window.date_to < window.date_from:
        errors["date_to"] = ["End on or after the first date."]
    elif (window.date_to - window.date_from).days >= MAX_WEEKS * 7:
        errors["date_to"] = [f"Wait for at most {MAX_WEEKS} weeks at a time."]
    if errors:
        raise ValidationFailed("Check the times you asked for.", fields=errors)


def _matching(starts: list[datetime], entry: WaitlistEntry, zone: ZoneInfo) -> list[datetime]:
    found = []
    for start in starts:
        local = start.astimezone(zone)
        minute = local.hour * 60 + local.minute
        if (
            entry.date_from <= local.date() <= entry.date_to
            and entry.weekdays & (1 << local.weekday())
            and entry.start_minute <= minute < entry.end_minute
        ):
            found.append(start)
    return found


def _entry_starts(
    profile: InstructorProfile, choice: SlotChoice, first: date, last: date, now: datetime
) -> list[datetime]:
    return open_slot_list(profile=profile, choice=choice, date_from=first, date_to=last, now=now)


def waitlist_join(*, actor: User, slug: str, service: str | None, window: WaitWindow, now: datetime) -> WaitlistEntry:
    """Wait for a time with a live instructor. Refused (409, with the open times) when the
    window has open times already: book one of those instead."""
    if not actor.is_student:
        raise PermissionDenied("Only students can join a waitlist.")
    profile = slot_instructor_get(slug=slug)
    if profile is None:
        raise NotFound("Instructor not found.")
    zone = ZoneInfo(profile.timezone)
    _validated(window, now.astimezone(zone).date())
    choice = slot_choice_resolve(profile, service=service, fmt=None, duration=None)
    if WaitlistEntry.objects.filter(student=actor, status=EntryStatus.ACTIVE).count() >= MAX_ACTIVE_ENTRIES:
        raise Conflict(f"You are waiting for {MAX_ACTIVE_ENTRIES} times already. Cancel one first.")
    entry = WaitlistEntry(
        student=actor, instructor=profile, offering=choice.offering, format=choice.format,
        duration_minutes=choice.duration, weekdays=sum(1 << day for day in window.weekdays),
        start_minute=window.start_minute, end_minute=window.end_minute, date_from=window.date_from,
        date_to=window.date_to, created_at=now,
    )  # fmt: skip
    open_now = _matching(_entry_starts(profile, choice, window.date_from, window.date_to, now), entry, zone)
    if open_now:
        times = [format_slot(start, actor.timezone)["label"] for start in open_now[:NOTICE_TIMES]]
        raise Conflict(
            f"{profile.display_name} has open times in that window: {', '.join(times)}. Book one of those.",
            extra={"open_times": [format_slot(start, "UTC")["starts_at"] for start in open_now[:NOTICE_TIMES]]},
        )
    entry.save()
    return entry


def _end(entry: WaitlistEntry, to: EntryStatus, now: datetime) -> None:
    if entry.status == to:
        return  # cancelling twice is a no-op, so a retried request is harmless
    if not entry_can_transition(entry.status, to):
        raise Conflict(f"This waitlist entry is {entry.get_status_display().lower()} already.")
    entry.status, entry.ended_at = to, now
    entry.save(update_fields=["status", "ended_at"])


def waitlist_cancel(*, actor: User, public_id: uuid.UUID, now: datetime) -> WaitlistEntry:
    """Stop waiting. Only the student's own entry (404 otherwise); again is a no-op; 409 once
    it has expired."""
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().filter(public_id=public_id, student=actor).first()
        if entry is None:
            raise NotFound("Waitlist entry not found.")
        _end(entry, EntryStatus.CANCELLED, now)
    return entry


# --- telling waiting students ----------------------------------------------------------------


def _notify(
    entry: WaitlistEntry, profile: InstructorProfile, choice: SlotChoice, starts: list[datetime], now: datetime
) -> None:
    student = entry.student
    labels = [format_slot(start, student.timezone)["label"] for start in starts[:NOTICE_TIMES]]
    more = len(starts) - len(labels)
    listed = ", ".join(labels) + (f" and {more} more" if more > 0 else "")
    notification = notify(
        user=student,
        kind="waitlist_opening",
        subject=f"A time opened with {profile.display_name}",
        body=(
            f"{profile.display_name} has a {choice.offering.service.name} time you were waiting for: {listed} "
            "(your time). Everyone waiting for it hears at once, and the first to book gets it."
        ),
        url=book_url(profile, choice, starts[0]),
        now=now,
    )
    WaitlistNotice.objects.bulk_create(
        [WaitlistNotice(entry=entry, slot_start=start, notification=notification, created_at=now) for start in starts]
    )


def waitlist_check(*, instructor_id: int, now: datetime) -> int:
    """Tell this instructor's waiting students about matching open starts they have not
    heard of; returns how many notices went out (one per entry, naming its new times)."""
    profile = slot_instructor_get(instructor_id=instructor_id)
    if profile is None:
        return 0  # not bookable now; the entries keep waiting until they expire
    zone = ZoneInfo(profile.timezone)
    today = now.astimezone(zone).date()
    sent = 0
    with transaction.atomic():
        # Locked in id order: concurrent checks of this instructor run one after another.
        entries = list(
            WaitlistEntry.objects.select_for_update(of=("self",))
            .filter(instructor_id=instructor_id, status=EntryStatus.ACTIVE, date_to__gte=today)
            .select_related("student", "offering__service")
            .order_by("pk")
        )
        if not entries:
            return 0
        heard = set(
            WaitlistNotice.objects.filter(entry__in=entries, slot_start__gte=now).values_list("entry_id", "slot_start")
        )
        by_lesson: dict[tuple[int, str, int], list[WaitlistEntry]] = defaultdict(list)
        for entry in entries:
            by_lesson[(entry.offering_id, entry.format, entry.duration_minutes)].append(entry)
        offered = {offering.pk: offering for offering in offerings_of(profile)}
        for (offering_id, fmt, duration), group in by_lesson.items():
            if offering_id not in offered:
                continue  # the lesson is not offered now; it may come back before the entry ends
            choice = SlotChoice(offering=offered[offering_id], format=fmt, duration=duration)
            first = max(today, min(e.date_from for e in group))
            starts = _entry_starts(profile, choice, first, max(e.date_to for e in group), now)
            for entry in group:
                new = [start for start in _matching(starts, entry, zone) if (entry.pk, start) not in heard]
                if new:
                    _notify(entry, profile, choice, new, now)
                    sent += 1
    return sent


def waitlist_sweep(*, now: datetime) -> int:
    """End entries whose last date passed (in the instructor's zone), then check every
    instructor someone is waiting for. Returns the notices sent."""
    ending = WaitlistEntry.objects.filter(status=EntryStatus.ACTIVE, date_to__lt=(now + timedelta(days=1)).date())
    for entry in ending.select_related("instructor"):
        if entry.date_to < now.astimezone(ZoneInfo(entry.instructor.timezone)).date():
            # Compare-and-set: a cancel that got there first wins.
            WaitlistEntry.objects.filter(pk=entry.pk, status=EntryStatus.ACTIVE).update(
                status=EntryStatus.EXPIRED, ended_at=now
            )
    waiting = WaitlistEntry.objects.filter(status=EntryStatus.ACTIVE).values_list("instructor_id", flat=True)
    return sum(waitlist_check(instructor_id=pk, now=now) for pk in sorted(set(waiting)))


def _enqueue_check(instructor_id: int) -> None:
    from apps.waitlist.tasks import check_instructor

    check_instructor.delay(instructor_id)


def waitlist_check_after_commit(*, instructor_id: int) -> None:
    """Called where time may open (cancellations, availability edits): a check of this
    instructor's waiting students once the change is committed and visible."""
    transaction.on_commit(partial(_enqueue_check, instructor_id))
