"""Instructor endpoints: public directory and profiles, and the instructor's own profile,
offerings, service areas and onboarding."""

from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from apps.catalog.models import Service
from apps.core.api_auth import api_user
from apps.core.api_errors import error_responses
from apps.core.api_input import InputSchema
from apps.core.errors import NotFound
from apps.instructors.models import InstructorProfile, Offering
from apps.instructors.onboarding import onboarding_status
from apps.instructors.selectors import (
    InstructorFilters,
    instructor_own_get,
    instructor_public_get_by_id,
    instructor_public_list,
    kids_service_list,
)
from apps.instructors.services import (
    OfferingInput,
    instructor_go_live,
    instructor_profile_ensure,
    instructor_profile_update,
    offering_create,
    offering_delete,
    offering_update,
    service_areas_replace,
)

router = Router(tags=["instructors"])
FormatName = Literal["online", "studio", "travel"]


class RatesSchema(InputSchema):
    online: int | None = Field(None, description="Hourly rate in cents, or null when not offered online.")
    studio: int | None = None
    travel: int | None = None


class OfferingOut(Schema):
    id: int
    service: str
    service_name: str
    description: str
    duration_options: list[int]
    age_groups: list[str]
    skill_levels: list[str]
    rates: RatesSchema
    is_active: bool
    meeting_link: str = Field(description="The video-call link of online lessons (empty when none).")

    @staticmethod
    def from_model(offering: Offering) -> "OfferingOut":
        return OfferingOut(
            id=offering.pk,
            service=offering.service.slug,
            service_name=offering.service.name,
            description=offering.description,
            duration_options=offering.duration_options,
            age_groups=[group.slug for group in offering.age_groups.all()],
            skill_levels=offering.skill_levels,
            rates=RatesSchema(
                online=offering.rate_online_cents, studio=offering.rate_studio_cents, travel=offering.rate_travel_cents
            ),
            is_active=offering.is_active,
            meeting_link=offering.meeting_link,
        )


class OfferingIn(InputSchema):
    service: str
    description: str = ""
    duration_options: list[int]
    age_groups: list[str]
    skill_levels: list[str]
    rates: RatesSchema
    is_active: bool = True
    meeting_link: str = Field(
        "", max_length=300, description="https:// video-call link; required before an online offering goes live."
    )

    def to_input(self) -> OfferingInput:
        return OfferingInput(
            service=self.service,
            description=self.description,
            duration_options=self.duration_options,
            age_groups=self.age_groups,
            skill_levels=self.skill_levels,
            rates=self.rates.model_dump(),
            is_active=self.is_active,
            meeting_link=self.meeting_link,
        )


class AreaOut(Schema):
    kind: Literal["neighborhood", "borough"]
    slug: str
    name: str
    borough: str


def _areas(profile: InstructorProfile) -> list[AreaOut]:
    out = []
    for area in profile.service_areas.all():
        if area.neighborhood is not None:
            n = area.neighborhood
            out.append(AreaOut(kind="neighborhood", slug=n.slug, name=n.name, borough=n.borough.name))
        elif area.borough is not None:
            out.append(
                AreaOut(kind="borough", slug=area.borough.slug, name=area.borough.name, borough=area.borough.name)
            )
    # Neighborhoods first, then whole boroughs, each alphabetical: a stable order for clients.
    return sorted(out, key=lambda a: (a.kind != "neighborhood", a.borough, a.name))


class InstructorSummaryOut(Schema):
    id: int
    slug: str
    display_name: str
    headline: str
    years_experience: int
    neighborhood: str | None
    identity_verified: bool
    background_checked: bool
    offerings: list[OfferingOut]

    @staticmethod
    def from_model(profile: InstructorProfile, offerings: list[Offering]) -> "InstructorSummaryOut":
        return InstructorSummaryOut(
            id=profile.pk,
            slug=profile.slug,
            display_name=profile.display_name,
            headline=profile.headline,
            years_experience=profile.years_experience,
            neighborhood=profile.studio_neighborhood.name if profile.studio_neighborhood else None,
            identity_verified=profile.identity_verified_at is not None,
            background_checked=profile.background_check_passed_at is not None,
            offerings=[OfferingOut.from_model(o) for o in offerings],
        )


class InstructorDetailOut(InstructorSummaryOut):
    bio: str
    areas: list[AreaOut]
    public_lat: float | None
    public_lon: float | None


