"""Writes of availability: replace a week, copy it, apply it as a pattern, blackout dates.

Every write that touches a week's days, or that must not race a booking in that week, first
locks the instructor's row (the lock the booking service re-checks slots under) and the
week's version row (`AvailabilityWeek`), then reads, checks and writes inside the same
transaction. Input is validated in
full before anything is written, so a failing call changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from apps.accounts.models import User
from apps.availability.cells import (
    CELL_MINUTES,
    MinuteRange,
    format_hhmm,
    mask_from_ranges,
    parse_hhmm,
    week_dates,
    week_etag,
    week_start_of,
)
from apps.availability.models import BLACKOUT_REASON_MAX, AvailabilityDay, AvailabilityWeek, BlackoutDate
from apps.availability.open_quarters import open_quarters_refresh
from apps.availability.selectors import availability_booked_list
from apps.availability.weeks import WeekSnapshot, booked_payload, day_label, week_payload
from apps.core.errors import Conflict, NotFound, PreconditionRequired, ValidationFailed
from apps.instructors.models import InstructorProfile
from apps.instructors.services import instructor_profile_ensure
from apps.search.generation import search_generation_bump
from apps.waitlist.services import waitlist_check_after_commit

MAX_PATTERN_DAYS = 26 * 7  # half a year: a term or a season, without locking a year of weeks
MINUTES_PER_DAY = 24 * 60
MUST_MATCH = (
    "Send the week's ETag in an If-Match header (GET the week first), so you never overwrite changes you have not seen."
)


class StaleWeek(Conflict):
    code = "stale_version"


class BookedTimeConflict(Conflict):
    code = "booked_time"


@dataclass(frozen=True)
class WindowInput:
    start: str  # "HH:MM", local wall time; an end may be "24:00"
    end: str


@dataclass(frozen=True)
class DayInput:
    date: date
    windows: Sequence[WindowInput]


@dataclass(frozen=True)
class PatternResult:
    date_from: date
    date_to: date
    days_changed: int
    weeks: list[WeekSnapshot]


# --- shared steps -----------------------------------------------------------------------


def availability_owner_ensure(*, actor: User) -> InstructorProfile:
    """The actor's instructor profile (created on first use, as everywhere for instructors).
    Students have no availability: to them the resource does not exist."""
    if not actor.is_instructor:
        raise NotFound("Only instructors have availability.")
    return instructor_profile_ensure(actor=actor)


def _local_today(profile: InstructorProfile, now: datetime) -> date:
    return now.astimezone(ZoneInfo(profile.timezone)).date()


def availability_weeks_lock(
    *, profile: InstructorProfile, days: Iterable[date], now: datetime
) -> dict[date, AvailabilityWeek]:
    """Lock the instructor, then the version rows of the weeks holding `days` (creating
    missing ones). Call inside a transaction.

    The booking service re-checks a slot under the instructor's row lock; taking that lock
    first means a booking and a change removing its time never pass each other unseen. The
    week rows are where versions live: locked in week order, so writers never deadlock."""
    InstructorProfile.objects.select_for_update().filter(pk=profile.pk).first()
    starts = sorted({week_start_of(day) for day in days})
    # ON CONFLICT DO NOTHING: a concurrent first writer's row makes ours a no-op.
    AvailabilityWeek.objects.bulk_create(
        [AvailabilityWeek(instructor=profile, week_start=start, updated_at=now) for start in starts],
        ignore_conflicts=True,
    )
    # ORDER BY before FOR UPDATE: rows are locked in week order by every writer.
    rows = AvailabilityWeek.objects.select_for_update().filter(instructor=profile, week_start__in=starts)
    return {week.week_start: week for week in rows.order_by("week_start")}


def _masks_for(profile: InstructorProfile, days: Iterable[date]) -> dict[date, int]:
    return dict(AvailabilityDay.objects.filter(instructor=profile, date__in=list(days)).values_list("date", "cells"))


def _snapshot(profile: InstructorProfile, week: AvailabilityWeek, masks: Mapping[date, int]) -> WeekSnapshot:
    values = tuple(masks.get(day, 0) for day in week_dates(week.week_start))
    return WeekSnapshot(
        week_start=week.week_start,
        timezone=profile.timezone,
        masks=values,
        etag=week_etag(week.week_start, values),
        version=week.version,
        # A row created only to take the lock has never been saved.
        last_modified=week.updated_at if week.version else profile.created_at,
    )


def _protect_booked_time(profile: InstructorProfile, old: Mapping[date, int], new: Mapping[date, int]) -> None:
    """Refuse to remove open time that an active booking sits on. Adding time, or removing
    it elsewhere, is always allowed; bookings outside the old windows are not our concern."""
    removed = {day: old.get(day, 0) & ~mask for day, mask in new.items() if old.get(day, 0) & ~mask}
    if not removed:
        return
    booked = availability_booked_list(profile=profile, first=min(removed), last=max(removed))
    hit = [slot for slot in booked if any(slot.cells.get(day, 0) & mask for day, mask in removed.items())]
    if hit:
        names = "; ".join(f"{slot.label} ({slot.student_initials})" for slot in hit)
        raise BookedTimeConflict(
            f"You have lessons in the time you removed: {names}. Keep those hours open, or cancel the lessons first.",
            extra={"bookings": [booked_payload(slot) for slot in hit]},
        )


def _write_days(profile: InstructorProfile, masks: Mapping[date, int], *, now: datetime) -> None:
    """Replace the rows of exactly these dates (an empty day has no row), and search's index."""
    if not masks:
        return
    AvailabilityDay.objects.filter(instructor=profile, date__in=list(masks)).delete()
    AvailabilityDay.objects.bulk_create(
        [AvailabilityDay(instructor=profile, date=day, cells=mask) for day, mask in sorted(masks.items()) if mask]
    )
    open_quarters_refresh(instructor_ids=[profile.pk], now=now)
    transaction.on_commit(search_generation_bump)
    waitlist_check_after_commit(instructor_id=profile.pk)  # new windows may open waited-for times


