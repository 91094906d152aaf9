"""What a search asks for: the parse of the typed text, with the structured parameters
(`service=`, `date_from=`, `drop=` …) applied on top, validated in one place for the JSON API
and the HTML page alike.

`SearchRequest` is the raw request (also the results-cache key); `SearchCriteria`
(query.py) is what the executor filters by. Dates and times are local to New York
(PRODUCT.md §2).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal
from zoneinfo import ZoneInfo

from apps.core.errors import ValidationFailed
from apps.search.parser import ParsedQuery
from apps.search.query import Location, SearchCriteria

SEARCH_ZONE_NAME = "America/New_York"
SEARCH_ZONE = ZoneInfo(SEARCH_ZONE_NAME)
DEFAULT_WINDOW_DAYS = 14  # no date asked: the coming two weeks, as on the profile's slot picker
MAX_WINDOW_DAYS = 31  # slots open at most 30 days ahead (availability/slots.py horizon)

FormatName = Literal["online", "in_person", "studio", "travel"]
FORMATS: tuple[str, ...] = ("online", "in_person", "studio", "travel")
SKILL_LEVELS: tuple[str, ...] = ("beginner", "intermediate", "advanced")
SORTS: tuple[str, ...] = ("best", "price", "soonest")
# Parts of the parse a visitor can remove (a chip's ×): the typed text stays as it was.
DROPPABLE: tuple[str, ...] = (
    "service",
    "category",
    "age_group",
    "skill_level",
    "format",
    "price",
    "location",
    "date",
    "time",
)


@dataclass(frozen=True)
class SearchRequest:
    """Everything a search URL can carry. Frozen and made of plain values: it is the cache key."""

    q: str = ""
    service: str | None = None
    category: str | None = None
    age_group: str | None = None
    skill_level: str | None = None
    format: str | None = None
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    borough: str | None = None
    neighborhood: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    time_from: dt.time | None = None
    time_to: dt.time | None = None
    drop: tuple[str, ...] = ()
    sort: str = "best"
    page: int = 1
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class ServiceInfo:
    id: int
    slug: str
    name: str
    category_slug: str
    default_minutes: int


@dataclass(frozen=True)
class Known:
    """The catalog and the gazetteer in memory: the names structured parameters may use, and
    what search would otherwise join in every query (service and neighborhood names)."""

    services: dict[str, ServiceInfo]  # active services by slug
    services_by_id: dict[int, ServiceInfo]
    category_names: dict[str, str]
    age_groups: frozenset[str]
    places: dict[tuple[str, str], Location]  # ("borough" | "neighborhood", slug) -> place
    neighborhoods_by_id: dict[int, Location]
    # What travel areas cover a place, by id: (neighborhood ids, borough ids). Ids, not names,
    # so the coverage subquery uses the service areas' foreign-key indexes without joins.
    coverage: dict[Location, tuple[tuple[int, ...], tuple[int, ...]]] = field(default_factory=dict)

    @property
    def categories(self) -> frozenset[str]:
        return frozenset(self.category_names)

    def service_ids(self, *, service: str | None, category: str | None) -> list[int]:
        """Active services of the subject asked (all of them when none is)."""
        if service is not None:
            found = self.services.get(service)
            return [found.id] if found else []
        return [s.id for s in self.services.values() if category is None or s.category_slug == category]

    def subject_name(self, *, service: str | None, category: str | None) -> str:
        if service is not None and service in self.services:
            return self.services[service].name
        return self.category_names.get(category or "", "")


def criteria_from_parse(parsed: ParsedQuery) -> SearchCriteria:
    """The parse as criteria, without the words it could not place."""
    return SearchCriteria(**{f.name: getattr(parsed, f.name) for f in fields(SearchCriteria)})


def criteria_drop(criteria: SearchCriteria, names: tuple[str, ...]) -> SearchCriteria:
    """Forget parts of the parse (a removed chip). Dropping the service keeps its category
    only if the category was asked for on its own, which a parse never does: drop both."""
    changes: dict[str, Any] = {}
    for name in names:
        if name == "service":
            changes.update(service=None, category=None)
        elif name == "price":
            changes.update(min_price_cents=None, max_price_cents=None)
        elif name == "date":
            changes.update(date_from=None, date_to=None)
        elif name == "time":
            changes.update(time_from=None, time_to=None)
        else:
            changes[name] = None
    return replace(criteria, **changes)


def criteria_apply(criteria: SearchCriteria, request: SearchRequest, known: Known, *, today: dt.date) -> SearchCriteria:
    """Structured parameters override the parse field by field; every bad value is reported
    at once (ValidationFailed with one entry per parameter)."""
    errors: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}
    _apply_catalog(criteria, request, known, changes, errors)
    _apply_choices(request, known, changes, errors)
    _apply_price(criteria, request, changes, errors)
    _apply_place(request, known, changes, errors)
    _apply_dates(criteria, request, today, changes, errors)
    _apply_times(request, changes, errors)
    if errors:
        raise ValidationFailed("Some search filters are not valid.", fields=errors)
    return replace(criteria, **changes)


def _apply_catalog(
    criteria: SearchCriteria,
    request: SearchRequest,
    known: Known,
    changes: dict[str, Any],
    errors: dict[str, list[str]],
) -> None:
    if request.service is not None:
        if request.service not in known.services:
            errors["service"] = ["Unknown service: use a slug from /api/v1/catalog/categories."]
        else:
            changes.update(service=request.service, category=known.services[request.service].category_slug)
    if request.category is not None:
        if request.category not in known.categories:
            errors["category"] = ["Unknown category: use a slug from /api/v1/catalog/categories."]
        elif "service" not in changes:
            # A category that is not the parsed service's replaces that service.
            if criteria.category != request.category:
                changes["service"] = None
            changes["category"] = request.category


def _apply_choices(request: SearchRequest, known: Known, changes: dict[str, Any], errors: dict[str, list[str]]) -> None:
    if request.age_group is not None:
        if request.age_group in known.age_groups:
            changes["age_group"] = request.age_group
        else:
            errors["age_group"] = [f"Choose one of: {', '.join(sorted(known.age_groups))}."]
    if request.skill_level is not None:
        if request.skill_level in SKILL_LEVELS:
            changes["skill_level"] = request.skill_level
        else:
            errors["skill_level"] = [f"Choose one of: {', '.join(SKILL_LEVELS)}."]
    if request.format is not None:
        if request.format in FORMATS:
            changes["format"] = request.format
        else:
            errors["format"] = [f"Choose one of: {', '.join(FORMATS)}."]


def _apply_price(
    criteria: SearchCriteria, request: SearchRequest, changes: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    for name in ("min_price_cents", "max_price_cents"):
        value = getattr(request, name)
        if value is not None and value < 0:
            errors[name] = ["Use a number of cents, 0 or more."]
        elif value is not None:
            changes[name] = value
    low = changes.get("min_price_cents", criteria.min_price_cents)
    high = changes.get("max_price_cents", criteria.max_price_cents)
    if low is not None and high is not None and low > high and "max_price_cents" not in errors:
        errors["max_price_cents"] = ["Make the maximum at least the minimum."]


def _apply_place(request: SearchRequest, known: Known, changes: dict[str, Any], errors: dict[str, list[str]]) -> None:
    # The more precise place wins when both are sent.
    for kind, slug in (("borough", request.borough), ("neighborhood", request.neighborhood)):
        if slug is None:
            continue
        place = known.places.get((kind, slug))
        if place is None:
            errors[kind] = [f"Unknown {kind}: use a slug from the NYC {kind} list."]
        else:
            changes["location"] = place


def _apply_dates(
    criteria: SearchCriteria,
    request: SearchRequest,
    today: dt.date,
    changes: dict[str, Any],
    errors: dict[str, list[str]],
) -> None:
    if request.date_from is None and request.date_to is None:
        return
    first = request.date_from or today
    last = request.date_to or first
    if first < today:
        errors["date_from"] = ["Pick a date from today on."]
    elif last < first:
        errors["date_to"] = ["End on or after the start date."]
    elif (last - first).days >= MAX_WINDOW_DAYS:
        errors["date_to"] = [f"Ask for at most {MAX_WINDOW_DAYS} days at a time."]
    else:
        changes.update(date_from=first, date_to=last)


def _apply_times(request: SearchRequest, changes: dict[str, Any], errors: dict[str, list[str]]) -> None:
    if request.time_from is None and request.time_to is None:
        return
    if request.time_from is not None and request.time_to is not None and request.time_to <= request.time_from:
        errors["time_to"] = ["End after the start time."]
        return
    changes.update(time_from=request.time_from, time_to=request.time_to)


def search_window(criteria: SearchCriteria, today: dt.date) -> tuple[dt.date, dt.date]:
    """The asked local dates, or the default window when none were asked."""
    if criteria.date_from is not None:
        return criteria.date_from, criteria.date_to or criteria.date_from
    return today, today + dt.timedelta(days=DEFAULT_WINDOW_DAYS - 1)
