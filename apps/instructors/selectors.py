"""Reads for instructors. Public reads only ever return live profiles."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import groupby
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from apps.availability.selectors_public import default_duration, slot_rules_for
from apps.availability.slots import SlotRules
from apps.catalog.models import AgeGroup, Category, Service
from apps.core.models import platform_config
from apps.instructors.cards import CardFilters, CardLead, InstructorCard, card_ranks, instructor_cards, ranks_sort
from apps.instructors.models import RATE_FIELDS, InstructorProfile, Offering, ServiceArea
from apps.instructors.states import Format, ProfileStatus
from apps.reviews.rating import RatingPrior
from apps.search.gazetteer import distance_m
from apps.search.models import Borough, Neighborhood
from apps.search.sql import id_in

KIDS_AGE_GROUP = "kids"


@dataclass(frozen=True)
class InstructorFilters:
    service: str | None = None
    category: str | None = None
    age_group: str | None = None
    format: str | None = None
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    borough: str | None = None


def _matching_offerings(filters: InstructorFilters) -> QuerySet[Offering]:
    offerings = Offering.objects.filter(is_active=True, service__is_active=True)
    if filters.service:
        offerings = offerings.filter(service__slug=filters.service)
    if filters.category:
        offerings = offerings.filter(service__category__slug=filters.category)
    if filters.age_group:
        offerings = offerings.filter(age_groups__slug=filters.age_group)
    formats = [Format(filters.format)] if filters.format else list(Format)
    # Price bounds apply to the rate of a format the instructor offers (the asked one, if any).
    price = Q()
    for fmt in formats:
        field = RATE_FIELDS[fmt]
        clause = Q(**{f"{field}__isnull": False})
        if filters.min_price_cents is not None:
            clause &= Q(**{f"{field}__gte": filters.min_price_cents})
        if filters.max_price_cents is not None:
            clause &= Q(**{f"{field}__lte": filters.max_price_cents})
        price |= clause
    return offerings.filter(price)


def _borough_clause(borough: str, fmt: str | None = None) -> Q:
    """Live in the borough: a studio there, or travel to it (whole borough or one of its
    neighborhoods), or teaching online is not enough — the borough filter is about place.
    With a format asked, only that format's place counts: a Brooklyn studio does not make
    someone who travels only in Manhattan a "travel, Brooklyn" match."""
    travels = ServiceArea.objects.filter(profile=OuterRef("pk")).filter(
        Q(borough__slug=borough) | Q(neighborhood__borough__slug=borough)
    )
    studio_there, travels_there = Q(studio_neighborhood__borough__slug=borough), Q(Exists(travels))
    if fmt == Format.STUDIO:
        return studio_there
    if fmt == Format.TRAVEL:
        return travels_there
    return studio_there | travels_there


def instructor_public_list(filters: InstructorFilters) -> QuerySet[InstructorProfile]:
    """Live instructors with a matching offering; offerings (only the matching ones),
    their services and age groups, and service areas prefetched: a fixed number of queries."""
    matching = _matching_offerings(filters)
    profiles = InstructorProfile.objects.filter(status=ProfileStatus.LIVE, offerings__in=matching).distinct()
    if filters.borough:
        profiles = profiles.filter(_borough_clause(filters.borough, filters.format))
    return (
        profiles.select_related("user", "studio_neighborhood__borough", "rating")
        .prefetch_related(
            Prefetch(
                "offerings",
                # In the catalog's order: a category page's card leads with the first.
                queryset=matching.distinct()
                .select_related("service")
                .prefetch_related("age_groups")
                .order_by("service__display_order", "service__name", "pk"),
                to_attr="matching_offerings",
            ),
            Prefetch("service_areas", queryset=ServiceArea.objects.select_related("neighborhood", "borough")),
        )
        .order_by("-went_live_at", "pk")
    )


def _public_detail_queryset() -> QuerySet[InstructorProfile]:
    return (
        InstructorProfile.objects.filter(status=ProfileStatus.LIVE)
        .select_related("user", "studio_neighborhood__borough", "rating")
        .prefetch_related(
            Prefetch(
                "offerings",
                # A retired catalog service is not bookable: its offerings are not shown.
                queryset=Offering.objects.filter(is_active=True, service__is_active=True)
                .select_related("service__category")
                .prefetch_related("age_groups"),
                to_attr="active_offerings",
            ),
            Prefetch("service_areas", queryset=ServiceArea.objects.select_related("neighborhood__borough", "borough")),
        )
    )


def instructor_public_get(slug: str) -> InstructorProfile | None:
    return _public_detail_queryset().filter(slug=slug).first()


def instructor_public_get_by_id(instructor_id: int) -> InstructorProfile | None:
    return _public_detail_queryset().filter(pk=instructor_id).first()


def kids_service_list(category: str | None = None) -> QuerySet[Service]:
    """Services with at least one live instructor teaching kids."""
    kids_offering = Offering.objects.filter(
        service=OuterRef("pk"), is_active=True, age_groups__slug=KIDS_AGE_GROUP, profile__status=ProfileStatus.LIVE
    )
    services = Service.objects.filter(is_active=True).filter(Exists(kids_offering)).select_related("category")
    if category:
        services = services.filter(category__slug=category)
    return services


def instructor_travels_to(profile: InstructorProfile, neighborhood: Neighborhood) -> bool:
    return ServiceArea.objects.filter(
        Q(neighborhood=neighborhood) | Q(borough_id=neighborhood.borough_id), profile=profile
    ).exists()


def nearest_neighborhood(lat: float, lon: float) -> Neighborhood | None:
    """The gazetteer neighborhood closest to a point (the gazetteer is small: ~200 rows)."""
    neighborhoods = list(Neighborhood.objects.select_related("borough"))
    return min(neighborhoods, key=lambda n: distance_m(lat, lon, n.lat, n.lon), default=None)


def instructor_travels_to_point(profile: InstructorProfile, lat: float, lon: float) -> bool:
    neighborhood = nearest_neighborhood(lat, lon)
    return neighborhood is not None and instructor_travels_to(profile, neighborhood)


def instructor_own_get(user_id: int) -> InstructorProfile | None:
    return (
        InstructorProfile.objects.filter(user_id=user_id)
        .select_related("studio_neighborhood__borough")
        .prefetch_related(
            Prefetch("offerings", queryset=Offering.objects.select_related("service").prefetch_related("age_groups")),
            Prefetch("service_areas", queryset=ServiceArea.objects.select_related("neighborhood__borough", "borough")),
        )
        .first()
    )


# --- Public browse pages: category, service, kids and their instructor cards -------------
# Each page is one call returning everything it shows, in a fixed number of queries.

BROWSE_PAGE_SIZE = 20


@dataclass(frozen=True)
class Relaxation:
    """A filter the visitor could drop, and how many instructors they would then see."""

    name: str
    count: int


@dataclass(frozen=True)
class ServiceBrowse:
    service: Service
    filters: InstructorFilters
    sort: str
    page: Page[InstructorCard]
    cards: list[InstructorCard]
    age_groups: list[AgeGroup]
    boroughs: list[Borough]
    relaxations: list[Relaxation] = field(default_factory=list)


@dataclass(frozen=True)
class CategoryBrowse:
    category: Category
    services: Sequence[Service]  # annotated with live_instructor_count
    sort: str
    page: Page[InstructorCard]  # everyone teaching a service of the category, one card each
    cards: list[InstructorCard]


@dataclass(frozen=True)
class KidsGroup:
    category: Category
    services: Sequence[Service]  # annotated with kids_instructor_count


@dataclass(frozen=True)
class KidsBrowse:
    categories: list[Category]  # every category with kids lessons: the filter chips
    selected: str | None
    groups: list[KidsGroup]  # what is shown: every category, or the selected one


def _live_instructor_count(*, kids: bool = False) -> Count:
    # Counted in the services query itself (join + GROUP BY), so the page costs the same
    # whatever the number of services or instructors.
    condition = Q(offerings__is_active=True, offerings__profile__status=ProfileStatus.LIVE)
    if kids:
        condition &= Q(offerings__age_groups__slug=KIDS_AGE_GROUP)
    return Count("offerings__profile", filter=condition, distinct=True)


def category_browse_get(
    category_slug: str, *, sort: str, page_number: int | str | None, now: datetime
) -> CategoryBrowse | None:
    """A category, its active services, each with its number of live instructors, and a page
    of cards of everyone teaching one of them, led by their first service in the category's
    order (a fixed number of queries)."""
    category = Category.objects.filter(slug=category_slug).first()
    if category is None:
        return None
    services = (
        Service.objects.filter(category=category, is_active=True)
        .annotate(live_instructor_count=_live_instructor_count())
        .order_by("display_order", "name")
    )
    filters = InstructorFilters(category=category.slug)
    page = _card_page(filters, None, sort=sort, page_number=page_number, now=now)
    return CategoryBrowse(
        category=category, services=list(services), sort=sort, page=page, cards=list(page.object_list)
    )


def _card_page(
    filters: InstructorFilters, borough_id: int | None, *, sort: str, page_number: int | str | None, now: datetime
) -> Page[InstructorCard]:
    """Every match ranked from a light read (the sorts need them all: "best" and "soonest"
    their next times), then one page of them as cards: a fixed number of queries, and work
    in proportion to the matches only where it must be."""
    config = platform_config()
    shape = CardFilters(
        format=filters.format,
        min_price_cents=filters.min_price_cents,
        max_price_cents=filters.max_price_cents,
        borough_id=borough_id,
    )
    prior = RatingPrior.of(config)
    ranked = ranks_sort(card_ranks(_card_leads(filters), shape, prior=prior, now=now), sort)
    page = Paginator(ranked, BROWSE_PAGE_SIZE).get_page(page_number)
    ranks = {rank.profile_id: rank for rank in page.object_list}
    found = {profile.pk: profile for profile in instructor_public_list(filters).filter(pk__in=list(ranks))}
    shown = [found[pk] for pk in ranks if pk in found]
    cards = instructor_cards(shown, shape, ranks, min_reviews=config.rating_visible_min_reviews, prior=prior)
    # Counts and page numbers from the paginator over every match; objects: this page's cards.
    return Page(cards, page.number, page.paginator)  # type: ignore[arg-type]


def _card_leads(filters: InstructorFilters) -> list[CardLead]:
    """Every match, newest live first, with what ranking needs (two queries): the lead
    offering is the first matching one in the catalog's order, as on the card."""
    profiles = instructor_public_list(filters).values_list(
        "pk", "timezone", "buffer_minutes", "travel_buffer_minutes", "overnight_protection",
        "rating__review_count", "rating__stars_total",
    )  # fmt: skip
    rows = list(profiles)
    if not rows:
        return []
    leads: dict[int, tuple[Any, ...]] = {}
    offerings = (
        _matching_offerings(filters)
        .filter(id_in("profile_id", [row[0] for row in rows]))
        .order_by("profile_id", "service__display_order", "service__name", "pk")
        .values_list("profile_id", "duration_options", "service__default_duration_minutes", *RATE_FIELDS.values())
    )
    for profile_id, *lead in offerings:
        leads.setdefault(profile_id, tuple(lead))
    return [
        CardLead(
            profile_id=pk,
            timezone=zone,
            rules=_rules(buffer, travel_buffer, overnight),
            review_count=count or 0,
            review_stars=stars or 0,
            rates=dict(zip(RATE_FIELDS, leads[pk][2:], strict=True)),
            duration=_duration(tuple(leads[pk][0]), leads[pk][1]),
        )
        for pk, zone, buffer, travel_buffer, overnight, count, stars in rows
        if pk in leads
    ]


