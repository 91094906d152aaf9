"""What the search page shows besides the results: the parse as chips that remove or edit
one filter, suggestion buttons, sort and pagination links. State lives in the URL: every chip,
suggestion and page link is a plain GET link or form (HTMX swaps it in place and pushes it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from apps.search.criteria import Known, SearchRequest
from apps.search.executor import SearchPage
from apps.search.explain import day_label, money, time_phrase
from apps.search.query import MINUTES_PER_DAY

SEARCH_PATH = "/search/"
SORT_LABELS = {"best": "Best match", "price": "Price: low to high", "soonest": "Soonest available"}
AGE_LABELS = {"toddler": "Toddlers", "kids": "Kids", "teens": "Teens", "adults": "Adults"}
FORMAT_LABELS = {"online": "Online", "in_person": "In person", "studio": "At their studio", "travel": "At your place"}
# Which request fields a chip stands for, so removing it clears them too.
CHIP_FIELDS: dict[str, tuple[str, ...]] = {
    "service": ("service", "category"),
    "category": ("category",),
    "age_group": ("age_group",),
    "skill_level": ("skill_level",),
    "format": ("format",),
    "location": ("borough", "neighborhood"),
    "price": ("min_price_cents", "max_price_cents"),
    "date": ("date_from", "date_to"),
    "time": ("time_from", "time_to"),
}


# Chips whose label opens a small form; the subject, age and place ones offer a choice.
EDITABLE = ("date", "time", "price", "service", "category", "age_group", "location")
CHOICE_LABELS = {"service": "Subject", "category": "Subject", "age_group": "Age group", "location": "Where"}


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    selected: bool


@dataclass(frozen=True)
class ChoiceGroup:
    label: str
    choices: list[Choice]


@dataclass(frozen=True)
class Chip:
    name: str
    label: str
    remove_url: str
    edit: str | None = None  # a name in EDITABLE: the chip opens a small form
    hidden: list[tuple[str, str]] = field(default_factory=list)  # the rest of the search, for that form
    values: dict[str, str] = field(default_factory=dict)  # the form's current values
    # A choice chip's select: its parameter and options (grouped: services by category,
    # neighborhoods by borough).
    select_name: str = ""
    select_label: str = ""
    groups: list[ChoiceGroup] = field(default_factory=list)


@dataclass(frozen=True)
class SuggestionLink:
    label: str
    count: int
    url: str
    noun: str = "free"  # "12 free"; a service suggestion counts who teaches it: "12 teach it"


def url_params(request: SearchRequest) -> dict[str, str]:
    """The request as clean query parameters in a stable order (prices in whole dollars when
    they are whole, the default sort and first page left out)."""
    params: dict[str, str] = {}
    for name in ("q", "service", "category", "age_group", "skill_level", "format"):
        if value := getattr(request, name):
            params[name] = str(value)
    for unit in ("min", "max"):
        cents = getattr(request, f"{unit}_price_cents")
        if cents is not None:
            key, value = (f"{unit}_price", cents // 100) if cents % 100 == 0 else (f"{unit}_price_cents", cents)
            params[key] = str(value)
    for name in ("neighborhood", "borough", "date_from", "date_to"):
        if value := getattr(request, name):
            params[name] = str(value)
    for name in ("time_from", "time_to"):
        if (value := getattr(request, name)) is not None:
            params[name] = value.strftime("%H:%M")
    if request.drop:
        params["drop"] = ",".join(request.drop)
    if request.sort != "best":
        params["sort"] = request.sort
    if request.page > 1:
        params["page"] = str(request.page)
    if request.lat is not None and request.lon is not None:
        params.update(lat=str(request.lat), lon=str(request.lon))
    return params


def search_url(request: SearchRequest) -> str:
    params = url_params(request)
    return f"{SEARCH_PATH}?{urlencode(params)}" if params else SEARCH_PATH


def _without(request: SearchRequest, name: str) -> SearchRequest:
    """The search minus one chip: its structured parameters cleared and its part of the
    parse dropped (the typed words stay as they were)."""
    changes: dict[str, Any] = dict.fromkeys(CHIP_FIELDS[name])
    drop = request.drop if name in request.drop else (*request.drop, name)
    return replace(request, **changes, drop=drop, page=1)


def _hidden(request: SearchRequest, edited: tuple[str, ...]) -> list[tuple[str, str]]:
    """The search's other parameters, for a chip's edit form."""
    params = url_params(replace(request, page=1))
    skip = {*edited, "min_price", "max_price"} if "min_price_cents" in edited else set(edited)
    return [(key, value) for key, value in params.items() if key not in skip]


def chips(page: SearchPage, request: SearchRequest, known: Known, *, today: dt.date) -> list[Chip]:
    query = page.query
    labels = _labels(query, known, today)
    found = []
    for name, label in labels.items():
        edit = name if name in EDITABLE else None
        choice = name in CHOICE_LABELS
        found.append(
            Chip(
                name=name,
                label=label,
                remove_url=search_url(_without(request, name)),
                edit=edit,
                hidden=_hidden(request, CHIP_FIELDS[name]) if edit else [],
                values={} if choice or not edit else _values(name, query),
                select_name=SELECT_NAMES.get(name, ""),
                select_label=CHOICE_LABELS.get(name, ""),
                groups=_choice_groups(name, query, known) if choice else [],
            )
        )
    return found


# The parameter each choice chip's select sends; a place is "neighborhood:<slug>" or
# "borough:<slug>" (SearchForm splits it), so one select offers both.
SELECT_NAMES = {"service": "service", "category": "category", "age_group": "age_group", "location": "place"}


def _choice_groups(name: str, query: dict[str, Any], known: Known) -> list[ChoiceGroup]:
    if name == "service":
        by_category: dict[str, list[Choice]] = {}
        for service in sorted(known.services.values(), key=lambda s: s.name):
            choice = Choice(service.slug, service.name, service.slug == query["service"])
            by_category.setdefault(known.category_names.get(service.category_slug, ""), []).append(choice)
        return [ChoiceGroup(label, choices) for label, choices in sorted(by_category.items())]
    if name == "category":
        categories = sorted(known.category_names.items(), key=lambda item: item[1])
        return [ChoiceGroup("Subjects", [Choice(slug, label, slug == query["category"]) for slug, label in categories])]
    if name == "age_group":
        ages = [slug for slug in AGE_LABELS if slug in known.age_groups]
        return [ChoiceGroup("Ages", [Choice(slug, AGE_LABELS[slug], slug == query["age_group"]) for slug in ages])]
    current = query["location"]
    places = sorted(known.places.items(), key=lambda item: (item[1].borough, item[1].kind != "borough", item[1].name))
    groups: dict[str, list[Choice]] = {}
    for (kind, slug), place in places:
        selected = current is not None and (place.kind, place.name) == (current["kind"], current["name"])
        label = f"All of {place.name}" if kind == "borough" else place.name
        groups.setdefault(place.borough, []).append(Choice(f"{kind}:{slug}", label, selected))
    return [ChoiceGroup(borough, choices) for borough, choices in groups.items()]


def _labels(query: dict[str, Any], known: Known, today: dt.date) -> dict[str, str]:
    labels: dict[str, str] = {}
    if query["service"]:
        labels["service"] = known.subject_name(service=query["service"], category=None)
    elif query["category"]:
        labels["category"] = known.subject_name(service=None, category=query["category"])
    if query["age_group"]:
        labels["age_group"] = AGE_LABELS.get(query["age_group"], query["age_group"])
    if query["skill_level"]:
        labels["skill_level"] = str(query["skill_level"]).capitalize()
    if query["format"]:
        labels["format"] = FORMAT_LABELS[query["format"]]
    if query["location"]:
        labels["location"] = query["location"]["name"]
    if query["min_price_cents"] is not None or query["max_price_cents"] is not None:
        labels["price"] = _price_label(query["min_price_cents"], query["max_price_cents"])
    if query["date_from"]:
        labels["date"] = _date_label(
            dt.date.fromisoformat(query["date_from"]), dt.date.fromisoformat(query["date_to"]), today
        )
    if query["time_from"] or query["time_to"]:
        labels["time"] = _time_label(query["time_from"], query["time_to"])
    return labels


def _price_label(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"{money(low)}–{money(high)}/h"
    return f"≥ {money(low)}/h" if low is not None else f"≤ {money(high or 0)}/h"


def _date_label(first: dt.date, last: dt.date, today: dt.date) -> str:
    def one(day: dt.date) -> str:
        return {0: "Today", 1: "Tomorrow"}.get((day - today).days, day_label(day))

    return one(first) if first == last else f"{one(first)} – {one(last)}"


def _minutes(hhmm: str | None, default: int) -> int:
    if hhmm is None:
        return default
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _time_label(start: str | None, end: str | None) -> str:
    low, high = _minutes(start, 0), _minutes(end, MINUTES_PER_DAY)
    phrase = time_phrase(low, MINUTES_PER_DAY if high == MINUTES_PER_DAY - 1 else high) or "Any time"
    return phrase[:1].upper() + phrase[1:]


def _values(name: str, query: dict[str, Any]) -> dict[str, str]:
    if name == "date":
        return {"date_from": query["date_from"] or ""}
    if name == "time":
        return {"time_from": query["time_from"] or "", "time_to": query["time_to"] or ""}
    low, high = query["min_price_cents"], query["max_price_cents"]
    return {"min_price": "" if low is None else str(low // 100), "max_price": "" if high is None else str(high // 100)}


def suggestion_links(page: SearchPage, request: SearchRequest) -> list[SuggestionLink]:
    links = []
    for suggestion in page.suggestions:
        changes: dict[str, Any] = {"page": 1}
        if suggestion.kind == "drop":
            dropped = suggestion.params["drop"]
            # Dropping the format is offered only when nobody is found: it counts who teaches.
            noun = "teach it" if dropped == "format" else "free"
            url = search_url(_without(request, dropped))
            links.append(SuggestionLink(suggestion.label, suggestion.count, url, noun=noun))
            continue
        if suggestion.kind == "service":
            url = search_url(replace(request, service=suggestion.params["service"], page=1))
            links.append(SuggestionLink(suggestion.label, suggestion.count, url, noun="teach it"))
            continue
        for key, value in suggestion.params.items():
            changes[key] = dt.date.fromisoformat(value) if key.startswith("date") else dt.time.fromisoformat(value)
        links.append(SuggestionLink(suggestion.label, suggestion.count, search_url(replace(request, **changes))))
    return links


def sort_options(request: SearchRequest) -> list[tuple[str, str, bool]]:
    return [(value, label, value == request.sort) for value, label in SORT_LABELS.items()]


def page_links(page: SearchPage, request: SearchRequest) -> tuple[str | None, str | None]:
    previous = search_url(replace(request, page=page.page - 1)) if page.page > 1 else None
    following = search_url(replace(request, page=page.page + 1)) if page.page < page.pages else None
    return previous, following
