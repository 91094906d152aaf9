"""Availability pages: the instructor's week editor with its days-off panel (HTMX), and the
public profile's slot picker partial.

The editor page renders the week, its booked time and the days off; the grid and the phone
list are driven by static/js/week-editor.js, which saves through the JSON API (PUT with
If-Match) so pages and API share one code path and one concurrency rule.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from apps.accounts.models import User
from apps.availability.cells import CELL_MINUTES, CELLS_PER_DAY, format_hhmm
from apps.availability.forms import BlackoutForm, SlotPickerForm, WeekChoiceForm
from apps.availability.selectors import EditorData, availability_editor_get
from apps.availability.selectors_public import slot_picker_get
from apps.availability.services import availability_owner_ensure, blackout_create, blackout_delete
from apps.availability.weeks import booked_payload, day_label, time_label, week_payload
from apps.core.errors import ApplicationError
from apps.core.forms import apply_application_error

EDITOR = "availability/week_editor.html"
DAYS_OFF = "availability/_days_off.html"
# The grid shows 06:00–23:00 until the instructor asks for all 24 hours.
FIRST_VISIBLE_CELL, END_VISIBLE_CELL = 6 * 60 // CELL_MINUTES, 23 * 60 // CELL_MINUTES


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # guaranteed by @login_required
    return request.user


def _grid_rows() -> list[dict[str, Any]]:
    return [
        {
            "cell": cell,
            "time": format_hhmm(cell * CELL_MINUTES),
            "label": time_label(cell * CELL_MINUTES),
            "on_the_hour": cell % 2 == 0,
            "offhours": not FIRST_VISIBLE_CELL <= cell < END_VISIBLE_CELL,
        }
        for cell in range(CELLS_PER_DAY)
    ]


def _editor_json(data: EditorData) -> dict[str, Any]:
    """What week-editor.js starts from (rendered with json_script, so CSP-safe)."""
    week_url = reverse("api:availability_week", kwargs={"day": data.week.week_start.isoformat()})
    return {
        "week": week_payload(data.week),
        "booked": [booked_payload(slot) for slot in data.booked],
        "urls": {
            "week": week_url,
            "bookings": f"{week_url}/bookings",
            "copy": f"{week_url}/copy",
            "apply": f"{week_url}/apply",
        },
        "today": data.today.isoformat(),
    }


def _editor_context(data: EditorData, form: BlackoutForm | None = None) -> dict[str, Any]:
    return {
        "data": data,
        "days": [{"index": i, "date": d, "label": day_label(d)} for i, d in enumerate(data.week.dates)],
        "rows": _grid_rows(),
        "editor_json": _editor_json(data),
        "blackout_form": form or BlackoutForm(initial={"week": data.week.week_start}),
    }


@login_required
@require_safe
def week_editor(request: HttpRequest) -> HttpResponse:
    profile = availability_owner_ensure(actor=_user(request))  # students: 404
    data = availability_editor_get(profile=profile, day=WeekChoiceForm(request.GET).chosen(), now=timezone.now())
    return render(request, EDITOR, _editor_context(data))


def _days_off_result(request: HttpRequest, form: BlackoutForm, done: str | None, now: datetime) -> HttpResponse:
    """HTMX: the days-off panel (plus the week's summary line and a toast, out of band).
    Without JavaScript: back to the editor, or the editor with the form's errors."""
    profile = availability_owner_ensure(actor=_user(request))
    week = form.cleaned_data.get("week")  # the form has been validated: valid fields are here
    data = availability_editor_get(profile=profile, day=week, now=now)
    if done is not None:
        form = BlackoutForm(initial={"week": data.week.week_start})
    if request.headers.get("HX-Request"):
        # 200 even with errors: htmx swaps only successful responses by default.
        return render(request, DAYS_OFF, {"data": data, "blackout_form": form, "oob": True, "done": done})
    if done is None:
        return render(request, EDITOR, _editor_context(data, form), status=422)
    messages.success(request, done)
    return redirect(reverse("availability:editor") + f"?week={data.week.week_start.isoformat()}")


@login_required
@require_POST
def blackout_add(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    availability_owner_ensure(actor=user)  # students: 404, before any form handling
    form, now = BlackoutForm(request.POST), timezone.now()
    if not form.is_valid():
        return _days_off_result(request, form, None, now)
    try:
        blackout = blackout_create(
            actor=user, day=form.cleaned_data["date"], reason=form.cleaned_data["reason"], now=now
        )
    except ApplicationError as exc:
        apply_application_error(form, exc)
        return _days_off_result(request, form, None, now)
    return _days_off_result(request, form, f"{day_label(blackout.date)} is a day off.", now)


@login_required
@require_POST
def blackout_remove(request: HttpRequest, blackout_id: int) -> HttpResponse:
    user = _user(request)
    form = BlackoutForm(request.POST)  # only its hidden `week` matters here
    form.is_valid()
    now = timezone.now()
    blackout_delete(actor=user, blackout_id=blackout_id, now=now)  # someone else's: 404
    return _days_off_result(request, form, "Day off removed.", now)


@require_safe
def slot_picker(request: HttpRequest, slug: str) -> HttpResponse:
    """The profile page's slot picker (an HTMX partial the profile template loads)."""
    day, service, fmt, duration = SlotPickerForm(request.GET).picked()
    user = request.user
    viewer_tz = user.timezone if isinstance(user, User) and user.is_authenticated else None
    picker = slot_picker_get(
        slug=slug, day=day, service=service, fmt=fmt, duration=duration, viewer_tz=viewer_tz, now=timezone.now()
    )
    if picker is None:
        raise Http404("Instructor not found.")
    return render(request, "availability/_slot_picker.html", {"picker": picker})