def _bump(week: AvailabilityWeek, *, actor: User, now: datetime) -> None:
    week.version += 1
    week.updated_at = now
    week.updated_by = actor
    week.save(update_fields=["version", "updated_at", "updated_by"])


def _replace_week_days(
    profile: InstructorProfile, week: AvailabilityWeek, new: Mapping[date, int], *, actor: User, now: datetime
) -> WeekSnapshot:
    """With the week locked: protect booked time, write what changed, bump the version."""
    old = _masks_for(profile, week_dates(week.week_start))
    changed = {day: mask for day, mask in new.items() if old.get(day, 0) != mask}
    if changed:
        _protect_booked_time(profile, old, changed)
        _write_days(profile, changed, now=now)
        _bump(week, actor=actor, now=now)
    return _snapshot(profile, week, {**old, **new})


# --- validation ---------------------------------------------------------------------------


def _parse_time(text: str, key: str, errors: dict[str, list[str]], *, is_end: bool) -> int | None:
    try:
        minutes = parse_hhmm(text)
    except ValueError:
        errors[key] = ["Use a time like 09:00 or 13:30."]
        return None
    if minutes % CELL_MINUTES:
        errors[key] = ["Use a time on the hour or half hour, like 09:00 or 09:30."]
        return None
    if minutes == MINUTES_PER_DAY and not is_end:
        errors[key] = ["Start before midnight: 24:00 can only end a window."]
        return None
    return minutes


def _window_ranges(windows: Sequence[WindowInput], key: str, errors: dict[str, list[str]]) -> list[MinuteRange]:
    ranges: list[MinuteRange] = []
    for index, window in enumerate(windows):
        start = _parse_time(window.start, f"{key}.{index}.start", errors, is_end=False)
        end = _parse_time(window.end, f"{key}.{index}.end", errors, is_end=True)
        if start is None or end is None:
            continue
        if end <= start:
            errors[f"{key}.{index}.end"] = ["End the window after it starts."]
        elif ranges and start < ranges[-1][0]:
            errors[f"{key}.{index}.start"] = ["List the windows in order of start time."]
        elif ranges and start < ranges[-1][1]:
            errors[f"{key}.{index}.start"] = [
                f"This overlaps the window before it, which ends at {format_hhmm(ranges[-1][1])}."
            ]
        else:
            ranges.append((start, end))
    return ranges


