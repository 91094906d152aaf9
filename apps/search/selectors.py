"""Reads for search: the DB-backed parser vocabulary, and the candidate offerings of a search
in one query.

Only live instructors' active offerings of active services are ever candidates.
"""

from __future__ import annotations

import threading
import time as clock
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import Case, When
from django.db.models.functions import Coalesce, Length

from apps.catalog.models import AgeGroup, Category, Service
from apps.instructors.models import RATE_FIELDS, Offering, ServiceArea
from apps.instructors.states import Format, ProfileStatus
from apps.search.criteria import Known, SearchCriteria, ServiceInfo
from apps.search.models import Borough, Neighborhood
from apps.search.parser import Location
from apps.search.sql import id_in
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
class Candidate:
    """One live instructor's offering that may match, with what filtering, ranking and the
    result card need (plain values: results are cached)."""

    offering_id: int
    profile_id: int
    service: ServiceInfo
    description: str
    duration_options: list[int]
    skill_levels: list[str]
    rates: dict[str, int]  # format -> hourly rate in cents, offered formats only
    slug: str
    display_name: str
    user_id: int
    headline: str
    bio_chars: int
    years_experience: int
    timezone: str
    buffer_minutes: int
    travel_buffer_minutes: int
    overnight_protection: bool
    public_lat: float | None
    public_lon: float | None
    went_live_at: datetime | None
    identity_verified: bool
    background_checked: bool
    studio: Location | None  # the studio's neighborhood
    age_ok: bool
    covers_place: bool
    review_count: int  # visible reviews, from the instructor's aggregate row (0 without one)
    review_stars: int


_PROFILE_FIELDS = {
    "slug": "profile__slug",
    "display_name": "profile__display_name",
    "user_id": "profile__user_id",
    "headline": "profile__headline",
    "years_experience": "profile__years_experience",
    "timezone": "profile__timezone",
    "buffer_minutes": "profile__buffer_minutes",
    "travel_buffer_minutes": "profile__travel_buffer_minutes",
    "overnight_protection": "profile__overnight_protection",
    "public_lat": "profile__public_lat",
    "public_lon": "profile__public_lon",
    "went_live_at": "profile__went_live_at",
}
_OFFERING_FIELDS = {
    "offering_id": "pk",
    "profile_id": "profile_id",
    "description": "description",
    "duration_options": "duration_options",
    "skill_levels": "skill_levels",
}
_FLAGS = ("age_ok", "covers_place")
_ANNOTATIONS = (
    "bio_chars", "identity_verified", "background_checked", "age_ok", "covers_place", "review_count", "review_stars",
)  # fmt: skip


def allowed_formats(asked: str | None) -> list[Format]:
    if asked == "in_person":
        return [Format.STUDIO, Format.TRAVEL]
    return [Format(asked)] if asked else list(Format)


def search_candidate_list(criteria: SearchCriteria, known: Known, *, pool: int) -> tuple[list[Candidate], bool]:
    """Candidate offerings for the filters that are never relaxed (subject, format, live): at
    most `pool` of them, the most promising first, and whether more existed.

    A service's offerings number a few hundred at 10,000 instructors: one plain query reads
    them all (per-row index probes for age group and travel areas), so relaxation and ranking
    see everything. Without a service the pool is the best `pool` by a cheap pre-ranking
    (`_pool_candidates`: two to four queries; with no filter to count, the newest live
    instructors come straight off the `instructor_live_recent_idx` index). Service
    and neighborhood names come from `known` (in memory) rather than joins. Ratings come from
    the instructors' aggregate review rows, joined here (one-to-one, by primary key)."""
    service_ids = known.service_ids(service=criteria.service, category=criteria.category)
    if not service_ids:
        return [], False
    matches = _static_matches(criteria, service_ids)
    if criteria.service is None:
        return _pool_candidates(criteria, known, matches, pool=pool)
    age = _age_clause(criteria.age_group, hashed=False)
    covers = _covers_clause(criteria.location, known, hashed=False)
    rows = list(
        _wide(matches)
        .annotate(
            age_ok=Case(When(age, then=Value(True)), default=Value(False), output_field=BooleanField()),
            covers_place=Case(When(covers, then=Value(True)), default=Value(False), output_field=BooleanField()),
        )
        .order_by(*_pre_rank(criteria, age, covers))
        .values(*_value_names())[: pool + 1]
    )
    return [_candidate(row, known) for row in rows[:pool]], len(rows) > pool


