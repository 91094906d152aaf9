"""Public browse, Kids discovery and profile pages: what each shows, what it never shows,
filters, HTMX partials and query budgets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.catalog.models import Service
from apps.core.models import platform_config
from apps.instructors.models import InstructorProfile, Offering
from apps.instructors.services import instructor_profile_update
from apps.instructors.states import ProfileStatus
from apps.instructors.templatetags.instructor_tags import durations, money, rate_phrases, skill_levels
from apps.instructors.tests.factories import InstructorProfileFactory, OfferingFactory, add_area, live_instructor
from apps.search.generation import search_generation_bump
from apps.search.models import Borough, Neighborhood

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog", "gazetteer")]


def teacher(
    name: str,
    *,
    service: str = "piano",
    ages: Sequence[str] = ("adults",),
    studio: int | None = 9000,
    online: int | None = None,
    travel: int | None = None,
    status: str = ProfileStatus.LIVE,
    active: bool = True,
    **profile_fields: Any,
) -> InstructorProfile:
    """A profile (live unless told) teaching one service; the slug is the first name, lowercased."""
    fields = {"slug": name.split()[0].lower(), "display_name": name, **profile_fields}
    if status == ProfileStatus.LIVE:
        profile = live_instructor(**fields)
    else:
        profile = InstructorProfileFactory.create(status=status, **fields)
    teach(profile, service, ages=ages, studio=studio, online=online, travel=travel, active=active)
    return profile


def teach(
    profile: InstructorProfile,
    service: str,
    *,
    ages: Sequence[str] = ("adults",),
    studio: int | None = 9000,
    online: int | None = None,
    travel: int | None = None,
    active: bool = True,
) -> Offering:
    return OfferingFactory.create(
        profile=profile,
        service=Service.objects.get(slug=service),
        rate_studio_cents=studio,
        rate_online_cents=online,
        rate_travel_cents=travel,
        ages=list(ages),
        is_active=active,
    )


def neighborhood(slug: str) -> Neighborhood:
    return Neighborhood.objects.get(slug=slug)


def borough(slug: str) -> Borough:
    return Borough.objects.get(slug=slug)


def names(response: Any) -> list[str]:
    return sorted(card.profile.display_name for card in response.context["browse"].cards)


def lesson_line(service: str, price: str, where: str) -> str:
    return (
        f'<p class="lesson-card-lesson"><span class="lesson-card-service">{service}</span> '
        f'<span class="price">{price}</span> <span class="lesson-card-format">{where}</span></p>'
    )


def kids_services(response: Any) -> list[tuple[str, list[str]]]:
    return [(g.category.slug, [s.slug for s in g.services]) for g in response.context["browse"].groups]


# --- Kids discovery -------------------------------------------------------------------------


@pytest.fixture
def kids_world(catalog: None, gazetteer: None) -> None:
    teacher("Ana Alvarez", service="piano", ages=["kids", "teens"])
    teacher("Ben Brooks", service="piano", ages=["adults"])
    teacher("Cara Cruz", service="spanish", ages=["kids"])
    teacher("Dan Dorn", service="chess", ages=["kids", "adults"], status=ProfileStatus.ONBOARDING)
    teacher("Eve Evans", service="drawing", ages=["kids"], status=ProfileStatus.SUSPENDED)
    teacher("Finn Ford", service="guitar", ages=["teens", "adults"])
    teacher("Gia Gold", service="swimming", ages=["kids"], active=False)


@pytest.mark.usefixtures("kids_world")
def test_kids_lists_exactly_the_services_with_a_live_kids_instructor(client: Client) -> None:
    response = client.get("/kids/")

    assert response.status_code == 200
    assert kids_services(response) == [("music", ["piano"]), ("languages", ["spanish"])]
    assert [c.slug for c in response.context["browse"].categories] == ["music", "languages"]
    html = response.content.decode()
    assert 'href="/kids/piano/"' in html
    assert 'href="/kids/spanish/"' in html
    for hidden in ("chess", "drawing", "guitar", "swimming"):
        assert f'href="/kids/{hidden}/"' not in html
    assert "1 instructor for kids" in html
    assert (
        'id="kids-chip-all" class="chip chip-choice" href="/kids/" hx-get="/kids/" hx-target="#kids-browse" hx-push-url="true" aria-current="true"'
        in html
    )


@pytest.mark.usefixtures("kids_world")
def test_kids_category_chip_filters_and_is_marked_current_in_the_url_state(client: Client) -> None:
    response = client.get("/kids/?category=languages")

    assert kids_services(response) == [("languages", ["spanish"])]
    html = response.content.decode()
    assert (
        'href="/kids/?category=languages" hx-get="/kids/?category=languages" hx-target="#kids-browse" hx-push-url="true" aria-current="true">Languages</a>'
        in html
    )
    assert (
        'href="/kids/?category=music" hx-get="/kids/?category=music" hx-target="#kids-browse" hx-push-url="true">Music</a>'
        in html
    )
    assert 'href="/kids/piano/"' not in html


@pytest.mark.usefixtures("kids_world")
def test_kids_with_a_category_that_has_no_kids_lessons_offers_the_way_back(client: Client) -> None:
    response = client.get("/kids/?category=hobbies")

    assert response.status_code == 200
    assert kids_services(response) == []
    html = response.content.decode()
    assert "No one teaches kids in that category yet." in html
    assert (
        '<a href="/kids/" hx-get="/kids/" hx-target="#kids-browse" hx-push-url="true">See every lesson for kids</a>'
        in html
    )


@pytest.mark.usefixtures("kids_world")
def test_a_service_reached_through_kids_shows_only_kids_capable_instructors(client: Client) -> None:
    kids = client.get("/kids/piano/")
    everyone = client.get("/learn/music/piano/")

    assert kids.status_code == everyone.status_code == 200
    assert names(kids) == ["Ana Alvarez"]
    assert names(everyone) == ["Ana Alvarez", "Ben Brooks"]
    assert names(client.get("/kids/piano/?age=adults")) == ["Ana Alvarez"]  # the age group is not a choice here
    kids_html = kids.content.decode()
    assert "<h1>Piano lessons for kids</h1>" in kids_html
    assert "Only instructors who teach kids (5–12)." in kids_html
    assert '<a href="/kids/?category=music">Music</a>' in kids_html  # the breadcrumb back to the chosen chip
    assert 'name="age"' not in kids_html  # inside Kids the age group is not a choice


@pytest.mark.usefixtures("kids_world")
def test_kids_service_without_kids_instructors_helps_instead_of_saying_no_results(client: Client) -> None:
    response = client.get("/kids/guitar/")

    assert response.status_code == 200
    assert names(response) == []
    html = response.content.decode()
    assert "No one teaches Guitar to kids on InstaInstru yet." in html
    assert '<a href="/learn/music/guitar/">See Guitar instructors for all ages</a>' in html
    assert '<a href="/kids/?category=music">Other Music lessons for kids</a>' in html


# --- Nothing non-live is public ---------------------------------------------------------------


@pytest.mark.usefixtures("kids_world")
def test_non_live_instructors_appear_nowhere_public(client: Client) -> None:
    category = client.get("/learn/hobbies/")
    counts = {s.slug: s.live_instructor_count for s in category.context["browse"].services}
    assert counts["chess"] == 0
    arts = {s.slug: s.live_instructor_count for s in client.get("/learn/arts/").context["browse"].services}
    assert arts["drawing"] == 0  # Eve is suspended

    for url in ("/learn/hobbies/chess/", "/learn/arts/drawing/", "/kids/chess/", "/kids/drawing/", "/kids/"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "Dan Dorn" not in html, url
        assert "Eve Evans" not in html, url
    assert names(client.get("/kids/chess/")) == []
    assert names(client.get("/learn/hobbies/chess/")) == []

    assert client.get("/instructors/dan/").status_code == 404
    assert client.get("/instructors/eve/").status_code == 404
    assert client.get("/instructors/ana/").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/learn/astrology/",
        "/learn/music/spanish/",
        "/learn/music/astrology/",
        "/kids/astrology/",
        "/instructors/nobody/",
    ],
)
def test_unknown_or_mismatched_addresses_are_404(client: Client, url: str) -> None:
    assert client.get(url).status_code == 404


def test_inactive_service_is_404(client: Client) -> None:
    Service.objects.filter(slug="piano").update(is_active=False)
    assert client.get("/learn/music/piano/").status_code == 404
    assert client.get("/kids/piano/").status_code == 404


# --- Category page -------------------------------------------------------------------------


def test_category_page_lists_its_services_with_live_instructor_counts(client: Client) -> None:
    teacher("Ana Alvarez", service="piano")
    teacher("Ben Brooks", service="piano")
    teacher("Cleo Chen", service="piano", active=False)  # an offering switched off does not count
    finn = teacher("Finn Ford", service="guitar")
    teach(finn, "piano")

    response = client.get("/learn/music/")

    assert response.status_code == 200
    services = response.context["browse"].services
    counts = {s.slug: s.live_instructor_count for s in services}
    assert counts["piano"] == 3
    assert counts["guitar"] == 1
    assert counts["violin"] == 0
    assert len(services) == Service.objects.filter(category__slug="music", is_active=True).count() == 17
    html = response.content.decode()
    assert "<h1>Music lessons</h1>" in html
    assert '<a class="card service-card" href="/learn/music/piano/">' in html
    assert "3 instructors" in html
    assert "1 instructor<" in html
    assert "No instructors yet" in html
    assert '<a class="chip" href="/kids/?category=music">Music for kids</a>' in html


def test_home_links_to_category_pages_and_kids(client: Client) -> None:
    html = client.get("/").content.decode()
    assert '<a class="stretched-link" href="/learn/music/">Music</a>' in html
    assert '<a class="stretched-link" href="/learn/languages/">Languages</a>' in html
    assert '<a class="stretched-link" href="/kids/">Lessons for kids</a>' in html


# --- Service page: cards and filters ---------------------------------------------------------


@pytest.fixture
def piano_world(catalog: None, gazetteer: None) -> dict[str, InstructorProfile]:
    ana = teacher(
        "Ana Alvarez",
        ages=["kids", "teens"],
        studio=9000,
        online=7000,
        studio_neighborhood=neighborhood("park-slope"),
        headline="Classical & pop piano",
        years_experience=12,
    )
    ben = teacher("Ben Brooks", ages=["adults"], studio=None, travel=12000)
    add_area(ben, borough=borough("manhattan"))
    cara = teacher("Cara Cruz", ages=["adults"], studio=None, online=6000, background_check_passed_at=None)
    dev = teacher(
        "Dev Diaz",
        ages=["teens", "adults"],
        studio=15000,
        travel=16000,
        studio_neighborhood=neighborhood("williamsburg"),
    )
    add_area(dev, neighborhood=neighborhood("park-slope"))
    eli = teacher("Eli Ezra", ages=["adults"], studio=None, travel=10000)
    add_area(eli, neighborhood=neighborhood("astoria"))
    # A Manhattan studio who travels to Brooklyn: a "studio in Brooklyn" search must not find her.
    fay = teacher(
        "Fay Fox", ages=["adults"], studio=11000, travel=13000, studio_neighborhood=neighborhood("upper-west-side")
    )
    add_area(fay, borough=borough("brooklyn"))
    return {"ana": ana, "ben": ben, "cara": cara, "dev": dev, "eli": eli, "fay": fay}


EVERYONE = ["Ana Alvarez", "Ben Brooks", "Cara Cruz", "Dev Diaz", "Eli Ezra", "Fay Fox"]


@pytest.mark.usefixtures("piano_world")
def test_service_page_cards_show_the_design_fields(client: Client) -> None:
    response = client.get("/learn/music/piano/")

    assert names(response) == EVERYONE
    html = response.content.decode()
    assert "<h1>Piano lessons</h1>" in html
    assert "6 instructors" in html
    assert '<a class="stretched-link" href="/instructors/ana/">Ana Alvarez</a>' in html
    assert "Classical &amp; pop piano · 12 yrs" in html
    # Each card leads with the lesson: the service, the price of its usual length (piano: 45
    # minutes) at the lowest of the instructor's rates, and where.
    assert lesson_line("Piano", "$52.50 for 45 min", "online") in html  # Ana: $70/h, the lowest of her rates
    assert lesson_line("Piano", "$90 for 45 min", "at your place") in html  # Ben: $120/h
    assert '<span class="instructor-card-place">Park Slope</span>' in html  # Ana's studio
    assert '<span class="instructor-card-place">Travels to Manhattan</span>' in html  # Ben
    assert '<span class="instructor-card-place">Online</span>' in html  # Cara
    assert '<span class="rating rating-new">New</span>' in html
    assert html.count("ID verified") == 6
    assert html.count("Background checked") == 5  # Cara's check has not passed
    assert 'data-hue="' in html


@pytest.mark.usefixtures("piano_world")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("max_price=80", ["Ana Alvarez", "Cara Cruz"]),
        ("min_price=100", ["Ben Brooks", "Dev Diaz", "Eli Ezra", "Fay Fox"]),
        ("min_price=80&max_price=100", ["Ana Alvarez", "Eli Ezra"]),
        ("format=online", ["Ana Alvarez", "Cara Cruz"]),
        ("format=studio", ["Ana Alvarez", "Dev Diaz", "Fay Fox"]),
        ("format=travel", ["Ben Brooks", "Dev Diaz", "Eli Ezra", "Fay Fox"]),
        # Price bounds apply to the rate of the asked format.
        ("format=online&min_price=65", ["Ana Alvarez"]),
        ("format=studio&max_price=100", ["Ana Alvarez"]),
        ("format=travel&max_price=125", ["Ben Brooks", "Eli Ezra"]),
        ("age=kids", ["Ana Alvarez"]),
        ("age=teens", ["Ana Alvarez", "Dev Diaz"]),
        ("age=adults", ["Ben Brooks", "Cara Cruz", "Dev Diaz", "Eli Ezra", "Fay Fox"]),
        # Borough: through the studio, a whole-borough service area, or a neighborhood in it.
        ("borough=brooklyn", ["Ana Alvarez", "Dev Diaz", "Fay Fox"]),
        ("borough=manhattan", ["Ben Brooks", "Fay Fox"]),
        ("borough=queens", ["Eli Ezra"]),
        ("format=studio&borough=brooklyn", ["Ana Alvarez", "Dev Diaz"]),
        ("format=travel&borough=brooklyn", ["Dev Diaz", "Fay Fox"]),
        ("format=travel&borough=manhattan", ["Ben Brooks"]),
        ("age=adults&borough=brooklyn&max_price=150", ["Dev Diaz", "Fay Fox"]),
        # Unknown values filter nothing.
        ("borough=atlantis", EVERYONE),
        ("age=grown-ups", EVERYONE),
        ("max_price=cheap", EVERYONE),
    ],
)
def test_service_page_filters(client: Client, query: str, expected: list[str]) -> None:
    response = client.get(f"/learn/music/piano/?{query}")

    assert response.status_code == 200
    assert names(response) == expected


@pytest.mark.usefixtures("piano_world")
def test_card_price_is_the_lowest_rate_the_filters_allow(client: Client) -> None:
    prices = {
        "": lesson_line("Piano", "$52.50 for 45 min", "online"),  # $70/h
        "format=studio": lesson_line("Piano", "$67.50 for 45 min", "at the studio"),  # $90/h
        "min_price=80": lesson_line("Piano", "$67.50 for 45 min", "at the studio"),
    }
    for query, text in prices.items():
        html = client.get(f"/learn/music/piano/?{query}").content.decode()
        ana_card = next(card for card in html.split("</article>") if "Ana Alvarez" in card)
        assert text in ana_card, query


@pytest.mark.usefixtures("piano_world")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"Dev Diaz": "Williamsburg", "Fay Fox": "Upper West Side", "Eli Ezra": "Travels to Astoria"}),
        ("format=travel", {"Dev Diaz": "Travels to Park Slope", "Fay Fox": "Travels to Brooklyn"}),
        (
            "borough=brooklyn",
            {"Dev Diaz": "Williamsburg", "Fay Fox": "Travels to Brooklyn", "Ana Alvarez": "Park Slope"},
        ),
        ("format=online", {"Ana Alvarez": "Online", "Cara Cruz": "Online"}),
    ],
)
def test_card_place_follows_the_asked_format_and_borough(client: Client, query: str, expected: dict[str, str]) -> None:
    cards = client.get(f"/learn/music/piano/?{query}").context["browse"].cards
    places = {card.profile.display_name: card.place for card in cards}
    assert {name: places[name] for name in expected} == expected


@pytest.mark.usefixtures("piano_world")
def test_filter_form_keeps_the_choices_and_shows_them_as_removable_chips(client: Client) -> None:
    html = client.get("/learn/music/piano/?max_price=130&format=travel&borough=manhattan&min_price=").content.decode()

    assert 'name="max_price" value="130"' in html
    assert '<option value="travel" selected>At your place</option>' in html
    assert '<option value="manhattan" selected>Manhattan</option>' in html
    assert (
        '<a id="chip-remove-price" class="chip chip-remove" href="/learn/music/piano/?format=travel&amp;borough=manhattan"'
        in html
    )
    assert 'aria-label="Remove filter: Up to $130/h"' in html
    assert 'href="/learn/music/piano/?max_price=130&amp;borough=manhattan"' in html  # removes the format
    assert 'aria-label="Remove filter: At your place"' in html
    assert 'aria-label="Remove filter: Manhattan"' in html
    assert '<form class="card filters" method="get" action="/learn/music/piano/"' in html
    assert 'hx-get="/learn/music/piano/" hx-target="#results" hx-push-url="true"' in html


@pytest.mark.usefixtures("piano_world")
def test_invalid_filter_values_are_explained_and_ignored(client: Client) -> None:
    response = client.get("/learn/music/piano/?min_price=100&max_price=80")

    assert names(response) == ["Ben Brooks", "Dev Diaz", "Eli Ezra", "Fay Fox"]  # the minimum still applies
    assert "Make the maximum at least the minimum." in response.content.decode()

    response = client.get("/learn/music/piano/?max_price=2000")
    assert names(response) == EVERYONE
    assert "Ensure this value is less than or equal to 1000." in response.content.decode()


@pytest.mark.usefixtures("piano_world")
def test_empty_result_suggests_which_filter_to_remove_with_counts(client: Client) -> None:
    response = client.get("/learn/music/piano/?max_price=80&borough=queens&age=adults")

    assert names(response) == []
    html = response.content.decode()
    assert "No results" not in html
    assert "No one matches all of these filters. Try removing one:" in html
    # Without the price: Eli (Queens, adults). Without the borough: Cara. Without the age: nobody.
    assert (
        '<a id="relax-price" class="btn btn-secondary" href="/learn/music/piano/?age=adults&amp;borough=queens"' in html
    )
    assert "Remove “Up to $80/h”: 1 instructor<" in html
    assert "Remove “Queens”: 1 instructor<" in html
    assert 'id="relax-age"' not in html
    assert '<a id="relax-all" class="btn btn-secondary" href="/learn/music/piano/"' in html
    assert '<a href="/learn/music/">Browse other Music lessons</a>' in html


def test_service_without_instructors_points_to_the_category(client: Client) -> None:
    html = client.get("/learn/music/violin/").content.decode()

    assert "No one teaches Violin on InstaInstru yet." in html
    assert '<a href="/learn/music/">Browse other Music lessons</a>' in html


def test_service_page_paginates_twenty_per_page(client: Client) -> None:
    for n in range(21):
        teacher(f"Teacher{n:02d} Test")

    first = client.get("/learn/music/piano/?format=studio")
    second = client.get("/learn/music/piano/?format=studio&page=2")

    assert len(first.context["browse"].cards) == 20
    assert len(second.context["browse"].cards) == 1
    assert set(names(first)).isdisjoint(names(second))
    first_html, second_html = first.content.decode(), second.content.decode()
    assert "21 instructors" in first_html
    assert 'href="/learn/music/piano/?format=studio&amp;page=2"' in first_html
    assert "Page 1 of 2" in first_html
    assert 'rel="prev" href="/learn/music/piano/?format=studio"' in second_html
    assert 'rel="next"' not in second_html


# --- HTMX -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("piano_world")
def test_htmx_filter_request_gets_the_results_region_and_a_clean_url(client: Client) -> None:
    response = client.get(
        "/learn/music/piano/?min_price=&max_price=80&format=online&age=&borough=",
        headers={"HX-Request": "true", "HX-Target": "results"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert '<form class="card filters"' not in html
    assert '<h2 id="results-title" class="results-title">' in html
    assert names(response) == ["Ana Alvarez", "Cara Cruz"]
    assert response["HX-Push-Url"] == "/learn/music/piano/?max_price=80&format=online"
    assert '<p id="results-status" hx-swap-oob="innerHTML">2 instructors found</p>' in html
    assert "HX-Request" in response["Vary"]
    assert "HX-Target" in response["Vary"]


@pytest.mark.usefixtures("piano_world")
def test_htmx_chip_removal_gets_the_form_and_results(client: Client) -> None:
    response = client.get("/learn/music/piano/?format=online", headers={"HX-Request": "true", "HX-Target": "browse"})

    html = response.content.decode()
    assert "<html" not in html
    assert '<form class="card filters"' in html
    assert '<section id="results"' in html
    assert response["HX-Push-Url"] == "/learn/music/piano/?format=online"


@pytest.mark.usefixtures("piano_world")
def test_htmx_history_restore_gets_the_whole_page(client: Client) -> None:
    response = client.get(
        "/learn/music/piano/?format=online",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )

    assert "<html" in response.content.decode()
    assert "HX-Push-Url" not in response


@pytest.mark.usefixtures("kids_world")
def test_htmx_kids_chip_gets_the_kids_region(client: Client) -> None:
    response = client.get("/kids/?category=music", headers={"HX-Request": "true", "HX-Target": "kids-browse"})

    html = response.content.decode()
    assert "<html" not in html
    assert 'id="kids-chip-music"' in html
    assert response["HX-Push-Url"] == "/kids/?category=music"
    assert '<p id="results-status" hx-swap-oob="innerHTML">1 subject for kids</p>' in html


# --- Profile ---------------------------------------------------------------------------------


@pytest.fixture
def ana(catalog: None, gazetteer: None) -> InstructorProfile:
    profile = live_instructor(
        slug="ana",
        display_name="Ana Alvarez",
        headline="Classical & pop piano",
        bio="Juilliard-trained pianist who loves teaching beginners of every age.",
        years_experience=7,
        studio_neighborhood=neighborhood("park-slope"),
        studio_address="123 Secret Street, Apt 4B",
        public_lat=40.671234,
        public_lon=-73.981456,
    )
    piano = teach(profile, "piano", ages=["teens", "kids"], studio=9000, online=7000)
    piano.duration_options = [60, 30, 45]
    piano.skill_levels = ["intermediate", "beginner"]
    piano.save()
    teach(profile, "voice", ages=["adults"], studio=None, travel=12000)
    teach(profile, "guitar", active=False)
    add_area(profile, borough=borough("manhattan"))
    add_area(profile, neighborhood=neighborhood("astoria"))
    return profile


def test_profile_page_shows_the_public_profile(client: Client, ana: InstructorProfile) -> None:
    response = client.get("/instructors/ana/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 id="profile-name">Ana Alvarez</h1>' in html
    assert '<p class="profile-headline">Classical &amp; pop piano</p>' in html
    assert f'data-hue="{ana.user_id}">AA</span>' in html
    assert "ID verified" in html
    assert "Background checked" in html
    assert "7 years of experience" in html
    assert "Juilliard-trained pianist" in html
    assert '<a href="/learn/music/piano/">Piano</a>' in html
    assert '<p class="price offering-rates">$90/h at the studio · $70/h online</p>' in html
    assert '<p class="price offering-rates">$120/h at your place</p>' in html
    assert "<dd>30, 45 or 60 min</dd>" in html
    assert "<dd>Kids (5–12) · Teens (13–17)</dd>" in html
    assert "<dd>Beginner · Intermediate</dd>" in html
    assert "Guitar" not in html  # an inactive offering
    assert "<li>Studio in Park Slope, Brooklyn</li>" in html
    assert "<li>Comes to you anywhere in Manhattan</li>" in html
    assert "<li>Comes to you in Astoria, Queens</li>" in html
    assert "<li>Online</li>" in html
    assert html.count('<span class="rating rating-new">New</span>') == 2
    assert 'From <span class="price">$70/h</span>' in html
    assert '<a id="book-cta" class="btn btn-primary book-bar-button" href="/book/ana/">Book a lesson</a>' in html


def test_profile_page_never_shows_the_address_or_coordinates(client: Client, ana: InstructorProfile) -> None:
    html = client.get("/instructors/ana/").content.decode()

    assert "Secret" not in html
    assert "Apt 4B" not in html  # not a bare "4B": a random CSRF token may contain it
    assert "40.67" not in html
    assert "73.98" not in html


def test_profile_of_a_studio_instructor_hides_the_studio_when_no_lesson_is_at_the_studio(client: Client) -> None:
    teacher("Oli Online", studio=None, online=6500, studio_neighborhood=neighborhood("park-slope"))

    html = client.get("/instructors/oli/").content.decode()

    assert "Park Slope" not in html
    assert "<li>Online</li>" in html


# --- Query budgets ---------------------------------------------------------------------------


def _visit(client: Client, url: str) -> tuple[int, str]:
    """The queries a visit costs and the page it shows."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def _queries(client: Client, url: str) -> int:
    """What the page costs uncached: the factories wrote behind the services' backs, so bump
    the generation as every service write does after its commit."""
    search_generation_bump()
    return _visit(client, url)[0]


