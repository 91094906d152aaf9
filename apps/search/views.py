"""The search page, /search/?q=…: the same search as the JSON API, as cards with next slots.

An HTMX request (a chip, a suggestion, the sort or a page link) gets only the results region
and pushes the canonical URL; the same URL always renders the full page, so Back, reload and
shared links show what the visitor chose.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url
from django_htmx.middleware import HtmxDetails

from apps.core.errors import ValidationFailed
from apps.search.criteria import SEARCH_ZONE, SearchRequest
from apps.search.executor import SearchPage
from apps.search.forms import SearchForm
from apps.search.page import chips, page_links, search_url, sort_options, suggestion_links, url_params
from apps.search.results import search_results_get
from apps.search.selectors import search_vocabulary_get

HTMX_VARY = ("HX-Request", "HX-Target", "HX-History-Restore-Request")
RESULTS_TARGET = "search-results"
MAX_ROUNDS = 3


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _search(search: SearchRequest, ignored: list[str], now: datetime) -> tuple[SearchPage, SearchRequest, list[str]]:
    """Run the search; parameters naming nothing known (an old link's service, a typo'd
    borough) are left out rather than failing the page. Clearing one can expose another
    (a date_to before today once date_from is gone), hence a few rounds: each clears at
    least one parameter, so they end."""
    left_out = set(ignored)
    for _ in range(MAX_ROUNDS):
        try:
            return search_results_get(search, now=now), search, sorted(left_out)
        except ValidationFailed as exc:
            cleared: dict[str, Any] = {name: None for name in exc.fields if hasattr(search, name)}
            search = replace(search, **cleared)
            left_out |= set(exc.fields)
    search = SearchRequest(q=search.q, sort=search.sort)
    return search_results_get(search, now=now), search, sorted(left_out)


@require_safe
@vary_on_headers(*HTMX_VARY)
def search_page(request: HtmxHttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    search, ignored = form.search_request()
    now = timezone.now()  # once per request: the results and the chips' "Today" agree
    page, search, ignored = _search(search, ignored, now)
    context = _context(page, search, ignored, now)
    if request.htmx.target == RESULTS_TARGET and not request.htmx.history_restore_request:
        response = render(request, "search/_partial.html", context)
        return push_url(response, context["canonical_url"])
    return render(request, "search/search.html", context)


def _context(page: SearchPage, search: SearchRequest, ignored: list[str], now: datetime) -> dict[str, Any]:
    known = search_vocabulary_get().known
    today = now.astimezone(SEARCH_ZONE).date()
    previous_url, next_url = page_links(page, search)
    count = page.total
    return {
        "page": page,
        "search": search,
        "q": search.q,
        "chips": chips(page, search, known, today=today),
        "suggestions": suggestion_links(page, search),
        "sorts": sort_options(search),
        "sort_hidden": [(k, v) for k, v in url_params(search).items() if k not in ("sort", "page")],
        "previous_url": previous_url,
        "next_url": next_url,
        "canonical_url": search_url(search),
        "ignored": ignored,
        "count_text": f"{count}{'' if page.total_exact else '+'} instructor{pluralize(count)}",
        "status": f"{count} instructor{pluralize(count)} found" if count else "No instructors found",
    }
