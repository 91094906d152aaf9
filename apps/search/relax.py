"""Relaxation: when fewer than `MIN_RESULTS` instructors match everything, constraints are
dropped one at a time in a fixed order — time, date, skill, age group, location, price — and
never the service, category or format (PRODUCT.md §2).

A relaxation *level* k means "the first k relaxable constraints of this query dropped". Every
candidate gets the lowest level at which it matches, computed once, so choosing how far to
relax costs no extra query: the answer is the smallest level with at least `MIN_RESULTS`
matches (or, when none gets there, the smallest level with the most).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from apps.availability.slots import SlotRules
from apps.search.criteria import DEFAULT_WINDOW_DAYS, search_window
from apps.search.query import MINUTES_PER_DAY, SearchCriteria

MIN_RESULTS = 5
RELAXATION_ORDER: tuple[str, ...] = ("time", "date", "skill_level", "age_group", "location", "price")
# Constraints checked on the offering itself (the rest are about availability).
STATIC_CONSTRAINTS: tuple[str, ...] = ("skill_level", "age_group", "location", "price")
UNMATCHED = 99  # a level no relaxation reaches
HORIZON_DAYS = SlotRules().horizon_days  # how far ahead slots open (availability/slots.py)


@dataclass(frozen=True)
class DayWindow:
    """Local dates first..last (inclusive) and a local time of day [start, end) in minutes."""

    first: dt.date
    last: dt.date
    start_minute: int = 0
    end_minute: int = MINUTES_PER_DAY

    @functools.cached_property
    def dates(self) -> tuple[dt.date, ...]:
        # Cached: every candidate walks the same window's dates.
        return tuple(self.first + dt.timedelta(days=n) for n in range((self.last - self.first).days + 1))


@dataclass(frozen=True)
class RelaxPlan:
    steps: tuple[str, ...]  # the relaxable constraints this query has, in relaxation order
    strict: DayWindow  # the asked window
    any_time: DayWindow | None  # the asked dates at any time (only when a time was asked)
    any_day: DayWindow | None  # the default window at any time (only when a date was asked)

    def level_of(self, name: str) -> int:
        """The level at which `name` is dropped."""
        return self.steps.index(name) + 1

    def windows(self) -> tuple[tuple[int, DayWindow], ...]:
        """Each distinct availability window with the level it needs, narrowest first."""
        return self._windows

    @functools.cached_property
    def _windows(self) -> tuple[tuple[int, DayWindow], ...]:
        # Cached: every candidate of a search walks them.
        found = [(0, self.strict)]
        if self.any_time is not None:
            found.append((self.level_of("time"), self.any_time))
        if self.any_day is not None:
            found.append((self.level_of("date"), self.any_day))
        return tuple(found)

    @property
    def widest(self) -> DayWindow:
        return self.windows()[-1][1]

    def window_at(self, level: int) -> DayWindow:
        """The availability window once `level` constraints are dropped."""
        return [window for needed, window in self.windows() if needed <= level][-1]


def relaxable(criteria: SearchCriteria) -> tuple[str, ...]:
    present = {
        "time": criteria.has_time,
        "date": criteria.has_date,
        "skill_level": criteria.skill_level is not None,
        "age_group": criteria.age_group is not None,
        # For online lessons a place only orders the results (by distance); it filters nothing.
        "location": criteria.location is not None and criteria.format != "online",
        "price": criteria.has_price,
    }
    return tuple(name for name in RELAXATION_ORDER if present[name])


def relax_plan(criteria: SearchCriteria, today: dt.date) -> RelaxPlan:
    steps = relaxable(criteria)
    first, last = search_window(criteria, today)
    start, end = criteria.minutes()
    strict = DayWindow(first, last, start, end)
    any_time = DayWindow(first, last) if "time" in steps else None
    any_day = None
    if "date" in steps:
        # Any day in the default window, or up to the asked day if that is further away, but
        # never past the booking horizon: no slot exists there.
        horizon = today + dt.timedelta(days=HORIZON_DAYS)
        any_day = DayWindow(today, min(max(last, today + dt.timedelta(days=DEFAULT_WINDOW_DAYS - 1)), horizon))
    return RelaxPlan(steps=steps, strict=strict, any_time=any_time, any_day=any_day)


def static_level(plan: RelaxPlan, failed: Iterable[str]) -> int:
    """The level at which every failed offering constraint has been dropped."""
    return max((plan.level_of(name) for name in failed), default=0)


def level_choose(levels: Sequence[int], steps: int) -> int:
    """How far to relax, from each candidate's lowest matching level."""
    counts = [sum(1 for level in levels if level <= k) for k in range(steps + 1)]
    for k, count in enumerate(counts):
        if count >= MIN_RESULTS:
            return k
    # Nobody reaches MIN_RESULTS: relax only as far as it still adds someone.
    return counts.index(counts[-1])


def relaxed_names(plan: RelaxPlan, level: int) -> list[str]:
    return list(plan.steps[:level])
