"""On a phone: a student saves a fully booked teacher from the profile (HTMX swaps the
button), finds them on My teachers, asks to be told when a time opens, sees the entry and
stops waiting. Every page passes axe with no horizontal scrolling and no console errors."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from apps.accounts.tests.factories import DEFAULT_PASSWORD, StudentFactory
from apps.favorites.models import Favorite
from apps.favorites.tests.conftest import make_teacher
from apps.waitlist.models import WaitlistEntry
from tests.browser import assert_accessible, main_nav

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalog")]


def test_save_a_teacher_and_wait_for_a_time_on_a_phone(phone_page: Page, live_server) -> None:
    base, page = live_server.url, phone_page
    make_teacher("bea-busy", "Bea Busy", open_from_day=40)  # nothing free in the next four weeks
    student = StudentFactory.create(email="rita@example.com", first_name="Rita", last_name="Reyes")
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill("rita@example.com")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(main_nav(page).get_by_role("link", name="My teachers")).to_be_visible()

    page.goto(f"{base}/instructors/bea-busy/")
    url_before = page.url
    page.get_by_role("button", name="Save Bea Busy to My teachers").click()
    expect(page.get_by_role("button", name="Saved Bea Busy: remove from My teachers")).to_be_visible()
    assert page.url == url_before  # swapped in place, no reload
    assert list(Favorite.objects.values_list("student_id", flat=True)) == [student.pk]
    assert_accessible(page)

    main_nav(page).get_by_role("link", name="My teachers").click()
    expect(page.get_by_role("heading", name="Bea Busy")).to_be_visible()
    expect(page.get_by_text("No open times in the next two weeks.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Tell me when a time opens").click()
    expect(page.get_by_role("heading", name="Tell me when a time opens")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Sat").uncheck()
    page.get_by_label("Sun").uncheck()
    page.get_by_label("From").fill("16:00")
    page.get_by_label("Until").fill("18:00")
    page.get_by_role("button", name="Tell me when a time opens").click()
    expect(page.get_by_role("heading", name="My waitlists")).to_be_visible()
    expect(page.get_by_text("Mon, Tue, Wed, Thu, Fri, starting 4:00 pm–6:00 pm")).to_be_visible()
    assert_accessible(page)
    entry = WaitlistEntry.objects.get()
    assert (entry.student_id, entry.weekdays, entry.start_minute, entry.end_minute) == (student.pk, 0b11111, 960, 1080)

    page.get_by_role("button", name="Stop waiting for Bea Busy").click()
    expect(page.get_by_text("You're off that waitlist.")).to_be_visible()
    entry.refresh_from_db()
    assert entry.status == "cancelled"
    assert errors == []
