"""The search entry point shared by the JSON API and the HTML page: parse (cached), apply the
structured parameters, execute (cached), in that order."""

from __future__ import annotations

import time as clock
from datetime import datetime

from apps.core.models import PLATFORM_CONFIG_CACHE_KEY, platform_config_pinned
from apps.search import metrics
from apps.search.cache import parse_cache, results_get, results_key, results_set, search_minute
from apps.search.criteria import SEARCH_ZONE, SearchRequest, criteria_apply, criteria_drop, criteria_from_parse
from apps.search.executor import SearchPage, context_build, search_execute
from apps.search.generation import search_generations
from apps.search.listing import LISTING_KEY, Listing, listing_get
from apps.search.selectors import search_vocabulary_get


def search_results_get(request: SearchRequest, *, now: datetime) -> SearchPage:
    """One page of search results for `request` as of `now` (read once by the caller).
    Raises ValidationFailed for structured parameters that name nothing known."""
    started = clock.perf_counter()
    minute = search_minute(now)
    # The generations are read before any data (see cache.py).
    # The platform configuration (the rating prior) comes in the same round trip.
    generation, found = search_generations(LISTING_KEY, PLATFORM_CONFIG_CACHE_KEY)
    key = results_key(generation, minute, request)
    page: SearchPage | None = results_get(key)
    if page is None:
        listing = listing_get(found.get(LISTING_KEY))
        with platform_config_pinned(found.get(PLATFORM_CONFIG_CACHE_KEY)):
            page = _compute(request, minute, listing)
        results_set(key, page)
        metrics.observe(page, clock.perf_counter() - started, cached=False)
    else:
        metrics.observe(page, clock.perf_counter() - started, cached=True)
    return page


def _compute(request: SearchRequest, now: datetime, listing: Listing) -> SearchPage:
    bundle = search_vocabulary_get()
    today = now.astimezone(SEARCH_ZONE).date()
    parsed = parse_cache.parse(request.q, vocabulary=bundle.vocabulary, today=today)
    criteria = criteria_drop(criteria_from_parse(parsed), request.drop)
    criteria = criteria_apply(criteria, request, bundle.known, today=today)
    point = (request.lat, request.lon) if request.lat is not None and request.lon is not None else None
    ctx = context_build(criteria, bundle.known, listing, now=now, point=point, unparsed=list(parsed.unparsed))
    return search_execute(ctx, sort=request.sort, page=request.page)
