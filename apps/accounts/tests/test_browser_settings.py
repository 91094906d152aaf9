"""Account settings on a 390 px phone with a long email address: the profile and email pages
fit the screen (no sideways scrolling) and show the whole address."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from apps.accounts.tests.factories import DEFAULT_PASSWORD, StudentFactory
from tests.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalog")]
LONG_EMAIL = "a.rather.long.email.address.for.lessons@example-school.org"


def test_profile_and_email_settings_fit_a_phone(phone_page: Page, live_server) -> None:
    page = phone_page
    StudentFactory.create(email=LONG_EMAIL)
    page.goto(f"{live_server.url}/account/settings/profile/")  # signed out: log in first, then back here
    page.get_by_label("Email").fill(LONG_EMAIL)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    assert_accessible(page)  # includes: no horizontal scrolling

    page.goto(f"{live_server.url}/accounts/email/")
    address = page.locator(".email-row", has_text="example-school.org")
    expect(address).to_contain_text(LONG_EMAIL)
    expect(address).to_contain_text("Verified")
    box = address.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390  # the whole address on screen, wrapped if need be
    assert_accessible(page)
