from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from apps.accounts.models import User
from apps.bookings.models import Booking
from apps.bookings.states import BookingStatus, PaymentStatus
from apps.instructors.models import Offering


def make_booking(
    *,
    student: User,
    offering: Offering,
    starts_at: datetime,
    duration_minutes: int = 60,
    fmt: str | None = None,
    status: str = BookingStatus.CONFIRMED,
    **fields: Any,
) -> Booking:
    """A booking row as the booking service would write it (price fields are simple
    placeholders here; pricing has its own tests)."""
    fmt = fmt or offering.formats[0]
    rate = offering.rate_for(fmt) or 0
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    buffer = offering.profile.travel_buffer_minutes if fmt == "travel" else offering.profile.buffer_minutes
    price = rate * duration_minutes // 60
    values: dict[str, Any] = {
        "student": student,
        "instructor": offering.profile,
        "offering": offering,
        "service_name": offering.service.name,
        "format": fmt,
        "duration_minutes": duration_minutes,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "blocked_until": ends_at + timedelta(minutes=buffer),
        "student_timezone": student.timezone,
        "instructor_timezone": offering.profile.timezone,
        "status": status,
        "payment_status": PaymentStatus.SCHEDULED,
        "hourly_rate_cents": rate,
        "lesson_price_cents": price,
        "total_cents": price,
        "booked_at": timezone.now(),
        **fields,
    }
    return Booking.objects.create(**values)
