"""Playwright fixtures: Debian's Chromium (never a downloaded browser), desktop and phone
viewports, and an axe-core accessibility check every browser test calls."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Playwright, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
AXE_SCRIPT = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); .ci/run does.")
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def _context(browser: Browser, viewport: dict[str, int], **extra: object) -> BrowserContext:
    # bypass_csp lets the test inject axe-core; the pages themselves keep their strict CSP.
    context = browser.new_context(viewport=viewport, bypass_csp=True, **extra)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    return context


def size_context(browser: Browser, size: str) -> BrowserContext:
    """A fresh browser (its own cookies) at one of the two sizes every page is checked at."""
    if size == "phone":
        return _context(browser, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    return _context(browser, DESKTOP)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = size_context(browser, "desktop")
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    context = size_context(browser, "phone")
    yield context.new_page()
    context.close()


def assert_accessible(page: Page) -> None:
    """Fail on serious or critical axe-core violations of WCAG 2.x A/AA on the current page,
    and on any horizontal scrolling (DESIGN.md: never)."""
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
    )
    blocking = [v for v in result["violations"] if v["impact"] in {"serious", "critical"}]
    summary = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in blocking
    ]
    assert not blocking, f"accessibility violations on {page.url}:\n{json.dumps(summary, indent=2)}"
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls horizontally by {overflow}px"


def main_nav(page: Page) -> Locator:
    """The signed-in navigation. On a phone its links fold behind the Menu button, which this
    opens first (as a person would); on a desktop they are always shown."""
    # Signed in (the menu holds the logout form), with app.js run: it folds the menu on phones.
    page.locator("#site-menu form").wait_for(state="attached")
    page.wait_for_load_state("domcontentloaded")
    toggle = page.locator(".nav-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()
    return page.get_by_role("navigation", name="Main")
