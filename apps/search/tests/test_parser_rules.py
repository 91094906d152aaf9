"""Parser rules on queries that are NOT in the eval file: other services, places, phrasings
and typos, edge cases, and the `unparsed` words. Each case lists every field it expects; all
other fields must be null, as in the eval."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.conf import settings

from apps.search.parser import ParsedQuery, parse_query
from apps.search.vocabulary import Place, ServiceTerm, Vocabulary

DATA_DIR = settings.DATA_DIR
WEDNESDAY = dt.date(2026, 11, 25)
SATURDAY = dt.date(2026, 11, 28)
FIELDS = (
    "service",
    "category",
    "age_group",
    "skill_level",
    "format",
    "min_price_cents",
    "max_price_cents",
    "location",
    "date_from",
    "date_to",
    "time_from",
    "time_to",
)


def parsed_fields(parsed: ParsedQuery) -> dict[str, Any]:
    """Non-null fields, location by name, dates and times as in the API."""
    data = parsed.query_dict()
    found = {name: data[name] for name in FIELDS if data[name] is not None}
    if "location" in found:
        found["location"] = found["location"]["name"]
    return found


def day(iso: str) -> dict[str, str]:
    return {"date_from": iso, "date_to": iso}


# (query, every expected non-null field) with today = Wednesday 2026-11-25.
CASES: list[tuple[str, dict[str, Any]]] = [
    # Services: names, search terms, synonyms, plurals, word forms, other word order.
    ("saxophone lessons", {"service": "saxophone", "category": "music"}),
    ("learn to swim", {"service": "swimming", "category": "sports-fitness"}),
    ("fiddle teacher", {"service": "violin", "category": "music"}),
    ("drumming lessons", {"service": "drums", "category": "music"}),
    ("ap chemistry tutor", {"service": "chemistry", "category": "tutoring"}),
    ("krav maga", {"service": "self-defense", "category": "sports-fitness"}),
    ("sourdough baking class", {"service": "baking", "category": "hobbies"}),
    ("lose weight", {"service": "personal-training", "category": "sports-fitness"}),
    ("reading music", {"service": "music-theory", "category": "music"}),
    ("kick boxing", {"service": "boxing", "category": "sports-fitness"}),
    ("acting classes", {"service": "acting", "category": "arts"}),
    ("act prep", {"service": "act-prep", "category": "tutoring"}),
    ("SAT math tutor", {"service": "sat-prep", "category": "tutoring"}),
    (
        "after school tutoring",
        {"service": "homework-help", "category": "tutoring", "time_from": "15:00", "time_to": "18:00"},
    ),
    # Categories named alone.
    ("language classes", {"category": "languages"}),
    ("sports coach", {"category": "sports-fitness"}),
    ("art lessons for adults", {"service": "painting", "category": "arts", "age_group": "adults"}),
    ("dancing for kids", {"category": "dance", "age_group": "kids"}),
    # Typos.
    ("gutiar lessons", {"service": "guitar", "category": "music"}),
    ("pinao", {"service": "piano", "category": "music"}),
    ("saxaphone teacher", {"service": "saxophone", "category": "music"}),
    ("chemestry tutor", {"service": "chemistry", "category": "tutoring"}),
    ("frensh lessons", {"service": "french", "category": "languages"}),
    ("begginer pilatis", {"service": "pilates", "category": "sports-fitness", "skill_level": "beginner"}),
    # Places: names, aliases, typos, abbreviations, joined words, neighborhood over borough.
    ("yoga in bed stuy", {"service": "yoga", "category": "sports-fitness", "location": "Bedford-Stuyvesant"}),
    ("yoga in the bx", {"service": "yoga", "category": "sports-fitness", "location": "Bronx"}),
    ("tennis in manhatten", {"service": "tennis", "category": "sports-fitness", "location": "Manhattan"}),
    ("tennis in parkslope", {"service": "tennis", "category": "sports-fitness", "location": "Park Slope"}),
    ("golf near uper east side", {"service": "golf", "category": "sports-fitness", "location": "Upper East Side"}),
    ("piano in washington hts", {"service": "piano", "category": "music", "location": "Washington Heights"}),
    ("piano in greenpoint brooklyn", {"service": "piano", "category": "music", "location": "Greenpoint"}),
    ("chess in hunts point", {"service": "chess", "category": "hobbies", "location": "Hunts Point"}),
    ("chess in hunters point", {"service": "chess", "category": "hobbies", "location": "Long Island City"}),
    ("spanish lessons in spanish harlem", {"service": "spanish", "category": "languages", "location": "East Harlem"}),
    ("science tutor in the bronx", {"service": "science", "category": "tutoring", "location": "Bronx"}),
    ("bronx science prep", {"service": "shsat-prep", "category": "tutoring"}),
    ("lessons in st. george", {"location": "St. George"}),
    # Ages.
    ("piano for a five year old", {"service": "piano", "category": "music", "age_group": "kids"}),
    ("soccer for 3-5 year olds", {"service": "soccer", "category": "sports-fitness", "age_group": "toddler"}),
    ("math for my 9th grader", {"service": "math", "category": "tutoring", "age_group": "teens"}),
    ("music class for my 18 month old", {"category": "music", "age_group": "toddler"}),
    (
        "virtual yoga for seniors",
        {"service": "yoga", "category": "sports-fitness", "age_group": "adults", "format": "online"},
    ),
    ("toddler music class", {"service": "kids-music", "category": "music", "age_group": "toddler"}),
    # Skill and format.
    ("never played piano", {"service": "piano", "category": "music", "skill_level": "beginner"}),
    ("starting out with ukulele", {"service": "ukulele", "category": "music", "skill_level": "beginner"}),
    ("german tutor over video", {"service": "german", "category": "languages", "format": "online"}),
    ("math tutor who comes to my house", {"service": "math", "category": "tutoring", "format": "in_person"}),
    ("face to face cello", {"service": "cello", "category": "music", "format": "in_person"}),
    # Prices.
    (
        "piano between 40 and 60",
        {"service": "piano", "category": "music", "min_price_cents": 4000, "max_price_cents": 6000},
    ),
    ("guitar $45.50/hr", {"service": "guitar", "category": "music", "max_price_cents": 4550}),
    ("violin lessons under $1,000", {"service": "violin", "category": "music", "max_price_cents": 100000}),
    (
        "flute lessons 40-60 dollars",
        {"service": "flute", "category": "music", "min_price_cents": 4000, "max_price_cents": 6000},
    ),
    ("tutor 80 an hour", {"category": "tutoring", "max_price_cents": 8000}),
    ("spanish $50+", {"service": "spanish", "category": "languages", "min_price_cents": 5000}),
    ("piano at least 100/hr", {"service": "piano", "category": "music", "min_price_cents": 10000}),
    ("inexpensive drum lessons", {"service": "drums", "category": "music", "max_price_cents": 10000}),
    ("cheap piano under $60", {"service": "piano", "category": "music", "max_price_cents": 6000}),
    ("swim for kids under 10", {"service": "swimming", "category": "sports-fitness", "age_group": "kids"}),
    # Dates and times.
    ("piano next monday", {"service": "piano", "category": "music", **day("2026-11-30")}),
    ("piano wednesday", {"service": "piano", "category": "music", **day("2026-11-25")}),
    ("piano on 1/15", {"service": "piano", "category": "music", **day("2027-01-15")}),
    ("piano on march 3rd", {"service": "piano", "category": "music", **day("2027-03-03")}),
    ("piano 5 january", {"service": "piano", "category": "music", **day("2027-01-05")}),
    ("piano day after tomorrow", {"service": "piano", "category": "music", **day("2026-11-27")}),
    (
        "piano saturday or sunday",
        {"service": "piano", "category": "music", "date_from": "2026-11-28", "date_to": "2026-11-29"},
    ),
    ("piano next month", {"service": "piano", "category": "music", "date_from": "2026-12-01", "date_to": "2026-12-31"}),
    ("piano tommorow", {"service": "piano", "category": "music", **day("2026-11-26")}),
    (
        "piano sat morning",
        {"service": "piano", "category": "music", **day("2026-11-28"), "time_from": "06:00", "time_to": "12:00"},
    ),
    ("guitar 10am-2pm", {"service": "guitar", "category": "music", "time_from": "10:00", "time_to": "14:00"}),
    ("guitar 11-1pm", {"service": "guitar", "category": "music", "time_from": "11:00", "time_to": "13:00"}),
    ("guitar after 5pm", {"service": "guitar", "category": "music", "time_from": "17:00"}),
    ("guitar before noon", {"service": "guitar", "category": "music", "time_to": "12:00"}),
    ("guitar at noon", {"service": "guitar", "category": "music", "time_from": "12:00", "time_to": "13:00"}),
    (
        "guitar tonight at 8",
        {"service": "guitar", "category": "music", **day("2026-11-25"), "time_from": "20:00", "time_to": "21:00"},
    ),
    (
        "guitar tomorrow at 7:30pm",
        {"service": "guitar", "category": "music", **day("2026-11-26"), "time_from": "19:30", "time_to": "20:30"},
    ),
    (
        "yoga this afternoon",
        {
            "service": "yoga",
            "category": "sports-fitness",
            **day("2026-11-25"),
            "time_from": "12:00",
            "time_to": "17:00",
        },
    ),
    (
        "yoga mornings or afternoons",
        {"service": "yoga", "category": "sports-fitness", "time_from": "06:00", "time_to": "17:00"},
    ),
    ("lunchtime yoga", {"service": "yoga", "category": "sports-fitness", "time_from": "12:00", "time_to": "13:00"}),
    # Nothing to find: an over-eager parse fails these.
    ("", {}),
    ("?!... ,,, $$$", {}),
    ("hello there", {}),
    ("improve my game", {}),
    ("last minute booking", {}),
    ("ready when you are", {}),
    ("physical therapy", {}),
]


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[query or "<empty>" for query, _ in CASES])
def test_rule_case(query: str, expected: dict[str, Any], vocabulary: Vocabulary) -> None:
    assert parsed_fields(parse_query(query, vocabulary=vocabulary, today=WEDNESDAY)) == expected


def eval_queries() -> set[str]:
    """The eval file's queries, lowercased: rule cases must be other queries."""
    eval_file = DATA_DIR / "eval" / "search_queries.jsonl"
    return {json.loads(line)["q"].lower() for line in eval_file.read_text().splitlines() if line.strip()}


