from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.bookings.tests.factories import make_booking
from apps.catalog.models import Service
from apps.instructors.models import InstructorProfile, Offering
from apps.instructors.states import ProfileStatus
from apps.instructors.tests.factories import OfferingFactory, add_area, live_instructor
from apps.search.models import Borough, Neighborhood

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog", "gazetteer")]

PIANO = {
    "service": "piano",
    "duration_options": [45, 60],
    "age_groups": ["kids"],
    "skill_levels": ["beginner"],
    "rates": {"online": 7000, "studio": 9000, "travel": None},
    "description": "Fun first steps at the keys.",
    "meeting_link": "https://meet.example.test/ines",
}


def _live_with(service: str, **rates):
    profile = live_instructor()
    OfferingFactory.create(profile=profile, service=Service.objects.get(slug=service), **rates)
    return profile


def test_instructor_manages_profile_offerings_and_areas(client, instructor) -> None:
    client.force_login(instructor)
    me = client.get("/api/v1/instructors/me")
    assert me.status_code == 200
    assert (me.json()["status"], me.json()["offerings"], me.json()["areas"]) == ("onboarding", [], [])

    patched = client.patch(
        "/api/v1/instructors/me",
        {
            "bio": "Patient piano teacher in Brooklyn.",
            "studio_neighborhood": "park-slope",
            "studio_address": "12 Hidden St",
        },
        content_type="application/json",
    )
    assert patched.status_code == 200
    assert patched.json()["studio_neighborhood"] == "park-slope"

    created = client.post("/api/v1/instructors/me/offerings", PIANO, content_type="application/json")
    assert created.status_code == 201
    offering_id = created.json()["id"]
    assert created.json() == {
        "id": offering_id,
        "service": "piano",
        "service_name": "Piano",
        "description": "Fun first steps at the keys.",
        "duration_options": [45, 60],
        "age_groups": ["kids"],
        "skill_levels": ["beginner"],
        "rates": {"online": 7000, "studio": 9000, "travel": None},
        "is_active": True,
        "meeting_link": "https://meet.example.test/ines",
    }
    replaced = client.put(
        f"/api/v1/instructors/me/offerings/{offering_id}",
        {**PIANO, "rates": {"online": None, "studio": 9500, "travel": 12000}},
        content_type="application/json",
    )
    assert replaced.json()["rates"] == {"online": None, "studio": 9500, "travel": 12000}

    areas = client.put(
        "/api/v1/instructors/me/service-areas",
        {"neighborhoods": ["park-slope"], "boroughs": ["manhattan"]},
        content_type="application/json",
    )
    assert areas.json() == [
        {"kind": "neighborhood", "slug": "park-slope", "name": "Park Slope", "borough": "Brooklyn"},
        {"kind": "borough", "slug": "manhattan", "name": "Manhattan", "borough": "Manhattan"},
    ]
    onboarding = client.get("/api/v1/instructors/me/onboarding").json()
    assert onboarding["can_go_live"] is False
    assert onboarding["missing"] == ["verify your identity and pass a background check", "connect a payout account"]
    refused = client.post("/api/v1/instructors/me/go-live")
    assert refused.status_code == 409
    assert InstructorProfile.objects.get(user=instructor).status == ProfileStatus.ONBOARDING
    assert client.delete(f"/api/v1/instructors/me/offerings/{offering_id}").status_code == 204
    assert not Offering.objects.exists()


def test_bad_offering_is_422_with_fields_and_nothing_saved(client, instructor) -> None:
    client.force_login(instructor)
    response = client.post(
        "/api/v1/instructors/me/offerings",
        {**PIANO, "duration_options": [50], "rates": {"online": 100, "studio": None, "travel": None}},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "duration_options": ["Lesson lengths are 30 to 240 minutes, in steps of 15."],
        "rates.online": ["The minimum online rate is $60/h."],
    }
    assert not Offering.objects.exists()


def test_students_cannot_use_instructor_endpoints(client, student) -> None:
    client.force_login(student)
    assert client.get("/api/v1/instructors/me").status_code == 403
    assert client.post("/api/v1/instructors/me/offerings", PIANO, content_type="application/json").status_code == 403
    assert not InstructorProfile.objects.exists()


