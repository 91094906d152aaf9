"""The pages keep their content security policy in a browser that enforces it (the other
journeys bypass it to inject axe): an HTMX update of the booking sheet logs no violation
(htmx is configured to inject no inline style) and no other console error."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import PHONE
from tests.journeys.conftest import Journey
from tests.journeys.scenes import log_in, piano_teacher, student_with_card

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalog", "gazetteer"),
]


def test_the_sheet_updates_without_a_policy_violation(browser: Browser, live_server) -> None:
    context = browser.new_context(
        viewport={"width": PHONE["width"], "height": PHONE["height"]}, is_mobile=True, has_touch=True
    )  # the policy enforced
    try:
        journey = Journey(page=context.new_page(), size="phone", base=live_server.url)
        teacher = piano_teacher()
        rita = student_with_card("rita@example.com", "Rita")
        log_in(journey, rita.email)
        page = journey.page
        response = page.goto(f"{live_server.url}/book/{teacher.profile.slug}/")
        assert response is not None
        assert "style-src 'self'" in response.headers["content-security-policy"]
        bar = page.locator("#sheet-bar")
        page.get_by_text("30 min", exact=True).click()
        expect(bar).to_contain_text("$45 lesson + $5.40 booking fee = $50.40")
        page.get_by_role("group", name=re.compile(r"^Time on ")).get_by_text("10:00 am", exact=True).click()
        expect(bar.get_by_role("button", name=re.compile(r"10:00 am$"))).to_be_visible()
        assert journey.console_errors == []
    finally:
        context.close()
