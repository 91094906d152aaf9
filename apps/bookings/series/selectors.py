"""Reads for weekly series. A series is visible to its student and its instructor only;
anyone else gets "not found", as for bookings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from apps.accounts.models import User
from apps.bookings.models import Booking, BookingSeries


def _participant(user: User) -> Q:
    return Q(student=user) | Q(instructor__user=user)


def _with_lessons(series: QuerySet[BookingSeries]) -> QuerySet[BookingSeries]:
    lessons = Booking.objects.select_related("instructor", "student", "learner").order_by("series_week")
    return series.select_related("student", "instructor__user", "offering__service", "learner").prefetch_related(
        Prefetch("occurrences", queryset=lessons, to_attr="lessons")
    )


def series_get(*, user: User, public_id: uuid.UUID) -> BookingSeries | None:
    return _with_lessons(BookingSeries.objects.filter(_participant(user), public_id=public_id)).first()


def series_list(*, user: User) -> QuerySet[BookingSeries]:
    """The user's series as student or instructor, active first, newest first."""
    return _with_lessons(BookingSeries.objects.filter(_participant(user))).order_by("status", "-created_at")


def series_lessons(series: BookingSeries) -> list[Booking]:
    """The series' lessons by week (prefetched by the selectors above)."""
    lessons: list[Booking] = series.lessons  # type: ignore[attr-defined]
    return lessons


@dataclass(frozen=True)
class Unbooked:
    week: int
    starts_at: datetime
    reason: str
    alternatives: list[datetime]


def unbooked_weeks(series: BookingSeries) -> list[Unbooked]:
    """The weeks that could not be booked, with the open starts offered that week."""
    return [_unbooked(item) for item in series.unbooked]


def _unbooked(item: dict[str, Any]) -> Unbooked:
    return Unbooked(
        week=int(item["week"]), starts_at=datetime.fromisoformat(item["starts_at"]), reason=str(item["reason"]),
        alternatives=[datetime.fromisoformat(start) for start in item["alternatives"]],
    )  # fmt: skip
