"""The search page /search/?q=…: the parse as chips that remove or edit a filter, cards with
next slots linking straight to booking, sort and pages, the relaxed and empty states, HTMX
partials with pushed URLs, lenient parameters, and a fixed number of queries."""

from __future__ import annotations

import re
from html import unescape

import pytest
import time_machine

from apps.search.tests.helpers import FRIDAY, NOW, TOMORROW, free, teacher

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog", "gazetteer")]
URL = "/search/"
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "search-results"}
QUERY = "piano for my 7 year old near park slope under $80 tomorrow afternoon"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def kids_teachers():
    return [
        free(
            teacher(f"Kid Teacher{n}", studio=7000 + 100 * n, at="park-slope", ages=("kids",)),
            TOMORROW,
            ("13:00", "17:00"),
        )
        for n in range(5)
    ]


def html_of(response) -> str:
    assert response.status_code == 200
    html: str = unescape(response.content.decode())
    return html


def chip_labels(html: str) -> list[str]:
    return re.findall(r'class="chip chip-label" id="chip-[a-z_]+">([^<]+)<', html)


def test_the_page_shows_the_parse_as_chips_and_cards_with_slot_buttons(client, kids_teachers) -> None:
    html = html_of(client.get(URL, {"q": QUERY}))
    assert '<h1 class="search-title">Results for “' + QUERY + "”</h1>" in html
    assert f'id="header-q" name="q" type="search" value="{QUERY}"' in html
    assert chip_labels(html) == ["Piano", "Kids", "Park Slope", "≤ $80/h", "Tomorrow", "Afternoon"]
    assert "5 instructors teaching Piano for kids near Park Slope, up to $80/h, free tomorrow afternoon." in html
    assert '<h2 id="results-count" class="search-count">5 instructors</h2>' in html
    assert re.findall(
        r'class="instructor-card-name"><a class="stretched-link" href="/instructors/([a-z0-9-]+)/"', html
    ) == [f"kid-teacher{n}" for n in range(5)]
    first_slot = (
        '<a class="slot-pill" href="/book/kid-teacher0/?service=piano&format=studio&duration=60'
        '&start=2026-11-26T18%3A00%3A00%2B00%3A00"><span class="visually-hidden">Book Piano Thu 26 Nov, </span>1:00 pm'
        '<span class="visually-hidden"> with Kid Teacher0, 60 min</span></a>'
    )
    assert '<p class="slot-day">Thu 26 Nov</p>' in html
    assert first_slot in html
    # Each card leads with the lesson: the service, the price of its usual length, where.
    assert (
        '<p class="lesson-card-lesson"><span class="lesson-card-service">Piano</span> '
        '<span class="price">$70 for 60 min</span> <span class="lesson-card-format">at the studio</span></p>'
    ) in html
    assert '<option value="best" selected>Best match</option>' in html
    assert re.search(r'<link rel="stylesheet" href="/static/css/search\.[0-9a-f.]*css">', html)
    assert re.search(r'<script src="/static/js/search\.[0-9a-f.]*js" defer></script>', html)


def test_removing_a_chip_drops_that_part_of_the_parse(client, kids_teachers) -> None:
    html = html_of(client.get(URL, {"q": QUERY}))
    remove_time = re.search(r'id="chip-remove-time" href="([^"]+)"', html)
    assert remove_time is not None
    assert (
        remove_time.group(1)
        == "/search/?q=piano+for+my+7+year+old+near+park+slope+under+%2480+tomorrow+afternoon&drop=time"
    )
    after = html_of(client.get(remove_time.group(1)))
    assert chip_labels(after) == ["Piano", "Kids", "Park Slope", "≤ $80/h", "Tomorrow"]
    assert "free tomorrow." in after


def test_chip_forms_edit_the_date_time_and_price(client, kids_teachers) -> None:
    html = html_of(client.get(URL, {"q": QUERY}))
    assert 'name="date_from" value="2026-11-26"' in html
    assert 'name="time_from" step="900" value="12:00"' in html
    assert 'name="max_price" value="80"' in html
    edited = html_of(
        client.get(
            URL, {"q": QUERY, "date_from": "2026-11-27", "max_price": "100", "time_from": "15:00", "time_to": "18:00"}
        )
    )
    assert chip_labels(edited) == ["Piano", "Kids", "Park Slope", "≤ $100/h", "Fri 27 Nov", "After school"]


def test_subject_age_and_place_chips_offer_a_choice_that_replaces_the_parse(client, kids_teachers) -> None:
    html = html_of(client.get(URL, {"q": QUERY}))
    assert '<select id="edit-service" name="service">' in html
    assert '<option value="piano" selected>Piano</option>' in html
    assert '<option value="guitar">Guitar</option>' in html
    assert '<select id="edit-age_group" name="age_group">' in html
    assert '<option value="kids" selected>Kids</option><option value="teens">Teens</option>' in html
    assert '<select id="edit-location" name="place">' in html
    assert '<option value="neighborhood:park-slope" selected>Park Slope</option>' in html
    assert '<option value="borough:brooklyn">All of Brooklyn</option>' in html
    # Each chip's form carries the rest of the search, without the part it changes.
    location_form = html[html.index('id="chip-location"') : html.index('id="chip-remove-location"')]
    assert '<input type="hidden" name="q" value="' + QUERY + '">' in location_form
    assert 'name="neighborhood"' not in location_form.replace('name="place"', "")

    edited = html_of(
        client.get(URL, {"q": QUERY, "place": "borough:queens", "age_group": "teens", "service": "guitar"})
    )
    assert chip_labels(edited) == ["Guitar", "Teens", "Queens", "≤ $80/h", "Tomorrow", "Afternoon"]
    # The canonical link names the place as the API does.
    assert 'href="/search/?q=' in edited
    assert "borough=queens" in edited

    ignored = html_of(client.get(URL, {"q": QUERY, "place": "moon:base"}))
    assert chip_labels(ignored) == ["Piano", "Kids", "Park Slope", "≤ $80/h", "Tomorrow", "Afternoon"]
    assert "We left out filters we could not use: place." in ignored


