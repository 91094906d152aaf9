"""Booking pages: My lessons / Schedule, a booking's detail, and calendar files (the booking
sheet is views_sheet.py). The HTML twin of apps/bookings/api.py, on the same services.

Views parse input, call one service or selector and render; a service's domain error is put
on the form by apply_application_error. The clock is read once per request."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe
from django_htmx.middleware import HtmxDetails

from apps.accounts.models import User
from apps.accounts.selectors import address_list
from apps.bookings.calendar import (
    booking_ics,
    calendar_feed_get,
    calendar_feed_owner,
    calendar_feed_reset,
    feed_booking_list,
    feed_ics,
)
from apps.bookings.forms import CardChoiceForm
from apps.bookings.logistics import booking_logistics
from apps.bookings.models import Booking
from apps.bookings.pages import booking_detail_get, lessons_page_get
from apps.bookings.selectors import booking_get
from apps.bookings.series.forms import RepeatForm
from apps.bookings.series.pages import repeat_choices
from apps.bookings.services import booking_payment_method_change
from apps.bookings.states import PaymentStatus
from apps.core.errors import ApplicationError, ValidationFailed
from apps.core.forms import apply_application_error
from apps.core.idempotency import page_run_once
from apps.payments.actions import payment_action_current
from apps.payments.forms import CardForm
from apps.payments.pricing import format_usd
from apps.payments.services import payment_method_add
from apps.payments.views import card_name, card_request_key, test_card_rows

SHEET_TEMPLATE = "bookings/sheet.html"
SHEET_FIELDS = ("service", "format", "duration", "day", "start", "learner", "address", "payment_method", "repeat")
ALREADY_SENT = "This booking was already sent from this page. Check My lessons before you book again."
CARD_ALREADY_SENT = "This card change was already sent from this page. Check the lesson before you try again."
MESSAGE_LEVELS = {"success": messages.SUCCESS, "error": messages.ERROR}
ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # guaranteed by @login_required
    return request.user


# --- My lessons and Schedule ----------------------------------------------------------------


def _lessons_page(request: HttpRequest, user: User, title: str) -> HttpResponse:
    now = timezone.now()
    page = lessons_page_get(user=user, now=now, page=request.GET.get("page"), past_page=request.GET.get("past"))
    feed_url = request.build_absolute_uri(reverse("bookings:feed", args=[calendar_feed_get(user=user).token]))
    context = {
        "page": page, "title": title, "feed_url": feed_url,
        "webcal_url": "webcal://" + feed_url.split("://", 1)[1],
    }  # fmt: skip
    return render(request, "bookings/lessons.html", context)


@login_required
@require_safe
def lessons(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user.is_instructor:
        return redirect("bookings:schedule")
    return _lessons_page(request, user, "My lessons")


@login_required
@require_safe
def schedule(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.is_instructor:
        return redirect("bookings:lessons")
    return _lessons_page(request, user, "Schedule")


# --- one booking ----------------------------------------------------------------------------


def _render_detail(
    request: HttpRequest,
    user: User,
    public_id: uuid.UUID,
    now: datetime,
    *,
    status: int = 200,
    choice_form: CardChoiceForm | None = None,
    card_form: CardForm | None = None,
) -> HttpResponse:
    detail = booking_detail_get(user=user, public_id=public_id, now=now)
    if detail is None:
        raise Http404("Booking not found.")
    # A card just added (?card=) is picked; otherwise the first one that isn't the declined one.
    asked = request.GET.get("card", "")
    others = [card.pk for card in detail.cards if card.pk != detail.booking.payment_method_id]
    picked = int(asked) if asked.isdigit() else (others[0] if others else None)
    context = {
        "detail": detail, "booking": detail.booking, "choice_form": choice_form or CardChoiceForm(),
        "card_form": card_form or CardForm(prefix="new_card"), "test_cards": test_card_rows(),
        "picked_card": picked, "render_key": uuid.uuid4(),
        "logistics": booking_logistics(booking=detail.booking, viewer=user, now=now),
        "payment_action": payment_action_current(booking=detail.booking) if not detail.is_instructor else None,
        **_repeat_context(user, detail.booking, detail.is_instructor),
    }  # fmt: skip
    return render(request, "bookings/detail.html", context, status=status)


def _repeat_context(user: User, booking: Booking, is_instructor: bool) -> dict[str, Any]:
    """The "Repeat weekly" form for the student's upcoming one-off lesson."""
    if is_instructor or booking.series_id is not None or not booking.is_active:
        return {}
    addresses = list(address_list(user=user)) if booking.is_travel else []
    return {
        "repeat_form": RepeatForm(initial={"weeks": "8"}),
        "repeat_choices": repeat_choices(),
        "addresses": addresses,
    }


