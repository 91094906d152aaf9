"""Two saves of the same week from two database connections at once: the writer locks the
instructor and the week's version row, so the second waits for the first, then sees the new
version and gets 409. And a booking re-checked under the instructor lock cannot slip into
time a concurrent save is removing."""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from apps.availability import services
from apps.availability.cells import mask_from_ranges, week_etag
from apps.availability.models import AvailabilityWeek
from apps.availability.services import DayInput, StaleWeek, WindowInput, availability_week_replace
from apps.availability.tests.helpers import stored
from apps.instructors.tests.factories import live_instructor

pytestmark = pytest.mark.django_db(transaction=True)

WEEK = date(2030, 6, 3)  # a Monday well after any clock this test runs under
WAIT_SECONDS = 30  # a safety net against a hang, never part of an assertion


def _blocked_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def test_concurrent_saves_serialize_on_the_week_row_and_exactly_one_wins(instructor, catalog, monkeypatch) -> None:
    profile = live_instructor(user=instructor)
    # The week has been saved before, so its version row exists and both writers read it.
    first_save = [DayInput(date=WEEK, windows=[WindowInput("06:00", "07:00")])]
    seen = availability_week_replace(
        actor=instructor, day=WEEK, days=first_save, if_match=f'"{week_etag(WEEK, [0] * 7)}"', now=timezone.now()
    ).quoted_etag
    holding, release = threading.Event(), threading.Event()
    replace_days = services._replace_week_days

    def first_pauses_holding_the_lock(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name == "first":
            holding.set()
            release.wait(WAIT_SECONDS)
        return replace_days(*args, **kwargs)

    monkeypatch.setattr(services, "_replace_week_days", first_pauses_holding_the_lock)
    outcome: dict[str, str] = {}

    def save(start: str) -> None:
        name = threading.current_thread().name
        try:
            window = [WindowInput(start, "10:00")]
            days = [DayInput(date=WEEK, windows=window)]
            availability_week_replace(actor=instructor, day=WEEK, days=days, if_match=seen, now=timezone.now())
            outcome[name] = "saved"
        except StaleWeek as exc:
            outcome[name] = f"409 {exc.extra['etag']}"
        finally:
            connection.close()  # each thread has its own connection

    first = threading.Thread(target=save, args=("08:00",), name="first")
    first.start()
    assert holding.wait(WAIT_SECONDS)
    second = threading.Thread(target=save, args=("09:00",), name="second")
    second.start()
    # The second save is waiting on the first's lock, not racing it.
    deadline = time.monotonic() + WAIT_SECONDS
    while _blocked_backends() < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _blocked_backends() == 1
    release.set()
    first.join(WAIT_SECONDS)
    second.join(WAIT_SECONDS)

    winner_etag = f'"{week_etag(WEEK, [mask_from_ranges([(8 * 60, 10 * 60)]), 0, 0, 0, 0, 0, 0])}"'
    assert outcome == {"first": "saved", "second": f"409 {winner_etag}"}
    assert stored(profile) == {"2030-06-03": [("08:00", "10:00")]}
    assert AvailabilityWeek.objects.get(instructor=profile).version == 2
