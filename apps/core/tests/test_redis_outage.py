"""A Redis outage: the cache answers from process memory, reads keep working, money fails
closed with 503 in the API's error shape, /readyz names what is down, and everything comes
back with Redis. Each test runs its own Redis server and stops it; the shared one is never
touched."""

from __future__ import annotations

import logging
import time

import pytest
import redis
import time_machine
from django.core.cache import cache
from django.test import Client

from apps.accounts.tests.factories import DEFAULT_PASSWORD
from apps.bookings.models import Booking
from apps.bookings.states import BookingStatus
from apps.bookings.tests.conftest import NOW, THURSDAY, local
from apps.core.cache import CacheUnavailable, cache_required
from apps.core.jobs import MONEY_SWEEPS, job_run_record
from apps.core.tests.throwaway_redis import ThrowawayRedis, failover_cache
from apps.payments.models import PaymentMethod

pytestmark = pytest.mark.django_db
OUTAGE_ERROR = {
    "error": {
        "code": "service_unavailable",
        "message": "Payments are paused for a moment. Nothing was changed; please try again shortly.",
        "fields": {},
    }
}
CARD = {"card_number": "5555555555554444"}


def _raw_key(key: str) -> str:
    return cache.make_key(key)


def test_the_cache_answers_from_memory_while_redis_is_down(throwaway_redis: ThrowawayRedis, settings, caplog) -> None:
    settings.CACHES = failover_cache(throwaway_redis, retry_after_seconds=0)
    cache.set("kept", "in redis")
    # A command Redis refuses is a bug to see, not an outage to hide.
    with pytest.raises(redis.exceptions.ResponseError, match="not an integer"):
        cache.incr("kept")
    assert cache.get("kept") == "in redis"
    throwaway_redis.stop()
    with caplog.at_level(logging.WARNING, logger="apps.core.cache"):
        assert cache.get("kept") is None  # Redis's copy is out of reach
        assert cache.add("counter", 1) is True
        assert cache.incr("counter") == 2
        cache.set_many({"a": 1, "b": 2})
        assert cache.get_many(["a", "b", "c"]) == {"a": 1, "b": 2}
        with pytest.raises(ValueError, match="not found"):
            cache.incr("never-set")  # the same contract as Redis
        with pytest.raises(CacheUnavailable), cache_required():
            cache.get("a")
        throwaway_redis.start()
        assert cache.get("a") is None  # Redis again (restarted empty), not the stand-in
        cache.set("kept", "back in redis")
    assert [(r.levelname, r.getMessage().split(" (")[0]) for r in caplog.records] == [
        ("ERROR", f"Redis at {throwaway_redis.url} is unreachable"),
        ("WARNING", f"Redis at {throwaway_redis.url} is reachable again"),
    ]
    assert redis.Redis.from_url(throwaway_redis.url).get(_raw_key("kept")) is not None


def test_after_a_failure_redis_is_left_alone_for_the_retry_window(throwaway_redis: ThrowawayRedis, settings) -> None:
    """An unreachable host costs one connect timeout per window, not one per cache call."""
    window = 2.0
    settings.CACHES = failover_cache(throwaway_redis, retry_after_seconds=window)
    throwaway_redis.stop()
    cache.set("where", "memory")  # fails over, and opens the window
    tripped = time.monotonic()
    throwaway_redis.start()
    redis.Redis.from_url(throwaway_redis.url).set(_raw_key("where"), 7)  # Django stores ints unpickled
    assert time.monotonic() - tripped < window, "redis-server took longer to start than the window"
    assert cache.get("where") == "memory"
    with pytest.raises(CacheUnavailable), cache_required():
        cache.get("where")
    time.sleep(max(0.0, window - (time.monotonic() - tripped)) + 0.05)
    assert cache.get("where") == 7


def _book(client: Client, scene, hour: int):
    payload = {
        "instructor": scene.profile.slug, "service": "piano", "format": "studio", "duration_minutes": 60,
        "starts_at": local(THURSDAY, hour).isoformat(), "payment_method_id": scene.card.pk,
    }  # fmt: skip
    return client.post("/api/v1/bookings", payload, content_type="application/json")