@login_required
@require_safe
def detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _render_detail(request, _user(request), public_id, timezone.now())


def _card_outcome(status: str, total_cents: int) -> dict[str, Any]:
    """What the page says after a card change (stored, so a second submit says it again)."""
    if status == PaymentStatus.AUTHORIZED:
        return {"level": "success", "message": f"Thanks! Your card is authorized for {format_usd(total_cents)}."}
    if status == PaymentStatus.PAYMENT_METHOD_REQUIRED:
        return {"level": "error", "message": "That card was declined too. Try another card."}
    return {"level": "success", "message": "Thanks! We'll use this card for your lesson."}


@login_required
@require_POST
def detail_card(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Pay for a lesson with another saved card (and authorize it at once when needed),
    once per rendered form (its hidden key)."""
    user, now = _user(request), timezone.now()
    booking = booking_get(user=user, public_id=public_id)
    if booking is None or booking.student_id != user.pk:
        raise Http404("Booking not found.")
    form = CardChoiceForm(request.POST)
    status = 422
    if form.is_valid():
        card_id = form.cleaned_data["payment_method"]

        def run() -> dict[str, Any]:
            changed = booking_payment_method_change(
                actor=user, booking_id=booking.pk, payment_method_id=card_id, now=now
            )
            return _card_outcome(changed.payment_status, changed.total_cents)

        try:
            said = page_run_once(
                user=user, key=request.POST.get("idempotency_key"), scope=f"page_payment_method:{public_id}",
                body={"payment_method": card_id}, now=now, run=run, already_sent=CARD_ALREADY_SENT,
            )  # fmt: skip
        except ApplicationError as exc:
            apply_application_error(form, exc)
            status = exc.status
        else:
            messages.add_message(request, MESSAGE_LEVELS[said["level"]], said["message"])
            return redirect("bookings:detail", public_id=public_id)
    return _render_detail(request, user, public_id, now, status=status, choice_form=form)


@login_required
@require_POST
def detail_card_add(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Save a test card from a booking that needs one; it is then picked on the page."""
    user, now = _user(request), timezone.now()
    if booking_get(user=user, public_id=public_id) is None or not user.is_student:
        raise Http404("Booking not found.")
    form = CardForm(request.POST, prefix="new_card")
    if form.is_valid():
        number = form.cleaned_data["card"]
        try:
            method = payment_method_add(
                actor=user, card_token=number, request_key=card_request_key(request.POST.get("render_key", ""), number)
            )
        except ValidationFailed as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, f"{card_name(method)} is saved. Use it for this lesson below.")
            return redirect(reverse("bookings:detail", args=[public_id]) + f"?card={method.pk}#pay")
    return _render_detail(request, user, public_id, now, status=422, card_form=form)


# --- calendar files -------------------------------------------------------------------------


def _detail_url(request: HttpRequest, public_id: uuid.UUID | str) -> str:
    return request.build_absolute_uri(reverse("bookings:detail", args=[public_id]))


@login_required
@require_safe
def booking_calendar(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _user(request)
    booking = booking_get(user=user, public_id=public_id)
    if booking is None:
        raise Http404("Booking not found.")
    body = booking_ics(booking, viewer=user, now=timezone.now(), detail_url=_detail_url(request, public_id))
    response = HttpResponse(body, content_type=ICS_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="lesson-{booking.starts_at:%Y-%m-%d}.ics"'
    return response


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: calendar apps fetch it without a session, so the token is the key."""
    owner = calendar_feed_owner(token=token)
    if owner is None:
        raise Http404("This calendar link is not valid (it may have been reset).")
    now = timezone.now()
    bookings = list(feed_booking_list(user=owner, now=now))
    urls = {str(b.public_id): _detail_url(request, b.public_id) for b in bookings}
    response = HttpResponse(
        feed_ics(bookings, viewer=owner, now=now, detail_url_of=urls), content_type=ICS_CONTENT_TYPE
    )
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_POST
def feed_reset(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    calendar_feed_reset(actor=user)
    messages.success(
        request, "Your calendar link is reset: the old one no longer works. Add the new one to your calendar app."
    )
    return redirect("bookings:schedule" if user.is_instructor else "bookings:lessons")
