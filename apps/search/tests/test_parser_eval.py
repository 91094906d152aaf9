"""Every case of data/eval/search_queries.jsonl, compared as eval/README.md says, on several
pinned "today"s so weekday/weekend/month-day resolution is exercised on different days."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.conf import settings

from apps.search.parser import ParsedQuery, parse_query
from apps.search.vocabulary import Vocabulary

DATA_DIR = settings.DATA_DIR
EVAL_FILE = DATA_DIR / "eval" / "search_queries.jsonl"
CASES: list[dict[str, Any]] = [json.loads(line) for line in EVAL_FILE.read_text().splitlines() if line.strip()]

PINNED_TODAYS = {
    "wednesday": dt.date(2026, 11, 25),
    "saturday": dt.date(2026, 11, 28),
    "sunday": dt.date(2026, 11, 29),
    "monday-after-dec-12": dt.date(2026, 12, 14),  # month-day dates roll over to next year
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PARSE_FIELDS = (
    "service",
    "category",
    "age_group",
    "skill_level",
    "format",
    "min_price_cents",
    "max_price_cents",
    "location",
    "date",
    "time_from",
    "time_to",
)
CATALOG = json.loads((DATA_DIR / "catalog.json").read_text())
CATEGORY_OF = {s["slug"]: c["slug"] for c in CATALOG["categories"] for s in c["services"]}
DateRange = tuple[dt.date, dt.date]


def _days(today: dt.date, n: int) -> dt.date:
    return today + dt.timedelta(days=n)


def accepted_dates(token: str | dict[str, str], today: dt.date) -> list[DateRange]:
    """The README's date tokens, resolved against `today`; every accepted reading."""
    if isinstance(token, dict):
        month, day = (int(part) for part in token["month_day"].split("-"))
        found = dt.date(today.year, month, day)
        if found < today:
            found = dt.date(today.year + 1, month, day)
        return [(found, found)]
    weekday = today.weekday()
    if token in ("today", "tonight"):
        return [(today, today)]
    if token == "tomorrow":
        return [(_days(today, 1), _days(today, 1))]
    if token.startswith("weekday:"):
        offset = (WEEKDAYS.index(token.removeprefix("weekday:")) - weekday) % 7
        options = [offset] if offset else [0, 7]
        return [(_days(today, n), _days(today, n)) for n in options]
    if token == "weekend":
        if weekday == 5:
            return [(today, _days(today, 1))]
        if weekday == 6:
            return [(today, today), (_days(today, 6), _days(today, 7))]
        return [(_days(today, 5 - weekday), _days(today, 6 - weekday))]
    if token == "next_week":
        return [(_days(today, 7 - weekday), _days(today, 13 - weekday))]
    if token == "this_week":
        return [(today, _days(today, 6 - weekday))]
    raise AssertionError(f"unknown date token {token!r}")


def _actual(parsed: ParsedQuery, name: str) -> Any:
    data = parsed.query_dict()
    if name == "date":
        return (parsed.date_from, parsed.date_to) if parsed.date_from or parsed.date_to else None
    if name == "location" and data["location"] is not None:
        location = data["location"]
        return {"name": location["name"].lower(), "borough": location["borough"], "kind": location["kind"]}
    return data[name]


def _expected(case: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """Listed fields with their values; unlisted fields None; the README's exceptions applied."""
    expect = dict(case["expect"])
    if expect.get("date") == "tonight" and "time_from" not in expect and "time_to" not in expect:
        expect["time_from"], expect["time_to"] = "17:00", "21:00"
    if "service" in expect:
        expect["category"] = CATEGORY_OF[expect["service"]]
    if "location" in expect:
        expect["location"] = {**expect["location"], "name": expect["location"]["name"].lower()}
    if "date" in expect:
        expect["date"] = accepted_dates(expect["date"], today)
    return {name: expect.get(name) for name in PARSE_FIELDS if name not in case.get("ignore", ())}


@pytest.mark.parametrize("today_name", PINNED_TODAYS)
@pytest.mark.parametrize("case", CASES, ids=[case["q"] for case in CASES])
def test_eval_case(case: dict[str, Any], today_name: str, vocabulary: Vocabulary) -> None:
    today = PINNED_TODAYS[today_name]
    parsed = parse_query(case["q"], vocabulary=vocabulary, today=today)
    assert parsed.text == case["q"]
    for name, expected in _expected(case, today).items():
        actual = _actual(parsed, name)
        if name == "date" and expected is not None:
            assert actual in expected, f"{name}: {actual} not in {expected}"
        else:
            assert actual == expected, f"{name}: {actual!r} != {expected!r}"


def test_eval_file_has_the_sixty_cases() -> None:
    assert len(CASES) == 60
