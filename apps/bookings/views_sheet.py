"""The booking sheet page: choose, type, book.

The sheet is one form. HTMX re-renders its choices and price as they change (a GET of the
same page; the response is the full page and the form selects what it swaps). A new student
types their address and card (and a child) right in the sheet and presses Book: those are
saved through their own services as part of booking, once per page render (the form's
idempotency key), and on any refusal the sheet comes back with every typed value in place
and the error under the field that caused it. "Add child" saves a learner without booking,
so they can be chosen (and the price and summary follow) before the student books."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from django_htmx.middleware import HtmxDetails

from apps.accounts.models import User
from apps.accounts.services import address_create
from apps.bookings.forms import BookingForm, SheetEntries, entry_prefixes, sheet_choices, sheet_entries, was_typed
from apps.bookings.series.pages import repeat_weeks, weeks_sentence
from apps.bookings.series.services import booking_series_create
from apps.bookings.services import BookingRequest, booking_create, booking_learner_add
from apps.bookings.sheet import SheetChoices, alternative_options, booking_sheet_get
from apps.core.errors import ApplicationError, NotFound, PermissionDenied, RetryLater, ValidationFailed
from apps.core.forms import apply_application_error
from apps.core.idempotency import page_run_once
from apps.instructors.states import Format
from apps.payments.services import payment_method_add
from apps.payments.stripe_js import stripe_enabled
from apps.payments.views import card_request_key, test_card_rows

SHEET_TEMPLATE = "bookings/sheet.html"
SHEET_FIELDS = ("service", "format", "duration", "day", "start", "learner", "address", "payment_method", "repeat")
ALREADY_SENT = "This booking was already sent from this page. Check My lessons before you book again."
T = TypeVar("T")


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _sheet_url(slug: str) -> str:
    return reverse("bookings:book", args=[slug])


def _form_errors(form: BookingForm) -> dict[str, list[str]]:
    """Errors by sheet field; anything else (the idempotency key, the whole request) is
    said at the top of the sheet under "form"."""
    errors: dict[str, list[str]] = {}
    for name, messages_ in form.errors.items():
        errors.setdefault(name if name in SHEET_FIELDS else "form", []).extend(str(m) for m in messages_)
    return errors


def _render_sheet(
    request: HtmxHttpRequest,
    user: User,
    slug: str,
    asked: SheetChoices,
    now: datetime,
    *,
    entries: SheetEntries,
    status: int = 200,
    errors: dict[str, list[str]] | None = None,
    alternatives: list[str] | None = None,
    notice: str = "",
) -> HttpResponse:
    sheet = booking_sheet_get(actor=user, slug=slug, asked=asked, now=now)
    if sheet is None:
        raise Http404("Nobody to book here.")
    context: dict[str, Any] = {
        "sheet": sheet, "errors": {**sheet.errors, **(errors or {})}, "notice": notice, "entries": entries,
        "alternatives": alternative_options(sheet, alternatives or [], user.timezone),
        "sheet_url": _sheet_url(slug), "idempotency_key": uuid.uuid4(), "test_cards": test_card_rows(),
    }  # fmt: skip
    response = render(request, SHEET_TEMPLATE, context, status=status)
    # Back after booking must not show this page (and its one-time key) from the cache.
    response["Cache-Control"] = "no-store"
    return response


def _student_or_refusal(request: HttpRequest) -> User | HttpResponse:
    user = request.user
    assert isinstance(user, User)  # guaranteed by @login_required
    if user.is_student:
        return user
    return render(request, "bookings/cannot_book.html", status=403)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def book(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    user = _student_or_refusal(request)
    if isinstance(user, HttpResponse):
        return user
    now = timezone.now()
    if request.method != "POST":
        return _render_sheet(request, user, slug, sheet_choices(request.GET), now, entries=sheet_entries())
    # "Add child" posts the whole sheet with its name, so every choice and typed value
    # survives; "Book" has no name.
    if request.POST.get("action") == "add_learner":
        return _add_learner(request, user, slug, now)
    return _confirm(request, user, slug, now)


# --- typed entries, saved through their own services ------------------------------------------


def _entry(prefix: str, save: Callable[..., T], **arguments: Any) -> T:
    """Run one entry's save; its refusal names the entry's fields ("new_card-card"), so it is
    said under what was typed (also when replayed from the idempotency store)."""
    try:
        return save(**arguments)
    except ValidationFailed as exc:
        fields = {f"{prefix}-{name}": messages for name, messages in exc.fields.items()}
        raise ValidationFailed(exc.message, fields=fields or {f"{prefix}-": [exc.message]}) from exc


def _save_entries(
    user: User, entries: SheetEntries, booking: BookingRequest, key: str, saved: dict[str, int]
) -> BookingRequest:
    """Save what was typed (a child, an address, a card) and book with it: what was typed wins
    over a saved choice, because typing it is the clearer intent. `saved` collects the new
    ids by entry name, so a refused booking shows them chosen. The card goes first: the bank is what most
    often says no, and then nothing else is saved yet."""
    if entries.card.is_bound:
        number = entries.card.cleaned_data["card"]
        saved["card"] = _entry(
            "new_card", payment_method_add, actor=user, card_token=number,
            request_key=card_request_key(f"sheet:{key}", number),
        ).pk  # fmt: skip
    if entries.learner.is_bound:
        child = entries.learner.cleaned_data
        saved["learner"] = _entry(
            "new_learner", booking_learner_add, actor=user, instructor=booking.instructor, service=booking.service,
            first_name=child["first_name"], age_group=child["age_group"].slug,
        ).pk  # fmt: skip
    if entries.address.is_bound:
        place = entries.address.cleaned_data
        saved["address"] = _entry(
            "new_address", address_create, actor=user, label=place["label"], street=place["street"],
            neighborhood=place["neighborhood"],
        ).pk  # fmt: skip
    return replace(
        booking, learner_id=saved.get("learner", booking.learner_id), address_id=saved.get("address", booking.address_id),
        payment_method_id=saved.get("card", booking.payment_method_id),
    )  # fmt: skip


def _confirm(request: HtmxHttpRequest, user: User, slug: str, now: datetime) -> HttpResponse:
    """Book once per page render: the form's Idempotency-Key makes a double submit (or a
    retry after a lost response) return the first result instead of booking (or saving a
    typed address) again."""
    form = BookingForm(request.POST, zone=user.timezone)
    # An address is asked for (and shown) only when the instructor comes to the student; a
    # card number only with the local gateway (Stripe's cards come from its Payment Element).
    wanted = {"learner", "address", "card"}
    if request.POST.get("format") != Format.TRAVEL:
        wanted.discard("address")
    if stripe_enabled():
        wanted.discard("card")
    entries = sheet_entries(request.POST, bind=[name for name in wanted if was_typed(request.POST, name)])
    if not all([form.is_valid(), entries.is_valid()]):  # both, so every error is shown at once
        return _render_sheet(
            request, user, slug, sheet_choices(request.POST), now, entries=entries, status=422,
            errors=_form_errors(form),
        )  # fmt: skip
    key, repeat = form.cleaned_data["idempotency_key"], form.cleaned_data["repeat"]
    saved: dict[str, int] = {}

    def run() -> dict[str, Any]:
        asked = _save_entries(user, entries, form.booking_request(slug), key, saved)
        if repeat:
            made = booking_series_create(
                actor=user, request=asked, weeks=repeat_weeks(repeat), now=now, request_key=key
            )
            return {"series": str(made.series.public_id), "message": weeks_sentence(made, user.timezone)}
        booking = booking_create(actor=user, request=asked, now=now, request_key=key)
        return {"id": str(booking.public_id)}

    try:
        booked = page_run_once(
            user=user, key=key, scope="booking_create", body={**form.fingerprint(slug), **entries.fingerprint()},
            now=now, run=run, already_sent=ALREADY_SENT,
        )  # fmt: skip
    except ApplicationError as exc:
        return _refused(request, user, slug, now, form, entries, saved, exc)
    if "series" in booked:
        messages.success(request, booked["message"])
        return redirect("bookings:series", public_id=booked["series"])
    return redirect("bookings:detail", public_id=booked["id"])


def _refused(
    request: HtmxHttpRequest,
    user: User,
    slug: str,
    now: datetime,
    form: BookingForm,
    entries: SheetEntries,
    saved: dict[str, int],
    exc: ApplicationError,
) -> HttpResponse:
    if isinstance(exc, NotFound | PermissionDenied):
        raise exc
    prefixes = entry_prefixes()
    if any(name.partition("-")[0] in prefixes for name in exc.fields):
        entries.add_errors(exc.fields)
    else:
        apply_application_error(form, exc)
    # What was saved before the refusal is chosen now, its form empty again.
    entries = entries.cleared(saved)
    asked = sheet_choices(request.POST)
    asked = replace(
        asked, learner=saved.get("learner", asked.learner), address=saved.get("address", asked.address),
        payment_method=saved.get("card", asked.payment_method),
    )  # fmt: skip
    response = _render_sheet(
        request, user, slug, asked, now, entries=entries, status=exc.status, errors=_form_errors(form),
        alternatives=list(exc.extra.get("alternatives", [])),
    )  # fmt: skip
    if isinstance(exc, RetryLater):
        response["Retry-After"] = str(exc.retry_after_seconds)
    return response


def _add_learner(request: HtmxHttpRequest, user: User, slug: str, now: datetime) -> HttpResponse:
    """Add a child from the sheet (only into a lesson that teaches their age group) and
    choose them; the rest of the sheet, typed values included, stays as it was."""
    asked = sheet_choices(request.POST)
    entries = sheet_entries(request.POST, bind=["learner"])
    if entries.learner.is_valid():
        data = entries.learner.cleaned_data
        try:
            learner = booking_learner_add(
                actor=user, instructor=slug, service=asked.service, first_name=data["first_name"],
                age_group=data["age_group"].slug,
            )  # fmt: skip
        except ValidationFailed as exc:
            apply_application_error(entries.learner, exc)
        else:
            return _render_sheet(
                request, user, slug, replace(asked, learner=learner.pk), now, entries=entries.cleared(["learner"]),
                notice=f"{learner.first_name} is added to your family and chosen for this lesson.",
            )  # fmt: skip
    return _render_sheet(request, user, slug, asked, now, entries=entries, status=422)