def test_rule_cases_are_not_eval_cases() -> None:
    assert len(CASES) >= 40
    assert not eval_queries() & {query.lower() for query, _ in CASES}


def test_weekend_on_a_saturday_is_today_and_sunday(vocabulary: Vocabulary) -> None:
    parsed = parse_query("swimming this weekend", vocabulary=vocabulary, today=SATURDAY)
    assert (parsed.date_from, parsed.date_to) == (SATURDAY, SATURDAY + dt.timedelta(days=1))


def test_next_week_is_monday_to_sunday_of_next_calendar_week(vocabulary: Vocabulary) -> None:
    parsed = parse_query("chess next week", vocabulary=vocabulary, today=SATURDAY)
    assert (parsed.date_from, parsed.date_to) == (dt.date(2026, 11, 30), dt.date(2026, 12, 6))


def test_month_day_today_is_today_and_passed_dates_roll_to_next_year(vocabulary: Vocabulary) -> None:
    today = dt.date(2026, 12, 5)
    assert parse_query("piano dec 5", vocabulary=vocabulary, today=today).date_from == today
    assert parse_query("piano dec 4", vocabulary=vocabulary, today=today).date_from == dt.date(2027, 12, 4)
    assert parse_query("piano feb 29", vocabulary=vocabulary, today=today).date_from == dt.date(2028, 2, 29)


