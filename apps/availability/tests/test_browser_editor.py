"""The week editor in a real browser: paint by dragging and by keyboard, save, reload; two
windows editing one week (the second gets the conflict dialog and keeps its version); the
phone's day-by-day list."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Dialog, Locator, Page, ViewportSize, expect

from apps.accounts.tests.factories import DEFAULT_PASSWORD
from apps.availability.cells import week_start_of
from apps.availability.tests.helpers import stored
from apps.instructors.models import InstructorProfile
from apps.instructors.tests.factories import live_instructor
from tests.browser import DESKTOP, assert_accessible, main_nav

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalog", "gazetteer"),
]


def _week() -> date:
    """A week safely in the future whatever the clock says (the live server's clock is real)."""
    return week_start_of(datetime.now(ZoneInfo("America/New_York")).date()) + timedelta(days=14)


def _log_in(page: Page, base: str, profile: InstructorProfile) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(profile.user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(main_nav(page).get_by_role("button", name="Log out")).to_be_visible()


def _open_week(page: Page, base: str, week: date) -> None:
    page.goto(f"{base}/teach/availability/?week={week.isoformat()}")
    expect(page.locator("#week-editor")).to_have_attribute("data-state", "ready")


def _cell(page: Page, day: int, hh_mm: str) -> Locator:
    hours, minutes = map(int, hh_mm.split(":"))
    return page.locator(f'td.cell[data-day="{day}"][data-cell="{(hours * 60 + minutes) // 30}"]')


def _drag(page: Page, start: Locator, end: Locator) -> None:
    first, last = start.bounding_box(), end.bounding_box()
    assert first is not None
    assert last is not None
    page.mouse.move(first["x"] + first["width"] / 2, first["y"] + first["height"] / 2)
    page.mouse.down()
    page.mouse.move(last["x"] + last["width"] / 2, last["y"] + last["height"] / 2, steps=8)
    page.mouse.up()


def _save(page: Page) -> None:
    page.get_by_role("button", name="Save week").click()
    expect(page.locator("#save-status")).to_have_text("All changes saved.")


def test_paint_save_reload_and_keep_mine_after_a_conflict(page: Page, browser: Browser, live_server) -> None:
    profile = live_instructor()
    base, week = live_server.url, _week()
    _log_in(page, base, profile)
    _open_week(page, base, week)
    assert_accessible(page)

    # Drag from Tuesday 9:00 to Wednesday 11:30: both days open 9:00–12:00.
    _drag(page, _cell(page, 1, "09:00"), _cell(page, 2, "11:30"))
    expect(page.locator('td.cell[aria-selected="true"]')).to_have_count(12)
    expect(page.locator("#save-status")).to_have_text("You have unsaved changes.")
    # Keyboard: on Thursday 14:00, Space opens it, Shift+Down three times extends to 16:00.
    _cell(page, 3, "14:00").focus()
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("Shift+ArrowDown")
    expect(_cell(page, 3, "15:30")).to_be_focused()
    # Leaving with unsaved changes asks first; dismissing keeps us here.
    asked: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("link", name="Next week").click()
    expect(page.locator("#save-status")).to_have_text("You have unsaved changes.")
    assert asked == ["beforeunload"]

    _save(page)
    expect(page.get_by_text("Week saved.")).to_be_visible()
    tue, wed, thu = (week + timedelta(days=n) for n in (1, 2, 3))
    assert stored(profile) == {
        tue.isoformat(): [("09:00", "12:00")],
        wed.isoformat(): [("09:00", "12:00")],
        thu.isoformat(): [("14:00", "16:00")],
    }
    page.reload()
    expect(page.locator("#week-editor")).to_have_attribute("data-state", "ready")
    expect(page.locator('td.cell[aria-selected="true"]')).to_have_count(16)
    expect(_cell(page, 3, "15:30")).to_have_attribute("aria-selected", "true")

    # Copy the saved week three weeks on.
    target = week + timedelta(days=21)
    page.get_by_label("Copy to the week of").fill((target + timedelta(days=2)).isoformat())
    page.get_by_role("button", name="Copy week").click()
    expect(page.get_by_text(f"Copied to the week of Mon {target.day} {target:%b}.")).to_be_visible()
    assert stored(profile)[(target + timedelta(days=3)).isoformat()] == [("14:00", "16:00")]

    # A second window saves the same week first.
    other_context = browser.new_context(
        viewport=ViewportSize(width=DESKTOP["width"], height=DESKTOP["height"]), bypass_csp=True
    )
    other = other_context.new_page()
    _log_in(other, base, profile)
    _open_week(other, base, week)
    _cell(other, 4, "10:00").click()  # Friday
    _save(other)
    other_context.close()

    _cell(page, 5, "10:00").click()  # Saturday, in the first window
    page.get_by_role("button", name="Save week").click()
    dialog = page.get_by_role("dialog", name="This week changed in another window")
    expect(dialog).to_be_visible()
    assert_accessible(page)
    dialog.get_by_role("button", name="Keep mine").click()
    expect(page.locator("#save-status")).to_have_text("All changes saved.")
    sat = week + timedelta(days=5)
    this_week = {key: value for key, value in stored(profile).items() if key < (week + timedelta(days=7)).isoformat()}
    assert this_week == {
        tue.isoformat(): [("09:00", "12:00")],
        wed.isoformat(): [("09:00", "12:00")],
        thu.isoformat(): [("14:00", "16:00")],
        sat.isoformat(): [("10:00", "10:30")],
    }


def test_reload_after_a_conflict_shows_the_other_version(page: Page, browser: Browser, live_server) -> None:
    profile = live_instructor()
    base, week = live_server.url, _week()
    _log_in(page, base, profile)
    _open_week(page, base, week)
    other_context = browser.new_context(
        viewport=ViewportSize(width=DESKTOP["width"], height=DESKTOP["height"]), bypass_csp=True
    )
    other = other_context.new_page()
    _log_in(other, base, profile)
    _open_week(other, base, week)
    _cell(other, 0, "08:00").click()
    _save(other)
    other_context.close()

    _cell(page, 6, "18:00").click()
    page.get_by_role("button", name="Save week").click()
    page.get_by_role("dialog", name="This week changed in another window").get_by_role("button", name="Reload").click()
    expect(page.get_by_text("Loaded the version saved elsewhere.")).to_be_visible()
    expect(_cell(page, 0, "08:00")).to_have_attribute("aria-selected", "true")
    expect(_cell(page, 6, "18:00")).to_have_attribute("aria-selected", "false")
    expect(page.locator("#save-status")).to_have_text("All changes saved.")
    expect(page.get_by_role("button", name="Save week")).to_be_focused()
    assert_accessible(page)
    assert stored(profile) == {week.isoformat(): [("08:00", "08:30")]}


def test_phone_edits_time_ranges_day_by_day(phone_page: Page, live_server) -> None:
    profile = live_instructor()
    base, week = live_server.url, _week()
    _log_in(phone_page, base, profile)
    _open_week(phone_page, base, week)
    expect(phone_page.locator("#week-grid")).to_be_hidden()
    monday = phone_page.locator('.day-item[data-day="0"]')
    expect(monday.get_by_text("Not available")).to_be_visible()
    monday.get_by_role("button", name="Add range").click()
    expect(monday.get_by_label("From")).to_have_value(str(9 * 2))  # 9:00 am, one hour
    monday.get_by_label("To").select_option(label="11:30 am")
    assert_accessible(phone_page)
    _save(phone_page)
    assert stored(profile) == {week.isoformat(): [("09:00", "11:30")]}
