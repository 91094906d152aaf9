"""The instructor's "Your calendars" page: connect an ICS feed, see whether it reads, refresh
or remove it. Plain forms (POST, redirect after success); the page works without JavaScript."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from apps.accounts.models import User
from apps.availability.feeds.selectors import imported_calendar_get, imported_calendar_list
from apps.availability.feeds.services import (
    MAX_FEEDS,
    feed_host,
    imported_calendar_add,
    imported_calendar_refresh,
    imported_calendar_remove,
)
from apps.availability.forms import ImportedCalendarForm
from apps.availability.services import availability_owner_ensure
from apps.core.errors import ApplicationError
from apps.core.forms import apply_application_error

PAGE = "availability/calendars.html"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # guaranteed by @login_required
    return request.user


def _page(request: HttpRequest, form: ImportedCalendarForm, status: int = 200) -> HttpResponse:
    profile = availability_owner_ensure(actor=_user(request))
    feeds = imported_calendar_list(profile=profile).annotate(busy_count=Count("busy"))
    context: dict[str, Any] = {
        "feeds": [(feed, feed_host(feed)) for feed in feeds],
        "form": form,
        "max_feeds": MAX_FEEDS,
    }
    return render(request, PAGE, context, status=status)


@login_required
@require_safe
def calendars(request: HttpRequest) -> HttpResponse:
    return _page(request, ImportedCalendarForm())


@login_required
@require_POST
def calendar_add(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    availability_owner_ensure(actor=user)  # students: 404, before any form handling
    form = ImportedCalendarForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=422)
    now = timezone.now()
    try:
        feed = imported_calendar_add(
            actor=user, url=form.cleaned_data["url"], label=form.cleaned_data["label"], now=now
        )
    except ApplicationError as exc:
        apply_application_error(form, exc)
        return _page(request, form, status=exc.status if exc.status != 404 else 422)
    # Read it now so the instructor sees at once whether the address works.
    if imported_calendar_refresh(feed_id=feed.pk, now=now, force=True):
        messages.success(request, f"“{feed.label}” is connected. Its busy times now block lesson times.")
    else:
        messages.warning(request, f"“{feed.label}” is added, but we couldn't read it yet: see below.")
    return redirect("availability:calendars")


@login_required
@require_POST
def calendar_refresh(request: HttpRequest, feed_id: int) -> HttpResponse:
    feed = imported_calendar_get(profile=availability_owner_ensure(actor=_user(request)), feed_id=feed_id)
    if imported_calendar_refresh(feed_id=feed.pk, now=timezone.now(), force=True):
        messages.success(request, f"“{feed.label}” is up to date.")
    else:
        messages.warning(request, f"We couldn't read “{feed.label}”: see below.")
    return redirect("availability:calendars")


@login_required
@require_POST
def calendar_remove(request: HttpRequest, feed_id: int) -> HttpResponse:
    imported_calendar_remove(actor=_user(request), feed_id=feed_id)  # someone else's: 404
    messages.success(request, "Calendar disconnected. Its busy times no longer block lesson times.")
    return redirect("availability:calendars")
