"""Reads of calendar import: an instructor's feeds, and imported busy time for slot reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Value

from apps.availability.models import ExternalBusy, ImportedCalendar
from apps.availability.slots import BusyInterval
from apps.bookings.models import Booking
from apps.core.errors import NotFound
from apps.instructors.models import InstructorProfile
from apps.instructors.states import Format


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


def busy_rows(bookings: QuerySet[Booking], imported: QuerySet[ExternalBusy]) -> QuerySet[Any]:
    """Active bookings and imported busy time as (instructor_id, starts_at, ends_at, is_travel)
    rows in one query (UNION ALL), so reading the calendars costs no extra round trip.
    Imported busy time blocks like a non-travel booking."""
    travel = ExpressionWrapper(Q(format=Format.TRAVEL), output_field=BooleanField())
    columns = ("instructor_id", "starts_at", "ends_at", "travel")
    return (
        bookings.order_by()
        .annotate(travel=travel)
        .values_list(*columns)
        .union(imported.order_by().annotate(travel=Value(False)).values_list(*columns), all=True)
    )


def imported_busy_intervals(*, instructor_id: int, start: datetime, end: datetime) -> list[BusyInterval]:
    """One instructor's imported busy time overlapping [start, end), as slot inputs: for the
    booking service, which reads the bookings itself under the instructor's lock."""
    rows = ExternalBusy.objects.filter(instructor_id=instructor_id, starts_at__lt=end, ends_at__gt=start)
    return [BusyInterval(s, e) for s, e in rows.values_list("starts_at", "ends_at")]