def _pool_candidates(
    criteria: SearchCriteria, known: Known, matches: QuerySet[Offering], *, pool: int
) -> tuple[list[Candidate], bool]:
    """Without a service: the pool's ids in pre-rank order from one narrow query over every
    match (the age group's offerings and the covering areas hashed once each), then the
    pool's wide rows by id, and — only when asked — which of them teach the age group and
    travel to the place, by two index probes on the pool alone. Computing those flags in the
    wide query made PostgreSQL hash the age group's thousands of offerings twice more."""
    hashed = _pre_rank(
        criteria,
        _age_clause(criteria.age_group, hashed=True),
        _covers_clause(criteria.location, known, hashed=True),
    )
    ranked = list(matches.order_by(*hashed).values_list("pk", flat=True)[: pool + 1])
    kept = ranked[:pool]
    if not kept:
        return [], False
    rows = list(_wide(Offering.objects.filter(id_in("pk", kept))).values(*_value_names(flags=False)))
    teaches_age = _teaching_age_group(criteria.age_group, kept)
    covering = _covering(criteria.location, known, [row["profile_id"] for row in rows])
    for row in rows:
        row["age_ok"] = teaches_age is None or row["pk"] in teaches_age
        row["covers_place"] = row["profile_id"] in covering
    position = {pk: index for index, pk in enumerate(kept)}
    rows.sort(key=lambda row: position[row["pk"]])
    return [_candidate(row, known) for row in rows], len(ranked) > pool


def _wide(offerings: QuerySet[Offering]) -> QuerySet[Offering]:
    """What a candidate card needs beyond the offering's own columns."""
    return offerings.annotate(
        bio_chars=Length("profile__bio"),
        identity_verified=Q(profile__identity_verified_at__isnull=False),
        background_checked=Q(profile__background_check_passed_at__isnull=False),
        review_count=Coalesce(F("profile__rating__review_count"), 0),
        review_stars=Coalesce(F("profile__rating__stars_total"), 0),
    )


def _teaching_age_group(age_group: str | None, offering_ids: list[int]) -> set[int] | None:
    """Which of these offerings teach the age group (None: no age group asked, all pass)."""
    if age_group is None:
        return None
    through = Offering.age_groups.through.objects.filter(id_in("offering_id", offering_ids), agegroup_id=age_group)
    return set(through.values_list("offering_id", flat=True))


def _covering(location: Location | None, known: Known, profile_ids: list[int]) -> set[int]:
    """Which of these instructors travel to the place (as `_covers_clause`)."""
    if location is None or location not in known.coverage:
        return set()
    neighborhoods, boroughs = known.coverage[location]
    areas = ServiceArea.objects.filter(id_in("profile_id", profile_ids)).filter(
        Q(neighborhood_id__in=neighborhoods) | Q(borough_id__in=boroughs)
    )
    return set(areas.values_list("profile_id", flat=True))


def _static_matches(criteria: SearchCriteria, service_ids: list[int]) -> QuerySet[Offering]:
    return _live_offerings(service_ids, allowed_formats(criteria.format))


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


def _value_names(*, flags: bool = True) -> list[str]:
    names = [*_OFFERING_FIELDS.values(), "service_id", *RATE_FIELDS.values(), *_PROFILE_FIELDS.values()]
    annotations = _ANNOTATIONS if flags else tuple(name for name in _ANNOTATIONS if name not in _FLAGS)
    return [*names, "profile__studio_neighborhood_id", *annotations]


def _age_clause(age_group: str | None, *, hashed: bool) -> Q:
    """Teaches the age group: `pk IN (…)` makes PostgreSQL hash the group's offerings once
    (for thousands of rows); EXISTS probes the (offering, age group) index per row (for a few
    hundred)."""
    if age_group is None:
        return Q(pk__isnull=False)
    through = Offering.age_groups.through.objects.filter(agegroup_id=age_group)
    if hashed:
        return Q(pk__in=through.values("offering_id"))
    return Q(Exists(through.filter(offering_id=OuterRef("pk"))))


