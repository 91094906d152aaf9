"""Waitlist endpoints: my entries, wait for a time with an instructor, stop waiting. Entries
are the caller's own: someone else's entry id answers 404."""

import datetime as dt
import uuid
from typing import Annotated

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import StringConstraints

from apps.core.api_auth import api_user
from apps.core.api_errors import error_responses
from apps.core.api_input import ApiDate, InputSchema
from apps.core.errors import PermissionDenied, ValidationFailed
from apps.waitlist.models import WaitlistEntry
from apps.waitlist.selectors import waitlist_entry_list
from apps.waitlist.services import MAX_WEEKS, WaitWindow, waitlist_cancel, waitlist_join

router = Router(tags=["waitlist"])
Clock = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class EntryOut(Schema):
    id: uuid.UUID
    instructor: str = Field(description="The instructor's slug.")
    service: str
    format: str
    duration_minutes: int
    weekdays: list[int] = Field(description="0 = Monday … 6 = Sunday.")
    start: str = Field(description="Earliest lesson start, HH:MM in the instructor's zone.")
    end: str = Field(description="Lessons start before this, HH:MM (00:00 = midnight).")
    timezone: str = Field(description="The instructor's zone, which the window is in.")
    date_from: dt.date
    date_to: dt.date
    status: str = Field(description="active | cancelled | expired")
    created_at: dt.datetime


class EntryIn(InputSchema):
    instructor: str = Field(max_length=80, description="The instructor's slug.")
    service: str | None = Field(None, max_length=80, description="A service slug they teach; default their first.")
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(min_length=1, max_length=7)
    start: Clock = Field(description="HH:MM, the instructor's zone.")
    end: Clock = Field(description="HH:MM; 00:00 means midnight.")
    date_from: ApiDate
    date_to: ApiDate = Field(description=f"At most {MAX_WEEKS} weeks after date_from.")


def _clock(minute: int) -> str:
    return f"{minute // 60 % 24:02d}:{minute % 60:02d}"


def _entry(entry: WaitlistEntry) -> EntryOut:
    return EntryOut(
        id=entry.public_id, instructor=entry.instructor.slug, service=entry.offering.service.slug, format=entry.format,
        duration_minutes=entry.duration_minutes, weekdays=[d for d in range(7) if entry.weekdays & (1 << d)],
        start=_clock(entry.start_minute), end=_clock(entry.end_minute), timezone=entry.instructor.timezone,
        date_from=entry.date_from, date_to=entry.date_to, status=entry.status, created_at=entry.created_at,
    )  # fmt: skip


@router.get("/me/waitlist", response={200: list[EntryOut], **error_responses(401, 403)}, summary="My waitlist entries")
def entries(request: HttpRequest) -> list[EntryOut]:
    """Waiting entries first, then the latest that ended (up to 50). Students only."""
    user = api_user(request)
    if not user.is_student:
        raise PermissionDenied("Only students join waitlists.")
    return [_entry(e) for e in waitlist_entry_list(user=user)]


@router.post("/me/waitlist", response={201: EntryOut, **error_responses(401, 403, 404, 409)}, summary="Wait for a time")
def join(request: HttpRequest, payload: EntryIn) -> Status[EntryOut]:
    """Be told (in-app and by email) when a lesson start in this window opens with a live
    instructor. Everyone waiting hears at once; the first to book gets it. 409 when the window
    has open times already (`open_times` lists them) or the student waits for 20 already."""
    start, end = dt.time.fromisoformat(payload.start), dt.time.fromisoformat(payload.end)
    if len(set(payload.weekdays)) != len(payload.weekdays):
        raise ValidationFailed("Name each day once.", fields={"weekdays": ["Name each day once."]})
    window = WaitWindow(
        weekdays=frozenset(payload.weekdays), start=start, end=end, date_from=payload.date_from,
        date_to=payload.date_to,
    )  # fmt: skip
    entry = waitlist_join(
        actor=api_user(request), slug=payload.instructor, service=payload.service, window=window, now=timezone.now()
    )
    return Status(201, _entry(entry))


@router.delete(
    "/me/waitlist/{entry_id}", response={204: None, **error_responses(401, 403, 404, 409)}, summary="Stop waiting"
)
def cancel(request: HttpRequest, entry_id: uuid.UUID) -> Status[None]:
    """Cancel my entry (again is a no-op). 404 for someone else's; 409 once it expired."""
    waitlist_cancel(actor=api_user(request), public_id=entry_id, now=timezone.now())
    return Status(204, None)