def _cache_check(client: Client) -> tuple[int, dict[str, object]]:
    response = client.get("/readyz")
    return response.status_code, response.json()


@time_machine.travel(NOW, tick=False)
@pytest.mark.usefixtures("fresh_vocabulary")
def test_fault_drill_redis_stops_mid_traffic_and_comes_back(
    throwaway_redis: ThrowawayRedis, settings, client, scene, student, other_student
) -> None:
    settings.CACHES = failover_cache(throwaway_redis, retry_after_seconds=0)
    job_run_record(name=MONEY_SWEEPS, at=NOW)
    client.force_login(student)

    # Redis up: traffic as usual.
    assert client.get("/api/v1/catalog/categories").status_code == 200
    assert client.get("/api/v1/search", {"q": "piano in park slope"}).status_code == 200
    first = _book(client, scene, 10)
    assert first.status_code == 201
    assert _cache_check(client)[0] == 200

    throwaway_redis.stop()

    # Reads keep working, pages and API, and so do ordinary writes and logging in.
    assert client.get("/api/v1/catalog/categories").status_code == 200
    search = client.get("/api/v1/search", {"q": "piano in park slope"})
    assert search.status_code == 200
    assert [r["slug"] for r in search.json()["results"]] == [scene.profile.slug]
    assert [b["id"] for b in client.get("/api/v1/bookings").json()["items"]] == [first.json()["id"]]
    assert client.get("/", {}).status_code == 200
    assert client.get("/search/", {"q": "piano in park slope"}).status_code == 200
    assert client.get(f"/instructors/{scene.profile.slug}/").status_code == 200
    assert client.get("/lessons/").status_code == 200
    assert client.patch("/api/v1/me", {"first_name": "Still"}, content_type="application/json").status_code == 200
    login = Client().post("/accounts/login/", {"login": other_student.email, "password": DEFAULT_PASSWORD})
    assert (login.status_code, login["Location"]) == (302, "/")

    # Money fails closed, in the API's error shape, and changes nothing.
    cards_before = PaymentMethod.objects.count()
    refused = [
        _book(client, scene, 12),
        client.post("/api/v1/me/payment-methods", CARD, content_type="application/json"),
        client.post(f"/api/v1/bookings/{first.json()['id']}/cancellation", {}, content_type="application/json"),
    ]
    assert [(r.status_code, r.json(), r["Retry-After"]) for r in refused] == [(503, OUTAGE_ERROR, "30")] * 3
    page = client.post("/account/settings/cards/", {"card": "5555 5555 5555 4444", "render_key": "drill"})
    assert (page.status_code, page["Retry-After"]) == (503, "30")
    assert OUTAGE_ERROR["error"]["message"] in page.content.decode()
    assert Booking.objects.count() == 1
    assert Booking.objects.get().status == BookingStatus.CONFIRMED
    assert PaymentMethod.objects.count() == cards_before

    # Readiness says what is down.
    assert _cache_check(client) == (
        503,
        {
            "status": "unavailable",
            "checks": {
                "database": {"backend": "postgresql", "state": "up"},
                "cache": {"backend": "redis", "state": "down"},
                "broker": {"backend": "inline", "state": "up"},
                "money_sweeps": {"last_success": NOW.isoformat(), "age_seconds": 0, "state": "up"},
            },
        },
    )

    throwaway_redis.start()

    # Everything recovers.
    assert _cache_check(client)[0] == 200
    second = _book(client, scene, 12)
    assert second.status_code == 201
    cancelled = client.post(f"/api/v1/bookings/{first.json()['id']}/cancellation", {}, content_type="application/json")
    assert cancelled.status_code == 200
    assert sorted(Booking.objects.values_list("status", flat=True)) == sorted(
        [BookingStatus.CANCELLED, BookingStatus.CONFIRMED]
    )
