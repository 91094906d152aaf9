"""Standing weekly lessons: create a series from a slot or from a booked lesson, and book its
weeks as they come within the instructor's booking horizon (the series sweep).

Every week is an ordinary booking made by the booking service's own insert
(`booking_insert`: the same price, credits, event, confirmation and, after the commit, the
same authorization when the lesson is < 24 h away); the series adds nothing to the money.
The weeks a run considers are booked in one transaction under the instructor's row lock: each
week that is free is booked, each that is not is recorded in `unbooked` with the reason and
the open starts that week, and either all of that commits or none of it does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from apps.accounts.models import User
from apps.availability.selectors_public import MAX_RANGE_DAYS, SlotChoice, open_slot_list, slot_rules_for
from apps.bookings import notices
from apps.bookings.models import Booking, BookingSeries, SeriesEvent
from apps.bookings.series.rule import MAX_WEEKS, MIN_WEEKS, has_week, local_wall, next_start, week_start
from apps.bookings.services import (
    BookingRequest,
    SeriesWeek,
    SlotUnavailable,
    StudentBusy,
    booking_authorize_if_due,
    booking_insert,
    booking_request_check,
)
from apps.bookings.states import ACTIVE_STATUSES, BookingStatus, SeriesStatus
from apps.core.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from apps.core.limits import money_operation

ALTERNATIVES = 3
SWEEP_BATCH = 100


class SeriesUnavailable(Conflict):
    """Not one week of the asked series is free: nothing was booked."""

    code = "series_unavailable"


@dataclass(frozen=True)
class SeriesResult:
    series: BookingSeries
    booked: list[Booking]  # the weeks this call booked
    unbooked: list[dict[str, Any]]  # the weeks this call could not book (week, starts_at, reason, alternatives)


def weeks_check(weeks: int | None) -> None:
    if weeks is not None and not MIN_WEEKS <= weeks <= MAX_WEEKS:
        message = f"Repeat for {MIN_WEEKS} to {MAX_WEEKS} weeks, or until you end it."
        raise ValidationFailed(message, fields={"weeks": [message]})


def series_event_add(
    *, series: BookingSeries, kind: str, actor: User | None, now: datetime, reason: str = "", to_status: str = ""
) -> SeriesEvent:
    return SeriesEvent.objects.create(
        series=series, kind=kind, actor=actor, at=now, reason=reason[:300], to_status=to_status
    )


def series_request(series: BookingSeries, starts_at: datetime) -> BookingRequest:
    """The booking request of one week: the series' lesson at that start."""
    return BookingRequest(
        instructor=series.instructor.slug, service=series.offering.service.slug, format=series.format,
        duration_minutes=series.duration_minutes, starts_at=starts_at, learner_id=series.learner_id,
        address_id=series.address_id, payment_method_id=series.payment_method_id,
    )  # fmt: skip


def same_week_open(series: BookingSeries, starts_at: datetime, now: datetime) -> list[datetime]:
    """The open starts nearest `starts_at` in its instructor-local week (Monday to Sunday),
    leaving out times the student already has a lesson; at most three, in time order."""
    profile = series.instructor
    day = starts_at.astimezone(ZoneInfo(profile.timezone)).date()
    monday = day - timedelta(days=day.weekday())
    choice = SlotChoice(offering=series.offering, format=series.format, duration=series.duration_minutes)
    starts = open_slot_list(
        profile=profile, choice=choice, date_from=monday, date_to=monday + timedelta(days=6), now=now
    )
    if not starts:
        return []
    length = timedelta(minutes=series.duration_minutes)
    busy = list(
        Booking.objects.filter(
            student_id=series.student_id, status__in=ACTIVE_STATUSES, starts_at__lt=starts[-1] + length,
            ends_at__gt=starts[0],
        ).values_list("starts_at", "ends_at")
    )  # fmt: skip
    free = [s for s in starts if not any(b_start < s + length and b_end > s for b_start, b_end in busy)]
    return sorted(sorted(free, key=lambda s: abs(s - starts_at))[:ALTERNATIVES])


def _unbooked(
    series: BookingSeries, week: int, starts_at: datetime, exc: ApplicationError, now: datetime
) -> dict[str, Any]:
    taken = isinstance(exc, SlotUnavailable | StudentBusy)
    alternatives = same_week_open(series, starts_at, now) if taken else []
    return {
        "week": week, "starts_at": starts_at.isoformat(), "reason": exc.message,
        "alternatives": [start.isoformat() for start in alternatives],
    }  # fmt: skip


