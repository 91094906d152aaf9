"""Booking endpoints: price preview, create (idempotent), list, detail with its timeline,
and changing the card."""

import datetime as dt
import uuid
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from apps.accounts.models import User
from apps.bookings.logistics import booking_logistics
from apps.bookings.models import Booking
from apps.bookings.presentation import payment_sentence
from apps.bookings.selectors import booking_get, booking_list
from apps.bookings.services import BookingRequest, booking_create, booking_payment_method_change, booking_request_check
from apps.core.api_auth import api_user
from apps.core.api_errors import error_responses
from apps.core.api_input import ApiDateTime, InputSchema
from apps.core.errors import NotFound
from apps.core.idempotency import api_response, idempotency_run
from apps.payments.pricing import PriceBreakdown

router = Router(tags=["bookings"])


class BookingIn(InputSchema):
    instructor: str = Field(description="The instructor's slug.")
    service: str
    format: Literal["online", "studio", "travel"]
    duration_minutes: int = Field(ge=15, le=240)
    starts_at: ApiDateTime = Field(description="An open start instant from the slots endpoint (ISO 8601 with offset).")
    learner_id: int | None = None
    address_id: int | None = Field(None, description="Required for travel lessons.")
    payment_method_id: int | None = Field(None, description="Required to book; optional for the price preview.")

    def to_request(self) -> BookingRequest:
        return BookingRequest(
            instructor=self.instructor, service=self.service, format=self.format,
            duration_minutes=self.duration_minutes, starts_at=self.starts_at.astimezone(dt.UTC),
            learner_id=self.learner_id, address_id=self.address_id, payment_method_id=self.payment_method_id,
        )  # fmt: skip


class PriceOut(Schema):
    hourly_rate_cents: int
    duration_minutes: int
    lesson_price_cents: int
    booking_fee_cents: int
    credits_applied_cents: int
    total_cents: int

    @staticmethod
    def of(price: PriceBreakdown) -> "PriceOut":
        return PriceOut(
            hourly_rate_cents=price.hourly_rate_cents, duration_minutes=price.duration_minutes,
            lesson_price_cents=price.lesson_price_cents, booking_fee_cents=price.booking_fee_cents,
            credits_applied_cents=price.credits_applied_cents, total_cents=price.total_cents,
        )  # fmt: skip


class PreviewOut(Schema):
    price: PriceOut
    location: str
    payment_note: str


class EventOut(Schema):
    at: dt.datetime
    actor: str | None
    kind: str
    from_status: str
    to_status: str
    reason: str
    amount_cents: int | None


class BookingOut(Schema):
    id: uuid.UUID
    instructor: str
    instructor_name: str
    student_name: str
    learner: str | None
    service_name: str
    format: str
    duration_minutes: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    student_timezone: str
    instructor_timezone: str
    location: str
    status: str
    payment_status: str
    payment_note: str
    lesson_price_cents: int
    booking_fee_cents: int
    credits_applied_cents: int
    total_cents: int
    instructor_net_cents: int | None = Field(None, description="Only shown to the instructor.")
    studio_address: str | None = Field(
        None, description="Studio lessons: the full address, for the booking's student while it is active."
    )
    map_url: str | None = Field(None, description="A map link to the studio address, with it.")
    join_url: str | None = Field(
        None, description="Online lessons: the meeting link, from 1 hour before the start while active."
    )
    join_opens_at: dt.datetime | None = Field(None, description="Online lessons: when join_url appears.")


class BookingDetailOut(BookingOut):
    events: list[EventOut]


def _out(booking: Booking, viewer: User, now: dt.datetime) -> dict[str, Any]:
    is_instructor = booking.instructor.user_id == viewer.pk
    where = booking_logistics(booking=booking, viewer=viewer, now=now)
    return BookingOut(
        id=booking.public_id, instructor=booking.instructor.slug, instructor_name=booking.instructor.display_name,
        student_name=booking.student.display_name, learner=booking.learner.first_name if booking.learner else None,
        service_name=booking.service_name, format=booking.format, duration_minutes=booking.duration_minutes,
        starts_at=booking.starts_at, ends_at=booking.ends_at, student_timezone=booking.student_timezone,
        instructor_timezone=booking.instructor_timezone, location=booking.location_text, status=booking.status,
        payment_status=booking.payment_status, payment_note=payment_sentence(booking, now=now),
        lesson_price_cents=booking.lesson_price_cents, booking_fee_cents=booking.booking_fee_cents,
        credits_applied_cents=booking.credits_applied_cents, total_cents=booking.total_cents,
        instructor_net_cents=booking.instructor_net_cents if is_instructor else None,
        studio_address=where.address or None, map_url=where.map_url or None, join_url=where.join_url or None,
        join_opens_at=where.join_opens_at,
    ).model_dump(mode="json")  # fmt: skip


