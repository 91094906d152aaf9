"""One error format for the whole JSON API:
``{"error": {"code": …, "message": …, "fields": {…}}}`` with the right status code. Some
errors add keys inside "error" that help the client recover (`ApplicationError.extra`, e.g.
the current version and content after a stale write). An unexpected exception is a 500 in
the same format (logged with its traceback); so are errors Django answers before the API
runs (apps/core/views.py)."""

from __future__ import annotations

import json
import logging
import math
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, ImproperlyConfigured, SuspiciousOperation
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.log import log_response
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled, ValidationError
from ninja.responses import NinjaJSONEncoder
from ninja.throttling import SimpleRateThrottle
from pydantic import ConfigDict

from apps.core.errors import ApplicationError
from apps.core.limits import client_rate_key

logger = logging.getLogger(__name__)

_STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "validation_error",
    428: "precondition_required",
    429: "rate_limited",
    500: "server_error",
    503: "service_unavailable",
}
# Said when the database is unreachable (a restart, a failover): nothing was done, retry.
UNAVAILABLE_MESSAGE = "The service is briefly unavailable. Nothing was changed; try again in a moment."
UNAVAILABLE_RETRY_AFTER = 5
SERVER_ERROR_MESSAGE = "Something went wrong on our side. Please try again later."
JSON_CONTENT_TYPE = "application/json; charset=utf-8"  # as django-ninja answers


def response_bytes(payload: Any) -> bytes:
    """JSON as the API renders it (django-ninja's encoder and defaults), for answers made
    outside django-ninja: a stored Idempotency-Key response replays the same bytes as the
    error handler sent."""
    return json.dumps(payload, cls=NinjaJSONEncoder).encode()


class ErrorBody(Schema):
    model_config = ConfigDict(extra="allow")  # documents the optional recovery keys

    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    error: ErrorBody


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """Declare an operation's error responses in the OpenAPI spec. Every operation of the API
    uses it. Always possible: 400 (a request refused before the API reads it, e.g. a header
    with a NUL byte, or a body that is not JSON), 422 (invalid parameters) and 429 (the
    per-user rate limits cover every operation). The caller names the rest: 401 when it
    needs a login, 403 for a write with one (a browser session without its CSRF token) or a
    role check, and what its service raises."""
    return dict.fromkeys(sorted({*statuses, 400, 422, 429}), ErrorOut)


