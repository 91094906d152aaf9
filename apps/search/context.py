"""The state one search run shares between matching, ranking and suggestions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from apps.availability.selectors_public import default_duration
from apps.catalog.models import Service
from apps.instructors.models import Offering
from apps.search.criteria import Known
from apps.search.listing import Listing
from apps.search.query import SearchCriteria
from apps.search.relax import DayWindow, RelaxPlan
from apps.search.selectors import Candidate


@dataclass(slots=True)
class Match:
    """A candidate's best way to match: its level, format and first open starts."""

    candidate: Candidate
    level: int
    format: str
    rate: int
    duration: int
    window: DayWindow
    starts: Sequence[datetime]  # the first open starts in `window` (up to the card's count)
    distance_m: float | None
    failed: tuple[str, ...]  # what it does not match, in relaxation order
    score: float = 0.0

    @property
    def first_start(self) -> datetime:
        return self.starts[0]


@dataclass(frozen=True)
class SearchContext:
    criteria: SearchCriteria
    plan: RelaxPlan
    known: Known
    listing: Listing  # the listing index this search reads its candidates from
    now: datetime
    today: dt.date
    point: tuple[float, float] | None  # where distances are measured from
    unparsed: list[str]
    formats: tuple[str, ...]  # the formats the search allows


@dataclass(slots=True)
class Evaluation:
    """Per candidate, per format: the offering filters it fails; per travel-ness: whether it
    has a start in the strict window. Suggestions count from these."""

    candidate: Candidate
    failed: dict[str, frozenset[str]]
    strict_open: dict[bool, bool]
    match: Match | None


_duration_cache: dict[tuple[tuple[int, ...], int], int] = {}


def lesson_minutes(candidate: Candidate) -> int:
    """The offering's usual lesson length, exactly as the booking sheet defaults it."""
    key = (tuple(candidate.duration_options), candidate.service.default_minutes)
    if key not in _duration_cache:
        offering = Offering(duration_options=list(key[0]), service=Service(default_duration_minutes=key[1]))
        _duration_cache[key] = default_duration(offering)
    return _duration_cache[key]
