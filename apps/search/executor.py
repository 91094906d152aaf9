"""Running a search: candidates, exact availability, relaxation, ranking and one page of
results, in a fixed number of queries whatever the number of instructors (four with a
service; up to seven without one).

1. The candidate offerings for the filters that are never relaxed (subject, format, live),
   with their instructors' review counts and stars: `selectors.search_candidate_list`. At most
   `POOL_SIZE`: a service never has more at 10,000 instructors, so a search for one sees all
   of them (one query); a search without one (a category, or nothing) ranks the pool a cheap
   pre-ranking chose (two to four queries), and `total_exact` is false.
2. Two queries read every candidate's open-time index row and active bookings
   (`openings.calendar_list`); no slot rules run per day: open starts are a few integer
   operations on the index (availability/quarters.py), exactly `open_slots`.
3. In Python, each candidate gets the lowest relaxation level at which it matches — per
   format, since price is checked on the matching format's rate and place on that format's
   kind of place — with its first open starts in that level's window (`openings.window_starts`).
4. The level is chosen (`relax.level_choose`), matches are ranked (the Bayesian rating's prior
   comes from the cached platform config) and paginated; one query reads the page's travel
   areas for the cards.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from apps.availability.selectors_public import lesson_book_url, slot_rules_for
from apps.availability.slots import SlotRules, format_slot
from apps.core.models import platform_config
from apps.instructors.models import InstructorProfile, initials_of
from apps.instructors.states import Format
from apps.reviews.rating import RatingPrior, bayesian_average, plain_average
from apps.search import ranking
from apps.search.context import Evaluation, Match, SearchContext, lesson_minutes
from apps.search.criteria import SEARCH_ZONE, SEARCH_ZONE_NAME, Known
from apps.search.explain import explanation
from apps.search.gazetteer import distance_m
from apps.search.listing import Listing
from apps.search.openings import Calendar, CalendarAsk, calendar_list, calendar_span, window_starts
from apps.search.query import SearchCriteria
from apps.search.relax import (
    MIN_RESULTS,
    RELAXATION_ORDER,
    UNMATCHED,
    DayWindow,
    RelaxPlan,
    level_choose,
    relax_plan,
    relaxed_names,
    static_level,
)
from apps.search.selectors import (
    Candidate,
    allowed_formats,
    search_candidate_list,
    service_area_names,
)
from apps.search.suggest import Suggestion, suggestions_for, zero_result_suggestions

POOL_SIZE = 250  # more candidates than any one service has at 10,000 instructors
# Without a service the pool is an approximation anyway (a cheap pre-ranking chose it); a
# smaller one keeps those broad searches in the same time budget.
BROAD_POOL_SIZE = 150
PAGE_SIZE = 20
NEXT_SLOTS = 3
STUDIO_NEAR_M = 3_000  # "near Park Slope": a studio in it, or this close to its centre
# Equal levels: the cheaper rate, then in person before online (what a place-searcher wants).
FORMAT_RANK = {Format.STUDIO.value: 0, Format.TRAVEL.value: 1, Format.ONLINE.value: 2}
TRAVEL, STUDIO, ONLINE = Format.TRAVEL.value, Format.STUDIO.value, Format.ONLINE.value  # plain str: a hot loop


@dataclass(frozen=True)
class SlotOut:
    starts_at: str  # ISO instant, UTC
    local: str  # ISO local time in New York
    label: str  # "Thu 26 Nov, 4:00 pm"
    book_url: str


@dataclass(frozen=True)
class RatingOut:
    """What _rating.html needs: below the platform's minimum review count `visible` is false
    and the card says "New"."""

    average: float | None
    count: int
    bayesian: float
    visible: bool


@dataclass(frozen=True)
class RatingRules:
    """Read from platform config once per search."""

    prior: RatingPrior
    min_reviews: int


@dataclass(frozen=True)
class ResultOut:
    instructor_id: int
    slug: str
    display_name: str
    initials: str
    user_id: int
    headline: str
    years_experience: int
    identity_verified_at: bool  # named as on the profile so the shared badges template fits
    background_check_passed_at: bool
    service: str
    service_name: str
    category: str
    format: str
    rate_cents: int
    duration_minutes: int
    place: str
    distance_m: int | None
    rating: RatingOut
    slots: list[SlotOut]
    relaxed: list[str]  # what this instructor needed relaxed
    score: float


@dataclass(frozen=True)
class SearchPage:
    query: dict[str, object]
    relaxed: list[str]
    results: list[ResultOut]
    total: int
    total_exact: bool
    page: int
    pages: int
    page_size: int
    sort: str
    explanation: str
    unparsed: list[str]
    suggestions: list[Suggestion] = field(default_factory=list)


def search_execute(ctx: SearchContext, *, sort: str, page: int) -> SearchPage:
    window = ctx.plan.widest
    pool = POOL_SIZE if ctx.criteria.service else BROAD_POOL_SIZE
    candidates, truncated = search_candidate_list(ctx.criteria, ctx.known, ctx.listing, pool=pool)
    asks = _calendar_asks(candidates)
    calendars = (
        calendar_list(asks, *calendar_span(window, ctx.today), now=ctx.now, indexed=ctx.listing.spans)
        if candidates
        else {}
    )
    evaluations = [_evaluate(ctx, candidate, calendars[candidate.profile_id]) for candidate in candidates]
    best = _best_per_instructor(evaluations)
    level = level_choose([match.level for match in best], len(ctx.plan.steps))
    matches = [match for match in best if match.level <= level]
    config = platform_config()
    ratings = RatingRules(prior=RatingPrior.of(config), min_reviews=config.rating_visible_min_reviews)
    for match in matches:
        match.score = _score(ctx, match, ratings.prior)
    matches.sort(key=_SORT_KEYS.get(sort, _SORT_KEYS["best"]))
    relaxed = relaxed_names(ctx.plan, level)
    pages = max(1, math.ceil(len(matches) / PAGE_SIZE))
    shown = matches[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    strict_count = sum(1 for match in best if match.level == 0)
    areas = service_area_names(ctx.listing, [m.candidate.profile_id for m in shown])
    return SearchPage(
        query=ctx.criteria.query_dict(),
        relaxed=relaxed,
        results=[_result(ctx, match, areas, ratings) for match in shown],
        total=len(matches),
        total_exact=not truncated,
        page=page,
        pages=pages,
        page_size=PAGE_SIZE,
        sort=sort if sort in _SORT_KEYS else "best",
        explanation=_explain(ctx, relaxed, len(matches)),
        unparsed=ctx.unparsed,
        suggestions=_suggestions(ctx, evaluations, calendars, strict_count, candidates, asks, found=bool(matches)),
    )


def _suggestions(
    ctx: SearchContext,
    evaluations: list[Evaluation],
    calendars: dict[int, Calendar],
    strict_count: int,
    candidates: list[Candidate],
    asks: dict[int, CalendarAsk],
    *,
    found: bool,
) -> list[Suggestion]:
    if strict_count >= MIN_RESULTS:
        return []
    nearby = suggestions_for(ctx, evaluations, calendars, strict_count)
    return nearby if found else nearby + zero_result_suggestions(ctx, candidates, asks)


def context_build(
    criteria: SearchCriteria,
    known: Known,
    listing: Listing,
    *,
    now: datetime,
    point: tuple[float, float] | None,
    unparsed: list[str],
) -> SearchContext:
    today = now.astimezone(SEARCH_ZONE).date()
    place = criteria.location
    origin = (place.lat, place.lon) if place is not None else point
    return SearchContext(
        criteria=criteria,
        plan=relax_plan(criteria, today),
        known=known,
        listing=listing,
        now=now,
        today=today,
        point=origin,
        unparsed=unparsed,
        formats=tuple(fmt.value for fmt in allowed_formats(criteria.format)),
    )


# --- availability ---------------------------------------------------------------------------


_rules_cache: dict[tuple[int, int, bool], SlotRules] = {}


def _rules(candidate: Candidate) -> SlotRules:
    """The instructor's slot policy, as the profile page computes it (few distinct ones)."""
    key = (candidate.buffer_minutes, candidate.travel_buffer_minutes, candidate.overnight_protection)
    if key not in _rules_cache:
        profile = InstructorProfile(buffer_minutes=key[0], travel_buffer_minutes=key[1], overnight_protection=key[2])
        _rules_cache[key] = slot_rules_for(profile)
    return _rules_cache[key]


