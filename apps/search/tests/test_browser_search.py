"""Search in a real browser on a phone: type a query in the header box, see the parse as
chips and the results, remove a chip (an HTMX swap that pushes the URL), and tap a slot to
land on the booking sheet. The clock is real, so availability is made relative to today."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.tests.factories import DEFAULT_PASSWORD, StudentFactory
from apps.search.tests.helpers import free, teacher
from tests.browser import assert_accessible, main_nav

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalog", "gazetteer"),
]
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def scene(catalog: None, gazetteer: None) -> None:
    """Three piano teachers in and near Park Slope free tomorrow afternoon (New York time),
    one of them also tomorrow morning; a guitar teacher who must not show."""
    tomorrow = timezone.now().astimezone(NEW_YORK).date() + timedelta(days=1)
    ana = teacher(
        "Ana Alvarez",
        studio=9000,
        at="park-slope",
        ages=("kids",),
        headline="Classical piano",
        went_live_at=timezone.now(),
    )
    free(ana, tomorrow, ("13:00", "17:00"))
    free(teacher("Gia Gowanus", studio=8500, at="gowanus", ages=("kids",)), tomorrow, ("09:00", "11:00"))
    free(teacher("Ben Brooks", studio=7000, at="prospect-heights", ages=("kids",)), tomorrow, ("14:00", "16:00"))
    free(
        teacher("Gus Grant", service="guitar", studio=8000, at="park-slope", ages=("kids",)),
        tomorrow,
        ("13:00", "17:00"),
    )


def _log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(main_nav(page).get_by_role("link", name="My lessons")).to_be_visible()


@pytest.mark.usefixtures("scene")
def test_search_from_the_header_on_a_phone_and_book_a_slot(phone_page: Page, live_server) -> None:
    page, base = phone_page, live_server.url
    student = StudentFactory.create(email="rita@example.com", first_name="Rita", last_name="Reyes")
    _log_in(page, base, student.email)
    main_nav(page).get_by_role("link", name="My lessons").click()  # any page but home has the header box

    box = page.get_by_role("searchbox", name="Search lessons")
    box.fill("piano for my 7 year old in park slope tomorrow afternoon")
    box.press("Enter")
    expect(page).to_have_url(
        re.compile(r"/search/\?q=piano\+for\+my\+7\+year\+old\+in\+park\+slope\+tomorrow\+afternoon$")
    )
    chips = page.get_by_role("list", name="Your search")
    # Every chip opens a small form to change it ("Tomorrow, change").
    expect(chips.locator(".chip-label")).to_have_text(
        [re.compile(rf"^{label}, change") for label in ("Piano", "Kids", "Park Slope", "Tomorrow", "Afternoon")]
    )
    # Ana and Ben are free tomorrow afternoon; Gia only in the morning, so time was relaxed for her.
    cards = page.locator(".instructor-card-name")
    expect(cards).to_have_text(["Ana Alvarez", "Ben Brooks", "Gia Gowanus"])
    expect(page.get_by_role("heading", name="Close matches")).to_be_visible()
    expect(page.get_by_text("Free at another time")).to_have_count(1)
    assert_accessible(page)

    page.evaluate("window.__sameDocument = true")  # a full page load would drop this
    page.get_by_role("link", name="Remove Afternoon").click()
    expect(page).to_have_url(re.compile(r"&drop=time$"))
    expect(chips.locator(".chip-label")).to_have_text(
        [re.compile(rf"^{label}, change") for label in ("Piano", "Kids", "Park Slope", "Tomorrow")]
    )
    expect(page.get_by_text("Free at another time")).to_have_count(0)
    assert page.evaluate("window.__sameDocument === true")  # swapped in place by HTMX
    assert_accessible(page)

    slot = page.get_by_role("group", name="Next open times with Ana Alvarez").get_by_role("link").first
    expect(slot).to_have_accessible_name(
        re.compile(r"^Book Piano \w{3} \d{1,2} \w{3}, 1:00 pm with Ana Alvarez, 60 min$")
    )
    slot.click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/book/ana-alvarez/\?"))
    query = parse_qs(urlsplit(page.url).query)
    assert {key: value[0] for key, value in query.items() if key != "start"} == {
        "service": "piano", "format": "studio", "duration": "60",
    }  # fmt: skip
    start = datetime.fromisoformat(query["start"][0]).astimezone(NEW_YORK)
    assert (start.hour, start.minute) == (13, 0)
    assert start.date() == timezone.now().astimezone(NEW_YORK).date() + timedelta(days=1)


@pytest.mark.usefixtures("scene")
def test_change_the_date_and_drop_the_price_on_a_desktop(page: Page, live_server) -> None:
    base = live_server.url
    page.goto(f"{base}/search/?q=piano+for+kids+in+park+slope+under+%2480+tomorrow")
    chips = page.get_by_role("list", name="Your search")
    expect(chips.locator(".chip-label")).to_have_text(
        [
            re.compile(rf"^{re.escape(label)}, change")
            for label in ("Piano", "Kids", "Park Slope", "≤ $80/h", "Tomorrow")
        ]
    )
    assert_accessible(page)

    # The date chip opens a small form; the new day replaces the parsed "tomorrow".
    later = timezone.now().astimezone(NEW_YORK).date() + timedelta(days=3)
    page.locator("#chip-date").click()
    editor = page.locator("details.chip-edit[open] form")
    editor.get_by_label("Day").fill(later.isoformat())
    assert_accessible(page)
    editor.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(rf"date_from={later.isoformat()}"))
    label = f"{later:%a} {later.day} {later:%b}"
    expect(chips.locator(".chip-label").nth(4)).to_have_text(re.compile(rf"^{label}, change"))

    page.get_by_role("link", name="Remove ≤ $80/h").click()
    expect(page).to_have_url(re.compile(r"drop=price"))
    expect(chips.locator(".chip-label")).to_have_count(4)
    assert_accessible(page)

    # The place chip is changed, not only removed: it opens a choice of places.
    page.locator("#chip-location").click()
    editor = page.locator("details.chip-edit[open] form")
    expect(editor.get_by_label("Where")).to_have_value("neighborhood:park-slope")
    editor.get_by_label("Where").select_option("neighborhood:williamsburg")
    editor.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"neighborhood=williamsburg"))
    expect(chips.locator(".chip-label").nth(2)).to_have_text(re.compile(r"^Williamsburg, change"))
    assert_accessible(page)
