"""Booking work the test suite runs outside its own database (which is PostgreSQL): in a
child process against a database of its own, an SQLite file or a throwaway PostgreSQL
server the test can stop and start.

The child side runs as `python -m apps.bookings.tests.outside <command>` with
DJANGO_SETTINGS_MODULE=instainstru.settings and DATABASE_URL set by `run_outside`; it
migrates that database, does its work with the real services and prints one JSON line.

* `sqlite-race`: on SQLite, 8 threads book one student with 8 instructors at the same
  instant; then a reschedule into that lesson's time, and an Idempotency-Key whose request
  died (its claim's lease, the embedded mode's only way to free it);
* `drill-scene`: an instructor open every day of the coming week and students with cards,
  for the PostgreSQL fault drill (apps/bookings/tests/test_fault_drill.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from scripts.with_services import find_postgres_bin, free_port

BASE_DIR = Path(__file__).resolve().parents[3]


# --- the parent side -----------------------------------------------------------------------


def child_env(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a child process: its own database, in-process cache and jobs (no
    Redis, so nothing is shared with the suite), no debug pages, emails kept in memory."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("REDIS_", "PYTEST_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="instainstru.settings", INSTAINSTRU_ENV="development", DEBUG="false",
        DATABASE_URL=database_url, EMAIL_URL="locmem:", JOBS_MODE="inline", VAR_DIR=str(var_dir),
        LOG_LEVEL="WARNING",
    )  # fmt: skip
    env.update(extra)
    return env


def run_outside(command: str, env: dict[str, str], *, timeout: float = 120) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "apps.bookings.tests.outside", command],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


class ThrowawayPostgres:
    """A PostgreSQL server of the test's own, started from the installed binaries as
    scripts/with_services.py does (never the shared one), that the test may crash and start
    again."""

    def __init__(self, workdir: Path) -> None:
        initdb, pg_ctl = find_postgres_bin("initdb"), find_postgres_bin("pg_ctl")
        if not (initdb and pg_ctl):
            raise RuntimeError("The drill needs the PostgreSQL binaries (Debian: apt-get install postgresql).")
        self.pg_ctl, self.workdir, self.data, self.port = pg_ctl, workdir, workdir / "pgdata", free_port()
        self.run_as = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []  # initdb refuses root
        if self.run_as:
            shutil.chown(workdir, user="nobody")
        subprocess.run(
            [*self.run_as, initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            [*self.run_as, self.pg_ctl, "-D", str(self.data), "-o", opts, "-l", str(self.workdir / "pg.log"), "-w",
             "start"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    def crash(self) -> None:
        """Stop at once, as a crash would: open connections are cut mid-transaction."""
        subprocess.run(
            [*self.run_as, self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop"],
            check=False, stdout=subprocess.DEVNULL,
        )  # fmt: skip


# --- the child side ------------------------------------------------------------------------


def _migrate_and_load_catalog() -> None:
    from django.conf import settings
    from django.core.management import call_command

    from apps.catalog.services import catalog_load

    call_command("migrate", verbosity=0)
    catalog_load(path=settings.DATA_DIR / "catalog.json")


def _online_instructor(first_day: Any, days: int) -> Any:
    from apps.bookings.tests.conftest import open_days
    from apps.instructors.tests.factories import OfferingFactory, live_instructor

    profile = live_instructor()
    OfferingFactory.create(profile=profile, rate_online_cents=6000, rate_studio_cents=None, duration_options=[60])
    open_days(profile, first_day, days)
    return profile


def _student_with_card() -> tuple[Any, Any]:
    from apps.accounts.tests.factories import StudentFactory
    from apps.payments.services import payment_method_add

    student = StudentFactory.create(password=None)  # unusable: no slow hashing, nobody logs in with it
    return student, payment_method_add(actor=student, card_token="4242424242424242")


def _app_token(user: Any) -> str:
    """An app session token (`X-Session-Token`), as allauth's headless login makes one: the
    key of a session logged in as the user."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return str(session.session_key)