def _covers_clause(location: Location | None, known: Known, *, hashed: bool) -> Q:
    """Travels to the asked place: the neighborhood itself or its whole borough; for a
    borough, the borough or any of its neighborhoods. By id, over the areas' foreign-key
    indexes; hashed or probed per row as in `_age_clause`."""
    if location is None or location not in known.coverage:
        return Q(pk__isnull=True)
    neighborhoods, boroughs = known.coverage[location]
    areas = ServiceArea.objects.filter(Q(neighborhood_id__in=neighborhoods) | Q(borough_id__in=boroughs))
    if hashed:
        return Q(profile_id__in=areas.values("profile_id"))
    return Q(Exists(areas.filter(profile_id=OuterRef("profile_id"))))


def _flag(clause: Q) -> Case:
    """1 when the clause fails: the pre-rank counts failed filters."""
    return Case(When(clause, then=Value(0)), default=Value(1), output_field=IntegerField())


def _pre_rank(criteria: SearchCriteria, age: Q, covers: Q) -> list[Any]:
    """Only decides anything when there are more candidates than the pool (no subject asked):
    first what fails the fewest offering filters, then the nearest, then the newest."""
    fails: list[Any] = []
    if criteria.age_group:
        fails.append(_flag(age))
    if criteria.skill_level:
        fails.append(_flag(Q(skill_levels__icontains=f'"{criteria.skill_level}"')))
    if criteria.has_price:
        fails.append(_flag(_price_clause(criteria)))
    order: list[Any] = []
    if fails:
        total = fails[0]
        for fail in fails[1:]:
            total = total + fail
        order.append(ExpressionWrapper(total, output_field=IntegerField()).asc())
    if criteria.location is not None:
        lat, lon = criteria.location.lat, criteria.location.lon
        near = ((F("profile__public_lat") - lat) * M_PER_DEG_LAT) ** 2
        near = near + ((F("profile__public_lon") - lon) * M_PER_DEG_LON) ** 2
        here = Case(When(covers, then=Value(0.0)), default=near, output_field=FloatField())
        order.append(here.asc(nulls_last=True))
    return [*order, F("profile__went_live_at").desc(nulls_last=True), "pk"]


def _price_clause(criteria: SearchCriteria) -> Q:
    clause = Q()
    for fmt in allowed_formats(criteria.format):
        field = RATE_FIELDS[fmt]
        rate = Q(**{f"{field}__isnull": False})
        if criteria.min_price_cents is not None:
            rate &= Q(**{f"{field}__gte": criteria.min_price_cents})
        if criteria.max_price_cents is not None:
            rate &= Q(**{f"{field}__lte": criteria.max_price_cents})
        clause |= rate
    return clause


def _candidate(row: dict[str, Any], known: Known) -> Candidate:
    rates = {fmt.value: row[field] for fmt, field in RATE_FIELDS.items() if row[field] is not None}
    values = {name: row[source] for name, source in {**_OFFERING_FIELDS, **_PROFILE_FIELDS}.items()}
    studio_id = row["profile__studio_neighborhood_id"]
    return Candidate(
        **values,
        service=known.services_by_id[row["service_id"]],
        rates=rates,
        bio_chars=row["bio_chars"] or 0,
        identity_verified=bool(row["identity_verified"]),
        background_checked=bool(row["background_checked"]),
        studio=known.neighborhoods_by_id.get(studio_id) if studio_id is not None else None,
        age_ok=bool(row["age_ok"]),
        covers_place=bool(row["covers_place"]),
        review_count=row["review_count"],
        review_stars=row["review_stars"],
    )


def service_area_names(profile_ids: list[int]) -> dict[int, list[str]]:
    """Where each instructor travels, by name, in the order they were added (one query, for
    one page of results)."""
    names: dict[int, list[str]] = {pk: [] for pk in profile_ids}
    areas = (
        ServiceArea.objects.filter(id_in("profile_id", profile_ids))
        .order_by("pk")
        .values_list("profile_id", "neighborhood__name", "borough__name")
    )
    for profile_id, neighborhood, borough in areas:
        names[profile_id].append(neighborhood or borough)
    return names