def _validated_week(week_start: date, days: Sequence[DayInput]) -> dict[date, int]:
    """Seven day masks from the input; days not sent are empty (the week is replaced whole)."""
    masks = dict.fromkeys(week_dates(week_start), 0)
    errors: dict[str, list[str]] = {}
    for index, day in enumerate(days):
        if day.date not in masks:
            errors[f"days.{index}.date"] = [f"Pick a date in the week of {day_label(week_start)}."]
        elif any(other.date == day.date for other in days[:index]):
            errors[f"days.{index}.date"] = ["This day is listed twice."]
        else:
            masks[day.date] = mask_from_ranges(_window_ranges(day.windows, f"days.{index}.windows", errors))
    if errors:
        raise ValidationFailed("Some windows need fixing before the week can be saved.", fields=errors)
    return masks


def _if_match_tags(if_match: str | None) -> set[str]:
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(MUST_MATCH)
    tags = {tag.strip() for tag in if_match.split(",") if tag.strip()}
    if "*" in tags:  # "any version" would defeat the point of asking
        raise PreconditionRequired(MUST_MATCH)
    # Accept a tag sent without its quotes; a weak tag (W/"…") never matches a strong one.
    return tags | {f'"{tag}"' for tag in tags if not tag.startswith(('"', "W/"))}


# --- services -----------------------------------------------------------------------------


def availability_week_replace(
    *, actor: User, day: date, days: Sequence[DayInput], if_match: str | None, now: datetime
) -> WeekSnapshot:
    """Replace the week holding `day` if the client saw its current version (If-Match)."""
    profile = availability_owner_ensure(actor=actor)
    expected = _if_match_tags(if_match)
    week_start = week_start_of(day)
    new = _validated_week(week_start, days)
    with transaction.atomic():
        week = availability_weeks_lock(profile=profile, days=[week_start], now=now)[week_start]
        current = _snapshot(profile, week, _masks_for(profile, week_dates(week_start)))
        if current.quoted_etag not in expected:
            raise StaleWeek(
                "This week changed in another window. Reload it, or save again to keep your version.",
                extra={"etag": current.quoted_etag, "version": current.version, "week": week_payload(current)},
            )
        return _replace_week_days(profile, week, new, actor=actor, now=now)


def _require_not_past(last_day: date, today: date, field: str, errors: dict[str, list[str]]) -> None:
    if last_day < today:
        errors[field] = ["Pick a date from today on: past days cannot be booked anyway."]


def availability_week_copy(*, actor: User, source_day: date, target_day: date, now: datetime) -> WeekSnapshot:
    """Make the week holding `target_day` a copy of the week holding `source_day`."""
    profile = availability_owner_ensure(actor=actor)
    source, target = week_start_of(source_day), week_start_of(target_day)
    errors: dict[str, list[str]] = {}
    if source == target:
        errors["target"] = ["Pick a different week to copy to."]
    _require_not_past(target + timedelta(days=6), _local_today(profile, now), "target", errors)
    if errors:
        raise ValidationFailed("Choose another week to copy to.", fields=errors)
    with transaction.atomic():
        weeks = availability_weeks_lock(profile=profile, days=[source, target], now=now)
        pattern = _masks_for(profile, week_dates(source))
        new = {day: pattern.get(day - (target - source), 0) for day in week_dates(target)}
        return _replace_week_days(profile, weeks[target], new, actor=actor, now=now)


def _validated_range(date_from: date, date_to: date, today: date) -> list[date]:
    errors: dict[str, list[str]] = {}
    _require_not_past(date_from, today, "from", errors)
    if date_to < date_from:
        errors["to"] = ["End on or after the start date."]
    elif (date_to - date_from).days >= MAX_PATTERN_DAYS:
        errors["to"] = [f"Apply a pattern to at most {MAX_PATTERN_DAYS // 7} weeks at a time."]
    if errors:
        raise ValidationFailed("Choose the dates to apply the week to.", fields=errors)
    return [date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1)]