def _book_week(series: BookingSeries, student: User, week: int, starts_at: datetime, now: datetime) -> Booking:
    request = series_request(series, starts_at)
    # Checked per week: the price uses the credits left after the weeks before it.
    checked = booking_request_check(actor=student, request=request, now=now)
    # A savepoint: a week that is not free leaves nothing behind and the others go on.
    with transaction.atomic():
        return booking_insert(
            actor=student, request=request, checked=checked, now=now, week=SeriesWeek(series=series, week=week)
        )


def series_weeks_book(series: BookingSeries, *, now: datetime) -> SeriesResult:
    """Consider every week from `next_week` that starts inside the booking horizon: book it
    if free, else record why not. Inside the caller's transaction, the series row locked."""
    student = series.student
    horizon_end = now + timedelta(days=slot_rules_for(series.instructor).horizon_days)
    booked: list[Booking] = []
    unbooked: list[dict[str, Any]] = []
    while has_week(series, series.next_week) and (starts_at := week_start(series, series.next_week)) < horizon_end:
        week = series.next_week
        series.next_week += 1
        if starts_at <= now:
            continue  # its time has passed (the sweep was away): nothing to book
        try:
            booked.append(_book_week(series, student, week, starts_at, now))
        except ApplicationError as exc:
            unbooked.append(_unbooked(series, week, starts_at, exc, now))
    series.next_starts_at = next_start(series)
    series.unbooked = [*series.unbooked, *unbooked]
    series.save(update_fields=["next_week", "next_starts_at", "unbooked", "updated_at"])
    for item in unbooked:
        series_event_add(series=series, kind="week_unbooked", actor=None, now=now, reason=item["reason"])
    return SeriesResult(series=series, booked=booked, unbooked=unbooked)


def _authorize_due(result: SeriesResult, now: datetime) -> SeriesResult:
    """After the commit: the weeks < 24 h away are authorized now, like any booking."""
    booked = [booking_authorize_if_due(booking=b, actor=result.series.student, now=now) for b in result.booked]
    return replace(result, booked=booked)


def _created(actor: User, request_key: str, now: datetime) -> SeriesResult | None:
    """The series a request key already made: a retry after the first request died mid-way
    gets it back (and its weeks < 24 h away authorized, with the same provider keys)."""
    if not request_key:
        return None
    series = BookingSeries.objects.filter(student=actor, request_key=request_key).first()
    if series is None:
        return None
    pending = list(series.occurrences.filter(status=BookingStatus.PENDING))
    return _authorize_due(SeriesResult(series=series, booked=pending, unbooked=[]), now)


def _start(series: BookingSeries, actor: User, now: datetime, reason: str) -> SeriesResult:
    """Save the new series and book its weeks inside the horizon, all or nothing: when not
    one week is free, nothing is kept and the student is told every week's reason."""
    series.next_starts_at = next_start(series)
    series.save()
    series_event_add(series=series, kind="created", actor=actor, now=now, reason=reason, to_status=series.status)
    result = series_weeks_book(series, now=now)
    if not result.booked and not series.occurrences.exists():
        # `alternatives`: the first week's open starts, as a one-off booking's refusal offers.
        first = result.unbooked[0]["alternatives"] if result.unbooked else []
        raise SeriesUnavailable(
            "None of those weeks is free at that time. Pick another time.",
            extra={"unbooked": result.unbooked, "alternatives": first},
        )
    return result


def _weeks_words(weeks: int | None) -> str:
    return f"for {weeks} weeks" if weeks is not None else "until ended"


