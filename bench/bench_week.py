"""Benchmark the availability editor's API: reading a week (with its ETag) and saving it
(If-Match), server time through Django's whole request stack, against `/healthz` in the
same run. Issue 20's targets: read p95 <= 5 ms, save p95 <= 25 ms.

Run from the repository root (PostgreSQL and Redis as the tests use them):
    .venv/bin/python scripts/with_services.py .venv/bin/python bench/bench_week.py [--rounds 300]

It creates a throwaway database (named for this benchmark), one live instructor with the demo's
weekly pattern, signs them in, and sends the requests in-process (no HTTP server: what is
measured is the server's own time; bench/load.py measures the same calls over HTTP under
load). Each save adds one different hour to the week's first day, so every save writes. API
rate limits are lifted for the run. Exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time as clock
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # runnable as a plain script
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instainstru.settings")
for name in ("API_RATE_READS", "API_RATE_WRITES"):
    os.environ[name] = "1000000/m"  # the limits would refuse a benchmark's pace
# As production runs: DEBUG logs every query and keeps template debug data (~20 % of a read).
os.environ["DEBUG"] = "0"

import django  # noqa: E402

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

TARGET_READ_P95_MS = 5.0
TARGET_SAVE_P95_MS = 25.0


def _instructor() -> User:
    catalog_load(path=settings.DATA_DIR / "catalog.json")
    user = User.objects.create_user(
        email="bench.week@example.com", password=None, first_name="Wen", role=Role.INSTRUCTOR
    )
    profile = InstructorProfile.objects.create(
        user=user, slug="bench-wen", display_name="Wen", status=ProfileStatus.LIVE, went_live_at=timezone.now()
    )
    Offering.objects.create(
        profile=profile, service=Service.objects.get(slug="piano"), duration_options=[60], rate_studio_cents=9000
    )
    return user


def _percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94]


def _timed(call: object) -> float:
    started = clock.perf_counter()
    call()  # type: ignore[operator]
    return (clock.perf_counter() - started) * 1000


def measure(rounds: int) -> bool:
    client = Client()
    client.force_login(_instructor())
    day = timezone.now().date() + timedelta(weeks=6)
    path = f"/api/v1/instructors/me/availability/weeks/{day}"
    for _ in range(20):  # warm code paths and connections
        client.get(path)
        client.get("/healthz")
    reads, saves, health = [], [], []
    for n in range(rounds):
        health.append(_timed(lambda: client.get("/healthz")))
        started = clock.perf_counter()
        read = client.get(path)
        reads.append((clock.perf_counter() - started) * 1000)
        assert read.status_code == 200, read.status_code
        days = [{"date": d["date"], "windows": d["windows"]} for d in read.json()["days"]]
        days[0]["windows"] = [{"start": f"{6 + n % 14:02d}:00", "end": f"{7 + n % 14:02d}:00"}]
        body = json.dumps({"days": days})
        started = clock.perf_counter()
        saved = client.put(path, data=body, content_type="application/json", headers={"If-Match": read["ETag"]})
        saves.append((clock.perf_counter() - started) * 1000)
        assert saved.status_code == 200, saved.content
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    read_queries = len(queries.captured_queries)
    base, read_p, save_p = _percentiles(health), _percentiles(reads), _percentiles(saves)
    print(f"{rounds} rounds on {connection.vendor}")
    print(f"baseline: /healthz      p50 {base[0]:6.2f} ms   p95 {base[1]:6.2f} ms")
    print(f"week read (GET, ETag)   p50 {read_p[0]:6.2f} ms   p95 {read_p[1]:6.2f} ms   {read_queries} queries")
    print(f"week save (PUT, If-Match) p50 {save_p[0]:6.2f} ms   p95 {save_p[1]:6.2f} ms")
    checks = [
        (f"read p95 <= {TARGET_READ_P95_MS:.0f} ms", read_p[1] <= TARGET_READ_P95_MS),
        (f"save p95 <= {TARGET_SAVE_P95_MS:.0f} ms", save_p[1] <= TARGET_SAVE_P95_MS),
    ]
    for label, met in checks:
        print(f"target  {label:<22} {'OK' if met else 'MISSED'}")
    return all(met for _, met in checks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.DATABASES["default"]["TEST"]["NAME"] = "bench_week_instainstru"
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        met = measure(args.rounds)
    finally:
        connection.creation.destroy_test_db(test_name, verbosity=0)
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
