"""The search executor: filters, availability in the asked window, relaxation, ranking,
explanation, suggestions and the fixed number of queries. The clock is Wednesday 25 Nov 2026,
10:00 in New York; "tomorrow" is Thursday 26 Nov."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.tests.factories import StudentFactory
from apps.bookings.tests.factories import make_booking
from apps.catalog.models import Service
from apps.core.models import platform_config
from apps.instructors.models import Offering
from apps.instructors.states import ProfileStatus
from apps.reviews.rating import RatingPrior, bayesian_average
from apps.search import executor, ranking
from apps.search.listing import listing_generation, listing_get
from apps.search.selectors import search_vocabulary_get
from apps.search.tests.helpers import FRIDAY, NOW, NY, TOMORROW, free, names, run, slot_times, strict_names, teacher

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog", "gazetteer")]

AFTERNOON = ("12:00", "17:00")


def free_tomorrow(*profiles, hours=("13:00", "17:00")):
    for profile in profiles:
        free(profile, TOMORROW, hours)


# --- who is a candidate -------------------------------------------------------------------


def test_only_live_instructors_are_found() -> None:
    free_tomorrow(
        teacher("Ana Alvarez", studio=9000, at="park-slope"),
        teacher("Ben Brooks", studio=9000, at="park-slope", status=ProfileStatus.ONBOARDING),
        teacher("Cy Cole", studio=9000, at="park-slope", status=ProfileStatus.SUSPENDED),
    )
    page = run(q="piano lessons")
    assert (names(page), page.total, page.relaxed) == (["Ana Alvarez"], 1, [])


def test_inactive_offerings_are_not_found() -> None:
    ana = free(teacher("Ana Alvarez", studio=9000), TOMORROW, AFTERNOON)
    Offering.objects.filter(profile=ana).update(is_active=False)
    assert run(q="piano").total == 0


def test_the_service_filters_and_its_category_follows() -> None:
    free_tomorrow(
        teacher("Ana Alvarez", studio=9000),
        teacher("Gus Grant", service="guitar", studio=9000),
        teacher("Sol Soto", service="spanish", online=7000),
    )
    assert names(run(q="piano")) == ["Ana Alvarez"]
    assert sorted(names(run(q="music lessons"))) == ["Ana Alvarez", "Gus Grant"]
    assert run(q="music lessons").query["category"] == "music"


def test_kids_filter_keeps_kids_teachers() -> None:
    kids = [teacher(f"Kid Teacher{n}", studio=9000, ages=("kids",)) for n in range(5)]
    free_tomorrow(*kids, teacher("Adam Adult", studio=9000, ages=("adults",)))
    page = run(q="piano for my 7 year old")
    assert page.query["age_group"] == "kids"
    assert sorted(names(page)) == [f"Kid Teacher{n}" for n in range(5)]
    assert page.relaxed == []


# --- formats and prices -----------------------------------------------------------------


def test_format_is_never_relaxed_and_results_use_the_asked_format() -> None:
    free_tomorrow(
        teacher("Ona Online", online=6000, studio=9000),
        teacher("Stu Studio", studio=8500),
        teacher("Tia Travel", travel=12000, boroughs=["brooklyn"]),
    )
    online = run(q="online piano lessons")
    assert [(r.display_name, r.format, r.rate_cents) for r in online.results] == [("Ona Online", "online", 6000)]
    assert online.relaxed == []  # nothing relaxable; the format stays
    in_person = run(q="piano lessons in person")
    assert sorted((r.display_name, r.format, r.rate_cents) for r in in_person.results) == [
        ("Ona Online", "studio", 9000),
        ("Stu Studio", "studio", 8500),
        ("Tia Travel", "travel", 12000),
    ]


def test_price_is_checked_on_the_rate_of_the_matching_format() -> None:
    free_tomorrow(
        teacher("Ana Alvarez", online=6000, studio=12000),
        teacher("Ben Brooks", studio=7000),
        teacher("Cara Cruz", online=9000),
    )
    page = run(q="piano under $80")
    assert [(r.display_name, r.format, r.rate_cents, r.relaxed) for r in page.results] == [
        ("Ana Alvarez", "online", 6000, []),
        ("Ben Brooks", "studio", 7000, []),
        ("Cara Cruz", "online", 9000, ["price"]),
    ]
    assert page.relaxed == ["price"]
    in_person = run(q="piano in person under $80")
    assert [(r.display_name, r.format, r.rate_cents, r.relaxed) for r in in_person.results] == [
        ("Ben Brooks", "studio", 7000, []),
        ("Ana Alvarez", "studio", 12000, ["price"]),
    ]


# --- places -----------------------------------------------------------------------------


def test_travel_coverage_by_neighborhood_and_by_borough() -> None:
    free_tomorrow(
        teacher("Nel Neighborhood", travel=10000, areas=["park-slope"]),
        teacher("Bo Borough", travel=10000, boroughs=["brooklyn"]),
        teacher("Mia Manhattan", travel=10000, boroughs=["manhattan"]),
        teacher("Will Williamsburg", travel=10000, areas=["williamsburg"]),
    )
    park_slope = run(q="piano at my home in park slope")
    assert park_slope.query["format"] == "in_person"
    assert sorted(strict_names(park_slope)) == ["Bo Borough", "Nel Neighborhood"]
    assert {r.display_name: r.relaxed for r in park_slope.results if r.relaxed} == {
        "Mia Manhattan": ["location"],
        "Will Williamsburg": ["location"],
    }
    assert {r.display_name: r.place for r in park_slope.results if not r.relaxed} == {
        "Bo Borough": "Travels to Park Slope",
        "Nel Neighborhood": "Travels to Park Slope",
    }
    brooklyn = run(q="piano", borough="brooklyn", format="travel")
    assert sorted(strict_names(brooklyn)) == ["Bo Borough", "Nel Neighborhood", "Will Williamsburg"]


def test_studios_match_near_the_place_and_rank_by_distance() -> None:
    studios = {
        "Gia Gowanus": "gowanus",  # 816 m from Park Slope's centre
        "Pat Park": "park-slope",  # 0 m
        "Wes Windsor": "windsor-terrace",  # 1809 m
        "Pru Prospect": "prospect-heights",  # 1257 m
        "Ash Astoria": "astoria",  # far: not near Park Slope
    }
    free_tomorrow(*(teacher(name, studio=9000, at=slug) for name, slug in studios.items()))
    page = run(q="piano near park slope")
    assert [(r.display_name, r.distance_m, r.relaxed) for r in page.results] == [
        ("Pat Park", 0, []),
        ("Gia Gowanus", 816, []),
        ("Pru Prospect", 1257, []),
        ("Wes Windsor", 1809, []),
        ("Ash Astoria", page.results[-1].distance_m, ["location"]),
    ]
    far = page.results[-1].distance_m
    assert far is not None
    assert far > 3000
    assert page.relaxed == ["location"]
    assert [r.place for r in page.results[:2]] == ["Park Slope", "Gowanus"]


def test_online_lessons_are_not_near_a_place_unless_online_was_asked() -> None:
    free_tomorrow(teacher("Ona Online", online=6000, at="park-slope"), teacher("Stu Studio", studio=9000, at="gowanus"))
    near = run(q="piano in park slope")
    assert [(r.display_name, r.format, r.relaxed) for r in near.results] == [
        ("Stu Studio", "studio", []),
        ("Ona Online", "online", ["location"]),
    ]
    online = run(q="online piano park slope")
    assert [(r.display_name, r.relaxed, r.distance_m) for r in online.results] == [("Ona Online", [], 0)]


# --- availability ------------------------------------------------------------------------


def test_an_instructor_without_an_open_slot_in_the_window_is_excluded() -> None:
    afternoon = [teacher(f"Aft Teacher{n}", studio=9000) for n in range(5)]
    free_tomorrow(*afternoon)
    free(teacher("Mo Morning", studio=9000), TOMORROW, ("08:00", "11:00"))
    free(teacher("Fri Friday", studio=9000), FRIDAY, AFTERNOON)
    teacher("Nobody Free", studio=9000)
    page = run(q="piano tomorrow afternoon")
    assert sorted(names(page)) == [f"Aft Teacher{n}" for n in range(5)]
    assert page.relaxed == []
    assert slot_times(page, "Aft Teacher0") == ["Thu 26 Nov, 1:00 pm", "Thu 26 Nov, 1:15 pm", "Thu 26 Nov, 1:30 pm"]


def test_a_booked_slot_disappears_with_the_buffer() -> None:
    ana = free(teacher("Ana Alvarez", studio=9000), TOMORROW, ("13:00", "17:00"))
    before = run(q="piano tomorrow afternoon")
    assert slot_times(before, "Ana Alvarez") == ["Thu 26 Nov, 1:00 pm", "Thu 26 Nov, 1:15 pm", "Thu 26 Nov, 1:30 pm"]
    start = NOW.replace(day=26, hour=13)
    make_booking(student=StudentFactory.create(), offering=ana.offerings.get(), starts_at=start, fmt="studio")
    # Another request, so the page cached above is not the answer (test_cache... covers the cache).
    after = run(q="piano tomorrow afternoon", sort="soonest")
    # Booked 1–2 pm plus the 15-minute buffer: the next start is 2:15 pm.
    assert slot_times(after, "Ana Alvarez") == ["Thu 26 Nov, 2:15 pm", "Thu 26 Nov, 2:30 pm", "Thu 26 Nov, 2:45 pm"]


def test_advance_notice_applies_to_today() -> None:
    free(teacher("Ana Alvarez", studio=9000), NOW.date(), ("10:00", "12:00"))
    page = run(q="piano today")
    # 10:00 now + 60 minutes' notice; a 60-minute lesson must end by noon.
    assert slot_times(page, "Ana Alvarez") == ["Wed 25 Nov, 11:00 am"]


def test_the_time_window_is_about_the_start_time() -> None:
    free(teacher("Ana Alvarez", studio=9000), TOMORROW, ("17:00", "20:00"))
    page = run(q="piano tomorrow at 6pm")
    assert (page.query["time_from"], page.query["time_to"]) == ("18:00", "19:00")
    assert slot_times(page, "Ana Alvarez") == ["Thu 26 Nov, 6:00 pm", "Thu 26 Nov, 6:15 pm", "Thu 26 Nov, 6:30 pm"]


# --- relaxation ------------------------------------------------------------------------------


def test_relaxation_goes_time_then_date_and_lists_what_was_relaxed() -> None:
    free(teacher("Ana Afternoon", studio=9000), TOMORROW, AFTERNOON)
    free(teacher("Mo Morning", studio=9000), TOMORROW, ("08:00", "11:00"))
    free(teacher("Fri Friday", studio=9000), FRIDAY, AFTERNOON)
    page = run(q="piano tomorrow afternoon")
    assert page.relaxed == ["time", "date"]
    assert [(r.display_name, r.relaxed) for r in page.results] == [
        ("Ana Afternoon", []),
        ("Mo Morning", ["time"]),
        ("Fri Friday", ["date"]),
    ]
    assert slot_times(page, "Mo Morning") == ["Thu 26 Nov, 8:00 am", "Thu 26 Nov, 8:15 am", "Thu 26 Nov, 8:30 am"]
    assert page.explanation == (
        "Nobody matches everything you asked, so we relaxed the time of day and the date: "
        "3 instructors teaching Piano, free in the next 2 weeks."
    )


def test_relaxation_stops_at_the_first_level_with_five() -> None:
    free(teacher("Ana Afternoon", studio=9000), TOMORROW, AFTERNOON)
    for n in range(4):
        free(teacher(f"Mo Morning{n}", studio=9000), TOMORROW, ("08:00", "11:00"))
    free(teacher("Fri Friday", studio=9000), FRIDAY, AFTERNOON)
    page = run(q="piano tomorrow afternoon")
    assert page.relaxed == ["time"]
    assert page.total == 5
    assert "Fri Friday" not in names(page)


def test_relaxation_order_through_every_constraint() -> None:
    # Fails everything asked: adults only, beginners only, an Astoria studio, $120, Friday morning.
    free(
        teacher("Far Fetched", studio=12000, at="astoria", ages=("adults",), skills=("beginner",)),
        FRIDAY,
        ("08:00", "11:00"),
    )
    page = run(q="advanced piano for my 8 year old near park slope under $50 tomorrow afternoon")
    assert page.query == {
        "text": "advanced piano for my 8 year old near park slope under $50 tomorrow afternoon",
        "service": "piano", "category": "music", "age_group": "kids", "skill_level": "advanced", "format": None,
        "min_price_cents": None, "max_price_cents": 5000, "location": page.query["location"],
        "date_from": "2026-11-26", "date_to": "2026-11-26", "time_from": "12:00", "time_to": "17:00",
    }  # fmt: skip
    assert page.relaxed == ["time", "date", "skill_level", "age_group", "location", "price"]
    assert [(r.display_name, r.relaxed) for r in page.results] == [
        ("Far Fetched", ["date", "skill_level", "age_group", "location", "price"])
    ]


def test_relaxation_goes_no_further_than_it_helps() -> None:
    free(teacher("Ana Alvarez", studio=9000, ages=("adults",)), TOMORROW, AFTERNOON)
    page = run(q="piano for adults under $100 tomorrow afternoon")
    assert (names(page), page.relaxed) == (["Ana Alvarez"], [])


def test_the_service_is_never_relaxed() -> None:
    free_tomorrow(teacher("Ana Alvarez", studio=9000, ages=("adults",)))
    free_tomorrow(*(teacher(f"Gus Guitar{n}", service="guitar", studio=9000, ages=("kids",)) for n in range(6)))
    page = run(q="piano for kids")
    assert (names(page), page.relaxed) == (["Ana Alvarez"], ["age_group"])
    assert run(q="piano").total == 1


# --- ranking -------------------------------------------------------------------------------


def test_bayesian_rating_pulls_small_review_sets_to_the_prior() -> None:
    prior = RatingPrior(mean=4.5, weight=5)
    assert bayesian_average(0, 0, prior) == 4.5
    assert bayesian_average(1, 5, prior) == pytest.approx((4.5 * 5 + 5) / 6)
    assert bayesian_average(40, 196, prior) > bayesian_average(1, 5, prior)
    assert ranking.rating_signal(bayesian_average(0, 0, prior)) == pytest.approx((4.5 - 1) / 4)


def test_best_match_blends_price_recency_and_completeness() -> None:
    free_tomorrow(
        teacher("Cheap New", studio=8000, went_live_at=NOW - timedelta(days=1), headline="Piano for all levels"),
        teacher("Dear Old", studio=20000, went_live_at=NOW - timedelta(days=400)),
        teacher("Mid Mid", studio=12000, went_live_at=NOW - timedelta(days=60), headline="Piano teacher"),
    )
    page = run(q="piano")
    assert names(page) == ["Cheap New", "Mid Mid", "Dear Old"]
    scores = [r.score for r in page.results]
    assert scores == sorted(scores, reverse=True)


def test_leftover_words_raise_relevance() -> None:
    free_tomorrow(
        teacher("Clara Classic", studio=9000, headline="Classical piano"),
        teacher("Gail Gospel", studio=9000, headline="Gospel piano and improvisation"),
    )
    page = run(q="gospel piano")
    assert page.unparsed == ["gospel"]
    assert names(page) == ["Gail Gospel", "Clara Classic"]


def test_sort_by_price_and_by_soonest() -> None:
    free(teacher("Ana Alvarez", studio=12000), FRIDAY, AFTERNOON)
    free(teacher("Ben Brooks", studio=8000), FRIDAY, ("15:00", "17:00"))
    free(teacher("Cara Cruz", studio=10000), TOMORROW, AFTERNOON)
    assert names(run(q="piano", sort="price")) == ["Ben Brooks", "Cara Cruz", "Ana Alvarez"]
    assert names(run(q="piano", sort="soonest")) == ["Cara Cruz", "Ana Alvarez", "Ben Brooks"]


def test_pages_of_twenty() -> None:
    free_tomorrow(*(teacher(f"Teacher Number{n:02d}", studio=9000 + n * 100) for n in range(23)))
    first, second = run(q="piano", sort="price"), run(q="piano", sort="price", page=2)
    assert (first.total, first.pages, len(first.results), len(second.results)) == (23, 2, 20, 3)
    assert names(second) == ["Teacher Number20", "Teacher Number21", "Teacher Number22"]
    assert first.total_exact is True


def test_one_result_per_instructor_for_a_category() -> None:
    ana = teacher("Ana Alvarez", studio=9000)
    guitar = Service.objects.get(slug="guitar")
    Offering.objects.create(profile=ana, service=guitar, rate_studio_cents=7000, duration_options=[60])
    free_tomorrow(ana)
    page = run(q="music lessons")
    assert [(r.display_name, r.service, r.rate_cents) for r in page.results] == [("Ana Alvarez", "guitar", 7000)]


# --- output ------------------------------------------------------------------------------


def test_a_result_carries_the_offering_price_place_rating_and_booking_links() -> None:
    ana = free(teacher("Ana Alvarez", studio=9000, at="park-slope", headline="Classical piano", years_experience=12,
                       durations=(30, 45, 60)), TOMORROW, AFTERNOON)  # fmt: skip
    result = run(q="piano tomorrow afternoon").results[0]
    assert (result.instructor_id, result.slug, result.initials, result.headline, result.years_experience) == (
        ana.pk, "ana-alvarez", "AA", "Classical piano", 12,
    )  # fmt: skip
    assert (result.service, result.format, result.rate_cents, result.duration_minutes, result.place) == (
        "piano", "studio", 9000, 45, "Park Slope",
    )  # fmt: skip
    assert (result.rating.average, result.rating.count, result.rating.bayesian) == (None, 0, 4.5)
    assert result.slots[0].starts_at == "2026-11-26T17:00:00+00:00"
    assert result.slots[0].local == "2026-11-26T12:00:00-05:00"
    assert result.slots[0].book_url == (
        "/book/ana-alvarez/?service=piano&format=studio&duration=45&start=2026-11-26T17%3A00%3A00%2B00%3A00"
    )


def test_explanation_for_a_full_match() -> None:
    free_tomorrow(*(teacher(f"Kid Teacher{n}", studio=7000, at="park-slope", ages=("kids",)) for n in range(5)))
    page = run(q="piano for my 7 year old near park slope under $80 tomorrow afternoon")
    assert page.relaxed == []
    assert page.explanation == (
        "5 instructors teaching Piano for kids near Park Slope, up to $80/h, free tomorrow afternoon."
    )


def test_suggestions_count_other_times_other_days_and_single_drops() -> None:
    for n in range(2):
        free(teacher(f"Mo Morning{n}", studio=9000, at="park-slope"), TOMORROW, ("08:00", "11:00"))
    free(teacher("Fri Friday", studio=9000, at="park-slope"), FRIDAY, AFTERNOON)
    free(teacher("Ash Astoria", studio=9000, at="astoria"), TOMORROW, AFTERNOON)
    page = run(q="piano near park slope tomorrow afternoon")
    assert [(s.kind, s.label, s.count, s.params) for s in page.suggestions] == [
        ("time", "tomorrow morning", 2, {"time_from": "06:00", "time_to": "12:00"}),
        ("date", "on Fri 27 Nov in the afternoon", 1, {"date_from": "2026-11-27", "date_to": "2026-11-27"}),
        ("drop", "Anywhere in NYC", 1, {"drop": "location"}),
    ]


def test_nothing_found_says_so() -> None:
    teacher("Ana Alvarez", studio=9000)  # no availability at all
    page = run(q="piano tomorrow")
    assert (page.total, page.results, page.relaxed) == (0, [], [])
    assert page.explanation == "No instructors teaching Piano, free tomorrow."


# --- cost -----------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 30])
def test_a_search_costs_the_same_queries_for_3_or_30_instructors(count: int) -> None:
    for n in range(count):
        profile = teacher(f"Teacher Number{n:02d}", studio=9000, travel=11000, at="park-slope", areas=["park-slope"])
        free(profile, TOMORROW, ("08:00", "11:00") if n % 2 else AFTERNOON)
    student = StudentFactory.create()
    first = Offering.objects.filter(profile__slug="teacher-number00").get()
    make_booking(student=student, offering=first, starts_at=NOW.replace(day=26, hour=13), fmt="studio")
    search_vocabulary_get()  # built once per process, not per search
    listing_get(listing_generation())  # kept in memory by each process (listing.py)
    platform_config()  # cached for every process (the rating prior and minimum come from it)
    with CaptureQueriesContext(connection) as captured:
        page = run(q="piano for adults near park slope tomorrow afternoon")
    # The candidates' bookings with their imported busy time (the open-time index is in memory).
    assert len(captured.captured_queries) == 1
    # 3: two free in the afternoon, so the time is relaxed; 30: fifteen are, nothing is.
    assert (page.total, page.relaxed) == ((3, ["time"]) if count == 3 else (15, []))


def test_a_search_without_a_subject_ranks_a_bounded_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    services = ["piano", "guitar", "spanish", "chess"]
    free_tomorrow(*(teacher(f"Ona Online{n}", service=slug, online=6000 + n) for n, slug in enumerate(services)))
    page = run(q="online lessons tomorrow")
    assert (page.total, page.total_exact, page.query["service"], page.query["category"]) == (4, True, None, None)
    monkeypatch.setattr(executor, "BROAD_POOL_SIZE", 3)
    capped = run(q="online lessons")
    assert (capped.total, capped.total_exact) == (3, False)


def test_searches_in_other_time_zones_use_new_york_dates() -> None:
    free(teacher("Lon Don", studio=9000, timezone="Europe/London"), TOMORROW, ("18:00", "22:00"))
    page = run(q="piano tomorrow afternoon")
    # 18:00 in London is 1:00 pm in New York.
    assert slot_times(page, "Lon Don") == ["Thu 26 Nov, 1:00 pm", "Thu 26 Nov, 1:15 pm", "Thu 26 Nov, 1:30 pm"]
    assert NY.key == "America/New_York"
