from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from apps.catalog.selectors import category_list
from apps.core.api_errors import SERVER_ERROR_MESSAGE, error_body
from apps.core.jobs import broker_reachable

logger = logging.getLogger(__name__)

EXAMPLE_QUERIES = [
    "piano for my 7 year old in Park Slope",
    "spanish tutor online under $60",
    "swimming lessons this weekend",
    "SAT prep in the Upper West Side after school",
]


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"categories": category_list(), "example_queries": EXAMPLE_QUERIES})


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check(name: str, probe: object) -> tuple[str, bool]:
    try:
        ok = bool(probe() if callable(probe) else probe)
    except Exception:  # a readiness probe reports failures, it never raises
        logger.exception("readiness check %s failed", name)
        ok = False
    return name, ok


def _database_ok() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        row = cursor.fetchone()
    return row is not None and row[0] == 1


def _cache_ok() -> bool:
    cache.set("readyz", "1", 10)
    return bool(cache.get("readyz") == "1")


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks = dict([_check("database", _database_ok), _check("cache", _cache_ok), _check("broker", broker_reachable)])
    ready = all(checks.values())
    return JsonResponse({"status": "ready" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)


API_PREFIX = "/api/"


def _api_error(request: HttpRequest, *, status: int, message: str) -> JsonResponse | None:
    """Under /api/ an error Django answers itself (no route, a request it refuses, an
    exception outside an operation) is JSON in the API's error format, never a page."""
    if not request.path.startswith(API_PREFIX):
        return None
    return JsonResponse(error_body(status=status, message=message), status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _api_error(request, status=400, message="Bad request.") or defaults.bad_request(request, exception)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _api_error(request, status=404, message="Not found.") or render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _api_error(request, status=500, message=SERVER_ERROR_MESSAGE) or render(request, "500.html", status=500)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    denied = _api_error(request, status=403, message="You are not allowed to do this.")
    return denied or render(request, "403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403.html", {"csrf": True}, status=403)
