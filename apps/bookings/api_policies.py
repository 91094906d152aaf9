"""Cancel, reschedule, report a no-show, dispute one, mark a lesson complete: each action has
a GET preview of its money outcome (computed by the same code as the action) and a POST that
accepts an `Idempotency-Key`."""

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema

from apps.accounts.models import User
from apps.bookings.models import Booking, NoShowReport
from apps.bookings.policies import (
    booking_cancel,
    booking_cancel_preview,
    booking_complete,
    booking_reschedule,
    booking_reschedule_preview,
    no_show_dispute,
    no_show_dispute_preview,
    no_show_preview,
    no_show_report,
)
from apps.bookings.presentation import payment_sentence
from apps.bookings.selectors import booking_get
from apps.core.api_auth import api_user
from apps.core.api_errors import error_responses
from apps.core.api_input import ApiDateTime, InputSchema
from apps.core.errors import NotFound
from apps.core.idempotency import api_response, idempotency_run
from apps.payments.pricing import MoneyOutcome

router = Router(tags=["booking policies"])
IDEMPOTENT = "Send an `Idempotency-Key` header: a retry with the same key returns the first result."


class MoneyOut(Schema):
    student_charge_cents: int = Field(description="What the student's card pays in the end.")
    credit_cents: int = Field(description="New platform credit for the student (365 days).")
    credits_returned_cents: int = Field(description="Credits the booking used, returned with their original expiry.")
    refund_cents: int = Field(description="Captured money sent back to the card.")
    release_hold: bool = Field(description="The authorization (hold) on the card is released.")
    instructor_cents: int | None = Field(None, description="The instructor's earning (instructors only).")

    @staticmethod
    def of(outcome: MoneyOutcome, *, viewer_is_instructor: bool) -> "MoneyOut":
        return MoneyOut(
            student_charge_cents=outcome.student_charge_cents, credit_cents=outcome.credit_cents,
            credits_returned_cents=outcome.credits_returned_cents, refund_cents=outcome.refund_cents,
            release_hold=outcome.release_hold,
            instructor_cents=outcome.instructor_cents if viewer_is_instructor else None,
        )  # fmt: skip


class BookingStateOut(Schema):
    id: uuid.UUID
    status: str
    payment_status: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    payment_note: str

    @staticmethod
    def of(booking: Booking, now: dt.datetime) -> "BookingStateOut":
        return BookingStateOut(
            id=booking.public_id, status=booking.status, payment_status=booking.payment_status,
            starts_at=booking.starts_at, ends_at=booking.ends_at, payment_note=payment_sentence(booking, now=now),
        )  # fmt: skip


class CancellationPreviewOut(Schema):
    by: str = Field(description="student | instructor")
    window: str = Field(description="free (≥ 24 h before) | late (12–24 h) | very_late (< 12 h)")
    money: MoneyOut
    message: str


class CancellationOut(CancellationPreviewOut):
    booking: BookingStateOut


class CancelIn(InputSchema):
    reason: str = Field("", max_length=200)


class ReschedulePreviewOut(Schema):
    window: str
    allowed: bool
    locks_money: bool = Field(description="12–24 h before: the card is charged now and the money locked.")
    charge_now_cents: int
    message: str


class RescheduleIn(InputSchema):
    starts_at: ApiDateTime = Field(description="An open start of the same lesson (ISO 8601 with offset).")


class NoShowPreviewOut(Schema):
    absent: str = Field(description="Who is reported absent: the other side.")
    dispute_until: dt.datetime
    money: MoneyOut = Field(description="What happens if nobody disputes.")
    message: str


class NoShowIn(InputSchema):
    note: str = Field("", max_length=500)


class NoShowOut(Schema):
    absent: str
    status: str
    reported_at: dt.datetime
    dispute_until: dt.datetime
    booking: BookingStateOut


class DisputePreviewOut(Schema):
    if_upheld: MoneyOut
    if_rejected: MoneyOut
    message: str