def test_null_in_a_profile_patch_leaves_the_field_as_it_is(client, instructor) -> None:
    """An explicit null once reached a NOT NULL column (IntegrityError, a 500)."""
    profile = live_instructor(user=instructor, bio="I have taught piano in Brooklyn for ten years.")
    client.force_login(instructor)
    response = client.patch(
        "/api/v1/instructors/me", {"bio": None, "headline": "Jazz piano"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert (response.json()["bio"], response.json()["headline"]) == (
        "I have taught piano in Brooklyn for ten years.",
        "Jazz piano",
    )
    profile.refresh_from_db()
    assert (profile.bio, profile.headline) == ("I have taught piano in Brooklyn for ten years.", "Jazz piano")


def test_a_booked_offering_cannot_be_deleted_only_turned_off(client, instructor, student) -> None:
    """Bookings protect their offering (ProtectedError, a 500, before)."""
    profile = live_instructor(user=instructor)
    offering = OfferingFactory.create(profile=profile)
    make_booking(student=student, offering=offering, starts_at=timezone.now() + timedelta(days=2))
    client.force_login(instructor)
    response = client.delete(f"/api/v1/instructors/me/offerings/{offering.pk}")
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "conflict",
        "message": "This offering has bookings, so it cannot be deleted. Turn it off instead: nobody can book it then.",
        "fields": {},
    }
    assert Offering.objects.filter(pk=offering.pk, is_active=True).exists()


def test_anonymous_gets_401_for_own_endpoints(client) -> None:
    assert client.get("/api/v1/instructors/me").status_code == 401


def test_other_instructors_offering_is_404(client, instructor, other_instructor) -> None:
    theirs = _live_with("piano")
    client.force_login(instructor)
    response = client.put(
        f"/api/v1/instructors/me/offerings/{theirs.offerings.get().pk}", PIANO, content_type="application/json"
    )
    assert response.status_code == 404
    assert client.delete(f"/api/v1/instructors/me/offerings/{theirs.offerings.get().pk}").status_code == 404
    assert theirs.offerings.get().rate_studio_cents == 9000


def test_public_directory_lists_live_instructors_with_filters(client) -> None:
    cheap_online = _live_with("piano", rate_online_cents=6500, rate_studio_cents=None)
    studio_bk = _live_with("piano", rate_studio_cents=12000)
    studio_bk.studio_neighborhood = Neighborhood.objects.get(slug="park-slope")
    studio_bk.save()
    traveller = _live_with("guitar", rate_studio_cents=None, rate_travel_cents=9000)
    add_area(traveller, borough=Borough.objects.get(slug="queens"))
    hidden = live_instructor(status=ProfileStatus.ONBOARDING)
    OfferingFactory.create(profile=hidden, service=Service.objects.get(slug="piano"))

    def ids(**params) -> list[int]:
        response = client.get("/api/v1/instructors", params)
        assert response.status_code == 200
        return sorted(item["id"] for item in response.json()["items"])

    assert ids() == sorted([cheap_online.pk, studio_bk.pk, traveller.pk])
    assert ids(service="piano") == sorted([cheap_online.pk, studio_bk.pk])
    assert ids(category="music") == sorted([cheap_online.pk, studio_bk.pk, traveller.pk])
    assert ids(format="online") == [cheap_online.pk]
    assert ids(max_price_cents=9000) == sorted([cheap_online.pk, traveller.pk])
    assert ids(min_price_cents=10000) == [studio_bk.pk]
    assert ids(borough="brooklyn") == [studio_bk.pk]
    assert ids(borough="queens") == [traveller.pk]
    assert ids(age_group="kids") == []
    assert client.get("/api/v1/instructors", {"format": "teleport"}).status_code == 422


def test_public_profile_by_id_hides_non_live_and_private_fields(client) -> None:
    live = _live_with("piano")
    live.studio_address = "99 Secret Ave"
    live.save()
    body = client.get(f"/api/v1/instructors/{live.pk}").json()
    assert body["display_name"] == live.display_name
    assert "studio_address" not in body
    assert "99 Secret Ave" not in str(body)
    onboarding = live_instructor(status=ProfileStatus.ONBOARDING)
    assert client.get(f"/api/v1/instructors/{onboarding.pk}").status_code == 404
    assert client.get("/api/v1/instructors/999999").status_code == 404


def test_directory_uses_a_constant_number_of_queries(client) -> None:
    _live_with("piano")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/instructors")
    for _ in range(6):
        profile = _live_with("guitar", rate_travel_cents=9000)
        add_area(profile, neighborhood=Neighborhood.objects.get(slug="astoria"))
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/instructors").json()["items"]) == 7
    assert len(many) == len(few)


def test_kids_services_lists_only_services_with_a_live_kids_instructor(client) -> None:
    kids_piano = _live_with("piano")
    kids_piano.offerings.get().age_groups.set(["kids"])
    adults_guitar = _live_with("guitar")
    adults_guitar.offerings.get().age_groups.set(["adults"])
    hidden = live_instructor(status=ProfileStatus.SUSPENDED)
    OfferingFactory.create(profile=hidden, service=Service.objects.get(slug="violin"), ages=["kids"])
    assert [s["slug"] for s in client.get("/api/v1/catalog/kids-services").json()] == ["piano"]
    eligible = [s["slug"] for s in client.get("/api/v1/catalog/services", {"age_group": "toddler"}).json()]
    assert "piano" not in eligible
    assert eligible == list(Service.objects.filter(eligible_age_groups="toddler").values_list("slug", flat=True))


def test_an_online_offering_needs_an_https_meeting_link_before_going_live(client, instructor) -> None:
    """Issue 15: the join link is the instructor's own; a non-https link is refused and an
    online subject without one keeps the skills step open."""
    from apps.instructors.models import InstructorProfile
    from apps.instructors.onboarding import onboarding_status

    online = {**PIANO, "rates": {"online": 7000, "studio": None, "travel": None}}
    client.force_login(instructor)
    refused = client.post(
        "/api/v1/instructors/me/offerings",
        {**online, "meeting_link": "javascript:alert(1)"},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert list(refused.json()["error"]["fields"]) == ["meeting_link"]
    created = client.post(
        "/api/v1/instructors/me/offerings", {**online, "meeting_link": ""}, content_type="application/json"
    )
    assert created.status_code == 201
    profile = InstructorProfile.objects.get(user=instructor)
    skills = next(step for step in onboarding_status(profile).steps if step.key == "skills")
    assert (skills.done, skills.detail) == (False, "add your video-call link to each subject taught online")
    client.put(f"/api/v1/instructors/me/offerings/{created.json()['id']}", online, content_type="application/json")
    skills = next(step for step in onboarding_status(profile).steps if step.key == "skills")
    assert skills.detail != "add your video-call link to each subject taught online"
