"""The Idempotency-Key store: exact bytes, refusals kept, and keys that never stay stuck
when their first request died before answering (the database went away, the process was
killed). The suite runs on PostgreSQL, where a dead request's advisory lock is gone and its
claim is taken over at once; the lease path of the embedded SQLite mode is exercised by
apps/bookings/tests/test_sqlite.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apps.accounts.models import User
from apps.core.errors import Conflict
from apps.core.idempotency import idempotency_run, request_fingerprint
from apps.core.models import IdempotencyKey

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


class Counter:
    """An operation that counts its runs and answers with keys in a non-alphabetical order."""

    def __init__(self) -> None:
        self.runs = 0

    def __call__(self) -> tuple[int, dict[str, object]]:
        self.runs += 1
        return 201, {"zeta": self.runs, "alpha": "first", "middle": [3, 1, 2]}


def run(user: User, operation, *, key: str = "k-1", now: datetime = NOW, body: object = None):
    return idempotency_run(user=user, key=key, scope="test_scope", body=body or {"n": 1}, now=now, operation=operation)


def test_the_first_response_and_every_replay_are_the_same_bytes(student: User) -> None:
    operation = Counter()
    first = run(student, operation)
    assert first.content == b'{"zeta": 1, "alpha": "first", "middle": [3, 1, 2]}'
    again = run(student, operation, now=NOW + timedelta(hours=23))
    assert (again.status, again.content, again.replayed) == (201, first.content, True)
    assert operation.runs == 1
    assert IdempotencyKey.objects.get(key="k-1").response_body == first.content.decode()


def test_a_claim_left_by_a_request_that_died_is_taken_over_at_once_and_runs_once(student: User) -> None:
    # What a request leaves when the database dies under it: its claim, unfinished, leased
    # for two more minutes, and no advisory lock (its connection is gone).
    IdempotencyKey.objects.create(
        user=student, key="k-1", scope="test_scope", request_hash=request_fingerprint({"n": 1}), created_at=NOW,
        claim_token="dead-request", locked_until=NOW + timedelta(minutes=2),
    )  # fmt: skip
    operation = Counter()
    retried = run(student, operation, now=NOW + timedelta(seconds=5))
    assert (retried.status, retried.replayed, operation.runs) == (201, False, 1)
    replay = run(student, operation, now=NOW + timedelta(seconds=6))
    assert (replay.content, replay.replayed, operation.runs) == (retried.content, True, 1)
    row = IdempotencyKey.objects.get(key="k-1")
    assert (row.response_status, row.locked_until) == (201, None)
    assert row.claim_token != "dead-request"


def test_an_unexpected_failure_gives_the_key_back_at_once(student: User) -> None:
    def crash() -> tuple[int, dict[str, object]]:
        raise RuntimeError("the worker died")

    with pytest.raises(RuntimeError):
        run(student, crash)
    assert not IdempotencyKey.objects.exists()
    operation = Counter()
    assert run(student, operation).status == 201
    assert operation.runs == 1


def test_a_refusal_is_stored_and_the_same_key_with_another_body_is_refused(student: User) -> None:
    def refuse() -> tuple[int, dict[str, object]]:
        raise Conflict("No.", extra={"alternatives": ["2026-12-03T15:00:00+00:00"]})

    with pytest.raises(Conflict):
        run(student, refuse)
    replay = run(student, Counter())
    assert (replay.status, replay.replayed) == (409, True)
    assert replay.content == (
        b'{"error": {"code": "conflict", "message": "No.", "fields": {}, "alternatives": ["2026-12-03T15:00:00+00:00"]}}'
    )
    with pytest.raises(Conflict, match="already used for a different request"):
        run(student, Counter(), body={"n": 2})
