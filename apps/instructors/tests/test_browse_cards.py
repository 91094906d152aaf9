"""The one instructor card on search, service and category pages: it leads with the lesson
that matched (not the instructor's first-listed service), its price for the usual length, and
the next open times as buttons to the booking sheet; browse lists sort like search, and their
next times cost a fixed number of queries.

The clock is Wednesday 25 November 2026, 10:00 in New York (the search helpers' NOW)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from html import unescape

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.tests.factories import StudentFactory
from apps.availability.selectors_public import SlotChoice, book_url, open_slot_list, slot_instructor_get
from apps.bookings.tests.factories import make_booking
from apps.catalog.models import Service
from apps.catalog.services import catalog_load
from apps.core.models import platform_config
from apps.instructors.models import InstructorProfile, Offering
from apps.instructors.tests.factories import OfferingFactory
from apps.reviews.models import InstructorRating
from apps.search.generation import search_generation_bump
from apps.search.selectors import search_vocabulary_reset
from apps.search.tests.helpers import FRIDAY, NOW, NY, TOMORROW, free, teacher

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog", "gazetteer")]


@pytest.fixture(autouse=True)
def _whole_catalog_and_fresh_vocabulary() -> Iterator[None]:
    """Tests on the same worker that flush or reload the catalog (transactional and browser
    tests) can leave it partial and search's in-memory vocabulary pointing at old ids: load
    the whole catalog (idempotent, rolled back with the test) and rebuild the vocabulary."""
    catalog_load(path=settings.DATA_DIR / "catalog.json")
    search_vocabulary_reset()
    yield
    search_vocabulary_reset()


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def html_of(response) -> str:
    assert response.status_code == 200
    html: str = unescape(response.content.decode())
    return html


def cards(html: str) -> dict[str, str]:
    """Each card's HTML by instructor name, in page order."""
    found = {}
    for article in html.split('<article class="card instructor-card">')[1:]:
        body = article.split("</article>")[0]
        name = re.search(r'class="stretched-link" href="[^"]+">([^<]+)</a>', body)
        assert name is not None
        found[name.group(1)] = body
    return found


def lead(card_html: str) -> str:
    """The card's first line as read: "Violin $90 for 60 min at the studio"."""
    match = re.search(r'<p class="lesson-card-lesson">(.*?)</p>', card_html)
    assert match is not None
    return re.sub(r"<[^>]+>", "", match.group(1))


def slot_links(card_html: str) -> list[tuple[str, str]]:
    return re.findall(r'<a class="slot-pill" href="([^"]+)">.*?</span>([^<]+)<span', card_html)


def teach(profile: InstructorProfile, service: str, **rates: int) -> Offering:
    return OfferingFactory.create(
        profile=profile,
        service=Service.objects.get(slug=service),
        rate_online_cents=rates.get("online"),
        rate_studio_cents=rates.get("studio"),
        rate_travel_cents=rates.get("travel"),
        duration_options=[45, 60],
        ages=["adults"],
    )


def test_the_violin_page_and_a_violin_search_lead_with_violin_not_the_first_listed_flute(client: Client) -> None:
    fay = teacher("Fay Fox", service="flute", studio=8000, at="park-slope")  # her first-listed service
    teach(fay, "violin", studio=12000)
    free(fay, TOMORROW, ("13:00", "17:00"))

    violin = cards(html_of(client.get("/learn/music/violin/")))
    # Violin's usual lesson is 45 minutes ($120/h); her flute lessons last an hour.
    assert lead(violin["Fay Fox"]) == "Violin $90 for 45 min at the studio"
    flute = cards(html_of(client.get("/learn/music/flute/")))
    assert lead(flute["Fay Fox"]) == "Flute $80 for 60 min at the studio"
    searched = cards(html_of(client.get("/search/", {"q": "violin"})))
    assert lead(searched["Fay Fox"]) == "Violin $90 for 45 min at the studio"


def test_a_swim_search_leads_with_swimming_and_its_price_per_lesson(client: Client) -> None:
    sam = teacher("Sam Stone", service="soccer", travel=9000, boroughs=["brooklyn"])
    teach(sam, "personal-training", travel=11000)
    teach(sam, "swimming", travel=10000)
    free(sam, TOMORROW, ("13:00", "17:00"))

    html = html_of(client.get("/search/", {"q": "swimming lessons"}))

    card = cards(html)["Sam Stone"]
    # Swimming's usual 30 minutes is not among hers (45 or 60): the sheet's default is the hour.
    assert lead(card) == "Swimming $100 for 60 min at your place"
    assert "Soccer" not in card
    assert "Personal Training" not in card


