"""GET /api/v1/search: natural-language search with structured filters on top (PRODUCT.md §2).

Public. `q` is parsed into filters (the `query` object of the answer); any structured
parameter overrides or extends that parse; `drop` removes parts of the parse.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from apps.core.api_errors import error_responses
from apps.core.api_input import ApiDate
from apps.core.errors import ValidationFailed
from apps.search.criteria import DROPPABLE, SearchRequest
from apps.search.parser import MAX_QUERY_CHARS
from apps.search.results import search_results_get

router = Router(tags=["search"])
MAX_PAGE = 50


class SearchParams(Schema):
    q: str = Field("", max_length=MAX_QUERY_CHARS, description="What the visitor typed.")
    service: str | None = Field(None, description="Service slug; replaces the parsed service.")
    category: str | None = Field(None, description="Category slug.")
    age_group: str | None = Field(None, description="toddler | kids | teens | adults")
    skill_level: Literal["beginner", "intermediate", "advanced"] | None = None
    format: Literal["online", "in_person", "studio", "travel"] | None = None
    min_price_cents: int | None = Field(None, ge=0, le=100_000, description="Hourly rate, cents.")
    max_price_cents: int | None = Field(None, ge=0, le=100_000, description="Hourly rate, cents.")
    borough: str | None = Field(None, description="Borough slug, e.g. brooklyn.")
    neighborhood: str | None = Field(None, description="Neighborhood slug, e.g. park-slope.")
    date_from: ApiDate | None = Field(None, description="Local date (New York), inclusive.")
    date_to: ApiDate | None = Field(None, description="Local date (New York), inclusive.")
    time_from: dt.time | None = Field(None, description="Local time of day HH:MM: lesson starts from.")
    time_to: dt.time | None = Field(None, description="Local time of day HH:MM: lesson starts before.")
    drop: str | None = Field(
        None, description=f"Comma-separated parts of the parse to ignore: {', '.join(DROPPABLE)}.", max_length=200
    )
    sort: Literal["best", "price", "soonest"] = "best"
    page: int = Field(1, ge=1, le=MAX_PAGE)
    lat: float | None = Field(None, ge=-90, le=90, description="The visitor's position, for distances.")
    lon: float | None = Field(None, ge=-180, le=180)


class LocationOut(Schema):
    name: str
    borough: str
    kind: Literal["neighborhood", "borough"]
    lat: float
    lon: float


class QueryOut(Schema):
    text: str
    service: str | None
    category: str | None
    age_group: str | None
    skill_level: str | None
    format: str | None
    min_price_cents: int | None
    max_price_cents: int | None
    location: LocationOut | None
    date_from: dt.date | None
    date_to: dt.date | None
    time_from: str | None = Field(..., description="HH:MM")
    time_to: str | None = Field(..., description="HH:MM")


class SlotOut(Schema):
    starts_at: str = Field(..., description="ISO instant, UTC.")
    local: str = Field(..., description="ISO local time, New York.")
    label: str
    book_url: str


class RatingOut(Schema):
    average: float | None
    count: int
    bayesian: float = Field(..., description="Bayesian average in stars, used for ranking.")
    visible: bool = Field(..., description='False below the platform\'s minimum review count: show "New".')


class ResultOut(Schema):
    instructor_id: int
    slug: str
    display_name: str
    headline: str
    years_experience: int
    identity_verified: bool
    background_checked: bool
    service: str
    service_name: str
    category: str
    format: Literal["online", "studio", "travel"]
    rate_cents: int = Field(..., description="Hourly rate of this format, cents.")
    duration_minutes: int
    place: str
    distance_m: int | None
    rating: RatingOut
    next_slots: list[SlotOut]
    relaxed: list[str] = Field(..., description="What this instructor needed relaxed.")
    score: float


class SuggestionOut(Schema):
    kind: Literal["time", "date", "drop", "service"]
    label: str
    count: int
    params: dict[str, str]


class SearchOut(Schema):
    query: QueryOut
    relaxed: list[str]
    results: list[ResultOut]
    total: int
    total_exact: bool = Field(..., description="False when no subject was asked and only the best pool was ranked.")
    page: int
    pages: int
    page_size: int
    sort: str
    explanation: str
    unparsed: list[str]
    suggestions: list[SuggestionOut]


def search_request(params: SearchParams) -> SearchRequest:
    drop = tuple(part.strip() for part in (params.drop or "").split(",") if part.strip())
    errors: dict[str, list[str]] = {}
    if unknown := [part for part in drop if part not in DROPPABLE]:
        errors["drop"] = [f"Unknown part(s): {', '.join(unknown)}. Use: {', '.join(DROPPABLE)}."]
    if (params.lat is None) != (params.lon is None):
        errors["lat" if params.lat is None else "lon"] = ["Send lat and lon together."]
    if errors:
        raise ValidationFailed("Some search filters are not valid.", fields=errors)
    values = params.model_dump()
    values["drop"] = drop
    return SearchRequest(**values)


@router.get(
    "/search",
    response={200: SearchOut, **error_responses()},
    auth=None,
    summary="Search instructors in plain words",
)
def search(request: HttpRequest, params: Query[SearchParams]) -> dict[str, object]:
    """Instructors who match and have an open slot in the asked window, ranked, with the
    parse (`query`), what was relaxed to find at least five, and a one-line explanation."""
    page = search_results_get(search_request(params), now=timezone.now())
    body = asdict(page)
    for result in body["results"]:
        result["identity_verified"] = result.pop("identity_verified_at")
        result["background_checked"] = result.pop("background_check_passed_at")
        result["next_slots"] = result.pop("slots")
    return body
