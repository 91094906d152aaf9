from __future__ import annotations

import random
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from apps.core.models import PlatformConfig
from apps.instructors.models import InstructorProfile, Offering, ServiceArea
from apps.instructors.onboarding import onboarding_status
from apps.instructors.selectors import instructor_travels_to, instructor_travels_to_point, nearest_neighborhood
from apps.instructors.services import (
    OfferingInput,
    instructor_go_live,
    instructor_profile_ensure,
    instructor_profile_update,
    instructor_verification_mark,
    jittered_point,
    offering_create,
    offering_delete,
    offering_update,
    service_areas_replace,
)
from apps.instructors.states import ProfileStatus
from apps.search.gazetteer import distance_m
from apps.search.models import Neighborhood

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog", "gazetteer")]


def piano(**overrides: Any) -> OfferingInput:
    fields: dict[str, Any] = {
        "service": "piano",
        "duration_options": [60, 30, 45, 45],
        "age_groups": ["kids", "adults"],
        "skill_levels": ["intermediate", "beginner"],
        "rates": {"online": 6000, "studio": 9000, "travel": None},
        "description": "Classical and pop.",
    }
    fields.update(overrides)
    return OfferingInput(**fields)


def test_profile_is_created_for_instructors_only(instructor, student) -> None:
    profile = instructor_profile_ensure(actor=instructor)
    assert (profile.slug, profile.display_name, profile.status) == (
        "ines-i",
        "Ines Instructor",
        ProfileStatus.ONBOARDING,
    )
    assert instructor_profile_ensure(actor=instructor).pk == profile.pk
    with pytest.raises(PermissionDenied):
        instructor_profile_ensure(actor=student)
    assert InstructorProfile.objects.count() == 1