def test_browse_cards_show_the_next_times_as_buttons_to_the_booking_sheet(client: Client) -> None:
    ana = teacher("Ana Alvarez", studio=9000, online=7000, at="park-slope")
    free(ana, TOMORROW, ("13:00", "17:00"))
    student = StudentFactory.create()
    offering = ana.offerings.get()
    # Her 1 pm online lesson is taken: the next start is after it and her 15-minute buffer.
    make_booking(student=student, offering=offering, starts_at=datetime(2026, 11, 26, 13, tzinfo=NY), fmt="online")

    card = cards(html_of(client.get("/learn/music/piano/")))["Ana Alvarez"]

    assert lead(card) == "Piano $70 for 60 min online"
    links = slot_links(card)
    assert [label for _, label in links] == ["2:15 pm", "2:30 pm", "2:45 pm"]
    assert '<p class="slot-day">Thu 26 Nov</p>' in card
    # The same sheet URL the profile's time buttons use, with the lesson fully chosen.
    profile = slot_instructor_get(slug="ana-alvarez")
    assert profile is not None
    choice = SlotChoice(offering=offering, format="online", duration=60)
    starts = open_slot_list(profile=profile, choice=choice, date_from=TOMORROW, date_to=TOMORROW, now=timezone.now())
    assert [href for href, _ in links] == [book_url(profile, choice, start) for start in starts[:3]]
    assert (
        links[0][0]
        == "/book/ana-alvarez/?service=piano&format=online&duration=60&start=2026-11-26T19%3A15%3A00%2B00%3A00"
    )


def test_a_card_without_open_times_says_so(client: Client) -> None:
    teacher("Ben Brooks", travel=12000, boroughs=["manhattan"])

    card = cards(html_of(client.get("/learn/music/piano/")))["Ben Brooks"]

    assert slot_links(card) == []
    assert "No open times in the next two weeks" in card


def _rate(profile: InstructorProfile, *stars: int) -> None:
    counts = {n: stars.count(n) for n in range(1, 6)}
    InstructorRating.objects.create(
        instructor=profile,
        review_count=len(stars),
        stars_total=sum(stars),
        updated_at=timezone.now(),
        **{f"stars_{n}": count for n, count in counts.items()},
    )


@pytest.fixture
def four_pianists() -> dict[str, InstructorProfile]:
    """Cheap but booked far out, dear and free tomorrow, well rated, and new with no times."""
    cheap = free(teacher("Cal Cheap", online=5000), FRIDAY + timedelta(days=5), ("09:00", "12:00"))
    dear = free(teacher("Dee Dear", online=15000), TOMORROW, ("09:00", "12:00"))
    star = free(teacher("Sue Star", online=9000), FRIDAY, ("09:00", "12:00"))
    _rate(star, 5, 5, 5, 5, 5, 5)
    _rate(dear, 2, 3, 2)
    new = teacher("Nat New", online=6000)
    return {"cheap": cheap, "dear": dear, "star": star, "new": new}


@pytest.mark.usefixtures("four_pianists")
@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        # Bookable soon first, then the Bayesian rating (no reviews = the prior), then newest.
        ("", ["Sue Star", "Cal Cheap", "Dee Dear", "Nat New"]),
        ("price", ["Cal Cheap", "Nat New", "Sue Star", "Dee Dear"]),
        ("soonest", ["Dee Dear", "Sue Star", "Cal Cheap", "Nat New"]),
        ("rating", ["Sue Star", "Cal Cheap", "Nat New", "Dee Dear"]),
        ("bogus", ["Sue Star", "Cal Cheap", "Dee Dear", "Nat New"]),
    ],
)
@pytest.mark.parametrize("path", ["/learn/music/piano/", "/learn/music/"])
def test_service_and_category_pages_sort_like_search(client: Client, path: str, sort: str, expected: list[str]) -> None:
    html = html_of(client.get(path, {"sort": sort} if sort else {}))

    assert list(cards(html)) == expected
    chosen = sort if sort in ("price", "soonest", "rating") else "best"
    sort_select = html[html.index('<select id="sort"') : html.index("</select>", html.index('<select id="sort"'))]
    assert re.findall(r'<option value="(\w+)"( selected)?>', sort_select) == [
        (value, " selected" if value == chosen else "") for value in ("best", "price", "soonest", "rating")
    ]


