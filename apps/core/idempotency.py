"""Idempotency-Key handling for operations that create things or move money.

The first request with a key records (user, key, request hash) in its own committed
transaction, runs, and stores its response. A retry with the same key and body gets the
stored response; the same key with a different body gets 409. On PostgreSQL, concurrent
requests with one key queue on a session advisory lock, so they too get the first response
(on SQLite, where writers are serialized anyway, a retry that overlaps the first gets 409).
Unexpected crashes release the key so the client can retry.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction

from apps.accounts.models import User
from apps.core.errors import ApplicationError, Conflict, RetryLater, ValidationFailed
from apps.core.models import IdempotencyKey

RETENTION = timedelta(hours=24)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: dict[str, Any]
    replayed: bool


def request_fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


@contextlib.contextmanager
def _key_lock(user: User, key: str) -> Iterator[None]:
    """Hold a PostgreSQL session-level advisory lock for (user, key) across the operation's
    own transactions; no row lock or transaction stays open while it runs."""
    if connection.vendor != "postgresql":
        yield
        return
    digest = hashlib.blake2b(f"idempotency:{user.pk}:{key}".encode(), digest_size=8).digest()
    lock_id = int.from_bytes(digest, "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [lock_id])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_id])


def _claim(user: User, key: str, scope: str, fingerprint: str, now: datetime) -> IdempotencyKey | StoredResponse:
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                user=user, key=key, scope=scope, request_hash=fingerprint, created_at=now
            )
    except IntegrityError:
        existing = IdempotencyKey.objects.get(user=user, key=key)
    if existing.created_at < now - RETENTION:
        existing.delete()  # expired: the key may be used afresh
        return _claim(user, key, scope, fingerprint, now)
    if existing.request_hash != fingerprint or existing.scope != scope:
        raise Conflict("This Idempotency-Key was already used for a different request.")
    if existing.response_status is None:
        raise Conflict("A request with this Idempotency-Key is still being processed. Retry in a moment.")
    assert existing.response_body is not None
    return StoredResponse(status=existing.response_status, body=existing.response_body, replayed=True)


def idempotency_run(
    *,
    user: User,
    key: str | None,
    scope: str,
    body: Any,
    now: datetime,
    operation: Callable[[], tuple[int, dict[str, Any]]],
) -> StoredResponse:
    """Run `operation` at most once per (user, key); without a key it simply runs."""
    if key is None:
        status, payload = operation()
        return StoredResponse(status=status, body=payload, replayed=False)
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed("Invalid Idempotency-Key.", fields={"Idempotency-Key": ["Use 1 to 255 characters."]})
    with _key_lock(user, key):
        return _run_once(user, key, scope, body, now, operation)


def _run_once(
    user: User, key: str, scope: str, body: Any, now: datetime, operation: Callable[[], tuple[int, dict[str, Any]]]
) -> StoredResponse:
    claim = _claim(user, key, scope, request_fingerprint(body), now)
    if isinstance(claim, StoredResponse):
        return claim
    try:
        status, payload = operation()
    except RetryLater:
        # "Try again later" (a rate limit, an outage) is no answer to this request: free the
        # key, so the client's retry after the wait runs instead of replaying the refusal.
        IdempotencyKey.objects.filter(pk=claim.pk).delete()
        raise
    except ApplicationError as exc:
        # A refused request is a result too: a retry must not slip through a second time.
        error_body = {"error": {**exc.extra, "code": exc.code, "message": exc.message, "fields": exc.fields}}
        IdempotencyKey.objects.filter(pk=claim.pk).update(response_status=exc.status, response_body=error_body)
        raise
    except BaseException:
        IdempotencyKey.objects.filter(pk=claim.pk).delete()
        raise
    IdempotencyKey.objects.filter(pk=claim.pk).update(response_status=status, response_body=payload)
    return StoredResponse(status=status, body=payload, replayed=False)
