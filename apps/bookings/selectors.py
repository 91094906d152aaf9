"""Reads for bookings. A booking is visible to its student and its instructor only; anyone
else gets "not found" (never "forbidden"), so ids don't leak."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db.models import Q, QuerySet

from apps.accounts.models import User
from apps.bookings.models import Booking
from apps.bookings.states import ACTIVE_STATUSES


def booking_active_list(*, instructor_id: int, start: datetime, end: datetime) -> QuerySet[Booking]:
    """Active bookings of an instructor that overlap [start, end), oldest first."""
    return Booking.objects.filter(
        instructor_id=instructor_id, status__in=ACTIVE_STATUSES, starts_at__lt=end, ends_at__gt=start
    ).order_by("starts_at")


def _participant(user: User) -> Q:
    return Q(student=user) | Q(instructor__user=user)


def booking_list(*, user: User, upcoming: bool | None, now: datetime) -> QuerySet[Booking]:
    """The user's bookings as student or instructor: upcoming (still to happen: active and
    not over) soonest first; past (over, or cancelled or failed before it) latest first."""
    bookings = Booking.objects.filter(_participant(user)).select_related(
        "instructor__studio_neighborhood", "student", "learner", "offering__service"
    )
    ahead = {"ends_at__gt": now, "status__in": ACTIVE_STATUSES}
    if upcoming is True:
        return bookings.filter(**ahead).order_by("starts_at")
    if upcoming is False:
        return bookings.exclude(**ahead).order_by("-starts_at")
    return bookings.order_by("-starts_at")


def booking_get(*, user: User, public_id: uuid.UUID) -> Booking | None:
    return (
        Booking.objects.filter(_participant(user), public_id=public_id)
        .select_related(
            "instructor__studio_neighborhood", "student", "learner", "payment_method", "offering__service", "series"
        )
        .prefetch_related("events__actor")
        .first()
    )
