"""The one domain-error hierarchy. Services raise these; the API and pages map them once."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A failure the user can understand; `code` is stable for API clients. `extra` carries
    what a client needs to recover (e.g. the current version after a stale write); the API
    renders its keys inside the same "error" object."""

    status = 400
    code = "bad_request"

    def __init__(
        self, message: str, *, fields: dict[str, list[str]] | None = None, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.extra = extra or {}


class ValidationFailed(ApplicationError):
    status = 422
    code = "validation_error"


class NotAuthenticated(ApplicationError):
    status = 401
    code = "not_authenticated"


class PermissionDenied(ApplicationError):
    status = 403
    code = "permission_denied"


class TwoFactorRequired(PermissionDenied):
    """A staff account without two-factor authentication, anywhere but setting it up."""

    code = "two_factor_required"


class CsrfFailed(PermissionDenied):
    """A write authenticated by the browser's session cookie without the CSRF token."""

    code = "csrf_failed"


class NotFound(ApplicationError):
    status = 404
    code = "not_found"


class Conflict(ApplicationError):
    status = 409
    code = "conflict"


class PreconditionRequired(ApplicationError):
    """A conditional write sent without its precondition (e.g. a PUT without If-Match)."""

    status = 428
    code = "precondition_required"


class RetryLater(ApplicationError):
    """A refusal that says nothing about the request itself: the same request succeeds later.
    Never stored as an idempotent result, and answered with Retry-After."""

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class RateLimited(RetryLater):
    status = 429
    code = "rate_limited"


class ServiceUnavailable(RetryLater):
    """A dependency this operation cannot run without is down (e.g. Redis for money limits)."""

    status = 503
    code = "service_unavailable"
