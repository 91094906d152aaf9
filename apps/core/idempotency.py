"""Idempotency-Key handling for operations that create things or move money.

The first request with a key claims (user, key) with the request's hash in its own committed
transaction, runs, and stores its response body as the very bytes it sent. A retry with the
same key and body gets those bytes again (a refusal is a result too); the same key with
another body gets 409. Responses are kept 24 h.

A claim is a short lease (settings.IDEMPOTENCY_LEASE_SECONDS). A request that ends without
storing its response gives the key back at once; when it cannot (the database went away
mid-request, the process was killed) its unfinished claim is taken over by a retry:

* on PostgreSQL at once: requests with one key queue on a session advisory lock held for the
  whole run, so a request that holds the lock and finds an unfinished claim knows the owner
  is gone (a dropped connection drops its locks);
* elsewhere (SQLite, the embedded mode) once the lease has lapsed; until then a retry that
  overlaps the first gets 409 with Retry-After.

A takeover runs the operation again, so an operation must be safe to repeat after a crash:
booking creation finds the booking its key already made (apps/bookings/services.py), and the
policy actions refuse a second run through their state machines.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.http import HttpResponse

from apps.accounts.models import User
from apps.core.api_errors import JSON_CONTENT_TYPE, application_error_body, response_bytes
from apps.core.errors import ApplicationError, Conflict, RetryLater, ValidationFailed
from apps.core.models import IdempotencyKey

logger = logging.getLogger(__name__)

RETENTION = timedelta(hours=24)
MAX_KEY_LENGTH = 255


class RequestInProgress(Conflict):
    """Another request with this key is still running (or died less than a lease ago)."""

    code = "request_in_progress"

    def __init__(self, *, retry_after_seconds: int) -> None:
        super().__init__("A request with this Idempotency-Key is still being processed. Retry in a moment.")
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True)
class StoredResponse:
    status: int
    content: bytes  # the body exactly as first sent (JSON)
    replayed: bool

    def data(self) -> Any:
        return json.loads(self.content)


def api_response(stored: StoredResponse) -> HttpResponse:
    """The stored bytes as the API's answer; a replay says so in a header."""
    response = HttpResponse(stored.content, status=stored.status, content_type=JSON_CONTENT_TYPE)
    if stored.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def stored_refusal(stored: StoredResponse) -> ApplicationError:
    """A stored refusal (an API error body) as the domain error it was, for pages to say."""
    error = dict(stored.data()["error"])
    code, message, fields = error.pop("code"), error.pop("message"), error.pop("fields")
    refusal = ApplicationError(message, fields=fields, extra=error)
    refusal.status, refusal.code = stored.status, code
    return refusal


def request_fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


@contextlib.contextmanager
def _key_lock(user: User, key: str) -> Iterator[bool]:
    """Hold a PostgreSQL session-level advisory lock for (user, key) across the operation's
    own transactions (no row lock or transaction stays open while it runs). Yields whether
    the lock is held, i.e. whether no other request with this key can be running."""
    if connection.vendor != "postgresql":
        yield False
        return
    digest = hashlib.blake2b(f"idempotency:{user.pk}:{key}".encode(), digest_size=8).digest()
    lock_id = int.from_bytes(digest, "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [lock_id])
    try:
        yield True
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_id])
        except DatabaseError:
            # The connection is gone, and its session locks with it; keep the first error.
            logger.warning("idempotency: advisory unlock failed for key of user %s", user.pk)


@dataclass(frozen=True)
class _Claim:
    pk: int
    token: str


def _lease() -> timedelta:
    return timedelta(seconds=settings.IDEMPOTENCY_LEASE_SECONDS)


def _claim(
    user: User, key: str, scope: str, fingerprint: str, now: datetime, *, exclusive: bool
) -> _Claim | StoredResponse:
    token = uuid.uuid4().hex
    try:
        with transaction.atomic():
            row = IdempotencyKey.objects.create(
                user=user, key=key, scope=scope, request_hash=fingerprint, created_at=now, claim_token=token,
                locked_until=now + _lease(),
            )  # fmt: skip
            return _Claim(row.pk, token)
    except IntegrityError:
        existing = IdempotencyKey.objects.get(user=user, key=key)
    if existing.created_at < now - RETENTION:
        existing.delete()  # expired: the key may be used afresh
        return _claim(user, key, scope, fingerprint, now, exclusive=exclusive)
    if existing.request_hash != fingerprint or existing.scope != scope:
        raise Conflict("This Idempotency-Key was already used for a different request.")
    if existing.response_status is not None:
        return StoredResponse(status=existing.response_status, content=existing.response_body.encode(), replayed=True)
    return _take_over(existing, token, now, exclusive=exclusive)


