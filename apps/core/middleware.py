from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import SuspiciousOperation
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from apps.core.errors import ApplicationError, NotFound, PermissionDenied, RetryLater
from apps.core.limits import serving
from apps.core.metrics import DB_QUERIES, HTTP_LATENCY, HTTP_REQUESTS
from apps.core.request_id import HEADER as REQUEST_ID_HEADER
from apps.core.request_id import request_id_assign

UNMATCHED_ROUTE = "<unmatched>"


class RequestMetricsMiddleware:
    """Counts and times every request per route pattern (not per URL, to keep labels few),
    and adds the content security policy header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started, queries = time.perf_counter(), [0]

        def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            queries[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = (match.route or match.view_name) if match else UNMATCHED_ROUTE
        method = request.method or "GET"
        DB_QUERIES.labels(route=route).observe(queries[0])
        HTTP_LATENCY.labels(route=route, method=method).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(route=route, method=method, status=f"{response.status_code // 100}xx").inc()
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class RequestContextMiddleware:
    """Makes the request being served known to code without a request argument: money
    limits count only web requests, and log lines name the client (apps/core/limits.py).
    Gives the request its id and returns it in the X-Request-ID header (apps/core/request_id.py)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_assign(request)
        with serving(request):
            response = self.get_response(request)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response


class NulInHeader(SuspiciousOperation):
    """A header or cookie (a session token, a session id) holding a NUL byte: no browser sends
    one, and looking it up as a session key would crash the database query. Django answers
    400 (JSON under /api/)."""


def reject_nul_in_headers(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        headers = (value for name, value in request.META.items() if name.startswith("HTTP_"))
        # Cookies are checked once parsed: a quoted cookie can spell NUL as the escape \000.
        if any("\x00" in value for value in (*headers, *request.COOKIES.values())):
            raise NulInHeader("A request header or cookie holds a NUL byte.")
        return get_response(request)

    return middleware


class ApplicationErrorPageMiddleware:
    """Pages: a domain error that escapes a view becomes the matching error page (the API
    maps the same errors to JSON in apps/core/api_errors.py)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ApplicationError):
            return None
        if isinstance(exception, NotFound):
            raise Http404(exception.message) from exception
        if isinstance(exception, PermissionDenied):
            raise DjangoPermissionDenied(exception.message) from exception
        response = render(request, "error.html", {"message": exception.message}, status=exception.status)
        if isinstance(exception, RetryLater):
            response["Retry-After"] = str(exception.retry_after_seconds)
        return response
