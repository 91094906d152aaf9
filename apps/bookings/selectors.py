"""Reads for bookings used by other features (availability, slots)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from apps.bookings.models import Booking
from apps.bookings.states import ACTIVE_STATUSES


def booking_active_list(*, instructor_id: int, start: datetime, end: datetime) -> QuerySet[Booking]:
    """Active bookings of an instructor that overlap [start, end), oldest first."""
    return Booking.objects.filter(
        instructor_id=instructor_id, status__in=ACTIVE_STATUSES, starts_at__lt=end, ends_at__gt=start
    ).order_by("starts_at")
