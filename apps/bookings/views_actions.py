"""A booking's policy actions as pages: cancel, reschedule, report a no-show, dispute one,
mark a lesson complete. The HTML twin of apps/bookings/api_policies.py, on the same
services: each GET shows the money preview computed by the same code as the action, each
POST runs the action and goes back to the booking.

Each rendered form carries its own idempotency key (a hidden field), and the POST goes
through the same Idempotency-Key store as the API: a second submit of one form (a double
click, a retry after a lost response) shows the first result instead of running again.

A domain error (a refusal) is said on the action's page with its status and changes
nothing. The clock is read once per request."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.middleware import HtmxDetails

from apps.accounts.models import User
from apps.availability.selectors_public import SlotChoice, open_slot_list
from apps.bookings.models import Booking
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
from apps.bookings.presentation import when
from apps.bookings.selectors import booking_get
from apps.bookings.settlement import booking_money
from apps.bookings.states import BookingStatus
from apps.core.errors import ApplicationError, Conflict, PermissionDenied, ValidationFailed
from apps.core.idempotency import page_run_once
from apps.core.models import platform_config
from apps.payments.pricing import CancelWindow, MoneyOutcome, completion_outcome, format_usd

RESCHEDULE_DAYS = 7
WINDOW_WORDS: dict[CancelWindow, str] = {
    "free": "The lesson is 24 hours or more away.",
    "late": "The lesson is 12 to 24 hours away.",
    "very_late": "The lesson is less than 12 hours away.",
}
ALREADY_SENT = "This form was already sent. Check the lesson before you try again."


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # guaranteed by @login_required
    return request.user


def _booking(user: User, public_id: uuid.UUID) -> Booking:
    """The booking if `user` takes or teaches it; a 404 for anyone else (ids don't leak)."""
    booking = booking_get(user=user, public_id=public_id)
    if booking is None:
        raise Http404("Booking not found.")
    return booking


def _is_instructor(booking: Booking, user: User) -> bool:
    return booking.instructor.user_id == user.pk


# --- money in plain words -----------------------------------------------------------------


def money_lines(outcome: MoneyOutcome, *, instructor_view: bool) -> list[str]:
    """Where the money goes, one short sentence each, for the student or the instructor.
    The instructor's earning is in dollars for the instructor only (as in the API)."""
    whose, who = ("the student's", "The student gets") if instructor_view else ("your", "You get")
    card = f"{whose[0].upper()}{whose[1:]} card"
    lines = [
        f"{card} is charged {format_usd(outcome.student_charge_cents)}."
        if outcome.student_charge_cents
        else f"Nothing is charged to {whose} card."
    ]
    if outcome.release_hold:
        lines.append(f"The hold on {whose} card is released.")
    if outcome.refund_cents:
        lines.append(f"{format_usd(outcome.refund_cents)} is refunded to {whose} card.")
    if outcome.credit_cents:
        days = platform_config().credit_expiry_days
        lines.append(f"{who} {format_usd(outcome.credit_cents)} back as credit (valid {days} days).")
    if outcome.credits_returned_cents:
        lines.append(f"{format_usd(outcome.credits_returned_cents)} of credit goes back to {whose} balance.")
    if instructor_view:
        lines.append(
            f"You earn {format_usd(outcome.instructor_cents)}."
            if outcome.instructor_cents
            else "You earn nothing for this lesson."
        )
    else:
        lines.append("Your instructor is paid." if outcome.instructor_cents else "Your instructor is not paid.")
    return lines


@dataclass(frozen=True)
class Outcome:
    heading: str
    lines: list[str]


@dataclass(frozen=True)
class ActionPreview:
    """What a confirm page shows before the button."""

    lead: str  # the preview sentence
    outcomes: list[Outcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Action:
    slug: str  # its URL name
    title: str
    button: str
    preview: Callable[[User, Booking, datetime], ActionPreview]  # raises a refusal
    run: Callable[[User, Booking, datetime, str], str]  # the success message
    text_label: str = ""  # an optional free-text field, e.g. a reason
    text_max: int = 0


# --- each action: its preview and its run -------------------------------------------------


def _cancel_preview(user: User, booking: Booking, now: datetime) -> ActionPreview:
    preview = booking_cancel_preview(actor=user, booking_id=booking.pk, now=now)
    lines = money_lines(preview.outcome, instructor_view=preview.by == "instructor")
    return ActionPreview(
        lead=preview.message, outcomes=[Outcome("If you cancel now", lines)], notes=[WINDOW_WORDS[preview.window]]
    )


def _cancel_run(user: User, booking: Booking, now: datetime, text: str) -> str:
    done = booking_cancel(actor=user, booking_id=booking.pk, now=now, reason=text)
    return f"Lesson cancelled. {done.message}"


def _no_show_preview(user: User, booking: Booking, now: datetime) -> ActionPreview:
    preview = no_show_preview(actor=user, booking_id=booking.pk, now=now)
    lines = money_lines(preview.outcome, instructor_view=_is_instructor(booking, user))
    return ActionPreview(
        lead=f"You're reporting that the {preview.absent} didn't come. {preview.message}",
        outcomes=[Outcome("If nobody disputes", lines)],
    )


def _no_show_run(user: User, booking: Booking, now: datetime, text: str) -> str:
    report = no_show_report(actor=user, booking_id=booking.pk, now=now, note=text)
    return f"No-show reported. The payment is on hold; it can be disputed until {when(report.dispute_until, user.timezone)}."


def _dispute_preview(user: User, booking: Booking, now: datetime) -> ActionPreview:
    preview = no_show_dispute_preview(actor=user, booking_id=booking.pk, now=now)
    mine = _is_instructor(booking, user)
    return ActionPreview(
        lead=f"You were reported absent. Dispute it if you were there. {preview.message}",
        outcomes=[
            Outcome("If the report stands", money_lines(preview.if_upheld, instructor_view=mine)),
            Outcome("If the lesson counts as taught", money_lines(preview.if_rejected, instructor_view=mine)),
        ],
        notes=[f"You can dispute until {when(preview.report.dispute_until, user.timezone)}."],
    )


def _dispute_run(user: User, booking: Booking, now: datetime, text: str) -> str:
    no_show_dispute(actor=user, booking_id=booking.pk, now=now, reason=text)
    return "Dispute sent. Our team reviews both sides; the payment stays on hold until they decide."


def _complete_preview(user: User, booking: Booking, now: datetime) -> ActionPreview:
    """booking_complete has no preview function: its own refusals, said before the button."""
    if not _is_instructor(booking, user):
        raise PermissionDenied("Only the instructor marks a lesson complete.")
    if booking.status != BookingStatus.CONFIRMED:
        raise Conflict(f"A {booking.get_status_display().lower()} lesson cannot be completed.")
    if now < booking.ends_at:
        raise Conflict("A lesson can be marked complete once it has ended.")
    outcome = completion_outcome(booking_money(booking))
    return ActionPreview(
        lead="Mark this lesson as taught. The student's card is charged once the time to report a no-show has passed.",
        outcomes=[Outcome("When the lesson is complete", money_lines(outcome, instructor_view=True))],
    )


def _complete_run(user: User, booking: Booking, now: datetime, text: str) -> str:
    booking_complete(actor=user, booking_id=booking.pk, now=now)
    return "Lesson marked complete. Thanks for teaching!"


CANCEL = Action(
    "cancel",
    "Cancel lesson",
    "Cancel lesson",
    _cancel_preview,
    _cancel_run,
    text_label="Reason (optional)",
    text_max=200,
)
NO_SHOW = Action(
    "no_show", "Report a no-show", "Report a no-show", _no_show_preview, _no_show_run,
    text_label="What happened? (optional)", text_max=500,
)  # fmt: skip
DISPUTE = Action(
    "dispute", "Dispute the no-show report", "Dispute the report", _dispute_preview, _dispute_run,
    text_label="What happened?", text_max=500,
)  # fmt: skip
COMPLETE = Action("complete", "Mark complete", "Mark complete", _complete_preview, _complete_run)
CONFIRM_ACTIONS = (CANCEL, NO_SHOW, DISPUTE, COMPLETE)


def _render_action(
    request: HttpRequest, booking: Booking, action: Action, now: datetime, *, error: ApplicationError | None = None
) -> HttpResponse:
    """The confirm page: the preview and its button, or the refusal (with its status)."""
    user = _user(request)
    preview: ActionPreview | None = None
    if error is None:
        try:
            preview = action.preview(user, booking, now)
        except ApplicationError as exc:
            error = exc
    context = {
        "booking": booking, "action": action, "preview": preview, "error": error,
        "when": when(booking.starts_at, user.timezone), "text": request.POST.get("text", ""),
        "idempotency_key": uuid.uuid4(),
    }  # fmt: skip
    return render(request, "bookings/action_confirm.html", context, status=error.status if error else 200)


def _run_once(
    request: HttpRequest, booking: Booking, name: str, body: dict[str, Any], now: datetime, run: Callable[[], str]
) -> str:
    """Run a page's action once per rendered form; the success message is what is stored."""
    done = page_run_once(
        user=_user(request), key=request.POST.get("idempotency_key"), scope=f"page_{name}:{booking.public_id}",
        body=body, now=now, run=lambda: {"message": run()}, already_sent=ALREADY_SENT,
    )  # fmt: skip
    return str(done["message"])


def _confirm_view(action: Action) -> Callable[[HttpRequest, uuid.UUID], HttpResponse]:
    @login_required
    @require_http_methods(["GET", "HEAD", "POST"])
    def view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        user, now = _user(request), timezone.now()
        booking = _booking(user, public_id)
        if request.method != "POST":
            return _render_action(request, booking, action, now)
        try:
            text = request.POST.get("text", "").strip()[: action.text_max]
            said = _run_once(
                request, booking, action.slug, {"text": text}, now, lambda: action.run(user, booking, now, text)
            )
        except ApplicationError as exc:
            response = _render_action(request, booking, action, now, error=exc)
            retry = getattr(exc, "retry_after_seconds", None)
            if retry is not None:
                response["Retry-After"] = str(retry)
            return response
        messages.success(request, said)
        return redirect("bookings:detail", public_id=public_id)

    view.__name__ = f"booking_{action.slug}"
    return view


cancel = _confirm_view(CANCEL)
no_show = _confirm_view(NO_SHOW)
dispute = _confirm_view(DISPUTE)
complete = _confirm_view(COMPLETE)


# --- reschedule ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotOption:
    value: str  # the UTC instant, ISO 8601
    time: str  # "10:00 am"


@dataclass(frozen=True)
class SlotDay:
    label: str  # "Fri 4 Dec"
    options: list[SlotOption]


def reschedule_days(booking: Booking, *, zone: str, now: datetime) -> list[SlotDay]:
    """The lesson's open starts over the next week (the same offering, format and length,
    the lesson itself not counting as busy), by day in the viewer's zone."""
    choice = SlotChoice(offering=booking.offering, format=booking.format, duration=booking.duration_minutes)
    today = now.astimezone(ZoneInfo(booking.instructor.timezone)).date()
    starts = open_slot_list(
        profile=booking.instructor, choice=choice, date_from=today,
        date_to=today + timedelta(days=RESCHEDULE_DAYS - 1), now=now, exclude_booking_id=booking.pk,
    )  # fmt: skip
    days: dict[str, list[SlotOption]] = {}
    for start in starts:
        if start == booking.starts_at:
            continue
        day, _, time = when(start, zone).partition(", ")
        days.setdefault(day, []).append(SlotOption(value=start.astimezone(UTC).isoformat(), time=time))
    return [SlotDay(label, options) for label, options in days.items()]


def _render_reschedule(
    request: HttpRequest,
    booking: Booking,
    now: datetime,
    *,
    error: ApplicationError | None = None,
    picked: str = "",
) -> HttpResponse:
    user = _user(request)
    preview, refusal = None, error
    try:
        preview = booking_reschedule_preview(actor=user, booking_id=booking.pk, now=now)
    except ApplicationError as exc:
        refusal = refusal or exc
    if preview is not None and not preview.allowed and refusal is None:
        refusal = Conflict(preview.message)
    can_move = preview is not None and preview.allowed
    days = reschedule_days(booking, zone=user.timezone, now=now) if can_move else []
    context: dict[str, Any] = {
        "booking": booking, "preview": preview, "error": refusal, "can_move": can_move, "days": days,
        "picked": picked, "when": when(booking.starts_at, user.timezone),
        "window_words": WINDOW_WORDS[preview.window] if preview else "", "idempotency_key": uuid.uuid4(),
    }  # fmt: skip
    return render(request, "bookings/action_reschedule.html", context, status=refusal.status if refusal else 200)


def _picked_start(value: str) -> datetime:
    try:
        starts_at = datetime.fromisoformat(value)
    except ValueError:
        starts_at = None
    if starts_at is None or starts_at.tzinfo is None:
        raise ValidationFailed("Pick a new time.", fields={"starts_at": ["Pick one of the open times."]})
    return starts_at.astimezone(UTC)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def reschedule(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user, now = _user(request), timezone.now()
    booking = _booking(user, public_id)
    if request.method != "POST":
        return _render_reschedule(request, booking, now)
    picked = request.POST.get("starts_at", "")
    try:
        starts_at = _picked_start(picked)

        def run() -> str:
            moved = booking_reschedule(actor=user, booking_id=booking.pk, starts_at=starts_at, now=now)
            return f"Lesson moved to {when(moved.starts_at, user.timezone)}."

        said = _run_once(request, booking, "reschedule", {"starts_at": starts_at.isoformat()}, now, run)
    except ApplicationError as exc:
        return _render_reschedule(request, booking, now, error=exc, picked=picked)
    messages.success(request, said)
    return redirect("bookings:detail", public_id=public_id)


# --- which actions the viewer has now -----------------------------------------------------


@dataclass(frozen=True)
class ActionLink:
    url: str
    label: str
    hint: str = ""


def _url(name: str, booking: Booking) -> str:
    return reverse(f"bookings:{name}", args=[booking.public_id])


def action_links(*, user: User, booking: Booking, now: datetime) -> tuple[list[ActionLink], list[str]]:
    """The actions the policy allows this viewer now (each preview refuses the others), and
    why a move is refused when that is worth saying (e.g. less than 12 hours ahead)."""
    links: list[ActionLink] = []
    notes: list[str] = []
    try:
        move = booking_reschedule_preview(actor=user, booking_id=booking.pk, now=now)
    except ApplicationError:
        pass
    else:
        if move.allowed:
            hint = f"charges {format_usd(move.charge_now_cents)} now, once" if move.locks_money else "free"
            links.append(ActionLink(_url("reschedule", booking), "Reschedule", hint))
        else:
            notes.append(move.message)
    for action in CONFIRM_ACTIONS:
        try:
            action.preview(user, booking, now)
        except ApplicationError:
            continue
        links.append(ActionLink(_url(action.slug, booking), action.title))
    return links, notes


@login_required
@require_safe
def actions(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The detail page loads this list into its Actions section; without JavaScript its
    link opens it as a page."""
    user, now = _user(request), timezone.now()
    booking = _booking(user, public_id)
    links, notes = action_links(user=user, booking=booking, now=now)
    context = {"booking": booking, "links": links, "notes": notes, "when": when(booking.starts_at, user.timezone)}
    template = "bookings/action_list.html" if request.htmx else "bookings/action_index.html"
    return render(request, template, context)
