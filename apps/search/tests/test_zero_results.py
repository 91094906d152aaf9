"""No dead ends: a search that finds nobody, even relaxed, offers next steps that do lead to
results — later dates when the asked service's teachers are booked up in the window, the
neighbouring services (with how many teach each) when nobody teaches it. The clock is
Wednesday 25 Nov 2026, 10:00 in New York."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
import time_machine
from django.test import Client

from apps.search.api import SearchParams, search_request
from apps.search.criteria import SearchRequest
from apps.search.executor import SearchPage
from apps.search.page import suggestion_links
from apps.search.results import search_results_get
from apps.search.tests.helpers import NOW, TODAY, TOMORROW, free, names, run, teacher

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog", "gazetteer")]
ANY_DAY = ("09:00", "17:00")


def _suggested(page) -> list[tuple[str, str, int, dict[str, str]]]:
    return [(s.kind, s.label, s.count, s.params) for s in page.suggestions]


def test_a_service_nobody_teaches_offers_its_neighbours_with_how_many_teach_them() -> None:
    for n in range(3):
        free(teacher(f"Gil Guitar{n}", service="guitar", studio=9000), TOMORROW, ANY_DAY)
    for n in range(2):
        free(teacher(f"Vi Violin{n}", service="violin", online=7000), TOMORROW, ANY_DAY)
    free(teacher("Sol Spanish", service="spanish", online=7000), TOMORROW, ANY_DAY)  # another category
    page = run(q="cello lessons")
    assert (page.total, page.results) == (0, [])
    assert page.explanation == "No instructors teaching Cello, free in the next 2 weeks."
    assert _suggested(page) == [
        ("service", "Guitar", 3, {"service": "guitar"}),
        ("service", "Violin", 2, {"service": "violin"}),
    ]
    # Following a suggestion finds exactly the teachers it counted.
    following = _follow(suggestion_links(page, SearchRequest(q="cello lessons"))[0].url)
    assert sorted(names(following)) == ["Gil Guitar0", "Gil Guitar1", "Gil Guitar2"]


def test_an_asked_format_nobody_offers_suggests_any_format_first() -> None:
    free(teacher("Pia Piano", studio=9000), TOMORROW, ANY_DAY)
    free(teacher("Gil Guitar", service="guitar", online=6500), TOMORROW, ANY_DAY)
    page = run(q="piano online")
    assert page.total == 0
    assert _suggested(page) == [
        ("drop", "Any format", 1, {"drop": "format"}),
        ("service", "Guitar", 1, {"service": "guitar"}),
    ]
    links = suggestion_links(page, SearchRequest(q="piano online"))
    assert [(link.label, link.count, link.noun) for link in links] == [
        ("Any format", 1, "teach it"),
        ("Guitar", 1, "teach it"),
    ]
    assert names(_follow(links[0].url)) == ["Pia Piano"]


def test_teachers_booked_up_in_the_window_offer_the_nearest_dates_with_openings() -> None:
    later = TODAY + timedelta(days=17)  # past the two weeks a search looks at by default
    free(teacher("Ana Busy", studio=9000), later, ANY_DAY)
    free(teacher("Ben Busy", studio=9000), later, ANY_DAY)
    free(teacher("Cy Later", studio=9000), later + timedelta(days=2), ANY_DAY)
    free(teacher("Gil Guitar", service="guitar", studio=9000), TOMORROW, ANY_DAY)
    page = run(q="piano")
    assert page.total == 0
    assert _suggested(page) == [
        ("date", "on Sat 12 Dec", 2, {"date_from": "2026-12-12", "date_to": "2026-12-12"}),
        ("date", "on Mon 14 Dec", 1, {"date_from": "2026-12-14", "date_to": "2026-12-14"}),
        ("service", "Guitar", 1, {"service": "guitar"}),
    ]
    following = _follow(suggestion_links(page, SearchRequest(q="piano"))[0].url)
    assert sorted(names(following)) == ["Ana Busy", "Ben Busy"]


def test_nothing_open_up_to_the_horizon_still_leaves_a_way_out() -> None:
    teacher("Ana Alvarez", studio=9000)  # no availability at all
    free(teacher("Gil Guitar", service="guitar", studio=9000), TOMORROW, ANY_DAY)
    page = run(q="piano")
    assert _suggested(page) == [("service", "Guitar", 1, {"service": "guitar"})]


def test_a_search_with_results_pays_nothing_for_zero_result_suggestions(django_assert_max_num_queries) -> None:
    for n in range(5):
        free(teacher(f"Pia Piano{n}", studio=9000), TOMORROW, ANY_DAY)
    run(q="warm up the vocabulary")
    with django_assert_max_num_queries(5):
        page = run(q="piano")
    assert (page.total, page.suggestions) == (5, [])


def test_the_page_shows_the_suggestions_as_links(client: Client) -> None:
    free(teacher("Gil Guitar", service="guitar", studio=9000), TOMORROW, ANY_DAY)
    with time_machine.travel(NOW, tick=False):
        html = client.get("/search/", {"q": "cello"}).content.decode()
    assert "No one is free for this search" in html
    assert 'href="/search/?q=cello&amp;service=guitar"' in html
    assert 'Guitar <span class="suggestion-count">· 1 teach it</span>' in html


def _follow(url: str) -> SearchPage:
    """The search a suggestion's URL asks for, read as the API reads it."""
    params = SearchParams.model_validate(dict(parse_qsl(urlsplit(url).query)))
    return search_results_get(search_request(params), now=NOW)