def test_unparsed_lists_the_words_not_used_minus_filler(vocabulary: Vocabulary) -> None:
    parsed = parse_query(
        "I want very patient piano lessons for my kid near Park Slope, maybe jazz-ish?",
        vocabulary=vocabulary,
        today=WEDNESDAY,
    )
    assert parsed.service == "piano"
    assert parsed.age_group == "kids"  # "my kid" says child, unlike "my son" (any age)
    assert parsed.location is not None
    assert parsed.location.name == "Park Slope"
    assert parsed.unparsed == ["very", "patient", "maybe", "jazz"]


def test_unparsed_reports_the_typed_form_once(vocabulary: Vocabulary) -> None:
    parsed = parse_query("blorf lessons blorf", vocabulary=vocabulary, today=WEDNESDAY)
    assert parsed.unparsed == ["blorf", "blorf"]
    assert parse_query("", vocabulary=vocabulary, today=WEDNESDAY).unparsed == []


def test_to_dict_has_the_product_shape(vocabulary: Vocabulary) -> None:
    text = "piano lessons for my 7 year old near Park Slope under $80 tomorrow afternoon"
    data = parse_query(text, vocabulary=vocabulary, today=WEDNESDAY).query_dict()
    assert data == {
        "text": text,
        "service": "piano",
        "category": "music",
        "age_group": "kids",
        "skill_level": None,
        "format": None,
        "min_price_cents": None,
        "max_price_cents": 8000,
        "location": {
            "name": "Park Slope",
            "borough": "Brooklyn",
            "kind": "neighborhood",
            "lat": 40.671,
            "lon": -73.9814,
        },
        "date_from": "2026-11-26",
        "date_to": "2026-11-26",
        "time_from": "12:00",
        "time_to": "17:00",
    }


def test_very_long_text_is_parsed_and_bounded(vocabulary: Vocabulary) -> None:
    text = "guitar lessons in astoria " + "blah " * 5000 + "tomorrow"
    parsed = parse_query(text, vocabulary=vocabulary, today=WEDNESDAY)
    assert parsed.text == text
    assert (parsed.service, parsed.location and parsed.location.name) == ("guitar", "Astoria")
    assert parsed.date_from is None  # past the length the parser reads


def test_parsing_is_deterministic(vocabulary: Vocabulary) -> None:
    text = "frensh tutor in willamsburg thurs evening under $70 for my teenager"
    first = parse_query(text, vocabulary=vocabulary, today=WEDNESDAY)
    assert all(parse_query(text, vocabulary=vocabulary, today=WEDNESDAY) == first for _ in range(5))


def test_a_vocabulary_built_from_other_data_is_used_as_given() -> None:
    """The builder is separate from matching: a DB-built vocabulary behaves the same way."""
    vocabulary = Vocabulary(
        services=(ServiceTerm("oud", "Oud", "music", ("oud", "arabic lute")),),
        categories=(),
        places=(Place("Bay Ridge", "Brooklyn", "neighborhood", 40.6264, -74.0299, ("the ridge",)),),
    )
    parsed = parse_query("arabic lute lessons in the ridge", vocabulary=vocabulary, today=WEDNESDAY)
    assert (parsed.service, parsed.category) == ("oud", "music")
    assert parsed.location is not None
    assert parsed.location.name == "Bay Ridge"
    assert parsed.unparsed == []
