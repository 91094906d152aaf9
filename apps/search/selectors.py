"""Reads for search: the DB-backed parser vocabulary, and the candidate offerings of a search
in one query.

Only live instructors' active offerings of active services are ever candidates.
"""

from __future__ import annotations

import threading
import time as clock
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from django.db.models import (
    Count,
    Q,
    QuerySet,
)

from apps.catalog.models import AgeGroup, Category, Service
from apps.instructors.models import RATE_FIELDS, Offering
from apps.instructors.states import Format, ProfileStatus
from apps.search.criteria import Known, ServiceInfo
from apps.search.listing import BITS, Listed, Listing
from apps.search.models import Borough, Neighborhood
from apps.search.query import Location, SearchCriteria
from apps.search.vocabulary import CategoryTerm, Place, ServiceTerm, Vocabulary

# The catalog and gazetteer change rarely (admin edits); a worker rebuilds its vocabulary
# (~30 ms) at most this often rather than on every search generation, which bookings bump.
VOCABULARY_TTL_SECONDS = 300
# Degrees to metres around New York (40.7° N), for the pre-ranking of a truncated pool only.
M_PER_DEG_LAT = 111_320.0
M_PER_DEG_LON = 84_400.0


# --- the vocabulary -------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchVocabulary:
    vocabulary: Vocabulary
    known: Known
    built_at: float


_vocabulary_lock = threading.Lock()
_vocabulary: SearchVocabulary | None = None


def search_vocabulary_get() -> SearchVocabulary:
    """The parser's vocabulary built from the catalog and gazetteer tables (five queries when
    built, none while this process's copy is fresh)."""
    global _vocabulary
    current = _vocabulary
    if current is not None and clock.monotonic() - current.built_at < VOCABULARY_TTL_SECONDS:
        return current
    with _vocabulary_lock:
        if _vocabulary is None or _vocabulary is current:
            _vocabulary = _vocabulary_build()
        return _vocabulary


def search_vocabulary_reset() -> None:
    """Forget this process's vocabulary (tests that edit the catalog)."""
    global _vocabulary
    _vocabulary = None


def _vocabulary_build() -> SearchVocabulary:
    # Primary-key order is the data files' order (the loaders insert in file order), so a
    # DB-built vocabulary breaks ties exactly like the file-built one the parser tests use.
    categories = list(Category.objects.order_by("pk"))
    services = list(Service.objects.filter(is_active=True).select_related("category").order_by("pk"))
    places, vocabulary_places, by_id, coverage = _places()
    vocabulary = Vocabulary(
        services=tuple(
            ServiceTerm(slug=s.slug, name=s.name, category_slug=s.category.slug, terms=tuple(s.search_terms))
            for s in services
        ),
        categories=tuple(CategoryTerm(slug=c.slug, name=c.name) for c in categories),
        places=tuple(vocabulary_places),
    )
    infos = [ServiceInfo(s.pk, s.slug, s.name, s.category.slug, s.default_duration_minutes) for s in services]
    known = Known(
        services={info.slug: info for info in infos},
        services_by_id={info.id: info for info in infos},
        category_names={c.slug: c.name for c in categories},
        age_groups=frozenset(AgeGroup.objects.values_list("slug", flat=True)),
        places=places,
        neighborhoods_by_id=by_id,
        coverage=coverage,
    )
    return SearchVocabulary(vocabulary=vocabulary, known=known, built_at=clock.monotonic())


def _places() -> tuple[
    dict[tuple[str, str], Location],
    list[Place],
    dict[int, Location],
    dict[Location, tuple[tuple[int, ...], tuple[int, ...]]],
]:
    places: dict[tuple[str, str], Location] = {}
    vocabulary_places: list[Place] = []
    by_id: dict[int, Location] = {}
    coverage: dict[Location, tuple[tuple[int, ...], tuple[int, ...]]] = {}
    borough_places: dict[int, Location] = {}
    for borough in Borough.objects.order_by("pk"):
        name, lat, lon = borough.name, borough.lat, borough.lon
        vocabulary_places.append(Place(name, name, "borough", lat, lon, tuple(borough.aliases)))
        borough_places[borough.pk] = places[("borough", borough.slug)] = Location(name, name, "borough", lat, lon)
    hoods: dict[int, list[int]] = {pk: [] for pk in borough_places}
    for hood in Neighborhood.objects.select_related("borough").order_by("pk"):
        name, area = hood.name, hood.borough.name
        vocabulary_places.append(Place(name, area, "neighborhood", hood.lat, hood.lon, tuple(hood.aliases)))
        by_id[hood.pk] = places[("neighborhood", hood.slug)] = Location(name, area, "neighborhood", hood.lat, hood.lon)
        # A neighborhood is covered by itself or by its whole borough.
        coverage[by_id[hood.pk]] = ((hood.pk,), (hood.borough_id,))
        hoods[hood.borough_id].append(hood.pk)
    for pk, place in borough_places.items():
        coverage[place] = (tuple(hoods[pk]), (pk,))  # a borough: itself or any of its neighborhoods
    return places, vocabulary_places, by_id, coverage


