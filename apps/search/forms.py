"""The search page's query string. Lenient, unlike the API: a stale or hand-edited link never
fails — a value that does not validate is left out, and the page says so."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.instructors.models import MAX_RATE_CENTS
from apps.search.criteria import DROPPABLE, FORMATS, SKILL_LEVELS, SORTS, SearchRequest
from apps.search.parser import MAX_QUERY_CHARS

MAX_PAGE = 50
MAX_DOLLARS = MAX_RATE_CENTS // 100


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(value, value) for value in values]


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=MAX_QUERY_CHARS, strip=True)
    service = forms.SlugField(required=False, max_length=60)
    category = forms.SlugField(required=False, max_length=60)
    age_group = forms.SlugField(required=False, max_length=20)
    skill_level = forms.ChoiceField(required=False, choices=_choices(SKILL_LEVELS))
    format = forms.ChoiceField(required=False, choices=_choices(FORMATS))
    # The page writes prices in dollars (readable links); the API's cents work too.
    min_price = forms.IntegerField(required=False, min_value=0, max_value=MAX_DOLLARS)
    max_price = forms.IntegerField(required=False, min_value=0, max_value=MAX_DOLLARS)
    min_price_cents = forms.IntegerField(required=False, min_value=0, max_value=MAX_RATE_CENTS)
    max_price_cents = forms.IntegerField(required=False, min_value=0, max_value=MAX_RATE_CENTS)
    borough = forms.SlugField(required=False, max_length=40)
    neighborhood = forms.SlugField(required=False, max_length=80)
    # The place chip's one select: "neighborhood:park-slope" or "borough:brooklyn".
    place = forms.RegexField(required=False, regex=r"^(borough|neighborhood):[-a-z0-9]+$", max_length=90)
    date_from = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    date_to = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    time_from = forms.TimeField(required=False, input_formats=["%H:%M"])
    time_to = forms.TimeField(required=False, input_formats=["%H:%M"])
    drop = forms.CharField(required=False, max_length=200)
    sort = forms.ChoiceField(required=False, choices=_choices(SORTS))
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    def search_request(self) -> tuple[SearchRequest, list[str]]:
        """The valid parameters as a SearchRequest, and the names of those left out."""
        self.is_valid()
        data: dict[str, Any] = {
            name: value
            for name, value in self.cleaned_data.items()
            if value not in (None, "") and name not in self.errors
        }
        for unit in ("min", "max"):
            dollars = data.pop(f"{unit}_price", None)
            if dollars is not None:
                data[f"{unit}_price_cents"] = dollars * 100
        if place := data.pop("place", None):
            kind, slug = place.split(":")
            data.pop("neighborhood", None)  # the chosen place replaces any other
            data.pop("borough", None)
            data[kind] = slug
        drop = tuple(part for part in data.pop("drop", "").split(",") if part in DROPPABLE)
        return SearchRequest(**data, drop=drop), sorted(self.errors)