def _calendar_asks(candidates: list[Candidate]) -> dict[int, CalendarAsk]:
    """Per instructor: zone, policy and the lesson lengths of their candidate offerings."""
    durations: dict[int, set[int]] = defaultdict(set)
    for candidate in candidates:
        durations[candidate.profile_id].add(lesson_minutes(candidate))
    return {c.profile_id: CalendarAsk(c.timezone, _rules(c), frozenset(durations[c.profile_id])) for c in candidates}


def first_open(
    ctx: SearchContext, calendar: Calendar, duration: int, *, is_travel: bool
) -> tuple[int, DayWindow, Sequence[datetime]] | None:
    """The lowest availability level with an open start, that level's window and its first
    starts (as many as a card shows: they are kept for the card)."""
    for level, window in ctx.plan.windows():
        starts = window_starts(calendar, window, duration=duration, is_travel=is_travel, now=ctx.now, limit=NEXT_SLOTS)
        if starts:
            return level, window, starts
    return None


# --- matching -------------------------------------------------------------------------------


def _evaluate(ctx: SearchContext, candidate: Candidate, calendar: Calendar) -> Evaluation:
    duration = lesson_minutes(candidate)
    distance = _distance(ctx, candidate)
    failed: dict[str, frozenset[str]] = {}
    opens: dict[bool, tuple[int, DayWindow, Sequence[datetime]] | None] = {}
    best: Match | None = None
    for fmt in ctx.formats:
        rate = candidate.rates.get(fmt)
        if rate is None:
            continue
        failed[fmt] = _failures(ctx, candidate, fmt, rate, distance)
        travel = fmt == TRAVEL
        if travel not in opens:
            opens[travel] = first_open(ctx, calendar, duration, is_travel=travel)
        found = opens[travel]
        if found is None:
            continue
        fails, window_level = failed[fmt], found[0]
        if fails or window_level:
            level = max(static_level(ctx.plan, fails), window_level)
            missed = fails | _missed_window(ctx.plan, window_level)
            ordered = tuple(name for name in RELAXATION_ORDER if name in missed)
        else:  # matches as asked (the common case): nothing to relax
            level, ordered = 0, ()
        match = Match(candidate, level, fmt, rate, duration, found[1], found[2], distance, ordered)
        if best is None or _format_key(match) < _format_key(best):
            best = match
    strict_open = {travel: found is not None and found[0] == 0 for travel, found in opens.items()}
    return Evaluation(candidate=candidate, failed=failed, strict_open=strict_open, match=best)


