"""Reads for instructors. Public reads only ever return live profiles."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from apps.catalog.models import Service
from apps.instructors.models import RATE_FIELDS, InstructorProfile, Offering, ServiceArea
from apps.instructors.states import Format, ProfileStatus
from apps.search.gazetteer import distance_m
from apps.search.models import Neighborhood

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
        profiles.select_related("user", "studio_neighborhood__borough")
        .prefetch_related(
            Prefetch(
                "offerings",
                queryset=matching.distinct().select_related("service").prefetch_related("age_groups"),
                to_attr="matching_offerings",
            ),
            Prefetch("service_areas", queryset=ServiceArea.objects.select_related("neighborhood", "borough")),
        )
        .order_by("-went_live_at", "pk")
    )


def _public_detail_queryset() -> QuerySet[InstructorProfile]:
    return (
        InstructorProfile.objects.filter(status=ProfileStatus.LIVE)
        .select_related("user", "studio_neighborhood__borough")
        .prefetch_related(
            Prefetch(
                "offerings",
                queryset=Offering.objects.filter(is_active=True)
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
