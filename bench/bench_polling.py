"""Benchmark what an idle open conversation costs the server: the HTMX poll every 2 s that
answers 304 when nothing changed, against a plain `/healthz` request (the cheapest route
through the same middleware) and against reloading the thread page (what polling saves).

Run from the repository root (PostgreSQL and Redis as the tests use them):
    .venv/bin/python scripts/with_services.py .venv/bin/python bench/bench_polling.py [--requests 2000] [--messages 200]

It creates a throwaway database (named for this benchmark, so no other run's test database
is touched), a student and an instructor with a thread of `--messages` messages, signs the
instructor in, and sends requests in-process through Django's full request stack (sessions,
authentication, middleware), measuring wall time, CPU time and database queries of each.
Exits non-zero when an idle poll is not a bodiless 304 or takes more than 3 queries.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time as clock
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # runnable as a plain script
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instainstru.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.models import Role, User  # noqa: E402
from apps.catalog.models import Service  # noqa: E402
from apps.catalog.services import catalog_load  # noqa: E402
from apps.instructors.models import InstructorProfile, Offering  # noqa: E402
from apps.instructors.states import ProfileStatus  # noqa: E402
from apps.messaging.services import conversation_start, message_send  # noqa: E402

POLL_SECONDS = 2
MAX_IDLE_QUERIES = 3  # session, user, the thread row


def _scene(messages: int) -> tuple[User, str]:
    catalog_load(path=settings.DATA_DIR / "catalog.json")
    student = User.objects.create_user(email="bench.student@example.com", password=None, first_name="Sam")
    teacher = User.objects.create_user(
        email="bench.teacher@example.com", password=None, first_name="Ines", role=Role.INSTRUCTOR
    )
    profile = InstructorProfile.objects.create(
        user=teacher, slug="bench-ines", display_name="Ines", status=ProfileStatus.LIVE, went_live_at=timezone.now()
    )
    Offering.objects.create(
        profile=profile, service=Service.objects.get(slug="piano"), duration_options=[60], rate_studio_cents=9000
    )
    start = timezone.now() - timedelta(days=1)
    first = conversation_start(actor=student, instructor_slug=profile.slug, body="Question 0", now=start)
    thread_id = first.conversation.public_id
    for n in range(1, messages):
        sender = student if n % 2 == 0 else teacher
        message_send(actor=sender, conversation_id=thread_id, body=f"Message {n} " + "la " * 40, now=start)
    return teacher, str(thread_id)


def _measure(name: str, call: Callable[[], object], count: int) -> dict[str, float]:
    for _ in range(20):  # warm caches, templates and connections
        call()
    walls, cpus = [], []
    with CaptureQueriesContext(connection) as queries:
        for _ in range(count):
            wall, cpu = clock.perf_counter(), clock.process_time()
            call()
            walls.append((clock.perf_counter() - wall) * 1000)
            cpus.append((clock.process_time() - cpu) * 1000)
    walls.sort()
    return {
        "p50": statistics.median(walls),
        "p95": walls[int(len(walls) * 0.95) - 1],
        "cpu": statistics.mean(cpus),
        "queries": len(queries) / count,
        "name": name,  # type: ignore[dict-item]
    }


def run(count: int, messages: int) -> int:
    teacher, thread_id = _scene(messages)
    client = Client()
    client.force_login(teacher)
    poll_url, page_url = f"/messages/{thread_id}/poll/", f"/messages/{thread_id}/"
    first = client.get(poll_url, HTTP_HX_REQUEST="true")
    etag = first["ETag"]
    idle = client.get(poll_url, HTTP_IF_NONE_MATCH=etag, HTTP_HX_REQUEST="true")
    if idle.status_code != 304 or idle.content:
        print(f"FAIL: an idle poll answered {idle.status_code} with {len(idle.content)} bytes")
        return 1
    rows = [
        _measure("idle poll (304)", lambda: client.get(poll_url, HTTP_IF_NONE_MATCH=etag), count),
        _measure("baseline: /healthz", lambda: client.get("/healthz"), count),
        _measure("poll with news (200, full list)", lambda: client.get(poll_url), max(count // 10, 50)),
        _measure("thread page reload", lambda: client.get(page_url), max(count // 10, 50)),
    ]
    print(f"{messages} messages in the thread; one poll every {POLL_SECONDS} s per open conversation\n")
    print(f"{'request':34} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms':>8} {'queries':>8}")
    for row in rows:
        print(f"{row['name']:34} {row['p50']:8.2f} {row['p95']:8.2f} {row['cpu']:8.2f} {row['queries']:8.1f}")
    idle_row, base = rows[0], rows[1]
    per_core = 1000 / idle_row["cpu"] * POLL_SECONDS
    print(f"\nidle poll / healthz: {idle_row['p50'] / base['p50']:.1f}x (p50)")
    print(f"idle poll / page reload: {idle_row['p50'] / rows[3]['p50']:.2f}x (p50)")
    print(f"one core keeps about {per_core:,.0f} idle conversations open (CPU ms per poll, {POLL_SECONDS} s period)")
    if idle_row["queries"] > MAX_IDLE_QUERIES:
        print(f"FAIL: an idle poll takes {idle_row['queries']:.1f} queries (target ≤ {MAX_IDLE_QUERIES})")
        return 1
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_polling_{os.getpid()}"
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        status = run(args.requests, args.messages)
    finally:
        connection.close()
        connection.creation.destroy_test_db(test_name, verbosity=0)
    sys.exit(status)


if __name__ == "__main__":
    main()
