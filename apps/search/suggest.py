"""What else would work, with counts, when fewer than five instructors match everything:
"No one is free tomorrow afternoon in Park Slope — 6 are free tomorrow morning, 14 on Thursday"
(DESIGN.md, empty states). Counted from the candidates already in memory: no extra query.

A search that still finds nobody after every relaxation gets a way out as well, at the cost
of two or three more queries on that page only: the nearest later dates on which someone is
free (up to the booking horizon), and the services next to the asked one that do have
teachers, with how many (`zero_result_suggestions`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from apps.availability.cells import format_hhmm
from apps.instructors.states import Format
from apps.search.context import Evaluation, SearchContext, lesson_minutes
from apps.search.explain import DAY_PARTS, when_phrase
from apps.search.openings import Calendar, CalendarAsk, calendar_list, calendar_span, window_starts
from apps.search.relax import HORIZON_DAYS, STATIC_CONSTRAINTS, DayWindow
from apps.search.selectors import Candidate, service_teacher_counts

MAX_DATE_SUGGESTIONS = 2
MAX_LATER_DATES = 3
MAX_SERVICE_SUGGESTIONS = 4
DROP_LABELS = {
    "skill_level": "Any level",
    "age_group": "Any age",
    "location": "Anywhere in NYC",
    "price": "Any price",
    "format": "Any format",
}


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "time" | "date" | "drop" | "service"
    label: str  # "tomorrow morning", "on Thu 26 Nov in the afternoon", "Any price", "Guitar"
    count: int  # instructors the changed search would show (free ones; for "service", who teach it)
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


def zero_result_suggestions(
    ctx: SearchContext, candidates: Sequence[Candidate], asks: Mapping[int, CalendarAsk]
) -> list[Suggestion]:
    """Next steps for a search nobody matches even relaxed: later dates, then neighbouring services."""
    return _later_dates(ctx, candidates, asks) + _related_services(ctx)


def _later_dates(
    ctx: SearchContext, candidates: Sequence[Candidate], asks: Mapping[int, CalendarAsk]
) -> list[Suggestion]:
    """The first days after the searched window on which a candidate has an open start."""
    first = ctx.plan.widest.last + dt.timedelta(days=1)
    last = ctx.today + dt.timedelta(days=HORIZON_DAYS)
    if not candidates or first > last:
        return []
    span = calendar_span(DayWindow(first, last), ctx.today)
    calendars = calendar_list(asks, *span, now=ctx.now, indexed=ctx.listing.spans)
    found: list[Suggestion] = []
    day = first
    while day <= last and len(found) < MAX_LATER_DATES:
        window = DayWindow(day, day)
        free = {
            c.profile_id
            for c in candidates
            if any(
                window_starts(
                    calendars[c.profile_id], window, duration=lesson_minutes(c), is_travel=fmt == Format.TRAVEL,
                    now=ctx.now, limit=1,
                )
                for fmt in c.rates
                if fmt in ctx.formats
            )
        }  # fmt: skip
        if free:
            label = when_phrase(window, ctx.today, dated=True)
            found.append(
                Suggestion("date", label, len(free), {"date_from": day.isoformat(), "date_to": day.isoformat()})
            )
        day += dt.timedelta(days=1)
    return found


def _related_services(ctx: SearchContext) -> list[Suggestion]:
    """The asked service in any format (when one was asked), then the other services of its
    category that have teachers in the asked format, most taught first."""
    service = ctx.criteria.service
    if service is None:
        return []
    category = ctx.known.services[service].category_slug
    found = []
    if ctx.criteria.format is not None:
        any_format = service_teacher_counts(category=category, formats=list(Format), known=ctx.known)
        if any_format.get(service):
            found.append(Suggestion("drop", DROP_LABELS["format"], any_format[service], {"drop": "format"}))
    counts = service_teacher_counts(category=category, formats=ctx.formats, known=ctx.known)
    ranked = sorted(((n, slug) for slug, n in counts.items() if slug != service), key=lambda item: -item[0])
    return found + [
        Suggestion("service", ctx.known.services[slug].name, count, {"service": slug})
        for count, slug in ranked[:MAX_SERVICE_SUGGESTIONS]
    ]