@router.post(
    "/bookings/preview", response={200: PreviewOut, **error_responses(401, 403, 404)}, summary="Price a lesson"
)
def preview(request: HttpRequest, payload: BookingIn) -> PreviewOut:
    now = timezone.now()
    checked = booking_request_check(actor=api_user(request), request=payload.to_request(), now=now)
    return PreviewOut(
        price=PriceOut.of(checked.price),
        location=checked.location_text,
        payment_note=payment_sentence(None, now=now, starts_at=payload.starts_at),
    )


@router.post(
    "/bookings",
    response={201: BookingOut, **error_responses(401, 403, 404, 409, 429, 503)},
    summary="Book a lesson",
    description="Send an `Idempotency-Key` header: a retry with the same key returns the first result.",
)
def create(request: HttpRequest, payload: BookingIn) -> HttpResponse:
    user, now = api_user(request), timezone.now()
    key = request.headers.get("Idempotency-Key")

    def operation() -> tuple[int, dict[str, Any]]:
        # The key goes down to the booking too: a retry that takes over a request which died
        # after booking gets that booking back instead of a second one.
        booking = booking_create(actor=user, request=payload.to_request(), now=now, request_key=key)
        return 201, _out(booking, user, now)

    return api_response(
        idempotency_run(
            user=user, key=key, scope="booking_create", body=payload.model_dump(mode="json"), now=now,
            operation=operation,
        )
    )  # fmt: skip


@router.get("/bookings", response={200: list[BookingOut], **error_responses(401)}, summary="My bookings")
@paginate(PageNumberPagination, page_size=20, max_page_size=100)
def bookings(request: HttpRequest, when: Literal["upcoming", "past", "all"] = "upcoming") -> list[dict[str, Any]]:
    user, now = api_user(request), timezone.now()
    upcoming = {"upcoming": True, "past": False, "all": None}[when]
    return [_out(b, user, now) for b in booking_list(user=user, upcoming=upcoming, now=now)]


@router.get(
    "/bookings/{booking_id}", response={200: BookingDetailOut, **error_responses(401, 404)}, summary="A booking"
)
def detail(request: HttpRequest, booking_id: uuid.UUID) -> dict[str, Any]:
    user, now = api_user(request), timezone.now()
    booking = booking_get(user=user, public_id=booking_id)
    if booking is None:
        raise NotFound("Booking not found.")
    events = [
        EventOut(
            at=e.at, actor=e.actor.display_name if e.actor else None, kind=e.kind, from_status=e.from_status,
            to_status=e.to_status, reason=e.reason, amount_cents=e.amount_cents,
        ).model_dump(mode="json")
        for e in booking.events.all()
    ]  # fmt: skip
    return {**_out(booking, user, now), "events": events}


class CardChangeIn(InputSchema):
    payment_method_id: int


@router.post(
    "/bookings/{booking_id}/payment-method",
    response={200: BookingOut, **error_responses(401, 403, 404, 409, 429, 503)},
    summary="Pay with another card",
    description="Send an `Idempotency-Key` header: a retry with the same key returns the first result.",
)
def change_card(request: HttpRequest, booking_id: uuid.UUID, payload: CardChangeIn) -> HttpResponse:
    user, now = api_user(request), timezone.now()
    booking = booking_get(user=user, public_id=booking_id)
    if booking is None or booking.student_id != user.pk:
        raise NotFound("Booking not found.")

    def operation() -> tuple[int, dict[str, Any]]:
        changed = booking_payment_method_change(
            actor=user, booking_id=booking.pk, payment_method_id=payload.payment_method_id, now=now
        )
        return 200, _out(booking_get(user=user, public_id=changed.public_id) or changed, user, now)

    return api_response(
        idempotency_run(
            user=user, key=request.headers.get("Idempotency-Key"), scope=f"booking_payment_method:{booking_id}",
            body=payload.model_dump(mode="json"), now=now, operation=operation,
        )
    )  # fmt: skip
