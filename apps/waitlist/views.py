"""Waitlist pages: "Tell me when a time opens" from a profile, and the student's entries
with a cancel button. Plain forms that post and redirect (no JavaScript needed)."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.accounts.requests import request_student
from apps.availability.selectors_public import offerings_of, slot_instructor_get
from apps.core.errors import ApplicationError, NotFound
from apps.core.forms import apply_application_error
from apps.waitlist.forms import WaitlistForm
from apps.waitlist.selectors import waitlist_entry_list
from apps.waitlist.services import waitlist_cancel, waitlist_join


@login_required
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    user = request_student(request)
    return render(request, "waitlist/mine.html", {"entries": waitlist_entry_list(user=user)})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def join(request: HttpRequest, slug: str) -> HttpResponse:
    user, now = request_student(request), timezone.now()
    profile = slot_instructor_get(slug=slug)
    if profile is None or not offerings_of(profile):
        raise Http404("Instructor not found.")
    today = now.astimezone(ZoneInfo(profile.timezone)).date()
    posted = request.POST if request.method == "POST" else None
    form = WaitlistForm(posted, offerings=offerings_of(profile), today=today)
    status = 200
    if posted is not None:
        status = 422
        if form.is_valid():
            try:
                waitlist_join(
                    actor=user, slug=slug, service=form.cleaned_data["service"], window=form.window(), now=now
                )
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except ApplicationError as exc:
                apply_application_error(form, exc)
                status = exc.status
            else:
                messages.success(request, f"Done. We'll tell you when a time opens with {profile.display_name}.")
                return redirect("waitlist:mine")
    zone_name = profile.timezone.rsplit("/", 1)[-1].replace("_", " ")
    context = {"profile": profile, "form": form, "zone_name": zone_name}
    return render(request, "waitlist/join.html", context, status=status)


@login_required
@require_POST
def cancel(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        waitlist_cancel(actor=request_student(request), public_id=public_id, now=timezone.now())
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "You're off that waitlist.")
    return redirect("waitlist:mine")
