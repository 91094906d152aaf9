"""Benchmark booking creation under concurrency against raw PostgreSQL write throughput.

Run from the repository root (PostgreSQL as the tests use it):
    .venv/bin/python scripts/with_services.py .venv/bin/python bench/bench_booking.py [--clients 8] [--bookings 400]

It creates a throwaway database, seeds live instructors with availability and students with
saved cards, then:
1. races 32 students for one slot (exactly one must win);
2. books distinct open slots, each for a student free then, through `booking_create` (the
   full service: validation, pricing, slot re-check under the instructor lock, insert,
   event, notices) from `--clients` client processes, each with its own connection as each
   pgbench client has (threads of one process would share one core: the GIL), and, for
   comparison, from as many threads;
3. for reference, the ORM floor: the least any booking through Django's ORM does (lock the
   instructor, read the offering and any overlap, insert the booking and its event, commit;
   no price, slot rules, credits or notices), from as many processes. Not a product path:
   it shows how much of the gap to pgbench is the ORM itself;
4. runs `pgbench -b simple-update` with the same client count on the same database for the
   same duration, as the baseline; the report gives bookings/s as a ratio of that TPS.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import subprocess
import sys
import threading
import time as clock
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # runnable as a plain script
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instainstru.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import IntegrityError, connection, connections, transaction  # noqa: E402
from django.urls import get_resolver  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.availability.demo import seed_availability  # noqa: E402
from apps.availability.selectors_public import (  # noqa: E402
    SlotChoice,
    default_duration,
    open_slot_list,
    slot_instructor_get,
)
from apps.bookings.models import Booking, BookingEvent  # noqa: E402
from apps.bookings.services import BookingRequest, SlotUnavailable, StudentBusy, booking_create  # noqa: E402
from apps.bookings.states import ACTIVE_STATUSES, BookingStatus  # noqa: E402
from apps.catalog.services import catalog_load  # noqa: E402
from apps.core.demo import DemoContext, seed_users  # noqa: E402
from apps.instructors.demo import seed_instructor_profiles  # noqa: E402
from apps.instructors.models import InstructorProfile, Offering  # noqa: E402
from apps.payments.services import payment_method_add  # noqa: E402
from apps.search.gazetteer import gazetteer_load  # noqa: E402

RACERS = 32
START_TIMEOUT, RUN_TIMEOUT = 120, 600  # seconds; a client that dies fails the run instead of hanging it
TEST_CARD = "4242 4242 4242 4242"  # the local gateway's always-succeeds test card
StudentCard = tuple[User, int]
Work = tuple[StudentCard, BookingRequest]
ClientWork = tuple[int, int, BookingRequest]  # student id, card id, request: what a process is given


def _setup(instructors: int) -> tuple[list[BookingRequest], list[StudentCard]]:
    catalog_load(path=settings.DATA_DIR / "catalog.json")
    gazetteer_load(data_dir=settings.DATA_DIR)
    ctx = DemoContext(rng=random.Random(7), instructor_count=instructors, password_hash=make_password("bench"))
    seed_users(ctx)
    seed_instructor_profiles(ctx)
    seed_availability(ctx)
    students = [(s, payment_method_add(actor=s, card_token=TEST_CARD).pk) for s in ctx.students]
    now = timezone.now()
    requests = []
    for user in ctx.instructors:
        profile = slot_instructor_get(slug=user.instructor_profile.slug)
        if profile is None:
            continue
        offering = profile.bookable_offerings[0]  # type: ignore[attr-defined]
        choice = SlotChoice(offering=offering, format=offering.formats[0], duration=default_duration(offering))
        if choice.format == "travel":
            continue  # travel needs a student address in the area; keep the bench about contention
        today = now.date()
        for start in open_slot_list(
            profile=profile,
            choice=choice,
            date_from=today + timedelta(days=3),
            date_to=today + timedelta(days=9),
            now=now,
        )[::8]:
            requests.append(
                BookingRequest(
                    instructor=profile.slug,
                    service=offering.service.slug,
                    format=choice.format,
                    duration_minutes=choice.duration,
                    starts_at=start,
                )
            )
    return requests, students


def _assign(requests: list[BookingRequest], students: list[StudentCard]) -> list[Work]:
    """Each request with a student free then (the next in turn whose lessons so far do not
    overlap it), so refusals measure contention for slots rather than students double-booked by the
    benchmark itself. Requests no student is free for are left out."""
    taken: dict[int, list[tuple[datetime, datetime]]] = {student.pk: [] for student, _ in students}
    work = []
    for turn, request in enumerate(requests):
        start, end = request.starts_at, request.starts_at + timedelta(minutes=request.duration_minutes)
        for student, card in students[turn % len(students) :] + students[: turn % len(students)]:
            if all(end <= s or start >= e for s, e in taken[student.pk]):
                taken[student.pk].append((start, end))
                work.append(((student, card), request))
                break
    return work


def _book(student: User, card: int, request: BookingRequest) -> bool:
    """One booking through the service; False when refused (the time was taken meanwhile, or
    that student is busy then)."""
    try:
        booking_create(actor=student, request=replace(request, payment_method_id=card), now=timezone.now())
    except (SlotUnavailable, StudentBusy):
        return False
    return True


def _run_threads(count: int, work: list[Work]) -> tuple[int, int, float]:
    lock, booked, refused = threading.Lock(), [0], [0]
    queue = list(work)

    def worker() -> None:
        while True:
            with lock:
                if not queue:
                    break
                (student, card), request = queue.pop()
            made = _book(student, card, request)
            with lock:
                booked[0] += made
                refused[0] += not made
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    started = clock.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return booked[0], refused[0], clock.perf_counter() - started


def _floor_book(student: User, card: int, request: BookingRequest) -> bool:
    """The ORM floor (see the module docstring): what every booking must do at the least."""
    ends_at = request.starts_at + timedelta(minutes=request.duration_minutes)
    try:
        return _floor_insert(student, card, request, ends_at)
    except IntegrityError:  # the student's exclusion constraint: busy then
        return False


def _floor_insert(student: User, card: int, request: BookingRequest, ends_at: datetime) -> bool:
    with transaction.atomic():
        profile = InstructorProfile.objects.select_for_update().only("pk", "timezone").get(slug=request.instructor)
        offering = Offering.objects.select_related("service").get(profile=profile, service__slug=request.service)
        if Booking.objects.filter(
            instructor=profile, status__in=ACTIVE_STATUSES, starts_at__lt=ends_at, ends_at__gt=request.starts_at
        ).exists():
            return False
        booking = Booking.objects.create(
            student=student, instructor=profile, offering=offering, service_name=offering.service.name,
            format=request.format, duration_minutes=request.duration_minutes, starts_at=request.starts_at,
            ends_at=ends_at, blocked_until=ends_at, student_timezone=student.timezone,
            instructor_timezone=profile.timezone, status=BookingStatus.CONFIRMED, hourly_rate_cents=9000,
            lesson_price_cents=9000, total_cents=9000, booked_at=timezone.now(), payment_method_id=card,
        )  # fmt: skip
        BookingEvent.objects.create(booking=booking, kind="created", actor=student, at=booking.booked_at)
    return True


def _client_process(database: str, work: list[ClientWork], ready: Any, results: Any, floor: bool = False) -> None:
    """One client: a fresh interpreter (spawned, so no connection or socket is shared with the
    parent), warmed up before the shared start so imports and connecting are not timed."""
    connections["default"].settings_dict["NAME"] = database
    get_resolver().url_patterns  # noqa: B018 -- import every app's URLs now (notices reverse URLs)
    students = User.objects.in_bulk({student for student, _, _ in work})
    ready.wait(timeout=START_TIMEOUT)
    cpu = clock.process_time()
    book = _floor_book if floor else _book
    booked = sum(book(students[student], card, request) for student, card, request in work)
    results.put((booked, len(work) - booked, clock.time(), clock.process_time() - cpu))
    connections.close_all()


def _for_processes(work: list[Work]) -> list[ClientWork]:
    return [(student.pk, card, request) for (student, card), request in work]


def _run_processes(count: int, work: list[ClientWork], *, floor: bool = False) -> tuple[int, int, float, float]:
    """Bookings/s from `count` processes started together; the clock runs from the start
    signal to the last process's end. Also the clients' CPU seconds (Python's share)."""
    spawn = multiprocessing.get_context("spawn")
    ready, results = spawn.Barrier(count + 1), spawn.Queue()
    name = connection.settings_dict["NAME"]
    processes = [
        spawn.Process(target=_client_process, args=(name, work[i::count], ready, results, floor)) for i in range(count)
    ]
    for process in processes:
        process.start()
    ready.wait(timeout=START_TIMEOUT)  # a client that died starting breaks the barrier: no hang
    started = clock.time()
    outcomes = [results.get(timeout=RUN_TIMEOUT) for _ in processes]
    for process in processes:
        process.join()
    booked, refused = sum(o[0] for o in outcomes), sum(o[1] for o in outcomes)
    return booked, refused, max(o[2] for o in outcomes) - started, sum(o[3] for o in outcomes)


def _pgbench(threads: int, seconds: int) -> float:
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    args = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432), "-U", db.get("USER") or "postgres"]
    name = connection.settings_dict["NAME"]
    subprocess.run(["pgbench", "-i", "-q", "-s", "1", *args, name], check=True, env=env, capture_output=True)
    out = subprocess.run(
        ["pgbench", "-b", "simple-update", "-c", str(threads), "-j", "2", "-T", str(seconds), *args, name],
        check=True, env=env, capture_output=True, text=True,
    ).stdout  # fmt: skip
    match = re.search(r"tps = ([0-9.]+)", out)
    assert match, out
    return float(match.group(1))


