"""What else would work, with counts, when fewer than five instructors match everything:
"No one is free tomorrow afternoon in Park Slope — 6 are free tomorrow morning, 14 on Thursday"
(DESIGN.md, empty states). Counted from the candidates already in memory: no extra query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from apps.availability.cells import format_hhmm
from apps.instructors.states import Format
from apps.search.context import Evaluation, SearchContext, lesson_minutes
from apps.search.explain import DAY_PARTS, when_phrase
from apps.search.openings import Calendar, window_starts
from apps.search.relax import STATIC_CONSTRAINTS, DayWindow

MAX_DATE_SUGGESTIONS = 2
DROP_LABELS = {
    "skill_level": "Any level",
    "age_group": "Any age",
    "location": "Anywhere in NYC",
    "price": "Any price",
}


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "time" | "date" | "drop"
    label: str  # "tomorrow morning", "on Thu 26 Nov in the afternoon", "Any price"
    count: int  # instructors the changed search would show
    params: dict[str, str]  # the search parameters to set (drop: the part of the parse to remove)


def suggestions_for(
    ctx: SearchContext, evaluations: Sequence[Evaluation], calendars: Mapping[int, Calendar], strict_count: int
) -> list[Suggestion]:
    # Instructors that pass every offering filter in some format: only time is missing.
    eligible = [(e, _ok_travelness(e)) for e in evaluations if _ok_travelness(e)]
    found = _other_times(ctx, eligible, calendars) + _other_dates(ctx, eligible, calendars)
    return found + _drops(ctx, evaluations, strict_count)


def _ok_travelness(evaluation: Evaluation) -> set[bool]:
    return {fmt == Format.TRAVEL for fmt, failed in evaluation.failed.items() if not failed}


def _count(
    ctx: SearchContext,
    eligible: Sequence[tuple[Evaluation, set[bool]]],
    calendars: Mapping[int, Calendar],
    window: DayWindow,
) -> int:
    instructors = set()
    for evaluation, travelness in eligible:
        candidate = evaluation.candidate
        if candidate.profile_id in instructors:
            continue
        calendar = calendars[candidate.profile_id]
        duration = lesson_minutes(candidate)
        if any(
            window_starts(calendar, window, duration=duration, is_travel=travel, now=ctx.now, limit=1)
            for travel in travelness
        ):
            instructors.add(candidate.profile_id)
    return len(instructors)


def _other_times(
    ctx: SearchContext, eligible: Sequence[tuple[Evaluation, set[bool]]], calendars: Mapping[int, Calendar]
) -> list[Suggestion]:
    if not ctx.criteria.has_time:
        return []
    strict = ctx.plan.strict
    found = []
    for start, end in DAY_PARTS.values():
        if (start, end) == (strict.start_minute, strict.end_minute):
            continue
        window = DayWindow(strict.first, strict.last, start, end)
        count = _count(ctx, eligible, calendars, window)
        if count:
            label = when_phrase(window, ctx.today, dated=ctx.criteria.has_date)
            found.append(
                Suggestion("time", label, count, {"time_from": format_hhmm(start), "time_to": format_hhmm(end)})
            )
    return found


def _other_dates(
    ctx: SearchContext, eligible: Sequence[tuple[Evaluation, set[bool]]], calendars: Mapping[int, Calendar]
) -> list[Suggestion]:
    if ctx.plan.any_day is None:
        return []
    strict = ctx.plan.strict
    found: list[Suggestion] = []
    for day in ctx.plan.any_day.dates:
        if strict.first <= day <= strict.last:
            continue
        window = DayWindow(day, day, strict.start_minute, strict.end_minute)
        count = _count(ctx, eligible, calendars, window)
        if count:
            label = when_phrase(window, ctx.today, dated=True)
            found.append(Suggestion("date", label, count, {"date_from": day.isoformat(), "date_to": day.isoformat()}))
        if len(found) >= MAX_DATE_SUGGESTIONS:
            break
    return found


def _drops(ctx: SearchContext, evaluations: Sequence[Evaluation], strict_count: int) -> list[Suggestion]:
    """Removing one offering filter alone, keeping the asked time: who would then match."""
    found = []
    for name in STATIC_CONSTRAINTS:
        if name not in ctx.plan.steps:
            continue
        instructors = {
            e.candidate.profile_id
            for e in evaluations
            if any(failed <= {name} and e.strict_open.get(fmt == Format.TRAVEL) for fmt, failed in e.failed.items())
        }
        if len(instructors) > strict_count:
            found.append(Suggestion("drop", DROP_LABELS[name], len(instructors), {"drop": name}))
    return found
