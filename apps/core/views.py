from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views import defaults
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from apps.catalog.selectors import category_list
from apps.core.api_errors import (
    JSON_CONTENT_TYPE,
    SERVER_ERROR_MESSAGE,
    UNAVAILABLE_MESSAGE,
    UNAVAILABLE_RETRY_AFTER,
    error_body,
    response_bytes,
)
from apps.core.cache import cache_backend, cache_required
from apps.core.jobs import MONEY_SWEEPS, broker_backend, broker_reachable, job_last_success
from apps.core.limits import client_address
from apps.core.request_id import request_id_of

logger = logging.getLogger(__name__)
# Until the first money sweep succeeds, its age counts from when this process started.
PROCESS_STARTED_AT = timezone.now()

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


def _state(name: str, probe: Callable[[], object]) -> str:
    try:
        up = bool(probe())
    except Exception:  # a readiness probe reports failures, it never raises
        logger.exception("readiness check %s failed", name)
        up = False
    return "up" if up else "down"


def _database_ok() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        row = cursor.fetchone()
    return row is not None and row[0] == 1


def _cache_ok() -> bool:
    with cache_required():  # the stand-in memory cache would always answer
        cache.set("readyz", "1", 10)
        return bool(cache.get("readyz") == "1")


def _money_sweeps_check() -> dict[str, object]:
    """Down when the money sweeps have not succeeded for MONEY_SWEEPS_MAX_AGE seconds: the
    scheduler or the workers are down, or a sweep keeps failing."""
    try:
        last = job_last_success(name=MONEY_SWEEPS)
    except Exception:  # the database check reports that; this one just can't tell
        logger.exception("readiness check money_sweeps failed")
        return {"last_success": None, "age_seconds": None, "state": "down"}
    age = max(0, int((timezone.now() - (last or PROCESS_STARTED_AT)).total_seconds()))
    state = "up" if age <= settings.MONEY_SWEEPS_MAX_AGE else "down"
    return {"last_success": last.isoformat() if last else None, "age_seconds": age, "state": state}


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Each dependency, what it is and whether it answers; 503 when any is down. The site
    keeps serving reads through a Redis outage (apps/core/cache.py): this says what is down."""
    checks: dict[str, dict[str, object]] = {
        "database": {"backend": connection.vendor, "state": _state("database", _database_ok)},
        "cache": {"backend": cache_backend(), "state": _state("cache", _cache_ok)},
        "broker": {"backend": broker_backend(), "state": _state("broker", broker_reachable)},
        "money_sweeps": _money_sweeps_check(),
    }
    ready = all(check["state"] == "up" for check in checks.values())
    return JsonResponse({"status": "ready" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


def _metrics_allowed(request: HttpRequest) -> bool:
    """A bearer METRICS_TOKEN, or a client in METRICS_ALLOWED_NETWORKS. With neither set,
    /metrics is open outside production and closed in it."""
    token, networks = settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS
    if not token and not networks:
        return not settings.PRODUCTION
    sent = request.headers.get("Authorization", "")
    if token and constant_time_compare(sent, f"Bearer {token}"):
        return True
    address = client_address(request)
    return address is not None and any(address in network for network in networks)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not _metrics_allowed(request):
        raise Http404  # process internals: to anyone else the page does not exist
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)
    # Several processes: add up what each one wrote to the shared directory.
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


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
    # Django calls this inside its `except` block, so the exception is at hand.
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return _database_unavailable(request)
    # The request id (also in the X-Request-ID header and every log line) lets support find
    # this failure in the logs from what the user reads off the page.
    return _api_error(request, status=500, message=SERVER_ERROR_MESSAGE) or render(
        request, "500.html", {"request_id": request_id_of(request)}, status=500
    )


def _database_unavailable(request: HttpRequest) -> HttpResponse:
    """The database went away before a view could answer (e.g. while a middleware loaded
    the session): 503, in the API's JSON shape under /api/, else a page rendered without
    the request's context processors (they would query the database again)."""
    response: HttpResponse
    if request.path.startswith("/api/"):
        body = response_bytes(error_body(status=503, message=UNAVAILABLE_MESSAGE))
        response = HttpResponse(body, status=503, content_type=JSON_CONTENT_TYPE)
    else:
        response = HttpResponse(render_to_string("503.html", {"message": UNAVAILABLE_MESSAGE}), status=503)
    response["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
    return response


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    denied = _api_error(request, status=403, message="You are not allowed to do this.")
    return denied or render(request, "403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403.html", {"csrf": True}, status=403)