def availability_pattern_apply(
    *, actor: User, source_day: date, date_from: date, date_to: date, now: datetime
) -> PatternResult:
    """Give every date from..to the windows of the same weekday in the source week."""
    profile = availability_owner_ensure(actor=actor)
    targets = _validated_range(date_from, date_to, _local_today(profile, now))
    source = week_start_of(source_day)
    with transaction.atomic():
        weeks = availability_weeks_lock(profile=profile, days=[source, *targets], now=now)
        stored = _masks_for(profile, [day for start in weeks for day in week_dates(start)])
        # Read before any write: the source week may lie inside the range.
        pattern = [stored.get(day, 0) for day in week_dates(source)]
        old = {day: stored.get(day, 0) for day in targets}
        changed = {day: pattern[day.weekday()] for day in targets if pattern[day.weekday()] != old[day]}
        _protect_booked_time(profile, old, changed)
        _write_days(profile, changed, now=now)
        merged = {**stored, **changed}
        touched = sorted({week_start_of(day) for day in targets})
        for start in touched:
            if any(week_start_of(day) == start for day in changed):
                _bump(weeks[start], actor=actor, now=now)
    return PatternResult(
        date_from=date_from,
        date_to=date_to,
        days_changed=len(changed),
        weeks=[_snapshot(profile, weeks[start], merged) for start in touched],
    )


# --- blackout dates -----------------------------------------------------------------------


def _validated_reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) > BLACKOUT_REASON_MAX:
        raise ValidationFailed(
            "The note is too long.", fields={"reason": [f"Keep the note under {BLACKOUT_REASON_MAX} characters."]}
        )
    return reason


def blackout_create(*, actor: User, day: date, reason: str = "", now: datetime) -> BlackoutDate:
    """Take a day off. Refused while active bookings sit on that day: they must be moved or
    cancelled first, exactly like removing booked time from the week."""
    profile = availability_owner_ensure(actor=actor)
    errors: dict[str, list[str]] = {}
    _require_not_past(day, _local_today(profile, now), "date", errors)
    if errors:
        raise ValidationFailed("Choose a day from today on.", fields=errors)
    reason = _validated_reason(reason)
    with transaction.atomic():
        # The same locks as a save: a booking on this day cannot slip in while we check.
        availability_weeks_lock(profile=profile, days=[day], now=now)
        if BlackoutDate.objects.filter(instructor=profile, date=day).exists():
            raise Conflict(f"{day_label(day)} is already a day off.")
        booked = availability_booked_list(profile=profile, first=day, last=day)
        if booked:
            names = "; ".join(f"{slot.label} ({slot.student_initials})" for slot in booked)
            raise BookedTimeConflict(
                f"You have lessons on {day_label(day)}: {names}. Move or cancel them before taking the day off.",
                extra={"bookings": [booked_payload(slot) for slot in booked]},
            )
        blackout = BlackoutDate.objects.create(instructor=profile, date=day, reason=reason, created_at=now)
        open_quarters_refresh(instructor_ids=[profile.pk], now=now)
        transaction.on_commit(search_generation_bump)
        return blackout


def _own_blackout(actor: User, blackout_id: int) -> BlackoutDate:
    profile = availability_owner_ensure(actor=actor)
    blackout = BlackoutDate.objects.filter(instructor=profile, pk=blackout_id).first()
    if blackout is None:  # someone else's looks exactly like a missing one
        raise NotFound("That day off was not found.")
    return blackout


def blackout_update(*, actor: User, blackout_id: int, reason: str) -> BlackoutDate:
    blackout = _own_blackout(actor, blackout_id)
    blackout.reason = _validated_reason(reason)
    blackout.save(update_fields=["reason"])
    return blackout


def blackout_delete(*, actor: User, blackout_id: int, now: datetime) -> None:
    with transaction.atomic():
        blackout = _own_blackout(actor, blackout_id)
        blackout.delete()
        open_quarters_refresh(instructor_ids=[blackout.instructor_id], now=now)
    transaction.on_commit(search_generation_bump)
    waitlist_check_after_commit(instructor_id=blackout.instructor_id)  # the day is bookable again