class DisputeIn(InputSchema):
    reason: str = Field("", max_length=500)


def _booking(user: User, booking_id: uuid.UUID) -> Booking:
    booking = booking_get(user=user, public_id=booking_id)
    if booking is None:
        raise NotFound("Booking not found.")
    return booking


def _is_instructor(booking: Booking, user: User) -> bool:
    return booking.instructor.user_id == user.pk


def _idempotent(
    request: HttpRequest, scope: str, body: dict[str, Any], operation: Callable[[], tuple[int, dict[str, Any]]]
) -> HttpResponse:
    stored = idempotency_run(
        user=api_user(request), key=request.headers.get("Idempotency-Key"), scope=scope, body=body,
        now=timezone.now(), operation=operation,
    )  # fmt: skip
    return api_response(stored)


def _no_show_out(report: NoShowReport, now: dt.datetime) -> dict[str, Any]:
    report.booking.refresh_from_db()
    return NoShowOut(
        absent=report.absent_party, status=report.status, reported_at=report.reported_at,
        dispute_until=report.dispute_until, booking=BookingStateOut.of(report.booking, now),
    ).model_dump(mode="json")  # fmt: skip


@router.get(
    "/bookings/{booking_id}/cancellation",
    response={200: CancellationPreviewOut, **error_responses(401, 404, 409)},
    summary="Preview cancelling",
)
def cancellation_preview(request: HttpRequest, booking_id: uuid.UUID) -> CancellationPreviewOut:
    user, now = api_user(request), timezone.now()
    booking = _booking(user, booking_id)
    preview = booking_cancel_preview(actor=user, booking_id=booking.pk, now=now)
    return CancellationPreviewOut(
        by=preview.by, window=preview.window, message=preview.message,
        money=MoneyOut.of(preview.outcome, viewer_is_instructor=_is_instructor(booking, user)),
    )  # fmt: skip


@router.post(
    "/bookings/{booking_id}/cancellation",
    response={200: CancellationOut, **error_responses(401, 403, 404, 409, 429, 503)},
    summary="Cancel a lesson",
    description=IDEMPOTENT,
)
def cancel(request: HttpRequest, booking_id: uuid.UUID, payload: CancelIn) -> HttpResponse:
    user, now = api_user(request), timezone.now()
    booking = _booking(user, booking_id)

    def operation() -> tuple[int, dict[str, Any]]:
        done = booking_cancel(actor=user, booking_id=booking.pk, now=now, reason=payload.reason)
        return 200, CancellationOut(
            by=done.by, window=done.window, message=done.message, booking=BookingStateOut.of(done.booking, now),
            money=MoneyOut.of(done.outcome, viewer_is_instructor=_is_instructor(booking, user)),
        ).model_dump(mode="json")  # fmt: skip

    return _idempotent(request, f"booking_cancel:{booking_id}", payload.model_dump(mode="json"), operation)


@router.get(
    "/bookings/{booking_id}/reschedule",
    response={200: ReschedulePreviewOut, **error_responses(401, 403, 404, 409)},
    summary="Preview rescheduling",
)
def reschedule_preview(request: HttpRequest, booking_id: uuid.UUID) -> ReschedulePreviewOut:
    user, now = api_user(request), timezone.now()
    preview = booking_reschedule_preview(actor=user, booking_id=_booking(user, booking_id).pk, now=now)
    return ReschedulePreviewOut(
        window=preview.window, allowed=preview.allowed, locks_money=preview.locks_money,
        charge_now_cents=preview.charge_now_cents, message=preview.message,
    )  # fmt: skip