@money_operation
def booking_series_create(
    *, actor: User, request: BookingRequest, weeks: int | None, now: datetime, request_key: str | None = None
) -> SeriesResult:
    """Book `request` every week at the same local time, for `weeks` weeks or until ended
    (`weeks` None). Weeks inside the booking horizon are booked now; the rest by the sweep."""
    made = _created(actor, request_key or "", now)
    if made is not None:
        return made
    weeks_check(weeks)
    checked = booking_request_check(actor=actor, request=request, now=now)
    horizon = slot_rules_for(checked.profile).horizon_days
    if not now < request.starts_at < now + timedelta(days=horizon):
        message = f"Start from one of the open times, within the next {horizon} days."
        raise ValidationFailed(message, fields={"starts_at": [message]})
    if checked.payment_method is None:
        raise ValidationFailed("Add a card to book.", fields={"payment_method": ["Choose or add a card."]})
    day, wall = local_wall(request.starts_at, checked.profile.timezone)
    series = BookingSeries(
        student=actor, instructor=checked.profile, offering=checked.choice.offering, format=checked.choice.format,
        duration_minutes=checked.choice.duration, learner=checked.learner, address_id=request.address_id,
        payment_method=checked.payment_method, timezone=checked.profile.timezone, anchor_date=day, local_time=wall,
        weeks=weeks, request_key=request_key or "",
    )  # fmt: skip
    with transaction.atomic():
        result = _start(series, actor, now, f"weekly {_weeks_words(weeks)}")
    return _authorize_due(result, now)


def _own_upcoming(actor: User, booking_id: int, now: datetime) -> Booking:
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("instructor", "offering__service", "payment_method")
        .filter(pk=booking_id, student=actor)
        .first()
    )
    if booking is None:
        raise NotFound("Booking not found.")
    if booking.series_id is not None:
        raise Conflict("This lesson is already part of a weekly series.")
    if booking.status not in ACTIVE_STATUSES or booking.starts_at <= now:
        raise Conflict("Only an upcoming lesson can be repeated weekly.")
    return booking


@money_operation
def booking_series_from_booking(
    *,
    actor: User,
    booking_id: int,
    weeks: int | None,
    now: datetime,
    address_id: int | None = None,
    request_key: str | None = None,
) -> SeriesResult:
    """Repeat a booked lesson weekly: it becomes week 1 and the weeks after it follow at the
    same local time (`weeks` counts it). A travel lesson names its address again (a
    booking keeps the address as text only)."""
    made = _created(actor, request_key or "", now)
    if made is not None:
        return made
    weeks_check(weeks)
    with transaction.atomic():
        booking = _own_upcoming(actor, booking_id, now)
        day, wall = local_wall(booking.starts_at, booking.instructor_timezone)
        series = BookingSeries(
            student=actor, instructor=booking.instructor, offering=booking.offering, format=booking.format,
            duration_minutes=booking.duration_minutes, learner_id=booking.learner_id, address_id=address_id,
            payment_method=booking.payment_method, timezone=booking.instructor_timezone, anchor_date=day,
            local_time=wall, weeks=weeks, next_week=1, request_key=request_key or "",
        )  # fmt: skip
        # The later weeks are the same lesson: checked now, so a travel lesson without its
        # address (or a removed card) is refused before anything is saved.
        checked = booking_request_check(actor=actor, request=series_request(series, booking.starts_at), now=now)
        if checked.payment_method is None:
            raise ValidationFailed("Add a card to book.", fields={"payment_method": ["Choose or add a card."]})
        series.next_starts_at = next_start(series)
        series.save()
        booking.series, booking.series_week = series, 0
        booking.save(update_fields=["series", "series_week", "updated_at"])
        result = _start(series, actor, now, f"weekly {_weeks_words(weeks)}, from the lesson of {day:%a %-d %b}")
    return _authorize_due(result, now)


def series_sweep(*, now: datetime) -> int:
    """Book the weeks of active series that came within the booking horizon (driven from
    `next_starts_at`); returns how many weeks were considered. Idempotent: a week is
    considered once (`next_week` moves past it in the same transaction), and a series that a
    concurrent run holds is skipped."""
    due = BookingSeries.objects.filter(
        status=SeriesStatus.ACTIVE, next_starts_at__lt=now + timedelta(days=MAX_RANGE_DAYS)
    ).values_list("pk", flat=True)
    considered = 0
    for series_id in list(due.order_by("next_starts_at", "pk")[:SWEEP_BATCH]):
        with transaction.atomic():
            series = (
                BookingSeries.objects.select_for_update(skip_locked=True)
                .select_related("student", "instructor", "offering__service")
                .filter(pk=series_id, status=SeriesStatus.ACTIVE)
                .first()
            )
            if series is None:
                continue
            before = series.next_week
            result = series_weeks_book(series, now=now)
            if result.unbooked:
                notices.series_weeks_unbooked(series, result.unbooked, now=now)
        considered += series.next_week - before
        _authorize_due(result, now)
    return considered