@functools.lru_cache(maxsize=64)
def _rules(buffer: int, travel_buffer: int, overnight: bool) -> SlotRules:
    """An instructor's slot policy (few distinct ones)."""
    return slot_rules_for(
        InstructorProfile(buffer_minutes=buffer, travel_buffer_minutes=travel_buffer, overnight_protection=overnight)
    )


@functools.lru_cache(maxsize=256)
def _duration(options: tuple[int, ...], default: int) -> int:
    """The lead lesson's length, as the booking sheet defaults it."""
    return default_duration(Offering(duration_options=list(options), service=Service(default_duration_minutes=default)))


def kids_browse(category: str | None = None) -> KidsBrowse:
    """The Kids entry point: services with a live kids-capable instructor, grouped by
    category, and the categories to filter by (1 query)."""
    services = list(
        kids_service_list()
        .annotate(kids_instructor_count=_live_instructor_count(kids=True))
        .order_by("category__display_order", "category__name", "display_order", "name")
    )
    groups = [
        KidsGroup(category=members[0].category, services=members)
        for members in (list(group) for _, group in groupby(services, key=lambda s: s.category_id))
    ]
    shown = [g for g in groups if g.category.slug == category] if category else groups
    return KidsBrowse(categories=[g.category for g in groups], selected=category or None, groups=shown)


