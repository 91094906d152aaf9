"""Browse cards: the live instructors a service or category page lists, each led by the lesson
that matched (its service, its price for the usual length and the cheapest allowed format, and
its next open times as buttons to the booking sheet), sorted as the visitor chose.

Sorting needs every match's first open time (the default sort puts who can be booked soon
first), so every match is ranked from a light read (`CardLead`: the lead offering's rates and
length, the instructor's policy and rating) and the calendars of all of them in two queries
(`search.openings.calendar_list`, the same bulk read search uses); the cards themselves, with
their profiles, offerings and areas, are built for the one page shown.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apps.availability.selectors_public import SlotChoice, book_url, default_duration
from apps.availability.slots import SlotRules, format_slot
from apps.instructors.models import InstructorProfile, Offering
from apps.instructors.states import Format
from apps.reviews.rating import RatingPrior, RatingSummary, bayesian_average, rating_row, rating_summary
from apps.search.criteria import DEFAULT_WINDOW_DAYS, SEARCH_ZONE, SEARCH_ZONE_NAME
from apps.search.openings import CalendarAsk, calendar_list, window_starts
from apps.search.relax import DayWindow

NEXT_TIMES = 3
# Formats in the order people weigh them: in person first, then online.
FORMAT_DISPLAY_ORDER = (Format.STUDIO, Format.TRAVEL, Format.ONLINE)


@dataclass(frozen=True)
class CardSlot:
    label: str  # "Thu 26 Nov, 4:00 pm" (New York time, as search shows it)
    book_url: str


@dataclass(frozen=True)
class InstructorCard:
    """One card; the shared card template reads the same names as a search result."""

    profile: InstructorProfile
    offering: Offering
    format: str
    rate_cents: int  # per hour; the card shows the price of a `duration_minutes` lesson
    duration_minutes: int
    place: str
    rating: RatingSummary
    bayesian: float
    slots: list[CardSlot]
    first_start: datetime | None
    # Read by the shared template: a browse page has no searched place and relaxes nothing.
    distance_m: int | None = None
    relaxed: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        return self.profile.slug

    @property
    def display_name(self) -> str:
        return self.profile.display_name

    @property
    def initials(self) -> str:
        return self.profile.initials

    @property
    def user_id(self) -> int:
        return self.profile.user_id

    @property
    def instructor_id(self) -> int:
        return self.profile.pk

    @property
    def headline(self) -> str:
        return self.profile.headline

    @property
    def years_experience(self) -> int:
        return self.profile.years_experience

    @property
    def identity_verified_at(self) -> Any:
        return self.profile.identity_verified_at

    @property
    def background_check_passed_at(self) -> Any:
        return self.profile.background_check_passed_at

    @property
    def service_name(self) -> str:
        return self.offering.service.name


@dataclass(frozen=True)
class CardFilters:
    """What shapes a card: the formats, price bounds and borough the visitor asked for."""

    format: str | None
    min_price_cents: int | None
    max_price_cents: int | None
    borough_id: int | None


def _lowest_rate(rate_for: Mapping[Format, int | None], filters: CardFilters) -> tuple[int, str]:
    """The lowest rate among the formats the filters allow (in person first on a tie)."""
    formats = [Format(filters.format)] if filters.format else list(FORMAT_DISPLAY_ORDER)
    low, high = filters.min_price_cents, filters.max_price_cents
    rates = [
        (rate, fmt.value)
        for fmt in formats
        if (rate := rate_for.get(fmt)) is not None and (low is None or rate >= low) and (high is None or rate <= high)
    ]
    return min(rates, key=lambda pair: pair[0])


def _card_place(profile: InstructorProfile, offering: Offering, filters: CardFilters) -> str:
    """Where the lesson happens, by neighborhood or borough name only (never an address): for
    the asked format and borough if any, else the first place in display order."""
    formats = [Format(filters.format)] if filters.format else list(FORMAT_DISPLAY_ORDER)
    for fmt in formats:
        if offering.rate_for(fmt) is None:
            continue
        if fmt == Format.ONLINE:
            return "Online"
        if fmt == Format.STUDIO:
            studio = profile.studio_neighborhood
            if studio is not None and filters.borough_id in (None, studio.borough_id):
                return studio.name
        elif names := _area_names(profile, filters.borough_id):
            more = f" +{len(names) - 1} more" if len(names) > 1 else ""
            return f"Travels to {names[0]}{more}"
    return ""  # a studio rate without a studio neighborhood yet: better nothing than a guess


def _area_names(profile: InstructorProfile, borough_id: int | None) -> list[str]:
    # The prefetch selects neighborhood and borough, not the neighborhood's borough: compare
    # ids and use names only (str(neighborhood) would query its borough once per card).
    names = []
    for area in profile.service_areas.all():
        if area.neighborhood is not None and borough_id in (None, area.neighborhood.borough_id):
            names.append(area.neighborhood.name)
        elif area.borough is not None and borough_id in (None, area.borough_id):
            names.append(area.borough.name)
    return names


@dataclass(frozen=True, slots=True)
class CardLesson:
    """The lesson a card leads with, as its next open times need it."""

    timezone: str
    rules: SlotRules
    duration: int
    is_travel: bool


def _first_starts(lessons: Mapping[int, CardLesson], now: datetime) -> dict[int, Sequence[datetime]]:
    """Each instructor's first open starts in the coming two weeks (as search looks), for the
    card's lesson; two queries whatever the number of instructors."""
    if not lessons:
        return {}
    today = now.astimezone(SEARCH_ZONE).date()
    window = DayWindow(today, today + timedelta(days=DEFAULT_WINDOW_DAYS - 1))
    asks = {
        pk: CalendarAsk(lesson.timezone, lesson.rules, frozenset({lesson.duration})) for pk, lesson in lessons.items()
    }
    # A day before (another zone's evening is New York's morning), two after (a late lesson).
    calendars = calendar_list(asks, today - timedelta(days=1), window.last + timedelta(days=2), now=now)
    return {
        pk: window_starts(
            calendars[pk], window, duration=lesson.duration, is_travel=lesson.is_travel, now=now, limit=NEXT_TIMES
        )
        for pk, lesson in lessons.items()
    }