class InstructorFilterQuery(Schema):
    service: str | None = None
    category: str | None = None
    age_group: Literal["toddler", "kids", "teens", "adults"] | None = None
    format: FormatName | None = None
    min_price_cents: int | None = Field(None, ge=0)
    max_price_cents: int | None = Field(None, ge=0)
    borough: str | None = Field(None, description="Borough slug, e.g. brooklyn")


class CatalogServiceOut(Schema):
    slug: str
    name: str
    category: str
    online_capable: bool


def _service_out(service: Service) -> CatalogServiceOut:
    return CatalogServiceOut(
        slug=service.slug, name=service.name, category=service.category.slug, online_capable=service.online_capable
    )


@router.get(
    "/catalog/services",
    response={200: list[CatalogServiceOut], **error_responses()},
    auth=None,
    summary="Catalog services",
)
def services(
    request: HttpRequest,
    age_group: Literal["toddler", "kids", "teens", "adults"] | None = None,
    category: str | None = None,
) -> list[CatalogServiceOut]:
    """Active services, optionally only those taught to an age group (catalog eligibility)
    or in one category."""
    queryset = Service.objects.filter(is_active=True).select_related("category")
    if age_group:
        queryset = queryset.filter(eligible_age_groups__slug=age_group)
    if category:
        queryset = queryset.filter(category__slug=category)
    return [_service_out(s) for s in queryset]


@router.get(
    "/catalog/kids-services",
    response={200: list[CatalogServiceOut], **error_responses()},
    auth=None,
    summary="Services for kids",
)
def kids_services(request: HttpRequest, category: str | None = None) -> list[CatalogServiceOut]:
    """Services with at least one live instructor who teaches kids (the Kids entry point)."""
    return [_service_out(s) for s in kids_service_list(category)]


@router.get(
    "/instructors",
    response={200: list[InstructorSummaryOut], **error_responses()},
    auth=None,
    summary="Live instructors",
)
@paginate(PageNumberPagination, page_size=20, max_page_size=100)
def instructors(request: HttpRequest, filters: Query[InstructorFilterQuery]) -> list[InstructorSummaryOut]:
    profiles = instructor_public_list(InstructorFilters(**filters.model_dump()))
    return [InstructorSummaryOut.from_model(p, p.matching_offerings) for p in profiles]  # type: ignore[attr-defined]


def _own(request: HttpRequest) -> InstructorProfile:
    profile = instructor_own_get(instructor_profile_ensure(actor=api_user(request)).user_id)
    assert profile is not None
    return profile


def _detail(profile: InstructorProfile, offerings: list[Offering]) -> InstructorDetailOut:
    summary = InstructorSummaryOut.from_model(profile, offerings)
    return InstructorDetailOut(
        **summary.model_dump(exclude={"offerings"}),
        offerings=summary.offerings,
        bio=profile.bio,
        areas=_areas(profile),
        public_lat=profile.public_lat,
        public_lon=profile.public_lon,
    )


class OwnProfileOut(InstructorDetailOut):
    status: str
    timezone: str
    buffer_minutes: int
    travel_buffer_minutes: int
    overnight_protection: bool
    studio_neighborhood: str | None
    studio_address: str


def _own_out(profile: InstructorProfile) -> OwnProfileOut:
    detail = _detail(profile, list(profile.offerings.all()))
    return OwnProfileOut(
        **detail.model_dump(exclude={"offerings", "areas"}),
        offerings=detail.offerings,
        areas=detail.areas,
        status=profile.status,
        timezone=profile.timezone,
        buffer_minutes=profile.buffer_minutes,
        travel_buffer_minutes=profile.travel_buffer_minutes,
        overnight_protection=profile.overnight_protection,
        studio_neighborhood=profile.studio_neighborhood.slug if profile.studio_neighborhood else None,
        studio_address=profile.studio_address,
    )


class ProfilePatch(InputSchema):
    """Send only what changes: a field left out or null stays as it is (as for PATCH /me)."""

    display_name: str | None = None
    headline: str | None = None
    bio: str | None = None
    years_experience: int | None = Field(None, ge=0, le=80)
    timezone: str | None = None
    buffer_minutes: int | None = Field(None, ge=0, le=240)
    travel_buffer_minutes: int | None = Field(None, ge=0, le=240)
    overnight_protection: bool | None = None
    studio_neighborhood: str | None = Field(None, description="Neighborhood slug; an empty string clears it.")
    studio_address: str | None = None


