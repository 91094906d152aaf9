"""GET /api/v1/search: the eval file's every case through the API (the `query` object compared
as eval/README.md says, on pinned days), structured parameters overriding the parse, errors,
and the shape of a result."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from apps.search.parser import ParsedQuery
from apps.search.query import Location
from apps.search.tests.helpers import NOW, NY, TOMORROW, free, teacher
from apps.search.tests.test_parser_eval import CASES, PINNED_TODAYS, _actual, _expected

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog", "gazetteer")]
URL = "/api/v1/search"


def parsed_from(query: dict[str, Any]) -> ParsedQuery:
    """The API's `query` object back as a ParsedQuery, for the eval's comparison helpers."""
    location = Location(**query["location"]) if query["location"] else None
    return ParsedQuery(
        text=query["text"],
        service=query["service"],
        category=query["category"],
        age_group=query["age_group"],
        skill_level=query["skill_level"],
        format=query["format"],
        min_price_cents=query["min_price_cents"],
        max_price_cents=query["max_price_cents"],
        location=location,
        date_from=dt.date.fromisoformat(query["date_from"]) if query["date_from"] else None,
        date_to=dt.date.fromisoformat(query["date_to"]) if query["date_to"] else None,
        time_from=dt.time.fromisoformat(query["time_from"]) if query["time_from"] else None,
        time_to=dt.time.fromisoformat(query["time_to"]) if query["time_to"] else None,
    )


@pytest.mark.parametrize("today_name", PINNED_TODAYS)
@pytest.mark.parametrize("case", CASES, ids=[case["q"] for case in CASES])
def test_eval_case_through_the_api(client, case: dict[str, Any], today_name: str) -> None:
    today = PINNED_TODAYS[today_name]
    with time_machine.travel(dt.datetime.combine(today, dt.time(12), tzinfo=NY), tick=False):
        response = client.get(URL, {"q": case["q"]})
    assert response.status_code == 200
    query = response.json()["query"]
    assert set(query) == {
        "text", "service", "category", "age_group", "skill_level", "format", "min_price_cents",
        "max_price_cents", "location", "date_from", "date_to", "time_from", "time_to",
    }  # fmt: skip
    parsed = parsed_from(query)
    assert parsed.text == case["q"]
    for name, expected in _expected(case, today).items():
        actual = _actual(parsed, name)
        if name == "date" and expected is not None:
            assert actual in expected, f"{name}: {actual} not in {expected}"
        else:
            assert actual == expected, f"{name}: {actual!r} != {expected!r}"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def get(client, **params: Any) -> dict[str, Any]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


# --- structured parameters --------------------------------------------------------------


def test_structured_parameters_override_and_extend_the_parse(client, frozen) -> None:
    query = get(
        client,
        q="piano for my 7 year old near park slope under $80 tomorrow afternoon",
        service="guitar",
        age_group="teens",
        min_price_cents=4000,
        max_price_cents=9000,
        format="studio",
        neighborhood="williamsburg",
        date_from="2026-11-27",
        time_from="15:00",
        time_to="18:00",
        skill_level="beginner",
    )["query"]
    assert query == {
        "text": "piano for my 7 year old near park slope under $80 tomorrow afternoon",
        "service": "guitar", "category": "music", "age_group": "teens", "skill_level": "beginner",
        "format": "studio", "min_price_cents": 4000, "max_price_cents": 9000,
        "location": {"name": "Williamsburg", "borough": "Brooklyn", "kind": "neighborhood", "lat": 40.7081, "lon": -73.9571},
        "date_from": "2026-11-27", "date_to": "2026-11-27", "time_from": "15:00", "time_to": "18:00",
    }  # fmt: skip


def test_structured_parameters_alone(client, frozen) -> None:
    query = get(client, category="languages", borough="queens", date_from="2026-11-28", date_to="2026-11-29")["query"]
    assert {k: v for k, v in query.items() if v is not None and k != "location"} == {
        "text": "",
        "category": "languages",
        "date_from": "2026-11-28",
        "date_to": "2026-11-29",
    }
    assert (query["location"]["name"], query["location"]["kind"]) == ("Queens", "borough")


def test_a_category_replaces_a_parsed_service_of_another_category(client, frozen) -> None:
    assert get(client, q="piano", category="languages")["query"]["service"] is None
    assert get(client, q="piano", category="music")["query"]["service"] == "piano"


def test_drop_removes_parts_of_the_parse(client, frozen) -> None:
    query = get(client, q="piano for kids in park slope under $80 tomorrow afternoon", drop="price,time,location")[
        "query"
    ]
    assert (query["service"], query["age_group"], query["date_from"]) == ("piano", "kids", "2026-11-26")
    assert (query["max_price_cents"], query["time_from"], query["time_to"], query["location"]) == (
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"service": "underwater-basket-weaving"}, ["service"]),
        ({"category": "nope"}, ["category"]),
        ({"borough": "atlantis"}, ["borough"]),
        ({"neighborhood": "nowhere"}, ["neighborhood"]),
        ({"age_group": "seniors"}, ["age_group"]),
        ({"min_price_cents": 9000, "max_price_cents": 5000}, ["max_price_cents"]),
        ({"date_from": "2026-11-20"}, ["date_from"]),
        ({"date_from": "2026-11-27", "date_to": "2026-11-26"}, ["date_to"]),
        ({"date_from": "2026-11-27", "date_to": "2026-12-31"}, ["date_to"]),
        ({"time_from": "18:00", "time_to": "17:00"}, ["time_to"]),
        ({"drop": "price,colour"}, ["drop"]),
        ({"lat": 40.7}, ["lon"]),
        ({"format": "carrier-pigeon"}, ["format"]),
        ({"page": 0}, ["page"]),
    ],
)
def test_invalid_parameters_are_422_with_field_messages(client, frozen, params, fields) -> None:
    response = client.get(URL, {"q": "piano", **params})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert sorted(error["fields"]) == fields


def test_search_is_public_and_documented(client, frozen) -> None:
    assert client.get(URL, {"q": "piano"}).status_code == 200
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/search"]["get"]
    assert {"200", "422", "429"} <= set(operation["responses"])
    assert operation["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    assert "security" not in operation or operation["security"] in ([], [{}])
    names = {p["name"] for p in operation["parameters"]}
    assert {"q", "service", "category", "min_price_cents", "max_price_cents", "age_group", "format", "borough",
            "neighborhood", "date_from", "date_to", "time_from", "time_to", "skill_level", "drop", "sort",
            "page", "lat", "lon"} == names  # fmt: skip


# --- results ----------------------------------------------------------------------------------


def test_the_response_carries_results_total_relaxed_and_explanation(client, frozen) -> None:
    ana = free(
        teacher("Ana Alvarez", studio=9000, online=7000, at="park-slope", headline="Classical piano", ages=("kids",)),
        TOMORROW,
        ("16:00", "18:00"),
    )
    body = get(client, q="piano for kids near park slope tomorrow afternoon")
    assert {key: body[key] for key in ("relaxed", "total", "total_exact", "page", "pages", "page_size", "sort")} == {
        "relaxed": [], "total": 1, "total_exact": True, "page": 1, "pages": 1, "page_size": 20, "sort": "best",
    }  # fmt: skip
    assert body["explanation"] == "1 instructor teaching Piano for kids near Park Slope, free tomorrow afternoon."
    assert body["unparsed"] == []
    # Fewer than five: what else would work is counted too (Ana is also free at 5 pm).
    assert body["suggestions"] == [
        {"kind": "time", "label": "tomorrow evening", "count": 1, "params": {"time_from": "17:00", "time_to": "21:00"}}
    ]
    assert body["results"] == [
        {
            "instructor_id": ana.pk, "slug": "ana-alvarez", "display_name": "Ana Alvarez", "headline": "Classical piano",
            "years_experience": 5, "identity_verified": True, "background_checked": True, "service": "piano",
            "service_name": "Piano", "category": "music", "format": "studio", "rate_cents": 9000,
            "duration_minutes": 60, "place": "Park Slope", "distance_m": 0,
            "rating": {"average": None, "count": 0, "bayesian": 4.5, "visible": False},
            "next_slots": [
                {
                    "starts_at": f"2026-11-26T{hour}:{minute}:00+00:00",
                    "local": f"2026-11-26T{int(hour) - 5}:{minute}:00-05:00",
                    "label": f"Thu 26 Nov, 4:{minute} pm",
                    "book_url": f"/book/ana-alvarez/?service=piano&format=studio&duration=60&start=2026-11-26T{hour}%3A{minute}%3A00%2B00%3A00",
                }
                for hour, minute in (("21", "00"), ("21", "15"), ("21", "30"))
            ],
            "relaxed": [], "score": body["results"][0]["score"],
        }
    ]  # fmt: skip


def test_the_api_reports_relaxation_and_suggestions(client, frozen) -> None:
    free(teacher("Mo Morning", studio=9000), TOMORROW, ("08:00", "11:00"))
    body = get(client, q="piano tomorrow evening")
    assert body["relaxed"] == ["time"]
    assert [r["relaxed"] for r in body["results"]] == [["time"]]
    assert body["suggestions"] == [
        {"kind": "time", "label": "tomorrow morning", "count": 1, "params": {"time_from": "06:00", "time_to": "12:00"}}
    ]


def test_the_visitors_position_orders_by_distance(client, frozen) -> None:
    free(teacher("Far Away", studio=9000, at="astoria"), TOMORROW, ("16:00", "18:00"))
    free(teacher("Near By", studio=9000, at="park-slope"), TOMORROW, ("16:00", "18:00"))
    body = get(client, q="piano", lat=40.671, lon=-73.9814)
    assert [r["display_name"] for r in body["results"]] == ["Near By", "Far Away"]
    assert body["results"][0]["distance_m"] == 0
    assert body["query"]["location"] is None  # a position ranks; it does not filter