@dataclass(frozen=True, slots=True)
class CardRank:
    """What sorting needs of one match. Every match of a browse page is ranked (thousands on a
    category page at city scale); cards are built for the page shown only."""

    profile_id: int
    rate_cents: int
    bayesian: float
    review_count: int
    starts: tuple[datetime, ...]  # the first open times, as many as a card shows

    @property
    def first_start(self) -> datetime | None:
        return self.starts[0] if self.starts else None


@dataclass(frozen=True, slots=True)
class CardLead:
    """One match as read for ranking: the instructor's policy and rating, and the offering
    its card leads with."""

    profile_id: int
    timezone: str
    rules: SlotRules
    review_count: int
    review_stars: int
    rates: Mapping[Format, int | None]
    duration: int


def card_ranks(leads: Sequence[CardLead], filters: CardFilters, *, prior: RatingPrior, now: datetime) -> list[CardRank]:
    """Rank every match, in the order given (ties keep it)."""
    chosen = {lead.profile_id: _lowest_rate(lead.rates, filters) for lead in leads}
    lessons = {
        lead.profile_id: CardLesson(
            lead.timezone, lead.rules, lead.duration, chosen[lead.profile_id][1] == Format.TRAVEL
        )
        for lead in leads
    }
    starts = _first_starts(lessons, now)
    return [
        CardRank(
            profile_id=lead.profile_id,
            rate_cents=chosen[lead.profile_id][0],
            bayesian=bayesian_average(lead.review_count, lead.review_stars, prior),
            review_count=lead.review_count,
            starts=tuple(starts[lead.profile_id]),
        )
        for lead in leads
    ]


def instructor_cards(
    profiles: Sequence[InstructorProfile],
    filters: CardFilters,
    ranks: Mapping[int, CardRank],
    *,
    min_reviews: int,
    prior: RatingPrior,
) -> list[InstructorCard]:
    """Cards for profiles read with `matching_offerings` (the lesson each card leads with is
    the first), `service_areas`, the studio neighborhood and the rating row; their next times
    are the ones their ranking found (`card_ranks`, for the same lesson)."""
    choices: dict[int, SlotChoice] = {}
    rates: dict[int, int] = {}
    for profile in profiles:
        offering: Offering = profile.matching_offerings[0]  # type: ignore[attr-defined]
        rates[profile.pk], fmt = _lowest_rate({f: offering.rate_for(f) for f in Format}, filters)
        choices[profile.pk] = SlotChoice(offering=offering, format=fmt, duration=default_duration(offering))
    starts = {profile.pk: ranks[profile.pk].starts for profile in profiles}
    cards = []
    for profile in profiles:
        choice = choices[profile.pk]
        row = rating_row(profile)
        count, stars = (row.review_count, row.stars_total) if row is not None else (0, 0)
        cards.append(
            InstructorCard(
                profile=profile,
                offering=choice.offering,
                format=choice.format,
                rate_cents=rates[profile.pk],
                duration_minutes=choice.duration,
                place=_card_place(profile, choice.offering, filters),
                rating=rating_summary(row, min_reviews=min_reviews),
                bayesian=bayesian_average(count, stars, prior),
                slots=[
                    CardSlot(
                        label=format_slot(start, SEARCH_ZONE_NAME)["label"], book_url=book_url(profile, choice, start)
                    )
                    for start in starts[profile.pk]
                ],
                first_start=ranks[profile.pk].first_start,
            )
        )
    return cards


# Python's sort is stable: ties keep the list's order (newest live first).
CARD_SORTS: dict[str, Callable[[CardRank], Any]] = {
    # Someone you can book soon, then the best rated (reviews weighed against the prior).
    "best": lambda rank: (rank.first_start is None, -rank.bayesian),
    "price": lambda rank: rank.rate_cents,
    "soonest": lambda rank: rank.first_start.timestamp() if rank.first_start else math.inf,
    "rating": lambda rank: (-rank.bayesian, -rank.review_count),
}


def ranks_sort(ranks: list[CardRank], sort: str) -> list[CardRank]:
    return sorted(ranks, key=CARD_SORTS.get(sort, CARD_SORTS["best"]))