def error_body(
    *,
    status: int,
    message: str,
    code: str | None = None,
    fields: dict[str, list[str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The one error shape, keys always in this order (a stored response replays these bytes)."""
    error: dict[str, Any] = {"code": code or _STATUS_CODES.get(status, "error"), "message": message}
    error["fields"] = fields or {}
    # Extra keys never replace the three every client relies on.
    error.update({key: value for key, value in (extra or {}).items() if key not in error})
    return {"error": error}


def application_error_body(exc: ApplicationError) -> dict[str, Any]:
    return error_body(status=exc.status, code=exc.code, message=exc.message, fields=exc.fields, extra=exc.extra)


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    *,
    status: int,
    message: str,
    code: str | None = None,
    fields: dict[str, list[str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    body = error_body(status=status, message=message, code=code, fields=fields, extra=extra)
    return api.create_response(request, body, status=status)


def _validation_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        # loc is like ("body", "payload", "email") or ("query", "page"): the last
        # meaningful parts name the field for the client.
        loc = [str(part) for part in error.get("loc", ()) if part not in {"body", "payload", "query", "path"}]
        fields.setdefault(".".join(loc) or "__all__", []).append(str(error.get("msg", "Invalid value.")))
    return fields


def install_error_handlers(api: NinjaAPI) -> None:
    def on_application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        response = api.create_response(request, application_error_body(exc), status=exc.status)
        retry_after = getattr(exc, "retry_after_seconds", None)
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response

    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error_response(
            api,
            request,
            status=422,
            message="Some fields are missing or invalid.",
            fields=_validation_fields(list(exc.errors)),
        )

    def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(api, request, status=401, message="Log in to do this.")

    def on_authorization_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return error_response(api, request, status=403, message="You are not allowed to do this.")

    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, status=404, message="Not found.")

    def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        wait = math.ceil(exc.wait or 60)
        logger.warning("API rate limit: %s %s refused for %s s", request.method, request.path, wait)
        response = error_response(api, request, status=429, message=f"Too many requests. Try again in {wait} seconds.")
        response["Retry-After"] = str(wait)
        return response

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return error_response(api, request, status=exc.status_code, message=str(exc))

    def on_database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
        response = error_response(api, request, status=503, message=UNAVAILABLE_MESSAGE)
        response["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
        return response

    def on_refused(request: HttpRequest, exc: BadRequest | SuspiciousOperation) -> HttpResponse:
        # Django answers these 400 (e.g. more query parameters than DATA_UPLOAD_MAX_NUMBER_FIELDS).
        return error_response(api, request, status=400, message="Bad request.")

    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        # What Django does for an uncaught exception (error reporters and the test client
        # listen to this signal; the log line carries the traceback), answered in our format.
        got_request_exception.send(sender=None, request=request)
        response = error_response(api, request, status=500, message=SERVER_ERROR_MESSAGE)
        log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request, exception=exc)
        return response

    api.add_exception_handler(ApplicationError, on_application_error)  # type: ignore[arg-type]
    api.add_exception_handler(ValidationError, on_validation_error)  # type: ignore[arg-type]
    api.add_exception_handler(AuthenticationError, on_authentication_error)  # type: ignore[arg-type]
    api.add_exception_handler(AuthorizationError, on_authorization_error)  # type: ignore[arg-type]
    api.add_exception_handler(Http404, on_not_found)  # type: ignore[arg-type]
    api.add_exception_handler(Throttled, on_throttled)  # type: ignore[arg-type]
    api.add_exception_handler(HttpError, on_http_error)  # type: ignore[arg-type]
    # The database went away mid-request (restart, failover, connection dropped): a transient
    # 503 the client may retry with the same Idempotency-Key, never an HTML 500.
    api.add_exception_handler(OperationalError, on_database_unavailable)  # type: ignore[arg-type]
    api.add_exception_handler(InterfaceError, on_database_unavailable)  # type: ignore[arg-type]
    api.add_exception_handler(BadRequest, on_refused)  # type: ignore[arg-type]
    api.add_exception_handler(SuspiciousOperation, on_refused)  # type: ignore[arg-type]
    api.add_exception_handler(Exception, on_unexpected)  # type: ignore[arg-type]


class MethodRateThrottle(SimpleRateThrottle):
    """Per-user (or per client address when anonymous, see `client_ip`) limit for either
    reads or writes, counted in fixed windows of the rate's period: one counter per caller
    and window, one cache round trip a request whatever the rate. (ninja's own throttle keeps
    a log of every request's time in the window, read and written back whole each request:
    ~36,000 entries for a caller making 600 requests a second.) A caller may spend a window's allowance at its
    end and the next one's at the start, the usual price of fixed windows."""

    SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(self, *, scope: str, reads: bool) -> None:
        self.scope = scope
        self.reads = reads
        super().__init__(settings.API_RATE_LIMITS[scope])
        allowance, period = self.parse_rate(self.rate)
        if allowance is None or period is None:
            raise ImproperlyConfigured(f"API_RATE_LIMITS[{scope!r}] must look like 120/m")
        self.allowance, self.period = allowance, period
        self.retry_in = float(period)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        if (request.method in self.SAFE_METHODS) != self.reads:
            return None
        user = getattr(request, "auth", None) or getattr(request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            ident = f"u{user.pk}"
        else:
            ident = f"ip{client_rate_key(request)}"
        return f"throttle:{self.scope}:{ident}"

    def allow_request(self, request: HttpRequest) -> bool:
        key = self.get_cache_key(request)
        if key is None:
            return True
        now = time.time()
        window = int(now // self.period)
        self.retry_in = (window + 1) * self.period - now
        return self._count(f"{key}:{window}") <= self.allowance

    def _count(self, counter: str) -> int:
        try:
            return int(self.cache.incr(counter))
        except ValueError:  # the window's first request
            if self.cache.add(counter, 1, timeout=self.period + 1):
                return 1
            return int(self.cache.incr(counter))  # another request added it first

    def wait(self) -> float:
        return self.retry_in
