"""The instructor journey in a real browser, at phone and desktop sizes: "Teach on
InstaInstru" → sign up as an instructor → confirm the email → the Teach page's Start →
About you → a subject with a price → upload a background check through the real form (staff
approve it through the service, as the admin does) → connect payouts → go live → the
dashboard. Every page on the way: 0 serious/critical axe findings, no horizontal scrolling,
no console errors; the main pages are saved as screenshots in docs/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import ConsoleMessage, FilePayload, Page, expect

from apps.accounts.models import User
from apps.accounts.tests.factories import StaffFactory
from apps.instructors.models import InstructorProfile
from apps.instructors.services import instructor_verification_mark
from apps.instructors.states import ProfileStatus
from apps.media.models import BackgroundCheckDocument
from apps.media.services.documents import document_approve
from apps.media.states import DocumentStatus
from apps.media.tests import corpus
from tests.browser import assert_accessible, main_nav

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalog", "gazetteer", "private_root"),
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "studio-scales-2026"
BIO = "I teach Spanish conversation to adults, from first words to confident travel talk."


@pytest.fixture
def private_root(tmp_path: Path, settings) -> Path:
    """Uploaded documents land in a throwaway directory, never in var/private."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return tmp_path


class Journey:
    """One person's browser: every page checked the same way, console errors collected."""

    def __init__(self, page: Page, base: str, size: str) -> None:
        self.page, self.base, self.size = page, base, size
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"{self.page.url}: {message.text}")

    def check(self, screenshot: str = "") -> None:
        assert_accessible(self.page)
        if screenshot:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=SCREENSHOTS / f"{screenshot}-{self.size}.png")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_teach_sign_up_onboard_and_reach_the_dashboard(size: str, request: pytest.FixtureRequest, live_server) -> None:
    page: Page = request.getfixturevalue("page" if size == "desktop" else "phone_page")
    journey = Journey(page, live_server.url, size)
    email = f"maria.{size}@example.com"

    # The footer's "Teach on InstaInstru" opens sign-up with teaching chosen.
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Teach on InstaInstru").click()
    expect(page.get_by_role("heading", name="Teach on InstaInstru", level=1)).to_be_visible()
    expect(page.get_by_label("I want to teach")).to_be_checked()
    journey.check("teach-sign-up")
    page.get_by_label("First name").fill("Maria")
    page.get_by_label("Last name").fill("Garcia")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Verify your email address")).to_be_visible()
    journey.check()

    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", str(mail.outbox[-1].body))
    assert link
    page.goto(live_server.url + link.group(1))
    expect(page.get_by_role("heading", name="Confirm your email")).to_be_visible()
    journey.check()
    page.get_by_role("button", name="Confirm email").click()

    # Straight to the Teach page, with one clear way to begin.
    expect(page).to_have_url(f"{live_server.url}/teach/dashboard/")
    expect(page.get_by_role("heading", name="Teach on InstaInstru", level=1)).to_be_visible()
    journey.check("teach-start")
    maria = User.objects.get(email=email)
    assert maria.role == "instructor"
    page.get_by_role("link", name="Start", exact=True).click()

    # Step 1: About you.
    expect(page.get_by_role("heading", name="About you", level=1)).to_be_visible()
    journey.check("teach-about-you")
    page.get_by_label("Your name on InstaInstru").fill("Maria G.")
    page.get_by_label("Headline").fill("Conversational Spanish")
    page.get_by_label("About you").fill(BIO)
    page.get_by_label("Years of teaching experience").fill("6")
    page.get_by_role("button", name="Save and continue").click()

    # Step 2: one subject taught online.
    expect(page.get_by_role("heading", name="Skills & prices", level=1)).to_be_visible()
    page.get_by_label("Subject", exact=True).select_option(label="Spanish")
    page.get_by_label("1 h", exact=True).check()
    page.get_by_label("Adults (18+)").check()
    page.get_by_label("Beginner").check()
    page.get_by_label("Online", exact=True).fill("70")
    page.get_by_label("Video-call link for online lessons").fill("https://meet.example.test/maria")
    page.get_by_role("button", name="Add subject").click()
    expect(page.get_by_text("Spanish is added to your subjects.")).to_be_visible()
    journey.check("teach-skills")
    page.get_by_role("link", name="Next: Verification").click()

    # Step 3: the background check, uploaded through the step's own form.
    expect(page.get_by_text("Not sent yet")).to_be_visible()
    journey.check()
    report: FilePayload = {"name": "background-check.pdf", "mimeType": "application/pdf", "buffer": corpus.pdf()}
    page.get_by_label("Background-check document").set_input_files(files=[report])
    page.get_by_role("button", name="Upload document").click()
    expect(page.get_by_text("Thanks! We'll review your document and let you know.")).to_be_visible()
    expect(page.locator(".check-state").filter(has_text="Background check")).to_contain_text("In review")
    journey.check("teach-verification-in-review")
    document = BackgroundCheckDocument.objects.get(instructor=maria)
    assert (document.status, document.content_type) == (DocumentStatus.PENDING, "application/pdf")

    # Staff approve the document and confirm the identity from it (the admin's actions).
    staff, now = StaffFactory.create(email=f"ops.{size}@example.com"), timezone.now()
    document_approve(actor=staff, document_id=document.pk, now=now)
    profile = InstructorProfile.objects.get(user=maria)
    instructor_verification_mark(actor=staff, profile_id=profile.pk, now=now, identity=True)
    page.reload()
    expect(page.locator(".check-state").filter(has_text="Background check")).to_contain_text("Approved")
    expect(page.locator(".check-state").filter(has_text="Identity")).to_contain_text("Verified")
    journey.check()
    page.get_by_role("link", name="Next: Payouts").click()

    # Step 4: payouts, through the local stand-in for the provider's form.
    page.get_by_role("button", name="Connect your payout account").click()
    expect(page.get_by_role("heading", name="Your payout account")).to_be_visible()
    journey.check()
    page.get_by_role("button", name="Use this test bank account").click()
    expect(page.locator(".check-state")).to_contain_text("Connected")
    journey.check()
    page.get_by_role("link", name="Next: Go live").click()

    # Step 5: go live.
    page.get_by_role("button", name="Go live").click()
    expect(page.get_by_text("You're live! Students can now find you in search.")).to_be_visible()
    journey.check()
    profile.refresh_from_db()
    assert profile.status == ProfileStatus.LIVE

    # "Teach" now opens the dashboard.
    main_nav(page).get_by_role("link", name="Teach").click()
    expect(page.get_by_role("heading", name="Your teaching today", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Earnings this week")).to_be_visible()
    expect(page.locator(".stat")).to_have_text("$0")
    expect(page.get_by_text("No lessons today.")).to_be_visible()
    expect(page.get_by_role("link", name="Add your open times")).to_be_visible()
    journey.check("teach-dashboard")

    assert journey.errors == []
