"""Prometheus metrics shared by the whole process (scraped at /metrics)."""

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter(
    "instainstru_http_requests_total",
    "HTTP requests by route, method and status class.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "instainstru_http_request_duration_seconds",
    "HTTP request latency by route.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
JOBS_RUN = Counter("instainstru_jobs_total", "Jobs run by task name and outcome.", ["task", "outcome"])
CACHE_FALLBACKS = Counter(
    "instainstru_cache_fallbacks_total",
    "Cache operations answered from process memory because Redis was unreachable.",
    ["operation"],
)