def _missed_window(plan: RelaxPlan, level: int) -> frozenset[str]:
    """Which part of the asked window a first open start at this level misses."""
    if level == 0:
        return frozenset()
    return frozenset({"date"}) if plan.any_day is not None and level == plan.level_of("date") else frozenset({"time"})


def _format_key(match: Match) -> tuple[int, int, int]:
    return match.level, match.rate, FORMAT_RANK[match.format]


def _failures(ctx: SearchContext, candidate: Candidate, fmt: str, rate: int, distance: float | None) -> frozenset[str]:
    criteria = ctx.criteria
    failed = set()
    if criteria.skill_level and criteria.skill_level not in candidate.skill_levels:
        failed.add("skill_level")
    if criteria.age_group and not candidate.age_ok:
        failed.add("age_group")
    if "location" in ctx.plan.steps and not _at_place(criteria, candidate, fmt, distance):
        failed.add("location")
    low, high = criteria.min_price_cents, criteria.max_price_cents
    if (low is not None and rate < low) or (high is not None and rate > high):
        failed.add("price")
    return frozenset(failed)


def _at_place(criteria: SearchCriteria, candidate: Candidate, fmt: str, distance: float | None) -> bool:
    """A travel lesson needs the place in the instructor's areas; a studio lesson a studio in
    the place (or near a neighborhood); an online lesson happens nowhere in particular."""
    place = criteria.location
    assert place is not None  # only called when a place filters
    if fmt == TRAVEL:
        return candidate.covers_place
    studio = candidate.studio
    if fmt != STUDIO or studio is None:
        return False
    if place.kind == "borough":
        return studio.borough == place.borough
    return studio == place or (distance is not None and distance <= STUDIO_NEAR_M)


def _distance(ctx: SearchContext, candidate: Candidate) -> float | None:
    if ctx.point is None or candidate.public_lat is None or candidate.public_lon is None:
        return None
    return distance_m(ctx.point[0], ctx.point[1], candidate.public_lat, candidate.public_lon)


def _best_per_instructor(evaluations: Iterable[Evaluation]) -> list[Match]:
    """One result per instructor: the offering that matches at the lowest level (then the
    lower rate)."""
    best: dict[int, Match] = {}
    for evaluation in evaluations:
        match = evaluation.match
        if match is None or match.level >= UNMATCHED:
            continue
        current = best.get(match.candidate.profile_id)
        if current is None or _format_key(match) < _format_key(current):
            best[match.candidate.profile_id] = match
    return list(best.values())


# --- ranking --------------------------------------------------------------------------------


