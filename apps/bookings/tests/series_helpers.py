"""Shared setup for the weekly-series tests: the scene's instructor open 9:00–17:00 every day
from Tue 1 Dec 2026 for ten weeks, and a weekly piano lesson in the studio."""

from __future__ import annotations

from datetime import date, datetime

from apps.accounts.models import User
from apps.bookings.models import Booking, BookingSeries
from apps.bookings.series.services import SeriesResult, booking_series_create
from apps.bookings.services import BookingRequest
from apps.bookings.tests.conftest import NOW, Scene, open_days

FIRST_OPEN_DAY = date(2026, 12, 11)  # the scene opens 1–10 Dec itself


def open_ten_weeks(scene: Scene) -> None:
    open_days(scene.profile, FIRST_OPEN_DAY, 60)


def lesson(scene: Scene, start: datetime) -> BookingRequest:
    return BookingRequest(
        instructor=scene.profile.slug, service="piano", format="studio", duration_minutes=60, starts_at=start,
        payment_method_id=scene.card.pk,
    )  # fmt: skip


def weekly(
    scene: Scene, student: User, start: datetime, weeks: int | None, *, now: datetime = NOW, key: str | None = None
) -> SeriesResult:
    return booking_series_create(actor=student, request=lesson(scene, start), weeks=weeks, now=now, request_key=key)


def occurrences(series: BookingSeries) -> list[tuple[int, datetime, str, str]]:
    """(week, start, status, payment status) of every lesson of the series, by week."""
    rows = Booking.objects.filter(series=series).order_by("series_week")
    return [(b.series_week or 0, b.starts_at, b.status, b.payment_status) for b in rows]


def snapshot() -> list[tuple[object, ...]]:
    """Every booking and series row's state, to compare before and after a refused action."""
    bookings = Booking.objects.order_by("pk").values_list("pk", "status", "payment_status", "starts_at", "series_id")
    series = BookingSeries.objects.order_by("pk").values_list(
        "pk", "status", "next_week", "anchor_date", "local_time", "anchor_week", "unbooked"
    )
    return [*bookings, *series]
