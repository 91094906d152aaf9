"""The content security policy as a browser enforces it: a page with HTMX loads and swaps
with no violation, and htmx adds no <style> of its own (its config meta turns that off)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, ViewportSize, expect

from apps.search.tests.helpers import free, teacher

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalog", "gazetteer", "fresh_vocabulary"),
]
# Recorded from the first script that runs in each document, before the page's own.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture
def enforcing_page(browser: Browser) -> Iterator[Page]:
    """Unlike the shared fixtures, this context keeps the page's CSP in force."""
    context = browser.new_context(viewport=ViewportSize(width=1280, height=800))
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    yield page
    context.close()


def test_search_loads_and_swaps_without_a_csp_violation(enforcing_page: Page, live_server) -> None:
    tomorrow = timezone.now().astimezone(ZoneInfo("America/New_York")).date() + timedelta(days=1)
    free(teacher("Ana Alvarez", studio=9000, at="park-slope"), tomorrow, ("13:00", "17:00"))
    free(teacher("Ben Brooks", studio=7000, at="prospect-heights"), tomorrow, ("14:00", "16:00"))
    page = enforcing_page
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    page.goto(f"{live_server.url}/search/?q=piano+in+park+slope")
    expect(page.locator(".instructor-card-name")).to_have_count(2)
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    # (app.js colours avatars through element.style, which a CSP allows; markup carries none.)
    assert page.evaluate("document.querySelectorAll('style').length") == 0

    page.select_option("#sort", "price")  # an HTMX request and swap
    expect(page).to_have_url(f"{live_server.url}/search/?q=piano+in+park+slope&sort=price")
    expect(page.locator(".instructor-card-name")).to_have_text(["Ben Brooks", "Ana Alvarez"])

    assert page.evaluate("window.cspViolations") == []
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    assert [text for text in console if "Content Security Policy" in text] == []
