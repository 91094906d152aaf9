"""Browse, Kids discovery and the profile in a real browser: HTMX swaps that push URLs, the
Back button keeping the visitor's choice, the phone layout, and axe on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from apps.instructors.states import ProfileStatus
from apps.instructors.tests.factories import add_area
from apps.instructors.tests.test_public_pages import borough, neighborhood, teacher
from tests.browser import assert_accessible

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalog", "gazetteer"),
]


@pytest.fixture
def lessons(catalog: None, gazetteer: None) -> None:
    teacher(
        "Ana Alvarez", service="piano", ages=["kids", "teens"], studio=9000, online=7000,
        studio_neighborhood=neighborhood("park-slope"), headline="Classical & pop piano", years_experience=12,
    )  # fmt: skip
    ben = teacher("Ben Brooks", service="piano", ages=["adults"], studio=None, travel=12000)
    add_area(ben, borough=borough("manhattan"))
    teacher("Cara Cruz", service="piano", ages=["adults"], studio=None, online=6000)
    teacher("Sofia Soto", service="spanish", ages=["kids"], studio=None, online=6500)
    teacher("Dan Dorn", service="chess", ages=["kids"], status=ProfileStatus.ONBOARDING)


def _mark_document(page: Page) -> None:
    # A full page load would drop this; an HTMX swap keeps it.
    page.evaluate("window.__sameDocument = true")


def _same_document(page: Page) -> bool:
    return bool(page.evaluate("window.__sameDocument === true"))


@pytest.mark.usefixtures("lessons")
def test_kids_journey_keeps_the_chosen_category_on_back(page: Page, live_server) -> None:
    base = live_server.url
    page.goto(f"{base}/")
    assert_accessible(page)

    page.get_by_role("link", name="Lessons for kids").click()
    expect(page).to_have_url(f"{base}/kids/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lessons for kids")
    chips = page.get_by_role("navigation", name="Categories")
    expect(chips.get_by_role("link")).to_have_text(["All", "Music", "Languages"])  # chess: nobody live
    expect(chips.get_by_role("link", name="All")).to_have_attribute("aria-current", "true")
    assert_accessible(page)

    _mark_document(page)
    chips.get_by_role("link", name="Music").click()
    expect(page).to_have_url(f"{base}/kids/?category=music")
    expect(chips.get_by_role("link", name="Music")).to_have_attribute("aria-current", "true")
    expect(chips.get_by_role("link", name="All")).not_to_have_attribute("aria-current", "true")
    expect(page.get_by_role("link", name=re.compile("^Spanish"))).to_have_count(0)
    assert _same_document(page)  # swapped in place by HTMX, URL pushed
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("^Piano")).click()
    expect(page).to_have_url(f"{base}/kids/piano/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Piano lessons for kids")
    expect(page.locator(".instructor-card-name")).to_have_text(["Ana Alvarez"])  # Ben and Cara teach adults
    assert_accessible(page)

    page.get_by_role("link", name="Ana Alvarez", exact=True).click()
    expect(page).to_have_url(f"{base}/instructors/ana/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ana Alvarez")
    expect(page.locator("#book-cta")).to_have_attribute("href", "/book/ana/")
    assert_accessible(page)

    page.go_back()
    expect(page).to_have_url(f"{base}/kids/piano/")
    page.go_back()
    expect(page).to_have_url(f"{base}/kids/?category=music")
    chips = page.get_by_role("navigation", name="Categories")
    expect(chips.get_by_role("link", name="Music")).to_have_attribute("aria-current", "true")
    expect(chips.get_by_role("link", name="All")).not_to_have_attribute("aria-current", "true")
    expect(page.get_by_role("heading", level=2)).to_have_text(["Music"])
    assert_accessible(page)

    # Back between two HTMX-pushed states restores the earlier choice too.
    chips.get_by_role("link", name="All").click()
    expect(page).to_have_url(f"{base}/kids/")
    expect(page.get_by_role("heading", level=2)).to_have_text(["Music", "Languages"])
    page.go_back()
    expect(page).to_have_url(f"{base}/kids/?category=music")
    expect(page.get_by_role("navigation", name="Categories").get_by_role("link", name="Music")).to_have_attribute(
        "aria-current", "true"
    )
    expect(page.get_by_role("heading", level=2)).to_have_text(["Music"])


@pytest.mark.usefixtures("lessons")
def test_service_page_filters_on_a_phone(phone_page: Page, live_server) -> None:
    page, base = phone_page, live_server.url
    page.goto(f"{base}/learn/music/piano/")
    expect(page.get_by_role("heading", name="3 instructors")).to_be_visible()
    # The filter form starts folded behind the Filters button, the results first on screen.
    opener = page.get_by_role("button", name="Filters")
    expect(opener).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_label("Format")).to_be_hidden()
    expect(page.locator(".instructor-card").first).to_be_in_viewport()
    assert_accessible(page)

    _mark_document(page)
    opener.click()
    sheet = page.get_by_role("dialog", name="Filters")
    expect(sheet).to_be_visible()
    expect(sheet).to_have_attribute("aria-modal", "true")
    expect(opener).to_have_attribute("aria-expanded", "true")
    expect(sheet.get_by_label("Min $/h")).to_be_focused()
    assert_accessible(page)
    # Focus stays inside the sheet: Shift+Tab from its first field wraps to its last control.
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.closest('[role=dialog]') !== null")
    sheet.get_by_label("Format").select_option("online")
    expect(page).to_have_url(f"{base}/learn/music/piano/?format=online")
    expect(page.locator("#results-status")).to_have_text("2 instructors found")
    # Escape closes the sheet and puts focus back on its button.
    page.keyboard.press("Escape")
    expect(sheet).to_have_count(0)
    expect(page.get_by_label("Format")).to_be_hidden()
    expect(opener).to_be_focused()
    expect(page.get_by_role("heading", name="2 instructors")).to_be_visible()
    expect(page.locator(".instructor-card-name")).to_have_text(["Cara Cruz", "Ana Alvarez"])
    assert _same_document(page)
    assert_accessible(page)

    # A chip is changed, not only removed: its label opens the sheet at its field.
    page.get_by_role("link", name=re.compile(r"^Online ?, change$")).click()
    expect(page.get_by_role("dialog", name="Filters")).to_be_visible()
    expect(page.get_by_label("Format")).to_be_focused()
    page.get_by_label("Max $/h").fill("50")
    page.get_by_role("button", name="Show instructors").click()
    expect(page).to_have_url(f"{base}/learn/music/piano/?max_price=50&format=online")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_role("heading", name="No instructors match")).to_be_visible()
    relax = page.get_by_role("link", name="Remove “Up to $50/h”: 2 instructors")
    expect(relax).to_be_visible()
    assert_accessible(page)

    relax.click()
    expect(page).to_have_url(f"{base}/learn/music/piano/?format=online")
    expect(page.get_by_role("heading", name="2 instructors")).to_be_visible()
    page.get_by_role("button", name="Filters (1)").click()
    expect(page.get_by_label("Max $/h")).to_have_value("")
    expect(page.get_by_label("Format")).to_have_value("online")
    page.get_by_role("button", name="Close").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert _same_document(page)
    assert_accessible(page)

    page.go_back()
    expect(page).to_have_url(f"{base}/learn/music/piano/?max_price=50&format=online")
    expect(page.get_by_role("heading", name="No instructors match")).to_be_visible()


@pytest.mark.usefixtures("lessons")
def test_profile_on_a_phone_keeps_the_book_button_on_screen(phone_page: Page, live_server) -> None:
    page, base = phone_page, live_server.url
    page.goto(f"{base}/learn/music/piano/")
    page.get_by_role("link", name="Ana Alvarez", exact=True).click()
    expect(page).to_have_url(f"{base}/instructors/ana/")
    book = page.locator("#book-cta")
    # The page is taller than the screen, so only stickiness keeps the button in view.
    assert page.evaluate("document.documentElement.scrollHeight > window.innerHeight + 200")
    expect(book).to_be_in_viewport()
    page.evaluate("window.scrollTo(0, 400)")
    assert page.evaluate("window.scrollY") == 400
    expect(book).to_be_in_viewport()
    box = book.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    assert_accessible(page)
