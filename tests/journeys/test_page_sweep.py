"""Every main page at a desktop (1280×800) and a small phone (360 px wide): no serious or
critical axe findings, no horizontal scrolling, no console errors. Also saves the viewport
screenshots the README shows (docs/screenshots/<page>-<phone|desktop>.png, 390×844 and
1280×800). Real server, database and Chromium; signed-in pages use a session made by Django's
test client (the sign-in form itself is one of the pages checked)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page

from apps.accounts.models import User
from apps.accounts.tests.factories import StudentFactory
from apps.instructors.states import ProfileStatus
from apps.instructors.tests.factories import InstructorProfileFactory
from apps.search.cache import parse_cache, search_generation_bump
from apps.search.selectors import search_vocabulary_reset
from apps.search.tests.helpers import free, teacher
from tests.browser import DESKTOP, PHONE, assert_accessible

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalog", "gazetteer"),
]

NEW_YORK = ZoneInfo("America/New_York")
SMALL_PHONE = {"width": 360, "height": 800}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

PUBLIC = {
    "home": "/",
    "search": "/search/?q=piano+lessons+in+park+slope",
    "category": "/learn/music/",
    "browse": "/learn/music/piano/",
    "profile": "/instructors/ana-alvarez/",
    "login": "/accounts/login/",
    "signup": "/accounts/signup/",
}
STUDENT = {
    "booking-sheet": "/book/ana-alvarez/",
    "lessons": "/lessons/",
    "notifications": "/notifications/",
    "messages": "/messages/",
    "settings": "/account/settings/profile/",
}
INSTRUCTOR = {"availability": "/teach/availability/"}
ONBOARDING = {"onboarding": "/teach/"}


@pytest.fixture
def people(catalog: None, gazetteer: None) -> dict[str, User]:
    """Piano teachers around Park Slope free tomorrow (Ana with a headline and reviews to
    show), a student, and an instructor who has just started onboarding."""
    # Transactional tests reload the catalog with new ids: search must rebuild its in-memory
    # vocabulary, and results cached for an earlier test's data must not be served.
    search_vocabulary_reset()
    parse_cache.clear()
    search_generation_bump()
    tomorrow = timezone.now().astimezone(NEW_YORK).date() + timedelta(days=1)
    ana = teacher(
        "Ana Alvarez", studio=9000, online=7000, at="park-slope", headline="Classical & pop piano", years_experience=12
    )
    free(ana, tomorrow, ("13:00", "17:00"))
    free(teacher("Ben Brooks", studio=7000, at="prospect-heights"), tomorrow, ("09:00", "11:00"))
    teacher("Cara Cruz", service="violin", online=6000)
    newcomer = InstructorProfileFactory.create(status=ProfileStatus.ONBOARDING, slug="nova", display_name="Nova Noor")
    return {
        "student": StudentFactory.create(email="sweep@example.com", first_name="Sam", last_name="Sweep"),
        "instructor": ana.user,
        "onboarding": newcomer.user,
    }


def _signed_in(context: BrowserContext, user: User | None, base: str) -> None:
    if user is None:
        return
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])


def _open(page: Page, url: str, errors: list[str]) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    if errors:
        raise AssertionError(f"console errors on {url}: {errors}")


@pytest.fixture
def sized(browser: Browser, request: pytest.FixtureRequest) -> Iterator[tuple[BrowserContext, list[str]]]:
    viewport = request.param
    phone = viewport["width"] < 640
    context = browser.new_context(viewport=viewport, bypass_csp=True, is_mobile=phone, has_touch=phone)
    context.set_default_timeout(15_000)
    yield context, []
    context.close()


def _pages(context: BrowserContext, errors: list[str]) -> Page:
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


@pytest.mark.parametrize("sized", [DESKTOP, SMALL_PHONE], ids=["desktop-1280", "phone-360"], indirect=True)
def test_every_main_page_is_accessible_fits_and_logs_no_errors(
    sized: tuple[BrowserContext, list[str]], browser: Browser, people: dict[str, User], live_server
) -> None:
    context, errors = sized
    base = live_server.url
    failures: list[str] = []
    for user, pages in (
        (None, PUBLIC),
        (people["student"], STUDENT),
        (people["instructor"], INSTRUCTOR),
        (people["onboarding"], ONBOARDING),
    ):
        context.clear_cookies()
        _signed_in(context, user, base)
        page = _pages(context, errors)
        for name, path in pages.items():
            errors.clear()
            try:
                _open(page, f"{base}{path}", errors)
                assert page.url.startswith(f"{base}{path.split('?')[0]}"), f"{name} redirected to {page.url}"
                assert_accessible(page)  # axe: 0 serious/critical, and no horizontal scrolling
            except AssertionError as failure:
                failures.append(f"{name}: {failure}")
        page.close()
    assert not failures, "\n\n".join(failures)


SHOWN = ("home", "search", "category", "profile")


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(("fixture", "size"), [("page", "desktop"), ("phone_page", "phone")])
def test_screenshots_of_the_main_pages(fixture: str, size: str, request: pytest.FixtureRequest, live_server) -> None:
    page: Page = request.getfixturevalue(fixture)
    assert page.viewport_size == (DESKTOP if size == "desktop" else PHONE)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name in SHOWN:
        page.goto(f"{live_server.url}{PUBLIC[name]}")
        page.wait_for_load_state("networkidle")
        target = SCREENSHOTS / f"{name}-{size}.png"
        page.screenshot(path=str(target), animations="disabled")
        if name == "search":
            assert page.locator(".instructor-card").count() == 2  # Ana and Ben, not an empty state
        assert target.stat().st_size > 10_000  # a rendered page, not a blank one
