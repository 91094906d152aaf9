"""Weekly series endpoints: repeat a slot or a booked lesson weekly, read a series, change its
time from a date on, end it. Skipping or moving one week is cancelling or rescheduling that
week's lesson with the booking endpoints (`/bookings/{id}/cancellation`, `/reschedule`)."""

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema

from apps.accounts.models import User
from apps.bookings.api import BookingIn
from apps.bookings.api_policies import BookingStateOut
from apps.bookings.models import BookingSeries
from apps.bookings.selectors import booking_get
from apps.bookings.series.edits import booking_series_change, booking_series_end
from apps.bookings.series.selectors import series_get, series_lessons, series_list, unbooked_weeks
from apps.bookings.series.services import booking_series_create, booking_series_from_booking
from apps.core.api_auth import api_user
from apps.core.api_errors import error_responses
from apps.core.api_input import ApiDate, InputSchema
from apps.core.errors import NotFound
from apps.core.idempotency import api_response, idempotency_run

router = Router(tags=["weekly lessons"])
IDEMPOTENT = "Send an `Idempotency-Key` header: a retry with the same key returns the first result."
WEEKS = Field(None, ge=2, le=16, description="How many weeks, this one included (2–16); null: every week until ended.")


class SeriesIn(BookingIn):
    weeks: int | None = WEEKS


class RepeatIn(InputSchema):
    weeks: int | None = WEEKS
    address_id: int | None = Field(None, description="Travel lessons: the address, again.")


class ChangeIn(InputSchema):
    from_date: ApiDate = Field(description="The first date (the instructor's) the new time applies to.")
    weekday: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday.")
    local_time: str = Field(
        pattern=r"^([01]\d|2[0-3]):(00|15|30|45)$", description="The instructor's wall time, HH:MM on the quarter hour."
    )


class UnbookedOut(Schema):
    week: int
    starts_at: dt.datetime
    reason: str
    alternatives: list[dt.datetime] = Field(description="Open starts that week, nearest first in time order.")


class SeriesOut(Schema):
    id: uuid.UUID
    instructor: str
    service_name: str
    format: str
    duration_minutes: int
    timezone: str = Field(description="The instructor's zone: the weekly time is its wall clock.")
    weeks: int | None
    status: str = Field(description="active | ended")
    next_starts_at: dt.datetime | None = Field(description="The next week not booked yet (booked by the sweep).")
    lessons: list[BookingStateOut]
    unbooked: list[UnbookedOut]


class ConflictOut(Schema):
    lesson: BookingStateOut
    wanted_starts_at: dt.datetime
    reason: str
    alternatives: list[dt.datetime]


class ChangeOut(Schema):
    series: SeriesOut
    moved: list[BookingStateOut]
    conflicts: list[ConflictOut] = Field(description="Lessons that kept their time, and why.")


class KeptOut(Schema):
    lesson: BookingStateOut
    reason: str


class EndOut(Schema):
    series: SeriesOut
    cancelled: list[BookingStateOut]
    kept: list[KeptOut] = Field(description="Future lessons the cancellation policy refused, and why.")


def _series_out(series: BookingSeries, now: dt.datetime) -> SeriesOut:
    return SeriesOut(
        id=series.public_id, instructor=series.instructor.slug, service_name=series.offering.service.name,
        format=series.format, duration_minutes=series.duration_minutes, timezone=series.timezone, weeks=series.weeks,
        status=series.status, next_starts_at=series.next_starts_at,
        lessons=[BookingStateOut.of(b, now) for b in series_lessons(series)],
        unbooked=[UnbookedOut(**vars(item)) for item in unbooked_weeks(series)],
    )  # fmt: skip


def _fresh(user: User, series: BookingSeries, now: dt.datetime) -> SeriesOut:
    found = series_get(user=user, public_id=series.public_id)
    assert found is not None  # the caller's own series
    return _series_out(found, now)


def _own(user: User, series_id: uuid.UUID) -> BookingSeries:
    series = series_get(user=user, public_id=series_id)
    if series is None:
        raise NotFound("Weekly lesson not found.")
    return series


def _idempotent(request: HttpRequest, user: User, scope: str, body: dict[str, Any], operation: Any) -> HttpResponse:
    key = request.headers.get("Idempotency-Key")
    return api_response(
        idempotency_run(user=user, key=key, scope=scope, body=body, now=timezone.now(), operation=operation)
    )