OWN_ERRORS = error_responses(401, 403)


@router.get("/instructors/me", response={200: OwnProfileOut, **OWN_ERRORS}, summary="My instructor profile")
def me(request: HttpRequest) -> OwnProfileOut:
    return _own_out(_own(request))


@router.patch("/instructors/me", response={200: OwnProfileOut, **OWN_ERRORS}, summary="Update my instructor profile")
def me_update(request: HttpRequest, payload: ProfilePatch) -> OwnProfileOut:
    instructor_profile_update(actor=api_user(request), changes=payload.model_dump(exclude_none=True))
    return _own_out(_own(request))


@router.get("/instructors/me/offerings", response={200: list[OfferingOut], **OWN_ERRORS}, summary="My offerings")
def my_offerings(request: HttpRequest) -> list[OfferingOut]:
    return [OfferingOut.from_model(o) for o in _own(request).offerings.all()]


@router.post(
    "/instructors/me/offerings",
    response={201: OfferingOut, **error_responses(401, 403, 409)},
    summary="Add an offering",
)
def offering_add(request: HttpRequest, payload: OfferingIn) -> Status[OfferingOut]:
    return Status(201, OfferingOut.from_model(offering_create(actor=api_user(request), data=payload.to_input())))


@router.put(
    "/instructors/me/offerings/{offering_id}",
    response={200: OfferingOut, **error_responses(401, 403, 404)},
    summary="Replace an offering",
)
def offering_replace(request: HttpRequest, offering_id: int, payload: OfferingIn) -> OfferingOut:
    return OfferingOut.from_model(
        offering_update(actor=api_user(request), offering_id=offering_id, data=payload.to_input())
    )


@router.delete(
    "/instructors/me/offerings/{offering_id}",
    response={204: None, **error_responses(401, 403, 404, 409)},
    summary="Remove an offering",
)
def offering_remove(request: HttpRequest, offering_id: int) -> Status[None]:
    offering_delete(actor=api_user(request), offering_id=offering_id)
    return Status(204, None)


class AreasIn(InputSchema):
    neighborhoods: list[str] = []
    boroughs: list[str] = []


@router.get("/instructors/me/service-areas", response={200: list[AreaOut], **OWN_ERRORS}, summary="Where I travel")
def my_areas(request: HttpRequest) -> list[AreaOut]:
    return _areas(_own(request))


@router.put(
    "/instructors/me/service-areas", response={200: list[AreaOut], **OWN_ERRORS}, summary="Replace where I travel"
)
def my_areas_replace(request: HttpRequest, payload: AreasIn) -> list[AreaOut]:
    service_areas_replace(actor=api_user(request), neighborhoods=payload.neighborhoods, boroughs=payload.boroughs)
    return _areas(_own(request))


class StepOut(Schema):
    key: str
    title: str
    done: bool
    detail: str


class OnboardingOut(Schema):
    status: str
    can_go_live: bool
    missing: list[str]
    steps: list[StepOut]


def _onboarding_out(profile: InstructorProfile) -> OnboardingOut:
    status = onboarding_status(profile)
    return OnboardingOut(
        status=profile.status,
        can_go_live=status.can_go_live,
        missing=status.missing,
        steps=[StepOut(key=s.key, title=s.title, done=s.done, detail=s.detail) for s in status.steps],
    )


@router.get("/instructors/me/onboarding", response={200: OnboardingOut, **OWN_ERRORS}, summary="My onboarding status")
def my_onboarding(request: HttpRequest) -> OnboardingOut:
    return _onboarding_out(_own(request))


@router.post(
    "/instructors/me/go-live", response={200: OnboardingOut, **error_responses(401, 403, 409)}, summary="Go live"
)
def go_live(request: HttpRequest) -> OnboardingOut:
    instructor_go_live(actor=api_user(request), now=timezone.now())
    return _onboarding_out(_own(request))


@router.get(
    "/instructors/{instructor_id}",
    response={200: InstructorDetailOut, **error_responses(404)},
    auth=None,
    summary="A live instructor",
)
def instructor(request: HttpRequest, instructor_id: int) -> InstructorDetailOut:
    profile = instructor_public_get_by_id(instructor_id)
    if profile is None:
        raise NotFound("Instructor not found.")
    return _detail(profile, profile.active_offerings)  # type: ignore[attr-defined]
