from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from apps.core.metrics import HTTP_LATENCY, HTTP_REQUESTS

UNMATCHED_ROUTE = "<unmatched>"


class RequestMetricsMiddleware:
    """Counts and times every request per route pattern (not per URL, to keep labels few),
    and adds the content security policy header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = (match.route or match.view_name) if match else UNMATCHED_ROUTE
        method = request.method or "GET"
        HTTP_LATENCY.labels(route=route, method=method).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(route=route, method=method, status=f"{response.status_code // 100}xx").inc()
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response
