"""A new instructor onboards in a real browser: About you, a subject with prices, travel
areas, verification (recorded by staff), payouts, go live. Every page visited is checked
with axe-core and for horizontal scrolling."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.accounts.tests.factories import DEFAULT_PASSWORD, InstructorUserFactory, StaffFactory
from apps.instructors.models import InstructorProfile, Offering, ServiceArea
from apps.instructors.services import instructor_verification_mark
from apps.instructors.states import ProfileStatus
from tests.browser import assert_accessible

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalog", "gazetteer"),
]
BIO = "I teach classical and pop piano to curious kids and grown-ups, with a recital every spring."


def _log_in(page: Page, base: str, user: User) -> None:
    page.goto(f"{base}/teach/")  # not signed in: the login page, returning to /teach/ after
    assert_accessible(page)
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="About you", level=1)).to_be_visible()
    expect(page.get_by_text("Step 1 of 5")).to_be_visible()


def _fill_about_you(page: Page) -> None:
    page.get_by_label("Your name on InstaInstru").fill("Maria G.")
    page.get_by_label("Headline").fill("Classical & pop piano")
    page.get_by_label("About you").fill(BIO)
    page.get_by_label("Years of teaching experience").fill("8")
    page.get_by_label("Studio neighborhood").select_option(label="Park Slope")
    page.get_by_label("Studio address (private)").fill("123 5th Ave, Brooklyn")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="Skills & prices", level=1)).to_be_visible()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()


def _add_piano(page: Page, *, online: str, studio: str, travel: str) -> None:
    page.get_by_label("Subject", exact=True).select_option(label="Piano")
    page.get_by_label("About these lessons").fill("From first notes to recitals.")
    page.get_by_label("45 min", exact=True).check()
    page.get_by_label("1 h", exact=True).check()
    page.get_by_text("Other lengths").click()
    page.get_by_label("1 h 15 min", exact=True).check()
    page.get_by_label("Kids (5–12)").check()
    page.get_by_label("Adults (18+)").check()
    page.get_by_label("Beginner").check()
    page.get_by_label("Online", exact=True).fill(online)
    page.get_by_label("At your studio").fill(studio)
    page.get_by_label("At the student's place").fill(travel)
    page.get_by_label("Video-call link for online lessons").fill("https://meet.example.test/piano" if online else "")
    page.get_by_role("button", name="Add subject").click()


def test_new_instructor_onboards_and_goes_live(page: Page, live_server) -> None:
    base = live_server.url
    maria = InstructorUserFactory.create(email="maria@example.com", first_name="Maria", last_name="Garcia")
    _log_in(page, base, maria)
    assert_accessible(page)
    _fill_about_you(page)
    assert_accessible(page)

    # A bad rate first: the error sits under its field and nothing is saved.
    _add_piano(page, online="50", studio="95", travel="110")
    expect(page.get_by_text("The minimum online rate is $60/h.")).to_be_visible()
    expect(page.get_by_label("Online", exact=True)).to_have_value("50")
    assert not Offering.objects.exists()
    assert_accessible(page)
    page.get_by_label("Online", exact=True).fill("70")
    page.get_by_role("button", name="Add subject").click()
    expect(page.get_by_text("Piano is added to your subjects.")).to_be_visible()
    expect(page.get_by_text("Online $70/h")).to_be_visible()
    expect(page.get_by_text("To finish this step: choose the areas you travel to.")).to_be_visible()

    page.locator("summary", has_text="Brooklyn").click()
    page.get_by_label("Park Slope").check()
    page.locator("summary", has_text="Queens").click()
    page.get_by_label("All of Queens").check()
    page.get_by_role("button", name="Save travel areas").click()
    expect(page.get_by_text("Your travel areas are saved.")).to_be_visible()
    expect(page.get_by_text("To finish this step")).to_have_count(0)
    assert_accessible(page)
    profile = InstructorProfile.objects.get(user=maria)
    assert sorted(str(area) for area in ServiceArea.objects.filter(profile=profile)) == [
        "Park Slope, Brooklyn",
        "Queens",
    ]
    offering = Offering.objects.get(profile=profile)
    assert (offering.rate_online_cents, offering.rate_studio_cents, offering.rate_travel_cents) == (7000, 9500, 11000)
    assert offering.duration_options == [45, 60, 75]

    page.get_by_role("link", name="Next: Verification").click()
    expect(page.get_by_text("Step 3 of 5")).to_be_visible()
    expect(page.get_by_text("Not verified yet")).to_be_visible()
    expect(page.get_by_text("Not sent yet")).to_be_visible()
    assert_accessible(page)

    # Staff record the checks in the admin until uploads and payments are self-service.
    staff = StaffFactory.create(email="ops@example.com")
    instructor_verification_mark(
        actor=staff, profile_id=profile.pk, now=timezone.now(), identity=True, background_check=True, payouts=True
    )
    page.reload()
    expect(page.get_by_text("Verified", exact=True)).to_be_visible()
    expect(page.get_by_text("Passed", exact=True)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Next: Payouts").click()
    expect(page.get_by_text("Connected", exact=True)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Next: Go live").click()
    assert_accessible(page)
    page.get_by_role("button", name="Go live").click()
    expect(page.get_by_text("You're live! Students can now find you in search.")).to_be_visible()
    public = page.get_by_role("link", name="See your public profile")
    expect(public).to_have_attribute("href", f"/instructors/{profile.slug}/")
    assert_accessible(page)
    profile.refresh_from_db()
    assert profile.status == ProfileStatus.LIVE

    page.get_by_role("link", name=re.compile(r"5 of 5 steps done")).click()
    expect(page.get_by_role("heading", name="Your onboarding status", level=1)).to_be_visible()
    assert_accessible(page)


def test_about_you_and_skills_on_a_phone(phone_page: Page, live_server) -> None:
    page, base = phone_page, live_server.url
    ana = InstructorUserFactory.create(email="ana@example.com", first_name="Ana", last_name="Lopez")
    _log_in(page, base, ana)
    assert_accessible(page)

    page.get_by_role("button", name="Save and continue").click()  # nothing filled in yet
    expect(page.get_by_text("Write a few sentences about how you teach.")).to_be_visible()
    assert_accessible(page)
    _fill_about_you(page)
    assert_accessible(page)

    _add_piano(page, online="70", studio="95", travel="")
    expect(page.get_by_text("Piano is added to your subjects.")).to_be_visible()
    page.get_by_role("link", name="Edit Piano").click()
    expect(page.get_by_role("heading", name="Edit Piano")).to_be_visible()
    expect(page.get_by_label("At your studio")).to_have_value("95")
    assert_accessible(page)
    page.get_by_label("At your studio").fill("97.50")
    page.get_by_role("button", name="Save Piano").click()
    expect(page.get_by_text("At your studio $97.50/h")).to_be_visible()
    assert_accessible(page)

    # Removing works inline (HTMX) after a confirmation.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove Piano").click()
    expect(page.get_by_text("No subjects yet.")).to_be_visible()
    expect(page.get_by_text("Piano is removed from your subjects.")).to_be_visible()
    assert not Offering.objects.exists()
    assert_accessible(page)