@pytest.mark.usefixtures("four_pianists")
def test_sorting_a_service_page_by_htmx_swaps_the_browse_region_and_keeps_the_filters(client: Client) -> None:
    response = client.get(
        "/learn/music/piano/",
        {"format": "online", "sort": "price"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="browse",
    )

    html = html_of(response)
    assert response["HX-Push-Url"] == "/learn/music/piano/?format=online&sort=price"
    assert "<html" not in html
    assert list(cards(html)) == ["Cal Cheap", "Nat New", "Sue Star", "Dee Dear"]
    # The sort form carries the filters, the filter form carries the sort.
    assert '<input type="hidden" name="format" value="online">' in html
    assert '<input type="hidden" name="sort" value="price">' in html


@pytest.mark.usefixtures("four_pianists")
def test_sorting_a_category_page_by_htmx_swaps_its_results_and_pushes_the_url(client: Client) -> None:
    response = client.get("/learn/music/", {"sort": "soonest"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")

    html = html_of(response)
    assert response["HX-Push-Url"] == "/learn/music/?sort=soonest"
    assert "<html" not in html
    assert "service-grid" not in html  # the subject tiles stay as they are
    assert list(cards(html)) == ["Dee Dear", "Sue Star", "Cal Cheap", "Nat New"]
    assert '<p id="results-status" hx-swap-oob="innerHTML">4 instructors found</p>' in html


def test_the_category_page_lists_everyone_in_it_led_by_their_first_service_in_catalog_order(client: Client) -> None:
    fay = teacher("Fay Fox", service="violin", studio=12000, at="park-slope")
    teach(fay, "piano", online=7000)
    teacher("Gus Gray", service="guitar", online=6000)
    teacher("Tom Tide", service="swimming", travel=9000, boroughs=["brooklyn"])  # another category
    services = {s.slug: s for s in Service.objects.filter(slug__in=["piano", "violin"])}
    first = min(services.values(), key=lambda s: (s.display_order, s.name))

    html = html_of(client.get("/learn/music/"))

    found = cards(html)
    assert sorted(found) == ["Fay Fox", "Gus Gray"]
    assert lead(found["Fay Fox"]).startswith(first.name + " ")
    assert lead(found["Gus Gray"]) == "Guitar $60 for 60 min online"
    assert '<h2 id="results-title" class="results-title">2 Music instructors</h2>' in html


def _queries(client: Client, url: str) -> int:
    """What the page costs uncached: the factories wrote behind the services' backs, so bump
    the generation as every service write does after its commit."""
    search_generation_bump()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _grow(start: int, count: int) -> None:
    for n in range(start, start + count):
        profile = teacher(f"Teacher{n:02d} Test", studio=9000 + n * 100, online=7000, at="park-slope")
        teach(profile, "guitar", online=6000)
        for day in (TOMORROW, FRIDAY):
            free(profile, day, ("09:00", "17:00"))
        offering = profile.offerings.get(service__slug="piano")
        ten_am = datetime(2026, 11, 26, 10, tzinfo=NY)
        make_booking(student=StudentFactory.create(), offering=offering, starts_at=ten_am)
    search_generation_bump()  # as the services do after their writes


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # category, services with counts; every match ranked: matching profiles, their lead
        # offerings, open-time index rows (every teacher here has one), bookings; then the
        # page's profiles, their offerings, the offerings' age groups, areas
        ("/learn/music/", 10),
        ("/learn/music/?sort=soonest", 10),
        # service, age groups, boroughs, then as above from the matching profiles
        ("/learn/music/piano/", 11),
        ("/learn/music/piano/?sort=soonest&format=studio", 11),
    ],
)
def test_next_times_for_a_page_of_cards_cost_a_fixed_number_of_queries(client: Client, url: str, expected: int) -> None:
    platform_config()  # cached per process: read once before measuring
    _grow(0, 2)
    few = _queries(client, url)
    _grow(2, 10)
    html = html_of(client.get(url))
    assert len(cards(html)) == 12
    assert all(slot_links(card) for card in cards(html).values())
    many = _queries(client, url)
    assert (few, many) == (expected, expected)
