"""Availability endpoints: the instructor's weeks (read, conditional replace, copy, apply as a
pattern), booked time and blackout dates; the public open slots of a live instructor.

A week is one resource with a strong ETag (a hash of its windows): GET returns it with
`ETag` and `Last-Modified`; PUT must send `If-Match` with the ETag it edited (428 without,
409 with the current version and content when stale)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import http_date
from ninja import Field, Router, Schema
from ninja.params import HeaderEx, P, QueryEx
from ninja.responses import Status

from apps.accounts.models import User
from apps.availability.cells import week_start_of
from apps.availability.models import BLACKOUT_REASON_MAX, BlackoutDate
from apps.availability.selectors import (
    availability_booked_list,
    availability_owner_week_get,
    availability_week_get,
    blackout_list,
)
from apps.availability.selectors_public import NEXT_AVAILABLE_MAX, next_available_get, slot_listing_get
from apps.availability.services import (
    DayInput,
    WindowInput,
    availability_owner_ensure,
    availability_pattern_apply,
    availability_week_copy,
    availability_week_replace,
    blackout_create,
    blackout_delete,
    blackout_update,
)
from apps.availability.weeks import WeekSnapshot, booked_payload, day_label, week_payload
from apps.core.api_auth import api_user
from apps.core.api_errors import error_responses
from apps.core.api_input import ApiDate, InputSchema
from apps.core.errors import NotFound
from apps.core.public_cache import public_read

router = Router(tags=["availability"])
WEEK_PATH = "/instructors/me/availability/weeks/{day}"
FormatName = Literal["online", "studio", "travel"]


class WindowSchema(InputSchema):
    start: str = Field(..., description="Local wall time HH:MM on the half hour.", examples=["09:00"])
    end: str = Field(..., description="Local wall time HH:MM on the half hour; 24:00 is midnight.", examples=["12:30"])


class DayIn(InputSchema):
    date: ApiDate
    windows: list[WindowSchema] = Field(default_factory=list, max_length=48)


class WeekIn(InputSchema):
    days: list[DayIn] = Field(..., max_length=7, description="Days not listed become unavailable.")


class DayOut(Schema):
    date: dt.date
    label: str
    windows: list[WindowSchema]


class WeekOut(Schema):
    week_start: dt.date
    week_end: dt.date
    timezone: str
    etag: str
    version: int
    last_modified: dt.datetime
    days: list[DayOut]


class CellRangeOut(Schema):
    date: dt.date
    start: str
    end: str


class BookedOut(Schema):
    id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    label: str
    student_initials: str
    service_name: str
    format: str
    status: str
    cells: list[CellRangeOut]


class CopyIn(InputSchema):
    target: ApiDate = Field(..., description="Any date in the week to copy to.")


class ApplyIn(InputSchema):
    date_from: ApiDate = Field(..., alias="from")
    date_to: ApiDate = Field(..., alias="to")


class WeekVersionOut(Schema):
    week_start: dt.date
    etag: str
    version: int


class ApplyOut(Schema):
    date_from: dt.date
    date_to: dt.date
    days_changed: int
    weeks: list[WeekVersionOut]


class BlackoutIn(InputSchema):
    date: ApiDate
    reason: str = Field("", max_length=BLACKOUT_REASON_MAX)


class BlackoutPatch(InputSchema):
    reason: str = Field(..., max_length=BLACKOUT_REASON_MAX)


class BlackoutOut(Schema):
    id: int
    date: dt.date
    label: str
    reason: str


class SlotOut(Schema):
    # Strings, exactly as format_slot writes them (ISO 8601 with an explicit offset).
    starts_at: str = Field(..., description="The start instant in UTC.", json_schema_extra={"format": "date-time"})
    local: str = Field(
        ...,
        description="The same instant in the viewer's zone, with its offset.",
        json_schema_extra={"format": "date-time"},
    )
    label: str = Field(..., examples=["Tue 9 Jun, 4:00 pm"])
    book_url: str


class SlotsOut(Schema):
    instructor_id: int
    service: str
    format: str
    duration: int
    timezone: str = Field(..., description="The instructor's zone: `from` and `to` are dates there.")
    viewer_timezone: str
    date_from: dt.date
    date_to: dt.date
    slots: list[SlotOut]


class NextSlotOut(SlotOut):
    service: str
    format: str
    duration: int


class NextAvailableOut(Schema):
    instructor_id: int
    viewer_timezone: str
    slots: list[NextSlotOut]


def _week_out(week: WeekSnapshot, response: HttpResponse) -> WeekOut:
    response["ETag"] = week.quoted_etag
    response["Last-Modified"] = http_date(week.last_modified.timestamp())
    # Always revalidate: the editor must never work from a cached copy.
    response["Cache-Control"] = "private, no-cache"
    return WeekOut.model_validate(week_payload(week))


def _blackout_out(blackout: BlackoutDate) -> BlackoutOut:
    return BlackoutOut(id=blackout.pk, date=blackout.date, label=day_label(blackout.date), reason=blackout.reason)


OWN = error_responses(401, 404)
OWN_WRITE = error_responses(401, 403, 404)


@router.get(
    WEEK_PATH,
    response={200: WeekOut, 304: None, **OWN},
    summary="A week of my availability",
    url_name="availability_week",
)
def week_get(
    request: HttpRequest,
    day: ApiDate,
    response: HttpResponse,
    if_none_match: HeaderEx[str | None, P(alias="If-None-Match")] = None,
) -> WeekOut | HttpResponse:
    """The Monday-start week (in my time zone) holding `day`: each day's windows, with the
    week's `ETag` and `Last-Modified`. Send the ETag back in `If-None-Match` to get 304."""
    actor = api_user(request)
    week = availability_owner_week_get(actor=actor, day=day) or availability_week_get(
        profile=availability_owner_ensure(actor=actor), day=day
    )
    if if_none_match is not None and week.quoted_etag in {tag.strip() for tag in if_none_match.split(",")}:
        not_modified = HttpResponse(status=304)
        not_modified["ETag"] = week.quoted_etag
        return not_modified
    return _week_out(week, response)


