"""The instructor onboarding pages through the Django test client: each step's happy path
with exact database values, bad input (422, errors under the fields, nothing saved), and who
may see what."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import User
from apps.instructors.models import InstructorProfile, Offering, ServiceArea
from apps.instructors.services import (
    OfferingInput,
    instructor_profile_ensure,
    instructor_profile_update,
    instructor_suspend,
    instructor_verification_mark,
    offering_create,
)
from apps.instructors.states import ProfileStatus
from apps.instructors.tests.factories import InstructorProfileFactory, OfferingFactory
from apps.search.gazetteer import distance_m
from apps.search.models import Neighborhood

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog", "gazetteer")]

STEP_PAGES = [
    "/teach/",
    "/teach/skills/",
    "/teach/verification/",
    "/teach/payouts/",
    "/teach/go-live/",
    "/teach/status/",
]
BIO = "I teach classical and pop piano to kids and adults, with recitals twice a year."
MARCH_2 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def _about(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "display_name": "Ines I.",
        "headline": "Classical & pop piano",
        "bio": BIO,
        "years_experience": "12",
        "timezone": "America/New_York",
        "buffer_minutes": "20",
        "travel_buffer_minutes": "45",
        "studio_neighborhood": "park-slope",
        "studio_address": "123 5th Ave, Apt 4, Brooklyn",
    }  # overnight_protection left unticked: an unticked checkbox is not posted
    return {**data, **overrides}


def _subject(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "service": "piano",
        "description": "From first notes to recitals.",
        "duration_options": ["30", "60", "75"],
        "age_groups": ["kids", "adults"],
        "skill_levels": ["beginner", "advanced"],
        "rates.online": "65",
        "rates.studio": "$92.50",
        "rates.travel": "",
        "meeting_link": "https://meet.example.test/piano",
    }
    return {**data, **overrides}


def _profile_values(profile: InstructorProfile) -> dict[str, Any]:
    profile.refresh_from_db()
    fields = [
        "display_name", "headline", "bio", "years_experience", "timezone", "buffer_minutes", "travel_buffer_minutes",
        "overnight_protection", "studio_neighborhood_id", "studio_address", "public_lat", "public_lon", "status",
    ]  # fmt: skip
    return {name: getattr(profile, name) for name in fields}


def _offering_values(offering: Offering) -> dict[str, Any]:
    offering.refresh_from_db()
    return {
        "service": offering.service.slug,
        "description": offering.description,
        "duration_options": offering.duration_options,
        "age_groups": sorted(offering.age_groups.values_list("slug", flat=True)),
        "skill_levels": offering.skill_levels,
        "rates": (offering.rate_online_cents, offering.rate_studio_cents, offering.rate_travel_cents),
        "is_active": offering.is_active,
    }


def _areas(profile: InstructorProfile) -> set[str]:
    places = ServiceArea.objects.filter(profile=profile).values_list("neighborhood__slug", "borough__slug")
    return {neighborhood or borough for neighborhood, borough in places}


def _progress(response: Any) -> list[tuple[str, bool, bool]]:
    return [(item.key, item.done, item.current) for item in response.context["progress"]]


def _ready_to_verify(user: User) -> InstructorProfile:
    """About you and an online-only subject done: verification and payouts remain."""
    instructor_profile_update(actor=user, changes={"bio": BIO})
    offering_create(
        actor=user,
        data=OfferingInput(
            service="spanish",
            duration_options=[60],
            age_groups=["adults"],
            skill_levels=["beginner"],
            rates={"online": 7000},
            meeting_link="https://meet.example.test/spanish",
        ),
    )
    return instructor_profile_ensure(actor=user)


# --- Who may see the pages ---------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client: Client) -> None:
    for url in STEP_PAGES:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"


def test_a_student_gets_404_on_every_page_and_nothing_is_created(
    client: Client, student: User, instructor: User
) -> None:
    theirs = OfferingFactory.create(profile=InstructorProfileFactory.create(user=instructor))
    client.force_login(student)
    for url in STEP_PAGES:
        assert client.get(url).status_code == 404, url
    assert client.post("/teach/", _about()).status_code == 404
    assert client.post("/teach/skills/", _subject(service="guitar")).status_code == 404
    assert client.post("/teach/skills/areas/", {"boroughs": ["queens"]}).status_code == 404
    assert client.post(f"/teach/skills/{theirs.pk}/delete/").status_code == 404
    assert client.post("/teach/go-live/").status_code == 404
    assert list(InstructorProfile.objects.values_list("user__email", flat=True)) == ["instructor@example.com"]
    assert Offering.objects.count() == 1
    assert not ServiceArea.objects.exists()


# --- Step 1: About you -------------------------------------------------------------------


def test_first_visit_creates_the_profile_and_shows_step_1_of_5(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    response = client.get("/teach/")
    assert response.status_code == 200
    profile = InstructorProfile.objects.get(user=instructor)
    assert (profile.display_name, profile.status, profile.bio) == ("Ines Instructor", ProfileStatus.ONBOARDING, "")
    html = response.content.decode()
    assert "Step 1 of 5" in html
    assert _progress(response) == [
        ("welcome", False, True),
        ("skills", False, False),
        ("verification", False, False),
        ("payouts", False, False),
        ("go-live", False, False),
    ]
    for title in ["About you", "Skills &amp; prices", "Verification", "Payouts", "Go live"]:
        assert f'<span class="progress-title">{title}</span>' in html
    assert '<a href="/teach/" aria-current="step">' in html
    assert "Never shown publicly" in html
    assert response.context["form"]["buffer_minutes"].value() == 15
    assert response.context["form"]["travel_buffer_minutes"].value() == 60
    assert response.context["form"]["overnight_protection"].value() is True


def test_about_you_saves_every_field_and_continues_to_skills(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    response = client.post("/teach/", _about())
    assert response.status_code == 302
    assert response["Location"] == "/teach/skills/"
    profile = InstructorProfile.objects.get(user=instructor)
    park_slope = Neighborhood.objects.get(slug="park-slope")
    values = _profile_values(profile)
    lat, lon = values.pop("public_lat"), values.pop("public_lon")
    assert values == {
        "display_name": "Ines I.",
        "headline": "Classical & pop piano",
        "bio": BIO,
        "years_experience": 12,
        "timezone": "America/New_York",
        "buffer_minutes": 20,
        "travel_buffer_minutes": 45,
        "overnight_protection": False,
        "studio_neighborhood_id": park_slope.pk,
        "studio_address": "123 5th Ave, Apt 4, Brooklyn",
        "status": ProfileStatus.ONBOARDING,
    }
    # The public point is the neighborhood jittered 25–50 m, never the address.
    assert 25.0 <= distance_m(lat, lon, park_slope.lat, park_slope.lon) <= 50.0
    page = client.get("/teach/skills/")
    assert _progress(page)[0] == ("welcome", True, False)


def test_about_you_rejects_what_the_service_refuses_and_keeps_the_typing(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    profile = instructor_profile_ensure(actor=instructor)
    before = _profile_values(profile)
    response = client.post("/teach/", _about(bio="Too short", years_experience="120"))
    assert response.status_code == 422
    assert response.context["form"].errors == {
        "bio": ["Ensure this value has at least 10 characters (it has 9)."],
        "years_experience": ["Ensure this value is less than or equal to 80."],
    }
    html = response.content.decode()
    assert "\nToo short</textarea>" in html
    assert 'value="120"' in html
    assert 'id="id_bio_error"' in html  # the message is tied to its field
    assert _profile_values(profile) == before


def test_about_you_rejects_malformed_input_before_calling_the_service(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    profile = instructor_profile_ensure(actor=instructor)
    before = _profile_values(profile)
    response = client.post(
        "/teach/",
        _about(display_name="", years_experience="many", studio_neighborhood="atlantis", timezone="Mars/Base"),
    )
    assert response.status_code == 422
    assert response.context["form"].errors == {
        "display_name": ["This field is required."],
        "years_experience": ["Enter a whole number."],
        "timezone": ["Select a valid choice. Mars/Base is not one of the available choices."],
        "studio_neighborhood": ["Select a valid choice. atlantis is not one of the available choices."],
    }
    assert _profile_values(profile) == before


def test_the_landing_page_points_to_the_next_unfinished_step(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    instructor_profile_update(actor=instructor, changes={"bio": BIO})
    html = client.get("/teach/").content.decode()
    assert 'Next up: <a href="/teach/skills/">Skills &amp; prices</a> (add at least one subject with a price).' in html


# --- Step 2: Skills & prices ---------------------------------------------------------------


def test_adding_a_subject_stores_rates_in_cents_and_lists_it(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    response = client.post("/teach/skills/", _subject())
    assert response.status_code == 302
    assert response["Location"] == "/teach/skills/"
    offering = Offering.objects.get(profile__user=instructor)
    assert _offering_values(offering) == {
        "service": "piano",
        "description": "From first notes to recitals.",
        "duration_options": [30, 60, 75],
        "age_groups": ["adults", "kids"],
        "skill_levels": ["beginner", "advanced"],
        "rates": (6500, 9250, None),
        "is_active": True,
    }
    page = client.get("/teach/skills/")
    html = page.content.decode()
    assert "Piano is added to your subjects." in html
    assert '<li class="price">Online $65/h</li><li class="price">At your studio $92.50/h</li>' in html
    assert "30 min, 1 h, 1 h 15 min · Kids, Adults · Beginner, Advanced" in html
    # A studio rate needs the studio's neighborhood (About you) before the step is done.
    assert "To finish this step: set your studio&#x27;s neighborhood for studio lessons." in html
    assert _progress(page)[1] == ("skills", False, True)


def test_malformed_dollars_are_refused_under_their_fields(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    response = client.post(
        "/teach/skills/", _subject(**{"rates.online": "6O", "rates.studio": "92.505", "rates.travel": "1e3"})
    )
    assert response.status_code == 422
    message = ["Enter dollars, like 80 or 92.50."]
    assert response.context["offering_form"].errors == {
        "rates.online": message,
        "rates.studio": message,
        "rates.travel": message,
    }
    html = response.content.decode()
    assert 'value="6O"' in html
    assert 'value="92.505"' in html
    assert not Offering.objects.exists()


def test_subject_rules_from_the_service_land_under_their_fields(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    bad = _subject(
        **{"rates.online": "50", "description": "x" * 501, "age_groups": ["toddler"], "duration_options": []}
    )
    response = client.post("/teach/skills/", bad)
    assert response.status_code == 422
    assert response.context["offering_form"].errors == {
        "rates.online": ["The minimum online rate is $60/h."],
        "description": ["Use at most 500 characters."],
        "age_groups": ["Piano is offered to: adults, kids, teens."],
        "duration_options": ["Offer at least one lesson length."],
    }
    assert 'value="50"' in response.content.decode()
    assert not Offering.objects.exists()


def test_a_subject_without_any_rate_is_refused(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    response = client.post("/teach/skills/", _subject(**{"rates.online": "", "rates.studio": ""}))
    assert response.status_code == 422
    assert response.context["offering_form"].non_field_errors() == ["Set an hourly rate for at least one format."]
    assert not Offering.objects.exists()


def test_adding_the_same_subject_twice_is_a_conflict(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    assert client.post("/teach/skills/", _subject()).status_code == 302
    first = _offering_values(Offering.objects.get())
    response = client.post("/teach/skills/", _subject(**{"rates.online": "99"}))
    assert response.status_code == 409
    assert response.context["offering_form"].non_field_errors() == [
        "You already teach Piano; edit that offering instead."
    ]
    assert _offering_values(Offering.objects.get()) == first


def test_editing_a_subject_prefills_it_and_saves_exact_values(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    client.post("/teach/skills/", _subject())
    offering = Offering.objects.get()
    page = client.get(f"/teach/skills/{offering.pk}/edit/")
    assert page.status_code == 200
    form = page.context["form"]
    assert (form["rates.online"].value(), form["rates.studio"].value(), form["rates.travel"].value()) == (
        "65",
        "92.50",
        "",
    )
    assert form["duration_options"].value() == [30, 60, 75]
    changed = _subject(
        service="guitar",  # ignored: the subject of an offering is fixed
        description="Recitals every spring.",
        duration_options=["45", "240"],
        age_groups=["teens"],
        skill_levels=["intermediate"],
        **{"rates.online": "", "rates.studio": "1,000", "rates.travel": "120.5"},
    )  # is_active unticked: the subject is paused
    response = client.post(f"/teach/skills/{offering.pk}/edit/", changed)
    assert response.status_code == 302
    assert response["Location"] == "/teach/skills/"
    assert _offering_values(offering) == {
        "service": "piano",
        "description": "Recitals every spring.",
        "duration_options": [45, 240],
        "age_groups": ["teens"],
        "skill_levels": ["intermediate"],
        "rates": (None, 100_000, 12_050),
        "is_active": False,
    }


def test_a_bad_edit_changes_nothing(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    client.post("/teach/skills/", _subject())
    offering = Offering.objects.get()
    before = _offering_values(offering)
    response = client.post(
        f"/teach/skills/{offering.pk}/edit/", _subject(**{"rates.studio": "1001", "is_active": "on"})
    )
    assert response.status_code == 422
    assert response.context["form"].errors == {"rates.studio": ["Enter a rate above $0 and at most $1,000/h."]}
    assert _offering_values(offering) == before


def test_another_instructors_subject_cannot_be_edited_or_removed(
    client: Client, instructor: User, other_instructor: User
) -> None:
    theirs = OfferingFactory.create(profile=InstructorProfileFactory.create(user=other_instructor))
    before = _offering_values(theirs)
    client.force_login(instructor)
    assert client.get(f"/teach/skills/{theirs.pk}/edit/").status_code == 404
    assert client.post(f"/teach/skills/{theirs.pk}/edit/", _subject(**{"rates.studio": "150"})).status_code == 404
    assert client.post(f"/teach/skills/{theirs.pk}/delete/").status_code == 404
    assert client.post(f"/teach/skills/{theirs.pk}/delete/", headers={"HX-Request": "true"}).status_code == 404
    assert _offering_values(theirs) == before


def test_removing_a_subject_without_javascript_redirects_back(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    client.post("/teach/skills/", _subject())
    offering = Offering.objects.get()
    assert client.get(f"/teach/skills/{offering.pk}/delete/").status_code == 405
    response = client.post(f"/teach/skills/{offering.pk}/delete/", follow=True)
    assert response.redirect_chain == [("/teach/skills/", 302)]
    assert "Piano is removed from your subjects." in response.content.decode()
    assert not Offering.objects.exists()


def test_removing_a_subject_inline_swaps_the_list_progress_and_a_toast(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    instructor_profile_update(actor=instructor, changes={"studio_neighborhood": "park-slope"})
    client.post("/teach/skills/", _subject())
    client.post("/teach/skills/", _subject(service="guitar"))
    piano = Offering.objects.get(service__slug="piano")
    response = client.post(f"/teach/skills/{piano.pk}/delete/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="offerings" class="offerings">')
    assert "<h3>Guitar</h3>" in html
    assert "<h3>Piano</h3>" not in html
    assert 'id="onboarding-progress" aria-label="Onboarding steps" hx-swap-oob="true"' in html
    assert (
        '<div hx-swap-oob="beforeend:.toasts"><p class="toast toast-success">Piano is removed from your subjects.</p></div>'
        in html
    )
    assert list(Offering.objects.values_list("service__slug", flat=True)) == ["guitar"]


def test_service_areas_are_replaced_with_exactly_what_is_ticked(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    profile = instructor_profile_ensure(actor=instructor)
    response = client.post(
        "/teach/skills/areas/", {"neighborhoods": ["park-slope", "williamsburg"], "boroughs": ["queens"]}
    )
    assert response.status_code == 302
    assert response["Location"] == "/teach/skills/#areas"
    assert _areas(profile) == {"park-slope", "williamsburg", "queens"}
    page = client.get("/teach/skills/")
    assert page.context["areas_form"].chosen_count == 3
    assert "3 chosen." in page.content.decode()
    assert client.post("/teach/skills/areas/", {"neighborhoods": ["astoria"]}).status_code == 302
    assert _areas(profile) == {"astoria"}


def test_unknown_areas_are_refused_and_the_old_ones_kept(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    profile = instructor_profile_ensure(actor=instructor)
    client.post("/teach/skills/areas/", {"boroughs": ["bronx"]})
    response = client.post("/teach/skills/areas/", {"neighborhoods": ["park-slope", "atlantis"]})
    assert response.status_code == 422
    assert response.context["areas_form"].errors == {
        "neighborhoods": ["Select a valid choice. atlantis is not one of the available choices."]
    }
    assert _areas(profile) == {"bronx"}


def test_travel_rates_need_areas_to_finish_the_step(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    client.post("/teach/skills/", _subject(**{"rates.studio": "", "rates.travel": "110"}))
    assert "To finish this step: choose the areas you travel to." in client.get("/teach/skills/").content.decode()
    client.post("/teach/skills/areas/", {"boroughs": ["brooklyn"]})
    page = client.get("/teach/skills/")
    assert _progress(page)[1] == ("skills", True, True)
    assert "To finish this step" not in page.content.decode()


def test_the_skills_page_costs_the_same_queries_for_one_subject_or_many(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    client.post("/teach/skills/", _subject())
    client.post("/teach/skills/areas/", {"neighborhoods": ["park-slope"], "boroughs": ["queens"]})
    with CaptureQueriesContext(connection) as one:
        assert client.get("/teach/skills/").status_code == 200
    for service in ["guitar", "violin", "voice"]:
        client.post("/teach/skills/", _subject(service=service))
    client.post(
        "/teach/skills/areas/", {"neighborhoods": ["park-slope", "astoria", "williamsburg"], "boroughs": ["bronx"]}
    )
    with CaptureQueriesContext(connection) as four:
        page = client.get("/teach/skills/")
    assert len(page.context["offerings"]) == 4
    assert len(four.captured_queries) == len(one.captured_queries)


# --- Steps 3 and 4: Verification and Payouts ------------------------------------------------


def test_verification_shows_the_real_state_with_dates(client: Client, instructor: User, staff: User) -> None:
    client.force_login(instructor)
    html = client.get("/teach/verification/").content.decode()
    assert "Step 3 of 5" in html
    assert (
        '<strong class="pill pill-todo">Not verified yet</strong> Our team confirms it from your background-check document.'
        in html
    )
    assert (
        '<strong class="pill pill-todo">Not sent yet</strong> Upload the report from your background-check provider.'
        in html
    )
    # The upload form sits on the step itself.
    assert '<h2 id="upload-heading">Upload your background check</h2>' in html
    assert 'enctype="multipart/form-data" action="/teach/verification/documents/"' in html
    profile = InstructorProfile.objects.get(user=instructor)
    instructor_verification_mark(actor=staff, profile_id=profile.pk, now=MARCH_2, identity=True)
    html = client.get("/teach/verification/").content.decode()
    assert '<strong class="pill pill-done">Verified</strong> Confirmed Mon 2 Mar.' in html
    assert '<strong class="pill pill-todo">Not sent yet</strong>' in html
    instructor_verification_mark(actor=staff, profile_id=profile.pk, now=MARCH_2, background_check=True)
    page = client.get("/teach/verification/")
    html = page.content.decode()
    assert '<strong class="pill pill-done">Passed</strong> Your background check is confirmed.' in html
    assert "You're verified. Nothing more to do here." in html
    assert "upload-heading" not in html
    assert _progress(page)[2] == ("verification", True, True)


def test_payouts_shows_whether_an_account_is_connected(client: Client, instructor: User, staff: User) -> None:
    client.force_login(instructor)
    html = client.get("/teach/payouts/").content.decode()
    assert "Step 4 of 5" in html
    assert (
        '<strong class="pill pill-todo">Not connected yet</strong> Connect the bank account your earnings go to.'
        in html
    )
    assert "Connect your payout account</button>" in html  # self-service (tests in apps/payments)
    profile = InstructorProfile.objects.get(user=instructor)
    instructor_verification_mark(actor=staff, profile_id=profile.pk, now=MARCH_2, payouts=True)
    html = client.get("/teach/payouts/").content.decode()
    assert '<strong class="pill pill-done">Connected</strong> Since Mon 2 Mar.' in html


# --- Step 5: Go live, and the status page ----------------------------------------------------


def test_go_live_is_refused_with_what_is_missing_until_verified(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    profile = _ready_to_verify(instructor)
    page = client.get("/teach/go-live/")
    html = page.content.decode()
    assert '<a href="/teach/verification/">Verification</a>: verify your identity and pass a background check' in html
    assert '<a href="/teach/payouts/">Payouts</a>: connect a payout account' in html
    assert ">Go live</button>" not in html
    response = client.post("/teach/go-live/")
    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == [
        "You can go live once every step is done: verify your identity and pass a background check; connect a payout account."
    ]
    profile.refresh_from_db()
    assert (profile.status, profile.went_live_at) == (ProfileStatus.ONBOARDING, None)


def test_go_live_after_verification_links_the_public_profile_and_is_idempotent(
    client: Client, instructor: User, staff: User
) -> None:
    client.force_login(instructor)
    profile = _ready_to_verify(instructor)
    instructor_verification_mark(
        actor=staff, profile_id=profile.pk, now=MARCH_2, identity=True, background_check=True, payouts=True
    )
    assert ">Go live</button>" in client.get("/teach/go-live/").content.decode()
    went_live = datetime(2026, 3, 3, 14, 30, tzinfo=UTC)
    with time_machine.travel(went_live, tick=False):
        response = client.post("/teach/go-live/")
    assert response.status_code == 302
    assert response["Location"] == "/teach/go-live/"
    profile.refresh_from_db()
    assert (profile.status, profile.went_live_at) == (ProfileStatus.LIVE, went_live)
    page = client.get("/teach/go-live/")
    html = page.content.decode()
    assert f'<a class="btn btn-primary" href="/instructors/{profile.slug}/">See your public profile</a>' in html
    assert "Your profile is live since" in html
    assert _progress(page)[4] == ("go-live", True, True)
    with time_machine.travel(datetime(2026, 3, 5, 9, 0, tzinfo=UTC), tick=False):
        again = client.post("/teach/go-live/")
    assert again.status_code == 302
    profile.refresh_from_db()
    assert (profile.status, profile.went_live_at) == (ProfileStatus.LIVE, went_live)


def test_a_suspended_instructor_cannot_put_themselves_back_live(client: Client, instructor: User, staff: User) -> None:
    client.force_login(instructor)
    profile = _ready_to_verify(instructor)
    instructor_verification_mark(
        actor=staff, profile_id=profile.pk, now=MARCH_2, identity=True, background_check=True, payouts=True
    )
    client.post("/teach/go-live/")
    instructor_suspend(actor=staff, profile_id=profile.pk, reason="Complaints", now=MARCH_2)
    assert "Your profile is suspended" in client.get("/teach/go-live/").content.decode()
    response = client.post("/teach/go-live/")
    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == [
        "Your profile is suspended. Please contact our team to sort it out."
    ]
    profile.refresh_from_db()
    assert profile.status == ProfileStatus.SUSPENDED


def test_status_page_lists_each_step_with_its_state_and_link(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    _ready_to_verify(instructor)
    response = client.get("/teach/status/")
    assert response.status_code == 200
    assert _progress(response) == [
        ("welcome", True, False),
        ("skills", True, False),
        ("verification", False, False),
        ("payouts", False, False),
        ("go-live", False, False),
    ]
    html = response.content.decode()
    assert "Your profile is hidden from browse and search until you go live." in html
    assert "2 of 5 steps done." in html
    for url, title in [
        ("/teach/", "About you"),
        ("/teach/skills/", "Skills &amp; prices"),
        ("/teach/verification/", "Verification"),
        ("/teach/payouts/", "Payouts"),
        ("/teach/go-live/", "Go live"),
    ]:
        assert f'<h2><a href="{url}">{title}</a></h2>' in html
    assert '<strong class="pill pill-done">Done</strong>\n          1 subject offered' in html
    assert '<strong class="pill pill-todo">To do</strong>\n          connect a payout account' in html