def test_an_htmx_request_gets_the_results_region_and_a_pushed_url(client, kids_teachers) -> None:
    response = client.get(URL, {"q": QUERY, "drop": "time", "sort": "price", "page": "1"}, **HTMX)
    html = html_of(response)
    assert "<html" not in html
    assert '<p id="search-status" hx-swap-oob="innerHTML">5 instructors found</p>' in html
    assert response["HX-Push-Url"] == (
        "/search/?q=piano+for+my+7+year+old+near+park+slope+under+%2480+tomorrow+afternoon&drop=time&sort=price"
    )
    assert "HX-Request" in response["Vary"]


def test_few_results_show_what_was_relaxed_and_suggestions_with_counts(client) -> None:
    for n in range(2):
        free(teacher(f"Mo Morning{n}", studio=9000, at="park-slope"), TOMORROW, ("08:00", "11:00"))
    free(teacher("Fri Friday", studio=9000, at="park-slope"), FRIDAY, ("12:00", "17:00"))
    html = html_of(client.get(URL, {"q": "piano near park slope tomorrow afternoon"}))
    assert '<h2 id="relaxed-title" class="search-relaxed-title">Close matches</h2>' in html
    assert "so we relaxed the time of day" in html
    suggestions = re.findall(
        r'<a class="btn btn-secondary" href="([^"]+)"[^>]*>([^<]+) <span class="suggestion-count">· (\d+) free</span>',
        html,
    )
    assert suggestions == [
        (
            "/search/?q=piano+near+park+slope+tomorrow+afternoon&time_from=06%3A00&time_to=12%3A00",
            "Tomorrow morning",
            "2",
        ),
        (
            "/search/?q=piano+near+park+slope+tomorrow+afternoon&date_from=2026-11-27&date_to=2026-11-27",
            "On Fri 27 Nov in the afternoon",
            "1",
        ),
    ]
    assert "Free at another time" in html  # the morning teachers' cards say why they are shown


def test_nobody_at_all_gets_a_helpful_empty_state(client) -> None:
    teacher("Ana Alvarez", studio=9000)  # never free
    html = html_of(client.get(URL, {"q": "piano tomorrow"}))
    assert "No one is free for this search" in html
    assert "No instructors teaching Piano, free tomorrow." in html
    assert 'href="/">Browse all lessons</a>' in html
    assert "slot-pill" not in html


def test_pages_and_sort(client) -> None:
    for n in range(23):
        free(teacher(f"Teacher Number{n:02d}", studio=9000 + 100 * n), TOMORROW, ("13:00", "17:00"))
    first = html_of(client.get(URL, {"q": "piano", "sort": "price"}))
    assert "Page 1 of 2" in first
    assert 'id="page-next" class="btn btn-secondary" rel="next" href="/search/?q=piano&sort=price&page=2"' in first
    assert '<option value="price" selected>Price: low to high</option>' in first
    second = html_of(client.get(URL, {"q": "piano", "sort": "price", "page": "2"}))
    assert re.findall(r'href="/instructors/(teacher-number\d\d)/"', second) == [
        "teacher-number20", "teacher-number21", "teacher-number22",
    ]  # fmt: skip


def test_bad_parameters_are_left_out_not_fatal(client, kids_teachers) -> None:
    html = html_of(client.get(URL, {"q": "piano", "service": "no-such-thing", "page": "many", "borough": "atlantis"}))
    assert "We left out filters we could not use: borough, page, service." in html
    assert chip_labels(html) == ["Piano"]


def test_a_stale_date_range_is_left_out(client, kids_teachers) -> None:
    html = html_of(client.get(URL, {"q": "piano", "date_from": "2026-11-01", "date_to": "2026-11-02"}))
    assert "We left out filters we could not use: date_from, date_to." in html
    assert chip_labels(html) == ["Piano"]


def test_no_query_at_all(client) -> None:
    html = html_of(client.get(URL))
    assert '<h1 class="search-title">Find an instructor</h1>' in html


def test_the_page_costs_a_fixed_number_of_queries(client, kids_teachers, django_assert_num_queries) -> None:
    client.get(URL, {"q": "piano"})  # builds this process's vocabulary and listing index (once)
    with django_assert_num_queries(1):  # the candidates' bookings (the rest is in memory)
        client.get(URL, {"q": QUERY})
    for n in range(20):
        free(teacher(f"More Teacher{n}", studio=7000, at="park-slope", ages=("kids",)), TOMORROW, ("13:00", "17:00"))
    # The bookings, and the new instructors read into the listing index: their offerings, age
    # groups, areas and open-time rows.
    with django_assert_num_queries(5):
        client.get(URL, {"q": QUERY, "sort": "price"})