def _relaxations(filters: InstructorFilters, *, kids: bool) -> list[Relaxation]:
    """Only for an empty result: at most four COUNT queries, one per active filter."""
    candidates: list[tuple[str, InstructorFilters]] = []
    if filters.min_price_cents is not None or filters.max_price_cents is not None:
        candidates.append(("price", replace(filters, min_price_cents=None, max_price_cents=None)))
    if filters.format:
        candidates.append(("format", replace(filters, format=None)))
    if filters.age_group and not kids:
        candidates.append(("age", replace(filters, age_group=None)))
    if filters.borough:
        candidates.append(("borough", replace(filters, borough=None)))
    return [Relaxation(name=name, count=instructor_public_list(relaxed).count()) for name, relaxed in candidates]


def service_browse_get(
    *,
    service_slug: str,
    category_slug: str | None,
    filters: InstructorFilters,
    sort: str,
    page_number: int | str | None,
    now: datetime,
    kids: bool = False,
) -> ServiceBrowse | None:
    """Live instructors teaching a service, filtered and paginated, as cards. `category_slug`
    None means any category (the Kids entry point); `kids` keeps only kids-capable
    instructors. Unknown age group or borough slugs are ignored. A fixed number of queries."""
    services = Service.objects.select_related("category").filter(slug=service_slug, is_active=True)
    if category_slug is not None:
        services = services.filter(category__slug=category_slug)
    service = services.first()
    if service is None:
        return None
    age_groups, boroughs = list(AgeGroup.objects.all()), list(Borough.objects.all())
    # Inside Kids the age group is forced, never dropped: an unknown slug must not widen the list.
    asked_age = filters.age_group if filters.age_group in {a.slug for a in age_groups} else None
    applied = replace(
        filters,
        service=service.slug,
        category=None,
        age_group=KIDS_AGE_GROUP if kids else asked_age,
        borough=filters.borough if filters.borough in {b.slug for b in boroughs} else None,
    )
    borough_id = next((b.pk for b in boroughs if b.slug == applied.borough), None)
    page = _card_page(applied, borough_id, sort=sort, page_number=page_number, now=now)
    cards = list(page.object_list)
    return ServiceBrowse(
        service=service,
        filters=applied,
        sort=sort,
        page=page,
        cards=cards,
        age_groups=age_groups,
        boroughs=boroughs,
        relaxations=[] if cards else _relaxations(applied, kids=kids),
    )