@router.put(
    WEEK_PATH,
    response={200: WeekOut, **error_responses(401, 403, 404, 409, 428)},
    summary="Replace a week of my availability",
)
def week_put(
    request: HttpRequest,
    day: ApiDate,
    payload: WeekIn,
    response: HttpResponse,
    if_match: HeaderEx[str | None, P(alias="If-Match")] = None,
) -> WeekOut:
    """Replace the whole week atomically. `If-Match` must carry the ETag you edited: without
    it 428; if the week changed since, 409 `stale_version` with the current `etag`,
    `version` and `week`; removing time under an active booking, 409 `booked_time` naming
    the `bookings`."""
    days = [DayInput(date=d.date, windows=[WindowInput(w.start, w.end) for w in d.windows]) for d in payload.days]
    week = availability_week_replace(actor=api_user(request), day=day, days=days, if_match=if_match, now=timezone.now())
    return _week_out(week, response)


@router.post(
    WEEK_PATH + "/copy",
    response={200: WeekOut, **error_responses(401, 403, 404, 409)},
    summary="Copy a week to another week",
)
def week_copy(request: HttpRequest, day: ApiDate, payload: CopyIn, response: HttpResponse) -> WeekOut:
    """Replace the week holding `target` with a copy of this week; returns the target week."""
    week = availability_week_copy(
        actor=api_user(request), source_day=day, target_day=payload.target, now=timezone.now()
    )
    return _week_out(week, response)


@router.post(
    WEEK_PATH + "/apply",
    response={200: ApplyOut, **error_responses(401, 403, 404, 409)},
    summary="Apply a week as a pattern to a date range",
)
def week_apply(request: HttpRequest, day: ApiDate, payload: ApplyIn) -> ApplyOut:
    """Every date from `from` to `to` (at most 26 weeks) gets the windows of the same weekday
    in this week."""
    result = availability_pattern_apply(
        actor=api_user(request),
        source_day=day,
        date_from=payload.date_from,
        date_to=payload.date_to,
        now=timezone.now(),
    )
    return ApplyOut(
        date_from=result.date_from,
        date_to=result.date_to,
        days_changed=result.days_changed,
        weeks=[WeekVersionOut(week_start=w.week_start, etag=w.quoted_etag, version=w.version) for w in result.weeks],
    )


@router.get(WEEK_PATH + "/bookings", response={200: list[BookedOut], **OWN}, summary="Booked time in a week")
def week_bookings(request: HttpRequest, day: ApiDate) -> list[BookedOut]:
    """Active bookings in the week, with the local half-hour cells each covers."""
    profile = availability_owner_ensure(actor=api_user(request))
    first = week_start_of(day)
    booked = availability_booked_list(profile=profile, first=first, last=first + dt.timedelta(days=6))
    return [BookedOut.model_validate(booked_payload(slot)) for slot in booked]


@router.get("/instructors/me/availability/blackouts", response={200: list[BlackoutOut], **OWN}, summary="My days off")
def blackouts(
    request: HttpRequest,
    date_from: QueryEx[ApiDate | None, P(alias="from")] = None,
    date_to: QueryEx[ApiDate | None, P(alias="to")] = None,
) -> list[BlackoutOut]:
    profile = availability_owner_ensure(actor=api_user(request))
    return [_blackout_out(b) for b in blackout_list(profile=profile, first=date_from, last=date_to)]