@router.post(
    "/bookings/{booking_id}/reschedule",
    response={200: BookingStateOut, **error_responses(401, 403, 404, 409, 429, 503)},
    summary="Move a lesson to another open start",
    description=IDEMPOTENT,
)
def reschedule(request: HttpRequest, booking_id: uuid.UUID, payload: RescheduleIn) -> HttpResponse:
    user, now = api_user(request), timezone.now()
    booking = _booking(user, booking_id)

    def operation() -> tuple[int, dict[str, Any]]:
        moved = booking_reschedule(
            actor=user, booking_id=booking.pk, starts_at=payload.starts_at.astimezone(dt.UTC), now=now
        )
        return 200, BookingStateOut.of(moved, now).model_dump(mode="json")

    return _idempotent(request, f"booking_reschedule:{booking_id}", payload.model_dump(mode="json"), operation)


@router.get(
    "/bookings/{booking_id}/no-show",
    response={200: NoShowPreviewOut, **error_responses(401, 404, 409)},
    summary="Preview reporting a no-show",
)
def no_show_report_preview(request: HttpRequest, booking_id: uuid.UUID) -> NoShowPreviewOut:
    user, now = api_user(request), timezone.now()
    booking = _booking(user, booking_id)
    preview = no_show_preview(actor=user, booking_id=booking.pk, now=now)
    return NoShowPreviewOut(
        absent=preview.absent, dispute_until=preview.dispute_until, message=preview.message,
        money=MoneyOut.of(preview.outcome, viewer_is_instructor=_is_instructor(booking, user)),
    )  # fmt: skip


@router.post(
    "/bookings/{booking_id}/no-show",
    response={201: NoShowOut, **error_responses(401, 403, 404, 409, 429, 503)},
    summary="Report that the other side didn't come",
    description=IDEMPOTENT,
)
def report_no_show(request: HttpRequest, booking_id: uuid.UUID, payload: NoShowIn) -> HttpResponse:
    user, now = api_user(request), timezone.now()
    booking = _booking(user, booking_id)

    def operation() -> tuple[int, dict[str, Any]]:
        return 201, _no_show_out(no_show_report(actor=user, booking_id=booking.pk, now=now, note=payload.note), now)

    return _idempotent(request, f"no_show_report:{booking_id}", payload.model_dump(mode="json"), operation)


@router.get(
    "/bookings/{booking_id}/no-show/dispute",
    response={200: DisputePreviewOut, **error_responses(401, 403, 404, 409)},
    summary="Preview disputing a no-show report",
)
def dispute_preview(request: HttpRequest, booking_id: uuid.UUID) -> DisputePreviewOut:
    user, now = api_user(request), timezone.now()
    booking = _booking(user, booking_id)
    preview = no_show_dispute_preview(actor=user, booking_id=booking.pk, now=now)
    mine = _is_instructor(booking, user)
    return DisputePreviewOut(
        if_upheld=MoneyOut.of(preview.if_upheld, viewer_is_instructor=mine),
        if_rejected=MoneyOut.of(preview.if_rejected, viewer_is_instructor=mine), message=preview.message,
    )  # fmt: skip


@router.post(
    "/bookings/{booking_id}/no-show/dispute",
    response={200: NoShowOut, **error_responses(401, 403, 404, 409, 429, 503)},
    summary="Dispute a no-show report",
    description=IDEMPOTENT,
)
def dispute(request: HttpRequest, booking_id: uuid.UUID, payload: DisputeIn) -> HttpResponse:
    user, now = api_user(request), timezone.now()
    booking = _booking(user, booking_id)

    def operation() -> tuple[int, dict[str, Any]]:
        return 200, _no_show_out(
            no_show_dispute(actor=user, booking_id=booking.pk, now=now, reason=payload.reason), now
        )

    return _idempotent(request, f"no_show_dispute:{booking_id}", payload.model_dump(mode="json"), operation)


@router.post(
    "/bookings/{booking_id}/complete",
    response={200: BookingStateOut, **error_responses(401, 403, 404, 409)},
    summary="Mark a lesson taught (instructor)",
)
def complete(request: HttpRequest, booking_id: uuid.UUID) -> BookingStateOut:
    user, now = api_user(request), timezone.now()
    booking = booking_complete(actor=user, booking_id=_booking(user, booking_id).pk, now=now)
    return BookingStateOut.of(booking, now)