def test_offering_is_created_normalized(instructor) -> None:
    offering = offering_create(actor=instructor, data=piano())
    assert offering.duration_options == [30, 45, 60]
    assert offering.skill_levels == ["beginner", "intermediate"]
    assert (offering.rate_online_cents, offering.rate_studio_cents, offering.rate_travel_cents) == (6000, 9000, None)
    assert offering.formats == ["online", "studio"]
    assert sorted(offering.age_groups.values_list("slug", flat=True)) == ["adults", "kids"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"rates": {"online": 5999}}, "rates.online", "The minimum online rate is $60/h."),
        ({"rates": {"studio": 7999}}, "rates.studio", "The minimum in-person rate is $80/h."),
        ({"rates": {"travel": 100_001}}, "rates.travel", "Enter a rate above $0 and at most $1,000/h."),
        ({"rates": {"travel": 0}}, "rates.travel", "Enter a rate above $0 and at most $1,000/h."),
        ({"rates": {"online": None}}, "rates", "Set an hourly rate for at least one format."),
        ({"duration_options": [50]}, "duration_options", "Lesson lengths are 30 to 240 minutes, in steps of 15."),
        ({"duration_options": [255]}, "duration_options", "Lesson lengths are 30 to 240 minutes, in steps of 15."),
        ({"duration_options": [15]}, "duration_options", "Lesson lengths are 30 to 240 minutes, in steps of 15."),
        ({"duration_options": []}, "duration_options", "Offer at least one lesson length."),
        ({"service": "underwater-basket-weaving"}, "service", "Choose a subject from the catalog."),
        ({"age_groups": ["toddler"]}, "age_groups", "Piano is offered to: adults, kids, teens."),
        ({"age_groups": ["seniors"]}, "age_groups", "Choose at least one age group: toddler, kids, teens or adults."),
        ({"skill_levels": ["guru"]}, "skill_levels", "Choose at least one level: beginner, intermediate or advanced."),
        ({"description": "x" * 501}, "description", "Use at most 500 characters."),
    ],
)
def test_bad_offering_input_is_refused_with_a_field_message_and_nothing_saved(
    instructor, overrides, field, message
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        offering_create(actor=instructor, data=piano(**overrides))
    assert caught.value.fields[field] == [message]
    assert not Offering.objects.exists()


def test_unknown_formats_are_named(instructor) -> None:
    with pytest.raises(ValidationFailed) as caught:
        offering_create(actor=instructor, data=piano(rates={"carpool": 9000}))
    assert caught.value.fields == {
        "rates": [
            "Unknown format(s): carpool. Use online, studio or travel.",
            "Set an hourly rate for at least one format.",
        ]
    }


def test_boundary_rates_and_durations_are_accepted(instructor) -> None:
    offering = offering_create(
        actor=instructor,
        data=piano(duration_options=[30, 240], rates={"online": 6000, "studio": 8000, "travel": 100_000}),
    )
    assert (offering.rate_online_cents, offering.rate_studio_cents, offering.rate_travel_cents) == (6000, 8000, 100_000)


def test_floors_come_from_platform_config(instructor) -> None:
    PlatformConfig.objects.update_or_create(pk=1, defaults={"min_rate_online_cents": 7000})
    PlatformConfig(pk=1, min_rate_online_cents=7000).save()  # save() also clears the cached copy
    with pytest.raises(ValidationFailed) as caught:
        offering_create(actor=instructor, data=piano(rates={"online": 6500}))
    assert caught.value.fields["rates.online"] == ["The minimum online rate is $70/h."]


def test_services_that_are_not_taught_online_refuse_an_online_rate(instructor) -> None:
    with pytest.raises(ValidationFailed) as caught:
        offering_create(actor=instructor, data=piano(service="swimming", age_groups=["kids"], rates={"online": 9000}))
    assert caught.value.fields == {"rates.online": ["Swimming is not taught online."]}


def test_duplicate_service_is_a_conflict(instructor) -> None:
    offering_create(actor=instructor, data=piano())
    with pytest.raises(Conflict):
        offering_create(actor=instructor, data=piano())
    assert Offering.objects.count() == 1


def test_database_refuses_rates_out_of_bounds(instructor) -> None:
    offering = offering_create(actor=instructor, data=piano())
    with pytest.raises(IntegrityError), transaction.atomic():
        Offering.objects.filter(pk=offering.pk).update(rate_online_cents=100_001)
    with pytest.raises(IntegrityError), transaction.atomic():
        Offering.objects.filter(pk=offering.pk).update(rate_online_cents=None, rate_studio_cents=None)


def test_someone_elses_offering_is_not_found_and_unchanged(instructor, other_instructor) -> None:
    theirs = offering_create(actor=other_instructor, data=piano())
    with pytest.raises(NotFound):
        offering_update(actor=instructor, offering_id=theirs.pk, data=piano(description="mine now"))
    with pytest.raises(NotFound):
        offering_delete(actor=instructor, offering_id=theirs.pk)
    theirs.refresh_from_db()
    assert theirs.description == "Classical and pop."


def test_profile_update_refuses_null_for_fields_that_always_hold_a_value(instructor) -> None:
    profile = instructor_profile_ensure(actor=instructor)
    with pytest.raises(ValidationFailed) as caught:
        instructor_profile_update(actor=instructor, changes={"bio": None, "years_experience": None, "headline": "Hi"})
    assert caught.value.fields == {
        "bio": ["This field cannot be null."],
        "years_experience": ["This field cannot be null."],
    }
    profile.refresh_from_db()
    assert (profile.bio, profile.years_experience, profile.headline) == ("", 0, "")


def test_profile_update_validates_everything_and_jitters_the_public_point(instructor) -> None:
    with pytest.raises(ValidationFailed) as caught:
        instructor_profile_update(
            actor=instructor,
            changes={"bio": "short", "timezone": "Nowhere/Land", "studio_neighborhood": "atlantis", "status": "live"},
        )
    assert set(caught.value.fields) == {"bio", "timezone", "studio_neighborhood", "status"}
    assert not InstructorProfile.objects.exists()  # even the profile's creation was rolled back

    profile = instructor_profile_update(
        actor=instructor,
        changes={
            "bio": "I teach piano to curious people.",
            "studio_neighborhood": "park-slope",
            "studio_address": "1 Secret Pl",
        },
    )
    park_slope = Neighborhood.objects.get(slug="park-slope")
    assert profile.public_lat is not None
    assert profile.public_lon is not None
    assert 25 <= distance_m(park_slope.lat, park_slope.lon, profile.public_lat, profile.public_lon) <= 50.01


def test_jitter_stays_between_25_and_50_metres() -> None:
    rng = random.Random(3)
    distances = [distance_m(40.7, -73.9, *jittered_point(40.7, -73.9, rng)) for _ in range(500)]
    assert min(distances) >= 25
    assert max(distances) <= 50.01


def test_service_areas_and_travel_checks(instructor) -> None:
    with pytest.raises(ValidationFailed) as caught:
        service_areas_replace(actor=instructor, neighborhoods=["park-slope", "narnia"], boroughs=["gotham"])
    assert caught.value.fields == {
        "neighborhoods": ["Unknown neighborhood(s): narnia."],
        "boroughs": ["Unknown borough(s): gotham."],
    }
    assert not ServiceArea.objects.exists()
    service_areas_replace(actor=instructor, neighborhoods=["park-slope"], boroughs=["queens"])
    profile = InstructorProfile.objects.get(user=instructor)
    assert instructor_travels_to(profile, Neighborhood.objects.get(slug="park-slope"))
    assert instructor_travels_to(profile, Neighborhood.objects.get(slug="astoria"))  # in Queens
    assert not instructor_travels_to(profile, Neighborhood.objects.get(slug="williamsburg"))
    park_slope = Neighborhood.objects.get(slug="park-slope")
    assert nearest_neighborhood(park_slope.lat + 0.0005, park_slope.lon) == park_slope
    assert instructor_travels_to_point(profile, park_slope.lat + 0.0005, park_slope.lon)
    service_areas_replace(actor=instructor, neighborhoods=[], boroughs=[])
    assert not instructor_travels_to(profile, park_slope)


def test_go_live_requires_every_step_then_is_idempotent(instructor, staff) -> None:
    now = timezone.now()
    instructor_profile_update(actor=instructor, changes={"bio": "Ten years of piano teaching in Brooklyn."})
    with pytest.raises(Conflict) as caught:
        instructor_go_live(actor=instructor, now=now)
    assert "add at least one subject with a price" in caught.value.message
    offering_create(actor=instructor, data=piano(rates={"travel": 9000}))
    profile = InstructorProfile.objects.get(user=instructor)
    assert onboarding_status(profile).missing == [
        "choose the areas you travel to",
        "verify your identity and pass a background check",
        "connect a payout account",
    ]
    service_areas_replace(actor=instructor, neighborhoods=["park-slope"], boroughs=[])
    instructor_verification_mark(actor=staff, profile_id=profile.pk, now=now, identity=True, background_check=True)
    with pytest.raises(Conflict, match="connect a payout account"):
        instructor_go_live(actor=instructor, now=now)
    profile.refresh_from_db()
    assert profile.status == ProfileStatus.ONBOARDING
    with pytest.raises(PermissionDenied):
        instructor_verification_mark(actor=instructor, profile_id=profile.pk, now=now, payouts=True)
    instructor_verification_mark(actor=staff, profile_id=profile.pk, now=now, payouts=True)
    live = instructor_go_live(actor=instructor, now=now)
    assert (live.status, live.went_live_at) == (ProfileStatus.LIVE, now)
    assert instructor_go_live(actor=instructor, now=timezone.now()).went_live_at == now
