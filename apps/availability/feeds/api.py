"""Calendar import endpoints: the instructor's connected ICS feeds (list, connect, refresh,
disconnect). The address is write-only: responses show its host, never the secret URL."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.responses import Status

from apps.availability.feeds.selectors import imported_calendar_get, imported_calendar_list
from apps.availability.feeds.services import (
    feed_host,
    imported_calendar_add,
    imported_calendar_refresh,
    imported_calendar_remove,
)
from apps.availability.models import FEED_LABEL_MAX, FEED_URL_MAX, ImportedCalendar
from apps.availability.services import availability_owner_ensure
from apps.core.api_auth import api_user
from apps.core.api_errors import error_responses
from apps.core.api_input import InputSchema

router = Router(tags=["availability"])
FEEDS_PATH = "/instructors/me/availability/calendars"


class ImportedCalendarIn(InputSchema):
    label: str = Field(..., max_length=FEED_LABEL_MAX, examples=["School"])
    url: str = Field(
        ..., max_length=FEED_URL_MAX, description="The calendar's secret ICS address (https:// or webcal://)."
    )


class ImportedCalendarOut(Schema):
    id: int
    label: str
    host: str = Field(..., description="The address's host; the secret address itself is never returned.")
    last_success_at: dt.datetime | None
    failing: bool
    last_error: str
    busy_count: int = Field(..., description="Busy stretches read from it, from yesterday to the booking horizon.")


def _out(feed: ImportedCalendar) -> ImportedCalendarOut:
    busy_count = getattr(feed, "busy_count", None)
    return ImportedCalendarOut(
        id=feed.pk, label=feed.label, host=feed_host(feed), last_success_at=feed.last_success_at,
        failing=feed.failure_count > 0, last_error=feed.last_error,
        busy_count=feed.busy.count() if busy_count is None else busy_count,
    )  # fmt: skip


def _own(request: HttpRequest, feed_id: int) -> ImportedCalendar:
    return imported_calendar_get(profile=availability_owner_ensure(actor=api_user(request)), feed_id=feed_id)


@router.get(FEEDS_PATH, response={200: list[ImportedCalendarOut], **error_responses(401, 404)}, summary="My calendars")
def calendars(request: HttpRequest) -> list[ImportedCalendarOut]:
    profile = availability_owner_ensure(actor=api_user(request))
    return [_out(feed) for feed in imported_calendar_list(profile=profile).annotate(busy_count=Count("busy"))]


@router.post(
    FEEDS_PATH, response={201: ImportedCalendarOut, **error_responses(401, 403, 404, 409)}, summary="Connect a calendar"
)
def calendar_add(request: HttpRequest, payload: ImportedCalendarIn) -> Status[ImportedCalendarOut]:
    """Reads the calendar at once; `failing` and `last_error` say whether that worked. 409
    when it is already connected or five calendars are."""
    now = timezone.now()
    feed = imported_calendar_add(actor=api_user(request), url=payload.url, label=payload.label, now=now)
    imported_calendar_refresh(feed_id=feed.pk, now=now, force=True)
    return Status(201, _out(_own(request, feed.pk)))


@router.post(
    FEEDS_PATH + "/{feed_id}/refresh",
    response={200: ImportedCalendarOut, **error_responses(401, 403, 404)},
    summary="Read a calendar now",
)
def calendar_refresh(request: HttpRequest, feed_id: int) -> ImportedCalendarOut:
    feed = _own(request, feed_id)
    imported_calendar_refresh(feed_id=feed.pk, now=timezone.now(), force=True)
    return _out(_own(request, feed_id))


@router.delete(
    FEEDS_PATH + "/{feed_id}", response={204: None, **error_responses(401, 403, 404)}, summary="Disconnect a calendar"
)
def calendar_remove(request: HttpRequest, feed_id: int) -> Status[None]:
    imported_calendar_remove(actor=api_user(request), feed_id=feed_id)
    return Status(204, None)
