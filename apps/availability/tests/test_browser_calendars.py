"""Connecting a calendar on a phone, in a real browser: the instructor pastes a secret ICS
address (served by a real local HTTP server), sees it read with its busy time counted, finds
that busy time in the week editor with its calendar's name, and disconnects it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from apps.accounts.tests.factories import DEFAULT_PASSWORD
from apps.availability.cells import week_start_of
from apps.availability.tests.feed_server import Answer, FeedServer
from apps.instructors.tests.factories import live_instructor
from tests.browser import assert_accessible, main_nav

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalog", "gazetteer"),
]
NY = ZoneInfo("America/New_York")


def _no_horizontal_overflow(page: Page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def test_an_instructor_connects_a_calendar_on_a_phone(
    live_server, phone_page: Page, instructor, feed_server: FeedServer
) -> None:
    profile = live_instructor(user=instructor, slug="ines-calendars")
    monday = week_start_of(datetime.now(NY).date()) + timedelta(days=14)
    thursday = monday + timedelta(days=3)
    feed = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:staff-meeting\r\n"
        "DTSTAMP:20260101T000000Z\r\n"
        f"DTSTART;TZID=America/New_York:{thursday:%Y%m%d}T150000\r\nDTEND;TZID=America/New_York:{thursday:%Y%m%d}T163000\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    url = feed_server.serve("/private/basic.ics?key=8f3c", Answer(feed))
    page, base = phone_page, live_server.url
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(profile.user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(main_nav(page).get_by_role("button", name="Log out")).to_be_visible()

    page.goto(f"{base}/teach/availability/?week={monday.isoformat()}")
    page.get_by_role("link", name="Connect or manage calendars").click()
    expect(page.get_by_role("heading", name="Your calendars")).to_be_visible()
    assert_accessible(page)
    _no_horizontal_overflow(page)

    page.get_by_label("Name").fill("School")
    page.get_by_label("Secret address (iCal format)").fill(url)
    page.get_by_role("button", name="Connect calendar").click()
    expect(page.get_by_text("“School” is connected. Its busy times now block lesson times.")).to_be_visible()
    expect(page.get_by_text("1 busy time ahead")).to_be_visible()
    expect(page.get_by_text("?key=8f3c")).to_have_count(0)  # only the host is ever shown
    assert_accessible(page)
    _no_horizontal_overflow(page)

    page.get_by_role("link", name="Back to your availability").click()
    page.goto(f"{base}/teach/availability/?week={monday.isoformat()}")
    day = f"{thursday:%a} {thursday.day} {thursday:%b}"
    expect(page.locator(".calendar-busy")).to_contain_text(f"{day}, 3:00–4:30 pm · School")

    page.goto(f"{base}/teach/availability/calendars/")
    page.get_by_role("button", name="Remove School").click()
    expect(page.get_by_text("Calendar disconnected.")).to_be_visible()
    expect(page.get_by_text("No calendars connected yet.")).to_be_visible()