def _race(student: Any, card: Any, slugs: list[str], start: datetime, now: datetime) -> list[str]:
    from django.db import connection

    from apps.bookings.services import BookingRequest, booking_create
    from apps.core.errors import ApplicationError

    barrier = threading.Barrier(len(slugs))
    outcomes: list[str] = []

    def book(slug: str) -> None:
        request = BookingRequest(
            instructor=slug, service="piano", format="online", duration_minutes=60, starts_at=start,
            payment_method_id=card.pk,
        )  # fmt: skip
        try:
            barrier.wait()
            booking_create(actor=student, request=request, now=now)
            outcomes.append("booked")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(slug,)) for slug in slugs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def _reschedule_into(student: Any, card: Any, slug: str, taken: datetime, now: datetime) -> str:
    from apps.bookings.policies import booking_reschedule
    from apps.bookings.services import BookingRequest, booking_create
    from apps.core.errors import ApplicationError

    later = BookingRequest(
        instructor=slug, service="piano", format="online", duration_minutes=60,
        starts_at=taken + timedelta(hours=3), payment_method_id=card.pk,
    )  # fmt: skip
    moved = booking_create(actor=student, request=later, now=now)
    try:
        booking_reschedule(actor=student, booking_id=moved.pk, starts_at=taken + timedelta(minutes=30), now=now)
    except ApplicationError as exc:
        return exc.code
    return "moved"


def _dead_claim(student: Any, now: datetime) -> dict[str, Any]:
    from django.conf import settings

    from apps.core.errors import ApplicationError
    from apps.core.idempotency import idempotency_run, request_fingerprint
    from apps.core.models import IdempotencyKey

    lease = timedelta(seconds=settings.IDEMPOTENCY_LEASE_SECONDS)
    IdempotencyKey.objects.create(
        user=student, key="died", scope="drill", request_hash=request_fingerprint({}), created_at=now,
        claim_token="dead-request", locked_until=now + lease,
    )  # fmt: skip
    runs: list[datetime] = []

    def operation() -> tuple[int, dict[str, bool]]:
        runs.append(now)
        return 201, {"ok": True}

    def retry(at: datetime) -> list[Any]:
        try:
            stored = idempotency_run(user=student, key="died", scope="drill", body={}, now=at, operation=operation)
        except ApplicationError as exc:
            return [exc.code, getattr(exc, "retry_after_seconds", None)]
        return [stored.status, len(runs)]

    return {"lease_seconds": lease.total_seconds(), "during": retry(now + timedelta(seconds=5)),
            "after": retry(now + lease)}  # fmt: skip


def sqlite_race() -> dict[str, Any]:
    from apps.bookings.models import Booking
    from apps.bookings.tests.conftest import NOW, THURSDAY, local

    _migrate_and_load_catalog()
    slugs = [_online_instructor(THURSDAY, 1).slug for _ in range(8)]
    student, card = _student_with_card()
    start = local(THURSDAY, 10)
    race = _race(student, card, slugs, start, NOW)
    booked = Booking.objects.filter(student=student).values_list("instructor__slug", flat=True)
    free_slug = next((slug for slug in slugs if slug not in booked), None)
    return {
        "race": race, "student_bookings": Booking.objects.filter(student=student, starts_at=start).count(),
        "reschedule": _reschedule_into(student, card, free_slug, start, NOW) if free_slug else "no free instructor",
        "lease": _dead_claim(student, NOW),
    }  # fmt: skip


def drill_scene() -> dict[str, Any]:
    """24 starts from 2 days ahead (always > 24 h: confirmed at once), at 9, 11 am, 1 and
    3 pm New York (an hour's lesson and its buffer never touch the next), on 6 days."""
    _migrate_and_load_catalog()
    zone = ZoneInfo("America/New_York")
    first_day = datetime.now(tz=zone).date() + timedelta(days=2)
    profile = _online_instructor(first_day, 6)
    students = [_student_with_card() for _ in range(4)]
    starts = [
        datetime(day.year, day.month, day.day, hour, tzinfo=zone).astimezone(UTC).isoformat()
        for day in (first_day + timedelta(days=n) for n in range(6))
        for hour in (9, 11, 13, 15)
    ]
    return {
        "instructor": profile.slug, "starts": starts,
        "students": [{"token": _app_token(student), "card": card.pk} for student, card in students],
    }  # fmt: skip


COMMANDS = {"sqlite-race": sqlite_race, "drill-scene": drill_scene}

if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(COMMANDS[sys.argv[1]]()))
