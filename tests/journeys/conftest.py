"""What every journey checks on each main page, at both sizes: no serious or critical axe
finding, no horizontal overflow, no console error; and the page's screenshot for the README
(docs/screenshots/<name>-<desktop|phone>.png, the viewport only, rewritten each run)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Response

from apps.search.cache import parse_cache
from apps.search.selectors import search_vocabulary_reset
from tests.browser import assert_accessible, size_context

REFUSAL_STATUSES = {409, 422}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@dataclass
class Journey:
    page: Page
    size: str  # "desktop" (1280×800) or "phone" (390×844)
    base: str  # the live server's URL
    console_errors: list[str] = field(default_factory=list)

    refusals: set[str] = field(default_factory=set)  # URLs answered with a refusal page

    def __post_init__(self) -> None:
        # The machine is shared: give a slow page time rather than a flaky failure.
        self.page.set_default_navigation_timeout(30_000)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append(f"page error: {error}"))
        self.page.on("response", self._response)

    def _response(self, response: Response) -> None:
        # A refused form (409 taken, 422 invalid) answers with the page that says why; the
        # browser logs its status, which is the answer, not an error of the page.
        if response.status in REFUSAL_STATUSES and response.request.resource_type in {"document", "xhr", "fetch"}:
            self.refusals.add(response.url)

    def _console(self, message: ConsoleMessage) -> None:
        url = message.location.get("url", "")
        if message.type != "error":
            return
        if message.text.startswith("Failed to load resource") and url in self.refusals:
            return
        self.console_errors.append(f"{message.text} ({url})")

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path)

    def check(self, screenshot: str = "") -> None:
        """The current page passes every check; with a name, it is also photographed."""
        self.page.wait_for_load_state("load")
        assert_accessible(self.page)
        width = self.page.evaluate("document.scrollingElement.scrollWidth")
        viewport = self.page.evaluate("window.innerWidth")
        assert width <= viewport, f"{self.page.url} is {width}px wide in a {viewport}px viewport"
        assert self.console_errors == [], f"console errors on {self.page.url}: {self.console_errors}"
        if screenshot:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            # CSS pixels (390×844 on a phone, not the 2× device pixels): small files.
            self.page.screenshot(path=SCREENSHOTS / f"{screenshot}-{self.size}.png", scale="css", type="png")


@pytest.fixture(autouse=True)
def _fresh_vocabulary() -> Iterator[None]:
    """The search vocabulary is built from the database once per process; transactional tests
    reload the gazetteer with new ids, so each journey starts from a fresh one."""
    search_vocabulary_reset()
    parse_cache.clear()
    yield
    search_vocabulary_reset()


@pytest.fixture(params=["desktop", "phone"])
def journey(request: pytest.FixtureRequest, live_server) -> Journey:
    """One person's browser at each size: tests/browser.py's `page` or `phone_page`."""
    page: Page = request.getfixturevalue("page" if request.param == "desktop" else "phone_page")
    return Journey(page=page, size=request.param, base=live_server.url)


@pytest.fixture
def second_journey(journey: Journey, browser: Browser) -> Iterator[Journey]:
    """Another person's browser (own cookies) at the same size, for the race."""
    context = size_context(browser, journey.size)
    yield Journey(page=context.new_page(), size=journey.size, base=journey.base)
    context.close()