@router.post(
    "/series",
    response={201: SeriesOut, **error_responses(401, 403, 404, 409, 503)},
    summary="Book a lesson weekly",
    description="Books every free week inside the booking horizon now (the rest as they come within it) and "
    "lists the weeks that are not free with open starts that week; 409 when no week is free. " + IDEMPOTENT,
)
def create(request: HttpRequest, payload: SeriesIn) -> HttpResponse:
    user, now = api_user(request), timezone.now()
    key = request.headers.get("Idempotency-Key")

    def operation() -> tuple[int, dict[str, Any]]:
        made = booking_series_create(
            actor=user, request=payload.to_request(), weeks=payload.weeks, now=now, request_key=key
        )
        return 201, _fresh(user, made.series, now).model_dump(mode="json")

    return _idempotent(request, user, "series_create", payload.model_dump(mode="json"), operation)


@router.post(
    "/bookings/{booking_id}/series",
    response={201: SeriesOut, **error_responses(401, 403, 404, 409, 503)},
    summary="Repeat a booked lesson weekly",
    description="The lesson becomes the first week. " + IDEMPOTENT,
)
def repeat(request: HttpRequest, booking_id: uuid.UUID, payload: RepeatIn) -> HttpResponse:
    user, now = api_user(request), timezone.now()
    booking = booking_get(user=user, public_id=booking_id)
    if booking is None or booking.student_id != user.pk:
        raise NotFound("Booking not found.")
    key = request.headers.get("Idempotency-Key")

    def operation() -> tuple[int, dict[str, Any]]:
        made = booking_series_from_booking(
            actor=user, booking_id=booking.pk, weeks=payload.weeks, address_id=payload.address_id, now=now,
            request_key=key,
        )  # fmt: skip
        return 201, _fresh(user, made.series, now).model_dump(mode="json")

    return _idempotent(request, user, f"series_repeat:{booking_id}", payload.model_dump(mode="json"), operation)


@router.get("/series", response={200: list[SeriesOut], **error_responses(401)}, summary="My weekly lessons")
def my_series(request: HttpRequest) -> list[dict[str, Any]]:
    user, now = api_user(request), timezone.now()
    return [_series_out(series, now).model_dump(mode="json") for series in series_list(user=user)[:50]]


@router.get("/series/{series_id}", response={200: SeriesOut, **error_responses(401, 404)}, summary="A weekly lesson")
def detail(request: HttpRequest, series_id: uuid.UUID) -> dict[str, Any]:
    user, now = api_user(request), timezone.now()
    return _series_out(_own(user, series_id), now).model_dump(mode="json")


@router.post(
    "/series/{series_id}/change",
    response={200: ChangeOut, **error_responses(401, 403, 404, 409, 503)},
    summary="Change the weekly time from a date on (student)",
    description="Booked lessons from that date are rescheduled under the normal policy; a new time that is "
    "not open is listed with open starts that week and the lesson keeps its time. " + IDEMPOTENT,
)
def change(request: HttpRequest, series_id: uuid.UUID, payload: ChangeIn) -> HttpResponse:
    user, now = api_user(request), timezone.now()
    series = _own(user, series_id)
    hour, minute = (int(part) for part in payload.local_time.split(":"))

    def operation() -> tuple[int, dict[str, Any]]:
        done = booking_series_change(
            actor=user, series_id=series.pk, from_date=payload.from_date, weekday=payload.weekday,
            local_time=dt.time(hour, minute), now=now,
        )  # fmt: skip
        conflicts = [
            ConflictOut(
                lesson=BookingStateOut.of(item["booking"], now), wanted_starts_at=item["starts_at"],
                reason=item["reason"], alternatives=item["alternatives"],
            )
            for item in done.conflicts
        ]  # fmt: skip
        return 200, ChangeOut(
            series=_fresh(user, series, now), moved=[BookingStateOut.of(b, now) for b in done.moved],
            conflicts=conflicts,
        ).model_dump(mode="json")  # fmt: skip

    return _idempotent(request, user, f"series_change:{series_id}", payload.model_dump(mode="json"), operation)


@router.post(
    "/series/{series_id}/end",
    response={200: EndOut, **error_responses(401, 403, 404, 409, 503)},
    summary="End a weekly lesson",
    description="Every future lesson is cancelled by the one ending it, under the normal cancellation policy; "
    "past lessons are unchanged. " + IDEMPOTENT,
)
def end(request: HttpRequest, series_id: uuid.UUID) -> HttpResponse:
    user, now = api_user(request), timezone.now()
    series = _own(user, series_id)

    def operation() -> tuple[int, dict[str, Any]]:
        done = booking_series_end(actor=user, series_id=series.pk, now=now)
        return 200, EndOut(
            series=_fresh(user, series, now),
            cancelled=[BookingStateOut.of(c.booking, now) for c in done.cancelled],
            kept=[KeptOut(lesson=BookingStateOut.of(k["booking"], now), reason=k["reason"]) for k in done.kept],
        ).model_dump(mode="json")

    return _idempotent(request, user, f"series_end:{series_id}", {}, operation)