def run(clients: int, bookings: int, instructors: int) -> None:
    requests, students = _setup(instructors)
    if len(requests) <= 3 * bookings:
        sys.exit(f"Only {len(requests)} open slots for 3 x {bookings} bookings: pass more --instructors.")
    rng = random.Random(3)
    rng.shuffle(requests)
    target = requests[-1]  # raced first, while every student is free, and left out below
    before = Booking.objects.count()
    _, _, race_time = _run_threads(RACERS, [(students[i % len(students)], target) for i in range(RACERS)])
    won = Booking.objects.count() - before
    print(
        f"race: {RACERS} clients for one slot -> {won} booking(s) in {race_time:.2f} s ({'OK' if won == 1 else 'FAIL'})"
    )

    # Disjoint thirds: the processes, the threads and the floor (each slot booked once).
    work = _assign(requests[: 3 * bookings], students)
    by_process, by_thread, by_floor = work[::3], work[1::3], work[2::3]
    booked, refused, elapsed, cpu = _run_processes(clients, _for_processes(by_process))
    rate = booked / elapsed
    print(f"booking_create from {clients} processes: {booked} booked, {refused} refused in {elapsed:.2f} s = {rate:.1f} bookings/s; the clients' CPU: {1000 * cpu / (booked + refused):.1f} "
          "ms per request")  # fmt: skip
    t_booked, t_refused, t_elapsed = _run_threads(clients, by_thread)
    print(f"booking_create from {clients} threads of one process: {t_booked} booked, {t_refused} refused in "
          f"{t_elapsed:.2f} s = {t_booked / t_elapsed:.1f} bookings/s")  # fmt: skip

    f_booked, f_refused, f_elapsed, f_cpu = _run_processes(clients, _for_processes(by_floor), floor=True)
    floor_rate = f_booked / f_elapsed
    print(f"ORM floor from {clients} processes (reference, not a product path): {f_booked} booked, {f_refused} "
          f"refused in {f_elapsed:.2f} s = {floor_rate:.1f} bookings/s; the clients' CPU: "
          f"{1000 * f_cpu / (f_booked + f_refused):.1f} ms per request")  # fmt: skip

    tps = _pgbench(clients, max(5, round(elapsed)))
    print(f"pgbench simple-update, {clients} clients: {tps:.0f} TPS; booking_create = {rate / tps:.3f}x of raw TPS; "
          f"the ORM floor = {floor_rate / tps:.3f}x")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--bookings", type=int, default=400)
    parser.add_argument("--instructors", type=int, default=200)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("This benchmark needs PostgreSQL (exclusion constraints, pgbench).")
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        run(args.clients, args.bookings, args.instructors)
    finally:
        connection.close()
        connection.creation.destroy_test_db(test_name, verbosity=0)


if __name__ == "__main__":
    main()
