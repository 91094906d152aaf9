"""Building search scenes: live instructors with one offering, studios at neighborhood
centres (no jitter, so distances are exact), travel areas, availability and bookings.

The clock is Wednesday 25 November 2026, 10:00 in New York (EST, UTC−5)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.text import slugify

from apps.accounts.tests.factories import InstructorUserFactory
from apps.availability.open_quarters import open_quarters_refresh
from apps.availability.tests.helpers import store
from apps.catalog.models import Service
from apps.instructors.models import InstructorProfile
from apps.instructors.states import ProfileStatus
from apps.instructors.tests.factories import InstructorProfileFactory, OfferingFactory, add_area
from apps.search.criteria import SearchRequest
from apps.search.executor import SearchPage
from apps.search.models import Borough, Neighborhood
from apps.search.results import search_results_get

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=NY)  # a Wednesday
TODAY = date(2026, 11, 25)
TOMORROW = date(2026, 11, 26)  # Thursday
FRIDAY = date(2026, 11, 27)
LIVE_SINCE = NOW - timedelta(days=30)


def hood(slug: str) -> Neighborhood:
    return Neighborhood.objects.get(slug=slug)


def borough(slug: str) -> Borough:
    return Borough.objects.get(slug=slug)


def teacher(
    name: str,
    *,
    service: str = "piano",
    online: int | None = None,
    studio: int | None = None,
    travel: int | None = None,
    at: str | None = None,
    areas: Iterable[str] = (),
    boroughs: Iterable[str] = (),
    ages: Iterable[str] = ("adults",),
    skills: Iterable[str] = ("beginner", "intermediate"),
    durations: Iterable[int] = (60,),
    status: str = ProfileStatus.LIVE,
    **profile: Any,
) -> InstructorProfile:
    """A live (by default) instructor teaching one service at the given hourly rates; `at` is
    the studio's neighborhood (its public point is the neighborhood's centre)."""
    first, last = name.split(" ", 1)
    fields: dict[str, Any] = {
        "user": InstructorUserFactory.create(first_name=first, last_name=last),
        "slug": slugify(name),
        "display_name": name,
        "status": status,
        "went_live_at": LIVE_SINCE if status == ProfileStatus.LIVE else None,
        "identity_verified_at": LIVE_SINCE,
        "background_check_passed_at": LIVE_SINCE,
        "payouts_connected_at": LIVE_SINCE,
        **profile,
    }
    if at is not None:
        place = hood(at)
        fields.update(studio_neighborhood=place, public_lat=place.lat, public_lon=place.lon)
    instructor = InstructorProfileFactory.create(**fields)
    OfferingFactory.create(
        profile=instructor,
        service=Service.objects.get(slug=service),
        rate_online_cents=online,
        rate_studio_cents=studio,
        rate_travel_cents=travel,
        duration_options=list(durations),
        skill_levels=list(skills),
        ages=list(ages),
    )
    for slug in areas:
        add_area(instructor, neighborhood=hood(slug))
    for slug in boroughs:
        add_area(instructor, borough=borough(slug))
    return instructor


def free(profile: InstructorProfile, day: date, *ranges: tuple[str, str]) -> InstructorProfile:
    """Open these hours, and rebuild the instructor's open-time index as the availability
    services do on every save (search reads the index)."""
    store(profile, day, *ranges)
    open_quarters_refresh(instructor_ids=[profile.pk], now=NOW)
    return profile


def run(now: datetime = NOW, **fields: Any) -> SearchPage:
    return search_results_get(SearchRequest(**fields), now=now)


def names(page: SearchPage) -> list[str]:
    return [result.display_name for result in page.results]


def strict_names(page: SearchPage) -> list[str]:
    """Results that match everything asked (nothing relaxed for them)."""
    return [result.display_name for result in page.results if not result.relaxed]


def slot_times(page: SearchPage, name: str) -> list[str]:
    result = next(r for r in page.results if r.display_name == name)
    return [slot.label for slot in result.slots]
