"""Reads for saved teachers: which instructors a student saved (for the save buttons) and the
"My teachers" page, with each teacher's next open times and the lesson to book again.

The page is a fixed number of queries however many teachers are saved: the favorites with
their profiles and last booked lesson (one query, subqueries for the last booking), their
bookable offerings (one), and every teacher's calendar (two, `search.openings.calendar_list`,
which search uses for the same job on hundreds of instructors)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db.models import OuterRef, Prefetch, Subquery

from apps.accounts.models import User
from apps.availability.selectors_public import (
    SlotChoice,
    book_url,
    default_duration,
    default_format,
    offerings_of,
    slot_rules_for,
)
from apps.availability.slots import format_slot
from apps.bookings.models import Booking
from apps.favorites.models import Favorite
from apps.instructors.models import InstructorProfile, Offering
from apps.instructors.states import ProfileStatus
from apps.search.criteria import SEARCH_ZONE
from apps.search.openings import Calendar, CalendarAsk, calendar_list, calendar_span, window_starts
from apps.search.relax import DayWindow

NEXT_TIMES = 3
LOOKAHEAD_DAYS = 14
LIST_LIMIT = 100


def favorite_instructor_ids(*, user: User) -> set[int]:
    """The instructors `user` saved (one query); empty for visitors and instructors."""
    if not user.is_authenticated or not user.is_student:
        return set()
    return set(Favorite.objects.filter(student=user).values_list("instructor_id", flat=True))


@dataclass(frozen=True)
class SavedTeacher:
    profile: InstructorProfile
    saved_at: datetime
    choice: SlotChoice | None  # the lesson the times are for: the last one booked, else the default
    next_times: list[dict[str, str]]  # format_slot's keys plus book_url
    book_again_url: str  # the booking sheet with the last lesson chosen; "" before a first lesson


def _last_booked(field: str) -> Subquery:
    latest = Booking.objects.filter(student=OuterRef("student"), instructor=OuterRef("instructor"))
    return Subquery(latest.order_by("-starts_at", "-id").values(field)[:1])


def _choice(profile: InstructorProfile, favorite: Favorite) -> SlotChoice | None:
    """The last booked lesson when the teacher still offers it that way, else the default."""
    offerings = offerings_of(profile)
    if not offerings:
        return None
    last_offering: int | None = favorite.last_offering_id  # type: ignore[attr-defined]
    offering: Offering = next((o for o in offerings if o.pk == last_offering), offerings[0])
    booked_format: str | None = favorite.last_format if offering.pk == last_offering else None  # type: ignore[attr-defined]
    booked_length: int | None = favorite.last_duration if offering.pk == last_offering else None  # type: ignore[attr-defined]
    return SlotChoice(
        offering=offering,
        format=booked_format if booked_format in offering.formats else default_format(offering),
        duration=booked_length
        if booked_length is not None and booked_length in offering.duration_options
        else default_duration(offering),
    )


def _sheet_url(profile: InstructorProfile, choice: SlotChoice) -> str:
    params = {"service": choice.offering.service.slug, "format": choice.format, "duration": choice.duration}
    return f"/book/{profile.slug}/?{urlencode(params)}"


def saved_teacher_list(*, user: User, now: datetime) -> list[SavedTeacher]:
    """The student's saved live teachers, newest first, each with its next open times (in the
    student's zone) over the coming two weeks. Four queries whatever the number."""
    offerings = Offering.objects.filter(is_active=True, service__is_active=True).select_related("service")
    favorites = list(
        Favorite.objects.filter(student=user, instructor__status=ProfileStatus.LIVE)
        .select_related("instructor", "instructor__user")
        .prefetch_related(
            Prefetch("instructor__offerings", queryset=offerings.order_by("id"), to_attr="bookable_offerings")
        )
        .annotate(
            last_offering_id=_last_booked("offering_id"),
            last_format=_last_booked("format"),
            last_duration=_last_booked("duration_minutes"),
        )
        .order_by("-created_at", "-id")[:LIST_LIMIT]
    )
    today = now.astimezone(SEARCH_ZONE).date()
    window = DayWindow(today, today + timedelta(days=LOOKAHEAD_DAYS - 1))
    choices = {f.instructor_id: _choice(f.instructor, f) for f in favorites}
    asks = {
        f.instructor_id: CalendarAsk(
            f.instructor.timezone,
            slot_rules_for(f.instructor),
            frozenset(c.duration for c in [choices[f.instructor_id]] if c),
        )
        for f in favorites
    }
    calendars = calendar_list(asks, *calendar_span(window, today), now=now) if favorites else {}
    return [
        _saved_teacher(favorite, choices[favorite.instructor_id], calendars, window, user.timezone, now)
        for favorite in favorites
    ]


def _saved_teacher(
    favorite: Favorite,
    choice: SlotChoice | None,
    calendars: dict[int, Calendar],
    window: DayWindow,
    viewer_tz: str,
    now: datetime,
) -> SavedTeacher:
    profile = favorite.instructor
    if choice is None:  # nothing bookable right now: listed, without times
        return SavedTeacher(
            profile=profile, saved_at=favorite.created_at, choice=None, next_times=[], book_again_url=""
        )
    starts = window_starts(
        calendars[profile.pk], window, duration=choice.duration, is_travel=choice.is_travel, now=now, limit=NEXT_TIMES
    )
    booked_before = favorite.last_offering_id is not None  # type: ignore[attr-defined]
    return SavedTeacher(
        profile=profile,
        saved_at=favorite.created_at,
        choice=choice,
        next_times=[{**format_slot(s, viewer_tz), "book_url": book_url(profile, choice, s)} for s in starts],
        book_again_url=_sheet_url(profile, choice) if booked_before else "",
    )
