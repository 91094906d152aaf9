"""Benchmark demo availability seeding (`seed_availability`) for 10,000 instructors.

Run from the repository root against PostgreSQL (as the tests do):
    .venv/bin/python scripts/with_services.py .venv/bin/python bench/bench_availability.py [--instructors N]
or against SQLite with DATABASE_URL=sqlite:////tmp/bench.sqlite3. It creates a throwaway
database (Django's test-database machinery), seeds users and instructor profiles first
(untimed), then times the availability step alone, and drops the database at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # runnable as a plain script
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instainstru.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from apps.availability.demo import seed_availability  # noqa: E402
from apps.availability.models import AvailabilityDay, AvailabilityWeek  # noqa: E402
from apps.catalog.services import catalog_load  # noqa: E402
from apps.core.demo import DemoContext, seed_users  # noqa: E402
from apps.instructors.demo import seed_instructor_profiles  # noqa: E402
from apps.search.gazetteer import gazetteer_load  # noqa: E402

TARGET_SECONDS = 10.0


def run(instructors: int, seed: int) -> None:
    catalog_load(path=settings.DATA_DIR / "catalog.json")
    gazetteer_load(data_dir=settings.DATA_DIR)
    ctx = DemoContext(rng=random.Random(seed), instructor_count=instructors, password_hash=make_password("bench"))
    with transaction.atomic():
        started = clock.perf_counter()
        seed_users(ctx)
        seed_instructor_profiles(ctx)
        before = clock.perf_counter()
        seed_availability(ctx)
        elapsed = clock.perf_counter() - before
    print(f"database: {connection.vendor}; users + profiles (untimed setup): {before - started:.1f} s")
    print(
        f"seed_availability: {instructors} instructors in {elapsed:.2f} s "
        f"({AvailabilityDay.objects.count()} day rows, {AvailabilityWeek.objects.count()} week rows); "
        f"target < {TARGET_SECONDS:.0f} s: {'ok' if elapsed < TARGET_SECONDS else 'SLOW'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--instructors", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        run(args.instructors, args.seed)
    finally:
        connection.creation.destroy_test_db(test_name, verbosity=0)


if __name__ == "__main__":
    main()
