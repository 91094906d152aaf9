"""Weekly-lesson pages: "Repeat weekly" from a booked lesson, the series page (its weeks, the
weeks not booked with open times, change the time from a date on, end it). The HTML twin of
apps/bookings/series/api.py, on the same services. Each form carries its own idempotency
key, so a second submit shows the first result; a refusal is said on the page with its
status and changes nothing. Skipping or moving one week links to that lesson's own cancel
and reschedule pages."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.accounts.models import User
from apps.accounts.selectors import address_list
from apps.bookings.pages import booking_detail_get
from apps.bookings.presentation import when
from apps.bookings.series.edits import SeriesChanged, booking_series_change, booking_series_end
from apps.bookings.series.forms import ChangeForm, EndForm, RepeatForm
from apps.bookings.series.pages import SeriesPage, repeat_choices, repeat_weeks, series_page_get, weeks_sentence
from apps.bookings.series.services import booking_series_from_booking
from apps.core.errors import ApplicationError, NotFound, PermissionDenied
from apps.core.forms import apply_application_error
from apps.core.idempotency import page_run_once

ALREADY_SENT = "This form was already sent. Check your weekly lesson before you try again."


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # guaranteed by @login_required
    return request.user


# --- "Repeat weekly" from a booked lesson ---------------------------------------------------


def _render_repeat(
    request: HttpRequest, user: User, public_id: uuid.UUID, form: RepeatForm, *, status: int = 200
) -> HttpResponse:
    detail = booking_detail_get(user=user, public_id=public_id, now=timezone.now())
    if detail is None or detail.is_instructor:
        raise Http404("Booking not found.")
    context = {
        "booking": detail.booking, "when": detail.when, "form": form, "repeat_choices": repeat_choices(),
        "addresses": list(address_list(user=user)) if detail.booking.is_travel else [],
        "idempotency_key": uuid.uuid4(),
    }  # fmt: skip
    return render(request, "bookings/series_repeat.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def repeat(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _user(request)
    if request.method != "POST":
        return _render_repeat(request, user, public_id, RepeatForm(initial={"weeks": "8"}))
    detail = booking_detail_get(user=user, public_id=public_id, now=timezone.now())
    if detail is None or detail.is_instructor:
        raise Http404("Booking not found.")
    form = RepeatForm(request.POST)
    if not form.is_valid():
        return _render_repeat(request, user, public_id, form, status=422)
    now, data = timezone.now(), form.cleaned_data

    def run() -> dict[str, Any]:
        made = booking_series_from_booking(
            actor=user, booking_id=detail.booking.pk, weeks=repeat_weeks(data["weeks"]), address_id=data["address"],
            now=now, request_key=data["idempotency_key"],
        )  # fmt: skip
        return {"id": str(made.series.public_id), "message": weeks_sentence(made, user.timezone)}

    try:
        done = page_run_once(
            user=user, key=data["idempotency_key"], scope=f"page_series_repeat:{public_id}",
            body={"weeks": data["weeks"], "address": data["address"]}, now=now, run=run, already_sent=ALREADY_SENT,
        )  # fmt: skip
    except ApplicationError as exc:
        if isinstance(exc, NotFound):
            raise Http404(exc.message) from exc
        apply_application_error(form, exc)
        return _render_repeat(request, user, public_id, form, status=exc.status)
    messages.success(request, done["message"])
    return redirect("bookings:series", public_id=done["id"])


# --- the series page ------------------------------------------------------------------------


def _page(user: User, public_id: uuid.UUID) -> SeriesPage:
    page = series_page_get(user=user, public_id=public_id, now=timezone.now())
    if page is None:
        raise Http404("Weekly lesson not found.")
    return page


def _render_series(
    request: HttpRequest,
    page: SeriesPage,
    *,
    status: int = 200,
    change_form: ChangeForm | None = None,
    end_form: EndForm | None = None,
    error: str = "",
) -> HttpResponse:
    context = {
        "page": page, "series": page.series, "change_form": change_form or ChangeForm(),
        "end_form": end_form or EndForm(), "idempotency_key": uuid.uuid4(), "error": error,
    }  # fmt: skip
    return render(request, "bookings/series.html", context, status=status)


@login_required
@require_safe
def series(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _render_series(request, _page(_user(request), public_id))


def _run_form(
    request: HttpRequest, page: SeriesPage, form: Form, scope: str, run: Any, **forms: Form
) -> HttpResponse | dict[str, Any]:
    """Run a series action once per rendered form; a refusal re-renders the page with it."""
    user, key = _user(request), form.cleaned_data["idempotency_key"]
    body = {name: str(value) for name, value in form.cleaned_data.items() if name != "idempotency_key"}
    try:
        return page_run_once(
            user=user, key=key, scope=scope, body=body, now=timezone.now(), run=run, already_sent=ALREADY_SENT
        )
    except ApplicationError as exc:
        if isinstance(exc, NotFound):
            raise Http404(exc.message) from exc
        if exc.fields:  # said under the fields of the form
            apply_application_error(form, exc)
            return _render_series(request, page, status=exc.status, **forms)  # type: ignore[arg-type]
        # Said at the top: the form may be gone (e.g. the series ended in another tab).
        return _render_series(request, page, status=exc.status, error=exc.message, **forms)  # type: ignore[arg-type]


@login_required
@require_POST
def end(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user, page = _user(request), _page(_user(request), public_id)
    form = EndForm(request.POST)
    if not form.is_valid():
        return _render_series(request, page, status=422, end_form=form)
    now = timezone.now()

    def run() -> dict[str, Any]:
        done = booking_series_end(actor=user, series_id=page.series.pk, now=now)
        said = f"Weekly lesson ended. {len(done.cancelled)} upcoming lesson{'s' if len(done.cancelled) != 1 else ''} cancelled."
        kept = [f"{when(k['booking'].starts_at, user.timezone)} was kept: {k['reason']}" for k in done.kept]
        return {"messages": [said, *kept]}

    result = _run_form(request, page, form, f"page_series_end:{public_id}", run, end_form=form)
    if isinstance(result, HttpResponse):
        return result
    for line in result["messages"]:
        messages.success(request, line)
    return redirect("bookings:series", public_id=public_id)


def _change_lines(done: SeriesChanged, viewer: str) -> list[str]:
    lines = [f"New weekly time saved. {len(done.moved)} upcoming lesson{'s' if len(done.moved) != 1 else ''} moved."]
    for item in done.conflicts:
        open_times = ", ".join(when(s, viewer) for s in item["alternatives"]) or "none"
        lines.append(
            f"{when(item['booking'].starts_at, viewer)} kept its time: {item['reason']} Open that week: {open_times}."
        )
    return lines


@login_required
@require_POST
def change(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user, page = _user(request), _page(_user(request), public_id)
    if not page.is_student:
        raise PermissionDenied("Only the student can change the time. Ask the student, or end the weekly lesson.")
    form = ChangeForm(request.POST)
    if not form.is_valid():
        return _render_series(request, page, status=422, change_form=form)
    now, data = timezone.now(), form.cleaned_data

    def run() -> dict[str, Any]:
        done = booking_series_change(
            actor=user, series_id=page.series.pk, from_date=data["from_date"], weekday=data["weekday"],
            local_time=data["local_time"], now=now,
        )  # fmt: skip
        return {"messages": _change_lines(done, user.timezone)}

    result = _run_form(request, page, form, f"page_series_change:{public_id}", run, change_form=form)
    if isinstance(result, HttpResponse):
        return result
    first, *rest = result["messages"]
    messages.success(request, first)
    for line in rest:
        messages.warning(request, line)
    return redirect("bookings:series", public_id=public_id)
