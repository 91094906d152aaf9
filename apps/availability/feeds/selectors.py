"""Reads of calendar import: an instructor's feeds, and imported busy time for slot reads."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from apps.availability.models import ExternalBusy, ImportedCalendar
from apps.availability.slots import BusyInterval
from apps.core.errors import NotFound
from apps.instructors.models import InstructorProfile


def imported_calendar_list(*, profile: InstructorProfile) -> QuerySet[ImportedCalendar]:
    return ImportedCalendar.objects.filter(instructor=profile).order_by("created_at", "pk")


def imported_calendar_get(*, profile: InstructorProfile, feed_id: int) -> ImportedCalendar:
    """One of the instructor's feeds; anyone else's is not found."""
    feed = imported_calendar_list(profile=profile).filter(pk=feed_id).first()
    if feed is None:
        raise NotFound("Calendar not found.")
    return feed


def external_busy_list(
    *, profile: InstructorProfile, start: datetime, end: datetime
) -> list[tuple[str, datetime, datetime]]:
    """(calendar name, start, end) of imported busy time overlapping [start, end), for the editor."""
    rows = ExternalBusy.objects.filter(instructor=profile, starts_at__lt=end, ends_at__gt=start)
    return list(rows.order_by("starts_at").values_list("feed__label", "starts_at", "ends_at"))


def external_busy_intervals(*, instructor_id: int, start: datetime, end: datetime) -> list[BusyInterval]:
    """One instructor's imported busy time overlapping [start, end), as slot inputs (the
    (instructor, starts_at) index). It blocks like a non-travel booking; search reads the same
    rows for many instructors at once (apps/search/openings.py)."""
    rows = ExternalBusy.objects.filter(instructor_id=instructor_id, starts_at__lt=end, ends_at__gt=start)
    return [BusyInterval(s, e) for s, e in rows.values_list("starts_at", "ends_at")]