def _take_over(existing: IdempotencyKey, token: str, now: datetime, *, exclusive: bool) -> _Claim:
    """Claim a key whose first request never finished, when its owner is known to be gone."""
    lease_left = (existing.locked_until - now).total_seconds() if existing.locked_until else 0.0
    if not exclusive and lease_left > 0:
        raise RequestInProgress(retry_after_seconds=math.ceil(lease_left))
    # Compare-and-set on the old token: of two retries racing here, one wins.
    taken = IdempotencyKey.objects.filter(
        pk=existing.pk, claim_token=existing.claim_token, response_status__isnull=True
    ).update(claim_token=token, locked_until=now + _lease())
    if not taken:
        raise RequestInProgress(retry_after_seconds=math.ceil(_lease().total_seconds()))
    logger.info("idempotency: took over the unfinished claim %s", existing.pk)
    return _Claim(existing.pk, token)


def _finish(claim: _Claim, status: int, content: bytes) -> None:
    # Filtered on our token: a claim taken over meanwhile keeps its new owner's result.
    IdempotencyKey.objects.filter(pk=claim.pk, claim_token=claim.token).update(
        response_status=status, response_body=content.decode(), locked_until=None
    )


def _release(claim: _Claim) -> None:
    """Give the key back after an unexpected failure so the client can retry at once. When
    the database itself failed this fails too; the lease (or the dropped lock) frees it."""
    try:
        IdempotencyKey.objects.filter(pk=claim.pk, claim_token=claim.token, response_status__isnull=True).delete()
    except DatabaseError:
        logger.warning("idempotency: could not release claim %s; it frees itself", claim.pk)


def idempotency_run(
    *,
    user: User,
    key: str | None,
    scope: str,
    body: Any,
    now: datetime,
    operation: Callable[[], tuple[int, Any]],
) -> StoredResponse:
    """Run `operation` (returning a status and a JSON-serializable payload) at most once per
    (user, key); without a key it simply runs. A refusal (ApplicationError) is stored as its
    API error body and re-raised."""
    if key is None:
        status, payload = operation()
        return StoredResponse(status=status, content=response_bytes(payload), replayed=False)
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed("Invalid Idempotency-Key.", fields={"Idempotency-Key": ["Use 1 to 255 characters."]})
    with _key_lock(user, key) as exclusive:
        claim = _claim(user, key, scope, request_fingerprint(body), now, exclusive=exclusive)
        if isinstance(claim, StoredResponse):
            return claim
        return _run_claimed(claim, operation)


def _run_claimed(claim: _Claim, operation: Callable[[], tuple[int, Any]]) -> StoredResponse:
    try:
        status, payload = operation()
    except RetryLater:
        # "Try again later" (a rate limit, an outage) is no answer to this request: free the
        # key, so the client's retry after the wait runs instead of replaying the refusal.
        _release(claim)
        raise
    except ApplicationError as exc:
        # A refused request is a result too: a retry must not slip through a second time.
        _finish(claim, exc.status, response_bytes(application_error_body(exc)))
        raise
    except BaseException:
        _release(claim)
        raise
    content = response_bytes(payload)
    _finish(claim, status, content)
    return StoredResponse(status=status, content=content, replayed=False)


def page_run_once(
    *,
    user: User,
    key: str | None,
    scope: str,
    body: Any,
    now: datetime,
    run: Callable[[], dict[str, Any]],
    already_sent: str,
) -> dict[str, Any]:
    """A page form's action, once per rendered form. The form carries a key made when it was
    rendered (a hidden field), so a second submit (a double click, a retry after a lost
    response) gets the first result: its payload, or its refusal raised again. A conflict
    about the key itself (still running, or sent again with other choices) is said as
    `already_sent`."""
    ran = False

    def operation() -> tuple[int, dict[str, Any]]:
        nonlocal ran
        ran = True
        return 200, run()

    try:
        stored = idempotency_run(user=user, key=key or None, scope=scope, body=body, now=now, operation=operation)
    except Conflict as exc:
        if ran:
            raise
        raise Conflict(already_sent) from exc
    if stored.status >= 400:
        raise stored_refusal(stored)
    result: dict[str, Any] = stored.data()
    return result
