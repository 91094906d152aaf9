"""The first minute of a visitor: everyday requests, typed as people type them, against the
default demo city (`seed_demo` as `make run` loads it). Each must find real instructors with
open times; a plain service name must find at least five.

The demo is seeded once for this module, on a pinned clock, inside a transaction that is
rolled back at the end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import Client

from apps.core.demo import demo_seed

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # Wed 2 Dec, 9:00 in New York

PLAIN_SERVICES = [
    "piano", "guitar", "voice lessons", "violin", "drums", "spanish", "french", "mandarin", "esl",
    "math tutor", "sat prep", "reading", "chemistry", "coding", "swimming", "tennis", "yoga", "boxing",
    "martial arts", "chess", "ballet", "hip hop", "salsa", "drawing", "painting", "photography",
]  # fmt: skip
EVERYDAY = [
    "piano lessons",
    "spanish tutor",
    "piano lessons for kids in brooklyn",
    "guitar lessons for my husband",
    "swim lessons for my 6 year old this weekend",
    "spanish tutor online",
    "math tutor in queens",
    "sat prep in manhattan",
    "violin teacher upper west side",
    "drum lessons for a teenager",
    "voice lessons near park slope",
    "french lessons for beginners",
    "mandarin for kids",
    "english classes for adults in the bronx",
    "chess lessons for my 8 year old",
    "tennis coach staten island",
    "yoga instructor williamsburg",
    "boxing lessons astoria",
    "karate for kids in queens",
    "ballet for my 5 year old daughter",
    "hip hop dance classes for teens",
    "salsa lessons this weekend",
    "drawing classes for kids brooklyn",
    "painting lessons tomorrow evening",
    "photography lessons in harlem",
    "coding for kids online",
    "chemistry tutor for high school",
    "reading tutor for my first grader",
    "cheap guitar lessons",
    "piano teacher under $100",
    "personal trainer in long island city",
    "golf lessons",
    "acting classes for adults",
    "cooking class in manhattan",
    "homework help after school",
    "shsat prep",
    "italian lessons online",
    "swimming lessons for adults",
    "pilates near me",
    "learn guitar in bushwick",
    "ukulele lessons for kids",
    "algebra tutor tomorrow",
    "japanese lessons",
    "soccer coach for my son in the bronx",
    "basketball training for teens in brooklyn",
]


@pytest.fixture(scope="module")
def demo_city(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock(), time_machine.travel(NOW, tick=False):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            demo_seed(instructors=None, seed=2026)
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _search(client: Client, q: str) -> dict[str, Any]:
    with time_machine.travel(NOW, tick=False):
        response = client.get("/api/v1/search", {"q": q})
    assert response.status_code == 200, (q, response.content[:300])
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_city")
@pytest.mark.parametrize("q", PLAIN_SERVICES)
def test_a_plain_service_name_finds_at_least_five_with_open_times(client: Client, q: str) -> None:
    body = _search(client, q)
    assert body["query"]["service"] is not None, q
    assert body["total"] >= 5, (q, body["explanation"])
    assert body["relaxed"] == []
    assert all(result["next_slots"] for result in body["results"])


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_city")
@pytest.mark.parametrize("q", EVERYDAY)
def test_an_everyday_request_finds_someone_with_open_times(client: Client, q: str) -> None:
    body = _search(client, q)
    assert body["query"]["service"] is not None or body["query"]["category"] is not None, q
    assert body["total"] >= 1, (q, body["explanation"], body["suggestions"])
    assert body["results"][0]["next_slots"], q
