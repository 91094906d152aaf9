"""Reads of an instructor's own availability: a week, its booked time, blackout dates, and
everything the editor page needs. Public slot reads live in `apps/availability/public.py`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import FilteredRelation, Q, QuerySet

from apps.accounts.models import User
from apps.availability.cells import (
    busy_cells,
    first_useful_day,
    local_day_bounds,
    week_dates,
    week_etag,
    week_start_of,
)
from apps.availability.feeds.selectors import external_busy_list
from apps.availability.models import AvailabilityDay, AvailabilityWeek, BlackoutDate
from apps.availability.weeks import BookedSlot, WeekSnapshot, day_label, time_label, time_range_label
from apps.bookings.models import Booking
from apps.bookings.selectors import booking_active_list
from apps.instructors.models import InstructorProfile


def availability_masks_get(*, instructor_id: int, first: date, last: date) -> dict[date, int]:
    """Day masks for local dates first..last inclusive; days without availability are absent."""
    rows = AvailabilityDay.objects.filter(instructor_id=instructor_id, date__gte=first, date__lte=last)
    return dict(rows.values_list("date", "cells"))


def availability_week_get(*, profile: InstructorProfile, day: date) -> WeekSnapshot:
    """The week holding `day` (two queries). A week never saved is empty, version 0, and
    unchanged since the profile was created."""
    week_start = week_start_of(day)
    stored = availability_masks_get(instructor_id=profile.pk, first=week_start, last=week_start + timedelta(days=6))
    week = AvailabilityWeek.objects.filter(instructor=profile, week_start=week_start).first()
    return _week_snapshot(
        week_start, stored, timezone=profile.timezone, created_at=profile.created_at,
        version=week.version if week else 0, updated_at=week.updated_at if week else None,
    )  # fmt: skip


def availability_owner_week_get(*, actor: User, day: date) -> WeekSnapshot | None:
    """The actor's week holding `day`, the editor's most frequent read, in one query: the
    profile, the week's version row and its days (a row per stored day; the version row is
    unique per week, so it never multiplies them). None when the actor has no profile yet
    (`availability_owner_ensure` decides what that means). Two filtered joins rather than
    subqueries: the ORM builds them in two thirds of the time, most of this read's cost."""
    if not actor.is_instructor:
        return None
    week_start = week_start_of(day)
    this_week = Q(availability_weeks__week_start=week_start)
    in_week = Q(availability_days__date__gte=week_start, availability_days__date__lte=week_start + timedelta(days=6))
    rows = list(
        InstructorProfile.objects.filter(user=actor)
        .annotate(
            week=FilteredRelation("availability_weeks", condition=this_week),
            week_day=FilteredRelation("availability_days", condition=in_week),
        )
        .values_list("timezone", "created_at", "week__version", "week__updated_at", "week_day__date", "week_day__cells")
    )
    if not rows:
        return None
    zone, created_at, version, updated_at = rows[0][:4]
    stored = {row[4]: row[5] for row in rows if row[4] is not None}
    return _week_snapshot(
        week_start, stored, timezone=zone, created_at=created_at, version=version or 0, updated_at=updated_at
    )


def _week_snapshot(
    week_start: date,
    stored: dict[date, int],
    *,
    timezone: str,
    created_at: datetime,
    version: int,
    updated_at: datetime | None,
) -> WeekSnapshot:
    masks = tuple(stored.get(d, 0) for d in week_dates(week_start))
    return WeekSnapshot(
        week_start=week_start,
        timezone=timezone,
        masks=masks,
        etag=week_etag(week_start, masks),
        version=version,
        # A version-0 row was only created to take a lock (e.g. for a day off): never saved.
        last_modified=updated_at if updated_at is not None and version else created_at,
    )


