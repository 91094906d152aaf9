"""Hot public reads from the shared cache: one answer per minute and search generation, and
for pages, at the turn of a minute one request computes while the others get the previous
minute's page, never one from before a write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache

from apps.core.public_cache import public_read, public_read_key
from apps.search.cache import search_minute
from apps.search.generation import search_generation, search_generation_bump

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 16, 0, 30, tzinfo=UTC)  # its minute is 16:01 (rounded up)
PARTS = ["polly"]


class Computations:
    """A compute function that says what it was asked."""

    def __init__(self) -> None:
        self.minutes: list[datetime] = []

    def __call__(self, minute: datetime) -> str:
        self.minutes.append(minute)
        return f"page for {minute:%H:%M}"


def _key(now: datetime) -> str:
    return public_read_key("test", PARTS, generation=search_generation(), minute=search_minute(now))


def test_a_minute_is_computed_once_and_then_read() -> None:
    compute = Computations()
    assert public_read("test", PARTS, compute, previous_minute_ok=True, now=NOW) == "page for 16:01"
    assert (
        public_read("test", PARTS, compute, previous_minute_ok=True, now=NOW + timedelta(seconds=20))
        == "page for 16:01"
    )
    assert compute.minutes == [datetime(2026, 6, 1, 16, 1, tzinfo=UTC)]
    assert cache.get(f"{_key(NOW)}:computing") is None  # the computation let go of its turn


def test_while_one_request_computes_the_new_minute_the_others_get_the_previous_one() -> None:
    compute = Computations()
    public_read("test", PARTS, compute, previous_minute_ok=True, now=NOW)
    later = NOW + timedelta(minutes=1)
    cache.add(f"{_key(later)}:computing", 1)  # another request is computing 16:02

    assert public_read("test", PARTS, compute, previous_minute_ok=True, now=later) == "page for 16:01"
    assert len(compute.minutes) == 1

    cache.delete(f"{_key(later)}:computing")  # it finished without storing (or crashed)
    assert public_read("test", PARTS, compute, previous_minute_ok=True, now=later) == "page for 16:02"


def test_nothing_from_before_a_write_is_served_while_computing() -> None:
    compute = Computations()
    public_read("test", PARTS, compute, previous_minute_ok=True, now=NOW)
    search_generation_bump()  # a write: the previous minute's page may show what changed
    later = NOW + timedelta(minutes=1)
    cache.add(f"{_key(later)}:computing", 1)

    assert public_read("test", PARTS, compute, previous_minute_ok=True, now=later) == "page for 16:02"


def test_answers_that_must_be_this_minutes_never_come_from_the_previous_one() -> None:
    """The open-slots API: a booking client takes a listed start as bookable."""
    compute = Computations()
    public_read("test", PARTS, compute, now=NOW)
    later = NOW + timedelta(minutes=1)
    cache.add(f"{_key(later)}:computing", 1)
    assert public_read("test", PARTS, compute, now=later) == "page for 16:02"


def test_without_a_previous_minute_a_waiting_request_computes_itself() -> None:
    compute = Computations()
    cache.add(f"{_key(NOW)}:computing", 1)
    assert public_read("test", PARTS, compute, previous_minute_ok=True, now=NOW) == "page for 16:01"
    assert cache.get(f"{_key(NOW)}:computing") == 1  # not its turn to release
