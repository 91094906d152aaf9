"""Search metrics for /metrics (PRODUCT.md §12): latency, and how often nothing is found."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import Counter, Histogram

if TYPE_CHECKING:
    from apps.search.executor import SearchPage

SEARCH_LATENCY = Histogram(
    "instainstru_search_duration_seconds",
    "Time to answer a search, computed or from the cache.",
    ["cached"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
SEARCHES = Counter("instainstru_searches_total", "Searches answered, by outcome.", ["outcome"])


def observe(page: SearchPage, seconds: float, *, cached: bool) -> None:
    SEARCH_LATENCY.labels(cached=str(cached).lower()).observe(seconds)
    outcome = "zero_results" if page.total == 0 else "relaxed" if page.relaxed else "matched"
    SEARCHES.labels(outcome=outcome).inc()
