"""Changing a weekly series: end it, or change its time from a date on. Skipping or moving
one week is cancelling or rescheduling that lesson (apps/bookings/policies.py), unchanged.

Both change the series row under its lock with an event, commit, and then act on each future
lesson through the ordinary policy service (`booking_cancel`, `booking_reschedule`), each in
its own transaction with its own money outcome: a lesson the policy refuses (a payment in
flight, a new time that is not open) is reported and left as it was."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q

from apps.accounts.models import User
from apps.bookings.models import Booking, BookingSeries
from apps.bookings.policies import CancellationPreview, booking_cancel, booking_reschedule
from apps.bookings.series.rule import first_week_on_or_after, next_start, rule_anchor, week_start
from apps.bookings.series.services import same_week_open, series_event_add
from apps.bookings.states import ACTIVE_STATUSES, SeriesStatus, series_can_transition
from apps.core.dates import time_label
from apps.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied, ValidationFailed
from apps.core.limits import money_operation

ENDED_REASON = "weekly lesson ended"


def series_for(actor: User, series_id: int, *, lock: bool) -> BookingSeries:
    """The series if `actor` is its student or its instructor; anyone else gets NotFound."""
    found = BookingSeries.objects.filter(Q(student=actor) | Q(instructor__user=actor), pk=series_id)
    if lock:
        found = found.select_for_update(of=("self",))
    series = found.select_related("student", "instructor__user", "offering__service").first()
    if series is None:
        raise NotFound("Weekly lesson not found.")
    return series


def _future(series: BookingSeries, now: datetime, *, from_week: int = 0) -> list[Booking]:
    return list(
        series.occurrences.filter(status__in=ACTIVE_STATUSES, starts_at__gt=now, series_week__gte=from_week).order_by(
            "series_week"
        )
    )


def _refusal(booking: Booking, exc: ApplicationError) -> dict[str, Any]:
    return {"booking": booking, "reason": exc.message}


@dataclass(frozen=True)
class SeriesEnded:
    series: BookingSeries
    cancelled: list[CancellationPreview]
    kept: list[dict[str, Any]]  # lessons the cancellation policy refused: booking, reason


@money_operation
def booking_series_end(*, actor: User, series_id: int, now: datetime) -> SeriesEnded:
    """End the series: no more weeks are booked, and every future lesson is cancelled by the
    one ending it under the normal policy (a student's lesson ≥ 24 h away costs nothing);
    past lessons stay as they are."""
    with transaction.atomic():
        series = series_for(actor, series_id, lock=True)
        if not series_can_transition(series.status, SeriesStatus.ENDED):
            raise Conflict("This weekly lesson has already ended.")
        series.status, series.ended_at, series.next_starts_at = SeriesStatus.ENDED, now, None
        series.save(update_fields=["status", "ended_at", "next_starts_at", "updated_at"])
        who = "instructor" if series.instructor.user_id == actor.pk else "student"
        series_event_add(
            series=series, kind="status", actor=actor, now=now, reason=f"ended by the {who}", to_status=series.status
        )
    cancelled, kept = _cancel_future(series, actor, now)
    return SeriesEnded(series=series, cancelled=cancelled, kept=kept)


def _cancel_future(
    series: BookingSeries, actor: User, now: datetime
) -> tuple[list[CancellationPreview], list[dict[str, Any]]]:
    cancelled, kept = [], []
    for booking in _future(series, now):
        try:
            cancelled.append(booking_cancel(actor=actor, booking_id=booking.pk, now=now, reason=ENDED_REASON))
        except ApplicationError as exc:
            kept.append(_refusal(booking, exc))
    return cancelled, kept


def series_end_finish(*, now: datetime) -> int:
    """Finish ending series whose ender's process died between ending the series and
    cancelling its future lessons: those lessons are cancelled now, by whoever ended it,
    under the normal policy. Returns how many were cancelled (a lesson the policy refuses
    is left, as when ending)."""
    unfinished = BookingSeries.objects.filter(
        status=SeriesStatus.ENDED,
        occurrences__status__in=ACTIVE_STATUSES,
        occurrences__starts_at__gt=now,
    ).distinct()
    done = 0
    for series in unfinished.select_related("student", "instructor__user"):
        ended = series.events.filter(to_status=SeriesStatus.ENDED).select_related("actor").last()
        actor = ended.actor if ended is not None and ended.actor is not None else series.student
        done += len(_cancel_future(series, actor, now)[0])
    return done


@dataclass(frozen=True)
class SeriesChanged:
    series: BookingSeries
    moved: list[Booking]
    conflicts: list[dict[str, Any]]  # booking, reason, alternatives (open starts that week)


def _change_check(series: BookingSeries, actor: User, from_date: date, weekday: int, now: datetime) -> None:
    if series.student_id != actor.pk:
        raise PermissionDenied("Only the student can change the time. Ask the student, or end the weekly lesson.")
    if series.status != SeriesStatus.ACTIVE:
        raise Conflict("This weekly lesson has ended.")
    errors = {}
    if not 0 <= weekday <= 6:
        errors["weekday"] = ["Pick a day of the week."]
    if from_date < now.astimezone(ZoneInfo(series.timezone)).date():
        errors["from_date"] = ["Pick a date from today on."]
    if errors:
        raise ValidationFailed("Check the new day and time.", fields=errors)


@money_operation
def booking_series_change(
    *, actor: User, series_id: int, from_date: date, weekday: int, local_time: time, now: datetime
) -> SeriesChanged:
    """From `from_date` on, the lesson is on `weekday` at `local_time` (the instructor's
    wall clock). Booked lessons of those weeks are rescheduled under the normal policy; a new
    time that is not open is reported with the open starts that week, and the lesson keeps
    its old time. Weeks not booked yet follow the new rule."""
    with transaction.atomic():
        series = series_for(actor, series_id, lock=True)
        _change_check(series, actor, from_date, weekday, now)
        first = first_week_on_or_after(series, from_date)
        series.anchor_week, series.anchor_date, series.local_time = first, rule_anchor(from_date, weekday), local_time
        series.next_starts_at = next_start(series)
        series.save(update_fields=["anchor_week", "anchor_date", "local_time", "next_starts_at", "updated_at"])
        series_event_add(
            series=series, kind="time_changed", actor=actor, now=now,
            reason=f"from {series.anchor_date:%a %-d %b} on, {series.anchor_date:%A}s at {time_label(local_time)}",
        )  # fmt: skip
    moved, conflicts = [], []
    for booking in _future(series, now, from_week=first):
        target = week_start(series, booking.series_week or 0)
        if target == booking.starts_at:
            continue
        try:
            moved.append(booking_reschedule(actor=actor, booking_id=booking.pk, starts_at=target, now=now))
        except ApplicationError as exc:
            alternatives = same_week_open(series, target, now)
            conflicts.append({**_refusal(booking, exc), "starts_at": target, "alternatives": alternatives})
    return SeriesChanged(series=series, moved=moved, conflicts=conflicts)