def _grow(count: int, make: Callable[[int], None], start: int) -> None:
    for n in range(start, start + count):
        make(n)


def _piano_teacher(n: int) -> None:
    profile = teacher(
        f"Teacher{n:02d} Test",
        ages=["kids", "adults"],
        studio=9000 + n * 100,
        online=7000,
        studio_neighborhood=neighborhood("park-slope"),
    )
    add_area(profile, borough=borough("manhattan"))
    add_area(profile, neighborhood=neighborhood("astoria"))
    teach(profile, "guitar", ages=["kids"])


def _budget(client: Client, url: str, make: Callable[[int], None]) -> tuple[int, int]:
    platform_config()  # cached for every process: the rating minimum comes from it
    _grow(2, make, 0)
    few = _queries(client, url)
    _grow(10, make, 2)
    many = _queries(client, url)
    return few, many


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # category, services with counts, then the cards as below
        ("/learn/music/", 11),
        # service, age groups, boroughs; every match ranked (the matching profiles, their lead
        # offerings, and their calendars for the next times: open-time index rows, day rows
        # for the instructors the index cannot answer, bookings); then the page's profiles,
        # their offerings, age groups and areas
        ("/learn/music/piano/", 12),
        ("/learn/music/piano/?format=studio&borough=brooklyn&age=kids&max_price=150", 12),
        ("/learn/music/piano/?sort=soonest", 12),
        ("/kids/piano/", 12),
        # services with kids instructors (grouped and counted in one query)
        ("/kids/", 1),
        ("/kids/?category=music", 1),
    ],
)
def test_list_pages_use_a_constant_number_of_queries(client: Client, url: str, expected: int) -> None:
    assert _budget(client, url, _piano_teacher) == (expected, expected)