def _score(ctx: SearchContext, match: Match, prior: RatingPrior) -> float:
    c, criteria = match.candidate, ctx.criteria
    travel_here = match.format == TRAVEL and c.covers_place
    distance = 1.0 if travel_here else ranking.distance_signal(match.distance_m)
    words = [word.lower() for word in ctx.unparsed if len(word) >= 3]
    signals = ranking.Signals(
        relevance=ranking.relevance_signal(
            main_subject=c.service.name.lower() in c.headline.lower(),
            words=words,
            text=f"{c.headline} {c.description}".lower(),
        ),
        rating=ranking.rating_signal(bayesian_average(c.review_count, c.review_stars, prior)),
        distance=distance if ctx.point is not None else ranking.NEUTRAL,
        price=ranking.price_signal(match.rate, criteria.min_price_cents, criteria.max_price_cents),
        recency=ranking.recency_signal(c.went_live_at, ctx.now),
        completeness=ranking.completeness_signal(
            headline=bool(c.headline),
            bio_chars=c.bio_chars,
            years=c.years_experience,
            identity=c.identity_verified,
            background=c.background_checked,
            # A studio point, or areas to travel to (a travel rate needs them to go live).
            located=c.public_lat is not None or "travel" in c.rates or set(c.rates) == {"online"},
        ),
    )
    return ranking.score(signals)


_SORT_KEYS = {
    "best": lambda m: (m.level, -m.score, m.candidate.profile_id),
    "price": lambda m: (m.level, m.rate, -m.score, m.candidate.profile_id),
    "soonest": lambda m: (m.level, m.first_start, -m.score, m.candidate.profile_id),
}


# --- output ---------------------------------------------------------------------------------


def _result(ctx: SearchContext, match: Match, areas: dict[int, list[str]], ratings: RatingRules) -> ResultOut:
    c = match.candidate
    count, stars = c.review_count, c.review_stars
    average = plain_average(count, stars)
    rating = RatingOut(
        average=None if average is None else round(average, 2),
        count=count,
        bayesian=round(bayesian_average(count, stars, ratings.prior), 3),
        visible=count >= ratings.min_reviews,
    )
    return ResultOut(
        instructor_id=c.profile_id,
        slug=c.slug,
        display_name=c.display_name,
        initials=initials_of(c.display_name),
        user_id=c.user_id,
        headline=c.headline,
        years_experience=c.years_experience,
        identity_verified_at=c.identity_verified,
        background_check_passed_at=c.background_checked,
        service=c.service.slug,
        service_name=c.service.name,
        category=c.service.category_slug,
        format=match.format,
        rate_cents=match.rate,
        duration_minutes=match.duration,
        place=_place_text(ctx, match, areas.get(c.profile_id, [])),
        distance_m=None if match.distance_m is None else round(match.distance_m),
        rating=rating,
        slots=[_slot(start, match) for start in match.starts],
        relaxed=list(match.failed),
        score=round(match.score, 4),
    )


def _slot(start: datetime, match: Match) -> SlotOut:
    shown = format_slot(start, SEARCH_ZONE_NAME)
    c = match.candidate
    return SlotOut(
        starts_at=shown["starts_at"],
        local=shown["local"],
        label=shown["label"],
        book_url=lesson_book_url(
            slug=c.slug, service=c.service.slug, fmt=match.format, duration=match.duration, start=start
        ),
    )


def _place_text(ctx: SearchContext, match: Match, areas: list[str]) -> str:
    """Where the lesson happens, by neighborhood or borough only (never an address)."""
    c, place = match.candidate, ctx.criteria.location
    if match.format == ONLINE:
        return "Online"
    if match.format == STUDIO:
        return c.studio.name if c.studio else ""
    if place is not None and c.covers_place:
        return f"Travels to {place.name}"
    more = f" +{len(areas) - 1} more" if len(areas) > 1 else ""
    return f"Travels to {areas[0]}{more}" if areas else "Travels to you"


def _explain(ctx: SearchContext, relaxed: list[str], total: int) -> str:
    shown = replace(ctx.criteria, **_dropped(relaxed))
    return explanation(shown, ctx.plan, relaxed, ctx.known, today=ctx.today, total=total)


def _dropped(relaxed: list[str]) -> dict[str, Any]:
    fields = {
        "time": ("time_from", "time_to"),
        "date": ("date_from", "date_to"),
        "skill_level": ("skill_level",),
        "age_group": ("age_group",),
        "location": ("location",),
        "price": ("min_price_cents", "max_price_cents"),
    }
    return {name: None for step in relaxed for name in fields[step]}