def _booked_slot(booking: Booking, zone: ZoneInfo, first: date, last: date) -> BookedSlot:
    start, end = booking.starts_at.astimezone(zone), booking.ends_at.astimezone(zone)
    start_minute, end_minute = start.hour * 60 + start.minute, end.hour * 60 + end.minute
    return BookedSlot(
        public_id=str(booking.public_id),
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        label=f"{booking.service_name}, {day_label(start.date())}, {time_range_label(start_minute, end_minute)}",
        student_initials=booking.student.initials,
        service_name=booking.service_name,
        format=booking.format,
        status=booking.status,
        cells={d: m for d, m in busy_cells(booking.starts_at, booking.ends_at, zone).items() if first <= d <= last},
    )


def availability_booked_list(*, profile: InstructorProfile, first: date, last: date) -> list[BookedSlot]:
    """Active bookings touching local dates first..last, with the local cells each covers
    (one query). Cells outside the range are dropped: the caller shows these dates only."""
    zone = ZoneInfo(profile.timezone)
    start, end = local_day_bounds(first, last, zone)
    bookings = booking_active_list(instructor_id=profile.pk, start=start, end=end).select_related("student")
    return [_booked_slot(booking, zone, first, last) for booking in bookings]


def blackout_list(
    *, profile: InstructorProfile, first: date | None = None, last: date | None = None
) -> QuerySet[BlackoutDate]:
    blackouts = BlackoutDate.objects.filter(instructor=profile)
    if first is not None:
        blackouts = blackouts.filter(date__gte=first)
    if last is not None:
        blackouts = blackouts.filter(date__lte=last)
    return blackouts.order_by("date")


@dataclass(frozen=True)
class CalendarBusy:
    """Busy time imported from one of the instructor's calendars, as the editor lists it."""

    source: str
    label: str


def calendar_busy_list(*, profile: InstructorProfile, first: date, last: date) -> list[CalendarBusy]:
    """Imported busy time touching local dates first..last, labelled in the instructor's zone."""
    zone = ZoneInfo(profile.timezone)
    start, end = local_day_bounds(first, last, zone)
    found = []
    for source, starts_at, ends_at in external_busy_list(profile=profile, start=start, end=end):
        local_start, local_end = starts_at.astimezone(zone), ends_at.astimezone(zone)
        if local_end.date() == local_start.date():
            when = (
                f"{day_label(local_start.date())}, {time_range_label(_minute_of(local_start), _minute_of(local_end))}"
            )
        else:
            when = f"{day_label(local_start.date())} {time_label(_minute_of(local_start))} – {day_label(local_end.date())} {time_label(_minute_of(local_end))}"
        found.append(CalendarBusy(source=source, label=when))
    return found


def _minute_of(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


@dataclass(frozen=True)
class EditorData:
    """Everything the week editor page renders (five queries)."""

    profile: InstructorProfile
    week: WeekSnapshot
    booked: list[BookedSlot]
    calendar_busy: list[CalendarBusy]
    blackouts: list[BlackoutDate]
    upcoming_blackouts: list[BlackoutDate]
    today: date

    @property
    def previous_week(self) -> date:
        return self.week.week_start - timedelta(days=7)

    @property
    def next_week(self) -> date:
        return self.week.week_start + timedelta(days=7)

    @property
    def is_current_week(self) -> bool:
        return self.week.week_start == week_start_of(self.today)


def availability_editor_get(*, profile: InstructorProfile, day: date | None, now: datetime) -> EditorData:
    today = now.astimezone(ZoneInfo(profile.timezone)).date()
    week = availability_week_get(profile=profile, day=day or first_useful_day(today))
    last = week.week_start + timedelta(days=6)
    upcoming = list(blackout_list(profile=profile, first=min(today, week.week_start)))
    return EditorData(
        profile=profile,
        week=week,
        booked=availability_booked_list(profile=profile, first=week.week_start, last=last),
        calendar_busy=calendar_busy_list(profile=profile, first=week.week_start, last=last),
        blackouts=[b for b in upcoming if week.week_start <= b.date <= last],
        upcoming_blackouts=[b for b in upcoming if b.date >= today],
        today=today,
    )