@router.post(
    "/instructors/me/availability/blackouts",
    response={201: BlackoutOut, **error_responses(401, 403, 404, 409)},
    summary="Take a day off",
)
def blackout_add(request: HttpRequest, payload: BlackoutIn) -> Status[BlackoutOut]:
    """No slots are offered on a day off. Refused (409 `booked_time`) while lessons are booked that day."""
    blackout = blackout_create(actor=api_user(request), day=payload.date, reason=payload.reason, now=timezone.now())
    return Status(201, _blackout_out(blackout))


@router.patch(
    "/instructors/me/availability/blackouts/{blackout_id}",
    response={200: BlackoutOut, **OWN_WRITE},
    summary="Edit a day off",
)
def blackout_edit(request: HttpRequest, blackout_id: int, payload: BlackoutPatch) -> BlackoutOut:
    return _blackout_out(blackout_update(actor=api_user(request), blackout_id=blackout_id, reason=payload.reason))


@router.delete(
    "/instructors/me/availability/blackouts/{blackout_id}",
    response={204: None, **error_responses(401, 403, 404)},
    summary="Remove a day off",
)
def blackout_remove(request: HttpRequest, blackout_id: int) -> Status[None]:
    blackout_delete(actor=api_user(request), blackout_id=blackout_id, now=timezone.now())
    return Status(204, None)


@router.get(
    "/instructors/{instructor_id}/slots",
    response={200: SlotsOut, **error_responses(404)},
    auth=None,
    summary="Open start times of a live instructor",
)
def slots(
    request: HttpRequest,
    instructor_id: int,
    service: str | None = None,
    format: FormatName | None = None,
    duration: int | None = None,
    date_from: QueryEx[ApiDate | None, P(alias="from")] = None,
    date_to: QueryEx[ApiDate | None, P(alias="to")] = None,
    tz: str | None = None,
) -> SlotsOut:
    """Open starts for one of the instructor's offerings (`service` slug; default the first),
    `format` and `duration` in minutes (default the offering's), on the instructor's local
    dates `from`..`to` (default: the coming 7 days; at most 90). Each slot is the UTC instant,
    the same instant in the viewer's zone (`tz`, else yours when logged in, else the
    instructor's) and a label."""
    viewer_tz = tz or _viewer_timezone(request)

    def listing_out(minute: dt.datetime) -> SlotsOut | None:
        listing = slot_listing_get(
            instructor_id=instructor_id, service=service, fmt=format, duration=duration,
            date_from=date_from, date_to=date_to, viewer_tz=viewer_tz, now=minute,
        )  # fmt: skip
        if listing is None:
            return None
        return SlotsOut(
            instructor_id=listing.profile.pk,
            service=listing.choice.offering.service.slug,
            format=listing.choice.format,
            duration=listing.choice.duration,
            timezone=listing.profile.timezone,
            viewer_timezone=listing.viewer_timezone,
            date_from=listing.date_from,
            date_to=listing.date_to,
            slots=[SlotOut.model_validate(slot) for slot in listing.slots],
        )

    asked = (instructor_id, service, format, duration, date_from, date_to, viewer_tz)
    found = public_read("slots", asked, listing_out, now=timezone.now())
    if found is None:
        raise NotFound("Instructor not found.")
    return found


@router.get(
    "/instructors/{instructor_id}/next-available",
    response={200: NextAvailableOut, **error_responses(404)},
    auth=None,
    summary="The next open start times of a live instructor",
)
def next_available(
    request: HttpRequest,
    instructor_id: int,
    count: QueryEx[int, P(ge=1, le=NEXT_AVAILABLE_MAX)] = 3,
    tz: str | None = None,
) -> NextAvailableOut:
    """The earliest open starts across the instructor's offerings, each at the offering's
    default format and length (what a search card's slot buttons show)."""
    found = next_available_get(
        instructor_id=instructor_id, count=count, viewer_tz=tz or _viewer_timezone(request), now=timezone.now()
    )
    if found is None:
        raise NotFound("Instructor not found.")
    return NextAvailableOut(
        instructor_id=found.profile.pk,
        viewer_timezone=found.viewer_timezone,
        slots=[NextSlotOut.model_validate(slot) for slot in found.slots],
    )


def _viewer_timezone(request: HttpRequest) -> str | None:
    """A logged-in viewer sees times in their own zone."""
    user = getattr(request, "user", None)
    return user.timezone if isinstance(user, User) and user.is_authenticated else None