def test_empty_service_page_query_budget_is_bounded_by_the_filters(client: Client) -> None:
    # service, age groups, boroughs, the matching profiles (none), then one count per filter
    # the page could suggest removing
    url = "/learn/music/piano/?format=online&borough=bronx&age=toddler&max_price=10"
    assert _budget(client, url, _piano_teacher) == (8, 8)


def test_profile_page_uses_a_constant_number_of_queries(client: Client) -> None:
    profile = live_instructor(slug="polly", display_name="Polly Math")
    services = list(Service.objects.filter(category__slug="tutoring").order_by("pk")[:12])
    places = list(Neighborhood.objects.order_by("pk")[:12])

    def grow(n: int) -> None:
        teach(profile, services[n].slug, ages=["kids", "teens"], online=6000, travel=9000)
        add_area(profile, neighborhood=places[n])

    # profile, its offerings, their age groups, its service areas
    assert _budget(client, "/instructors/polly/", grow) == (4, 4)
    assert len(profile.offerings.all()) == 12


def test_a_profile_page_comes_from_the_cache_until_a_write_changes_it(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    profile = live_instructor(slug="polly", display_name="Polly Math", headline="Patient tutor")
    platform_config()  # cached for every process: the rating minimum comes from it
    search_generation_bump()
    first, again = _visit(client, "/instructors/polly/"), _visit(client, "/instructors/polly/")
    assert first[0] > 0
    assert again[0] == 0
    assert "<title>Polly Math · Patient tutor" in first[1]
    assert "<title>Polly Math · Patient tutor" in again[1]
    with django_capture_on_commit_callbacks(execute=True):
        instructor_profile_update(actor=profile.user, changes={"headline": "Calculus without tears"})
    queries, html = _visit(client, "/instructors/polly/")
    assert queries == first[0]
    assert "Calculus without tears" in html
    assert "Patient tutor" not in html


# --- Display helpers -----------------------------------------------------------------------


def test_money_formats_cents_as_dollars() -> None:
    assert money(8000) == "$80"
    assert money(13440) == "$134.40"
    assert money(100_000) == "$1,000"
    assert money(5) == "$0.05"
    assert money(-1440) == "-$14.40"
    assert money(None) == ""


def test_durations_levels_and_rates_read_as_plain_words() -> None:
    assert durations([60, 30, 45]) == "30, 45 or 60 min"
    assert durations([30, 60]) == "30 or 60 min"
    assert durations([90]) == "90 min"
    assert durations([]) == ""
    assert skill_levels(["advanced", "beginner"]) == "Beginner · Advanced"
    offering = Offering(rate_online_cents=7000, rate_studio_cents=9000, rate_travel_cents=12050)
    assert rate_phrases(offering) == "$90/h at the studio · $120.50/h at your place · $70/h online"


def test_went_live_order_is_newest_first(client: Client) -> None:
    older = teacher("Old Timer")
    InstructorProfile.objects.filter(pk=older.pk).update(went_live_at=timezone.now() - timedelta(days=30))
    teacher("New Comer")

    response = client.get("/learn/music/piano/")

    assert [card.profile.display_name for card in response.context["browse"].cards] == ["New Comer", "Old Timer"]
