from __future__ import annotations

from typing import Any

from django.utils import timezone
from factory.declarations import LazyAttribute, Sequence, SubFactory
from factory.django import DjangoModelFactory
from factory.helpers import post_generation

from apps.accounts.tests.factories import InstructorUserFactory
from apps.catalog.models import AgeGroup, Service
from apps.instructors.models import InstructorProfile, Offering, ServiceArea
from apps.instructors.states import ProfileStatus


class InstructorProfileFactory(DjangoModelFactory[InstructorProfile]):
    """An instructor profile in onboarding; use `live_instructor()` for a public one."""

    class Meta:
        model = InstructorProfile

    user = SubFactory(InstructorUserFactory)
    slug = Sequence(lambda n: f"instructor-{n}")
    display_name = LazyAttribute(lambda o: f"{o.user.first_name} {o.user.last_name}")
    bio = "I have taught happy students across New York for years."
    years_experience = 5


class OfferingFactory(DjangoModelFactory[Offering]):
    """Needs the catalog loaded (the `catalog` fixture). Pass `service=Service` and rates."""

    class Meta:
        model = Offering
        skip_postgeneration_save = True

    profile = SubFactory(InstructorProfileFactory)
    service = LazyAttribute(lambda o: Service.objects.get(slug="piano"))
    description = "Lessons shaped around the music you love."
    duration_options = [30, 45, 60]
    skill_levels = ["beginner", "intermediate"]
    rate_online_cents = None
    rate_studio_cents = 9000
    rate_travel_cents = None
    meeting_link = LazyAttribute(lambda o: f"https://meet.example.test/{o.service.slug}" if o.rate_online_cents else "")

    @post_generation
    def ages(obj: Offering, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
        obj.age_groups.set(AgeGroup.objects.filter(slug__in=extracted or ["adults"]))


def live_instructor(**profile_fields: Any) -> InstructorProfile:
    """A profile that has passed every onboarding step and is live."""
    now = timezone.now()
    fields: dict[str, Any] = {
        "status": ProfileStatus.LIVE,
        "went_live_at": now,
        "identity_verified_at": now,
        "background_check_passed_at": now,
        "payouts_connected_at": now,
        **profile_fields,
    }
    return InstructorProfileFactory.create(**fields)


def add_area(profile: InstructorProfile, *, neighborhood: Any = None, borough: Any = None) -> ServiceArea:
    return ServiceArea.objects.create(profile=profile, neighborhood=neighborhood, borough=borough)