# --- candidates -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate(Listed):
    """One live instructor's offering that may match: its listing row, with what this search
    adds (plain values: results are cached)."""

    service: ServiceInfo
    studio: Location | None  # the studio's neighborhood
    age_ok: bool
    covers_place: bool


_LISTED_FIELDS = tuple(f.name for f in fields(Listed))


def allowed_formats(asked: str | None) -> list[Format]:
    if asked == "in_person":
        return [Format.STUDIO, Format.TRAVEL]
    return [Format(asked)] if asked else list(Format)


def search_candidate_list(
    criteria: SearchCriteria, known: Known, listing: Listing, *, pool: int
) -> tuple[list[Candidate], bool]:
    """Candidate offerings for the filters that are never relaxed (subject, format, live): at
    most `pool` of them, the most promising first, and whether more existed.

    Read from the listing index in memory (listing.py), a column at a time. A service's
    offerings number a few hundred at 10,000 instructors, fewer than the pool, so relaxation
    and ranking see all of them. Without a service the pool is the best `pool` by a cheap
    pre-ranking: first what fails the fewest offering filters (age group, skill level,
    price), then, with a place, who travels there and then the nearest (no public point:
    last), then the newest."""
    service_ids = known.service_ids(service=criteria.service, category=criteria.category)
    if not service_ids:
        return [], False
    columns = listing.columns
    rows = columns.rows_of(service_ids)
    rates = [columns.rates[fmt.value][rows] for fmt in allowed_formats(criteria.format)]
    offered = np.logical_or.reduce([rate >= 0 for rate in rates])
    rows, rates = rows[offered], [rate[offered] for rate in rates]
    fails = np.zeros(len(rows), dtype=np.int64)
    age_ok = np.ones(len(rows), dtype=bool)
    if criteria.age_group:
        age_ok = (columns.age_groups[rows] & BITS.age.get(criteria.age_group, 0)) != 0
        fails += ~age_ok
    if criteria.skill_level:
        fails += (columns.skill_levels[rows] & BITS.skill.get(criteria.skill_level, 0)) == 0
    if criteria.has_price:
        low, high = criteria.min_price_cents, criteria.max_price_cents
        in_range = [
            (rate >= 0) & (rate >= (low if low is not None else 0)) & (rate <= (high if high is not None else rate))
            for rate in rates
        ]
        fails += ~np.logical_or.reduce(in_range)
    covers = np.zeros(len(rows), dtype=bool)
    keys: list[np.ndarray] = [rows]  # np.lexsort: the last key sorts first
    place = criteria.location
    if place is not None:
        if place in known.coverage:
            covers = columns.covering(rows, *known.coverage[place])
        lat, lon = columns.lat[rows], columns.lon[rows]
        near = ((lat - place.lat) * M_PER_DEG_LAT) ** 2 + ((lon - place.lon) * M_PER_DEG_LON) ** 2
        pointless = np.isnan(near) & ~covers
        keys += [np.where(covers | pointless, 0.0, near), pointless]
    order = np.lexsort([*keys, fails])[: pool + 1]
    ranked = listing.newest_first
    found = [
        _candidate(ranked[rows[i]], known, age_ok=bool(age_ok[i]), covers_place=bool(covers[i])) for i in order[:pool]
    ]
    return found, len(order) > pool


def _live_offerings(service_ids: list[int], formats: Iterable[str]) -> QuerySet[Offering]:
    """Live instructors' active offerings of these services in one of these formats."""
    # Inactive services are not in `known`: their offerings never come back.
    offerings = Offering.objects.filter(is_active=True, profile__status=ProfileStatus.LIVE, service_id__in=service_ids)
    offered = Q()
    for fmt in formats:
        offered |= Q(**{f"{RATE_FIELDS[Format(fmt)]}__isnull": False})
    return offerings.filter(offered)


def service_teacher_counts(*, category: str, formats: Iterable[str], known: Known) -> dict[str, int]:
    """How many live instructors teach each service of a category in one of `formats` (one
    grouped query; services nobody teaches are absent)."""
    ids = known.service_ids(service=None, category=category)
    rows = (
        _live_offerings(ids, formats)
        .order_by()
        .values_list("service_id")
        .annotate(teachers=Count("profile_id", distinct=True))
    )
    return {known.services_by_id[service_id].slug: teachers for service_id, teachers in rows}


def _candidate(row: Listed, known: Known, *, age_ok: bool, covers_place: bool) -> Candidate:
    studio = known.neighborhoods_by_id.get(row.studio_id) if row.studio_id is not None else None
    listed: dict[str, Any] = {name: getattr(row, name) for name in _LISTED_FIELDS}
    return Candidate(
        **listed, service=known.services_by_id[row.service_id], studio=studio, age_ok=age_ok, covers_place=covers_place
    )


def service_area_names(listing: Listing, profile_ids: list[int]) -> dict[int, list[str]]:
    """Where each instructor travels, by name, in the order they were added."""
    return {pk: list(listing.areas_of(pk).names) for pk in profile_ids}
