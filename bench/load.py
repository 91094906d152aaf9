"""Load harness: the production command (gunicorn with ops/gunicorn.conf.py, production
settings, collected static files) on PostgreSQL + Redis at city scale, driven over loopback.

One command, from the repository root:
    .venv/bin/python scripts/with_services.py .venv/bin/python bench/load.py [--quick]

It uses its own database (`--database`, default instainstru_load on the server of
DATABASE_URL), created, migrated and seeded with `seed_demo --instructors 10000` the first
time (about two minutes; kept for the next runs), and its own Redis database (`--redis-db`)
under a fresh key prefix per run (nothing is flushed).
Then, in one run so every figure has its baselines beside it:

1. baselines: `/healthz` (a trivial Django endpoint through the whole middleware stack) and
   `pgbench -b simple-update` on the same database;
2. public reads one at a time (profile page, slots API, category page), popular instructors
   asked more often (Zipf, s = 1): first over every bookable instructor from a cold cache
   (16 clients), then over the hot set, the 100 most asked-for, after an untimed pass that
   warms the cache (8 clients, as wrk's default; production serves popular pages warm);
3. the realistic mix (search 50 %, profile + slots 30 %, booking create/cancel 10 %, week
   get/put with ETag 10 %) at rising concurrency until p95 passes 500 ms;
4. booking throughput: 8 clients booking distinct open slots over HTTP, against pgbench with
   8 clients;
5. the booking race: `--race-clients` students × `--race-rounds` rounds, all asking for one
   slot < 24 h away each round (the winner's card is authorized at once); exactly one winner
   per round, then no overlapping active bookings and no orphan authorization at the gateway;
6. the ETag storm: 32 clients saving one week with the ETag they read; exactly one winner per
   version and the final week is the last winner's (no lost update).

Every phase is bounded in time and requests; exits non-zero when a correctness check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time as clock
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # runnable as a plain script
sys.path.insert(0, str(ROOT / "bench"))

from httpload import Response, Tally, Target, line, percentiles  # noqa: E402

TEST_CARD = "4242 4242 4242 4242"  # the local gateway's always-succeeds card
MIX = (("search", 50), ("profile", 15), ("slots", 15), ("booking", 10), ("week", 10))
P95_LIMIT_MS = 500.0
# The hot set: the most asked-for instructors, whose pages the shared cache holds.
HOT_INSTRUCTORS = 100
HOT_CLIENTS = 8


# --- the database, the server ---------------------------------------------------------------


def configure(database: str, redis_db: int) -> dict[str, str]:
    """Point this process (and the server's environment) at the harness's own database."""
    parts = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/instainstru"))
    redis = urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    env = {
        "DATABASE_URL": urlunsplit(parts._replace(path=f"/{database}")),
        "REDIS_URL": urlunsplit(redis._replace(path=f"/{redis_db}")),
        # A fresh namespace per run: every run starts with a cold cache, and nothing is flushed
        # (test runs on this machine use Redis databases 1–15).
        "CACHE_KEY_PREFIX": f"load-{secrets.token_hex(4)}",
        # Shared with the server: the sessions this process makes must verify there.
        "SECRET_KEY": secrets.token_urlsafe(64),
    }
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instainstru.settings")
    return env


def ensure_seeded(database: str, instructors: int) -> None:
    import psycopg
    from django.conf import settings
    from django.core.management import call_command

    db = settings.DATABASES["default"]
    admin = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{database}"')
    call_command("migrate", verbosity=0)
    from apps.instructors.models import InstructorProfile

    if InstructorProfile.objects.count() < instructors:
        started = clock.perf_counter()
        call_command("seed_demo", instructors=instructors)
        print(f"seeded {instructors} instructors in {clock.perf_counter() - started:.0f} s (untimed)")


def production_env(base: dict[str, str], var_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        **base,
        "DJANGO_SETTINGS_MODULE": "instainstru.settings",
        "INSTAINSTRU_ENV": "production",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "https://127.0.0.1",
        "VAR_DIR": str(var_dir),
        "LOG_LEVEL": "WARNING",
        # One loopback client stands for thousands of users: lift the per-client API limits.
        "API_RATE_READS": "1000000/m",
        "API_RATE_WRITES": "1000000/m",
        "API_RATE_MONEY": "1000000/m",
    }


@contextlib.contextmanager
def production_server(env: dict[str, str], port: int, workers: int | None) -> Iterator[Target]:
    """collectstatic, then the documented production command, bound to loopback."""
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    command = [sys.executable, "-m", "gunicorn", "-c", "ops/gunicorn.conf.py", "instainstru.wsgi"]
    command += ["--bind", f"127.0.0.1:{port}", *(["--workers", str(workers)] if workers else [])]
    log = (Path(env["VAR_DIR"]) / "server.log").open("w")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        target = Target(port=port, headers={"X-Forwarded-Proto": "https"})
        deadline = clock.monotonic() + 60
        while True:
            try:
                if asyncio.run(target.request("GET", "/healthz")).status == 200:
                    break
            except OSError:
                pass
            if clock.monotonic() > deadline or server.poll() is not None:
                sys.exit("gunicorn did not come up")
            clock.sleep(0.3)
        yield target
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)  # gunicorn's graceful timeout is 30 s
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        errors = [row for row in (Path(env["VAR_DIR"]) / "server.log").read_text().splitlines() if '"ERROR"' in row]
        print(f"server log: {len(errors)} errors" + "".join(f"\n  {row[:300]}" for row in errors[:5]))


def pgbench(clients: int, seconds: int) -> float:
    import re

    from django.conf import settings

    db = settings.DATABASES["default"]
    args = ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"] or "postgres"]
    subprocess.run(["pgbench", "-i", "-q", "-s", "1", *args, db["NAME"]], check=True, capture_output=True)
    out = subprocess.run(
        ["pgbench", "-b", "simple-update", "-c", str(clients), "-j", "2", "-T", str(seconds), *args, db["NAME"]],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    found = re.search(r"tps = ([0-9.]+)", out)
    assert found, out
    return float(found[1])


# --- who the clients are --------------------------------------------------------------------


@dataclass(frozen=True)
class Bookable:
    id: int
    slug: str
    service: str
    format: str
    duration: int

    def slots_path(self, first: date, last: date) -> str:
        """The open starts of exactly the lesson the harness books (without the service, format
        and duration the API lists the instructor's first offering, whose times may differ)."""
        lesson = f"service={self.service}&format={self.format}&duration={self.duration}"
        return f"/api/v1/instructors/{self.id}/slots?from={first}&to={last}&{lesson}"


@dataclass
class World:
    today: date
    queries: list[str]
    categories: list[str]
    bookable: list[Bookable]  # live instructors with a non-travel lesson, popular first
    students: list[tuple[str, int]]  # (session token, card id)
    instructor_tokens: list[str]
    booked: dict[str, list[str]] = field(default_factory=dict)  # token -> bookings to cancel (public ids)


def session_token(user: object) -> str:
    """An app session token (allauth's X-Session-Token is a session key), made directly so
    the harness spends no minutes on Argon2 logins."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)  # type: ignore[attr-defined]
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()  # type: ignore[attr-defined]
    session.create()
    assert session.session_key
    return session.session_key


def prepare(students: int, instructors: int) -> World:
    import json

    from django.conf import settings
    from django.utils import timezone

    from apps.accounts.models import Role, User
    from apps.availability.selectors_public import default_duration, default_format, slot_instructor_queryset
    from apps.catalog.models import Category
    from apps.payments.models import PaymentMethod
    from apps.payments.services import payment_method_add

    bookable = []
    for profile in slot_instructor_queryset().order_by("pk")[:4000]:
        offering = next((o for o in profile.bookable_offerings if default_format(o) != "travel"), None)  # type: ignore[attr-defined]
        if offering is not None:
            bookable.append(
                Bookable(
                    profile.pk,
                    profile.slug,
                    offering.service.slug,
                    default_format(offering),
                    default_duration(offering),
                )
            )
    random.Random(11).shuffle(bookable)  # popularity rank is unrelated to age
    tokens = []
    for student in User.objects.filter(role=Role.STUDENT, is_active=True).order_by("pk")[:students]:
        card = PaymentMethod.objects.filter(user=student).first() or payment_method_add(
            actor=student, card_token=TEST_CARD
        )
        tokens.append((session_token(student), card.pk))
    teachers = User.objects.filter(role=Role.INSTRUCTOR, instructor_profile__status="live").order_by("pk")[:instructors]
    eval_file = settings.DATA_DIR / "eval" / "search_queries.jsonl"
    return World(
        today=timezone.now().date(),
        queries=[json.loads(row)["q"] for row in eval_file.read_text().splitlines() if row.strip()],
        categories=list(Category.objects.values_list("slug", flat=True)),
        bookable=bookable,
        students=tokens,
        instructor_tokens=[session_token(user) for user in teachers],
    )


def zipf_picker(count: int, rng: random.Random) -> Callable[[], int]:
    """Index 0 is asked most: rank r with weight 1/(r+1) (popular instructors get most views)."""
    weights = [1 / (rank + 1) for rank in range(count)]
    cumulative, total = [], 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)

    def pick() -> int:
        import bisect

        return bisect.bisect_left(cumulative, rng.random() * total)

    return pick


# --- what one client does -------------------------------------------------------------------


class Client:
    def __init__(self, target: Target, world: World, tally: Tally, rng: random.Random) -> None:
        self.target, self.world, self.tally, self.rng = target, world, tally, rng
        self.popular = zipf_picker(len(world.bookable), rng)
        self.hot = zipf_picker(min(HOT_INSTRUCTORS, len(world.bookable)), rng)

    async def call(self, label: str, method: str, path: str, **kw: object) -> Response | None:
        try:
            response = await self.target.request(method, path, **kw)  # type: ignore[arg-type]
        except (OSError, TimeoutError, IndexError, ValueError):
            self.tally.errors[label] += 1
            return None
        self.tally.add(label, response)
        return response

    async def search(self) -> None:
        await self.call("search", "GET", f"/api/v1/search?q={quote(self.rng.choice(self.world.queries))}")

    async def profile(self, *, hot: bool = False) -> None:
        who = self.world.bookable[(self.hot if hot else self.popular)()]
        await self.call("profile page", "GET", f"/instructors/{who.slug}/")

    async def slots(self, *, hot: bool = False) -> None:
        who = self.world.bookable[(self.hot if hot else self.popular)()]
        await self.call("slots API", "GET", f"/api/v1/instructors/{who.id}/slots")

    async def category(self) -> None:
        await self.call("category page", "GET", f"/learn/{self.rng.choice(self.world.categories)}/")

    async def booking(self) -> None:
        token, card = self.rng.choice(self.world.students)
        mine = self.world.booked.setdefault(token, [])
        auth = {"X-Session-Token": token}
        if mine:
            booking_id = mine.pop()
            await self.call(
                "booking cancel", "POST", f"/api/v1/bookings/{booking_id}/cancellation", headers=auth, body={}
            )
            return
        await self.book(token, card, self.rng.choice(self.world.bookable), days=(3, 9), label="booking create")

    async def book(self, token: str, card: int, who: Bookable, *, days: tuple[int, int], label: str) -> str | None:
        """Read the instructor's open times, book one at random; the booking's id."""
        first, last = (self.world.today + timedelta(days=n) for n in days)
        listing = await self.call("booking: slots", "GET", who.slots_path(first, last))
        starts = [slot["starts_at"] for slot in listing.json()["slots"]] if listing and listing.status == 200 else []
        if not starts:
            return None
        body = {
            "instructor": who.slug, "service": who.service, "format": who.format, "duration_minutes": who.duration,
            "starts_at": self.rng.choice(starts), "payment_method_id": card,
        }  # fmt: skip
        headers = {"X-Session-Token": token, "Idempotency-Key": secrets.token_hex(8)}
        made = await self.call(label, "POST", "/api/v1/bookings", headers=headers, body=body)
        if made is not None and made.status == 201:
            booking_id = str(made.json()["id"])
            self.world.booked.setdefault(token, []).append(booking_id)
            return booking_id
        return None

    async def week(self) -> None:
        token = self.rng.choice(self.world.instructor_tokens)
        await week_edit(
            self, token, self.world.today + timedelta(weeks=self.rng.randint(4, 8)), self.rng.randint(8, 20)
        )


async def week_edit(client: Client, token: str, day: date, hour: int) -> Response | None:
    """Read a week (ETag), add one hour on its first day, save it with If-Match."""
    auth = {"X-Session-Token": token}
    path = f"/api/v1/instructors/me/availability/weeks/{day}"
    read = await client.call("week get", "GET", path, headers=auth)
    if read is None or read.status != 200:
        return None
    week = read.json()
    days = [{"date": d["date"], "windows": d["windows"]} for d in week["days"]]
    days[0]["windows"] = [{"start": f"{hour:02d}:00", "end": f"{hour + 1:02d}:00"}]
    return await client.call(
        "week put", "PUT", path, headers={**auth, "If-Match": read.headers["etag"]}, body={"days": days}
    )


# --- phases ---------------------------------------------------------------------------------


async def run_level(
    target: Target,
    world: World,
    concurrency: int,
    seconds: float,
    cap: int,
    pick: Callable[[Client], Awaitable[object]],
) -> tuple[Tally, float]:
    tally, done = Tally(), [0]
    deadline = clock.monotonic() + seconds

    async def worker(n: int) -> None:
        client = Client(target, world, tally, random.Random(n))
        while clock.monotonic() < deadline and done[0] < cap:
            done[0] += 1
            await pick(client)

    started = clock.monotonic()
    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return tally, clock.monotonic() - started


def mixed(client: Client) -> Awaitable[None]:
    roll, acc = client.rng.random() * 100, 0
    for name, share in MIX:
        acc += share
        if roll < acc:
            return getattr(client, name)()  # type: ignore[no-any-return]
    return client.search()


def report(title: str, tally: Tally, seconds: float) -> float:
    every = tally.all_latencies()
    p50, p95, p99 = percentiles(every)
    errors = sum(tally.errors.values())
    print(
        f"{title}: {len(every) / seconds:.1f} req/s, p50 {p50:.1f} / p95 {p95:.1f} / p99 {p99:.1f} ms, errors {errors}"
    )
    for label in sorted(tally.latencies):
        print(line(label, tally.latencies[label], seconds, tally.statuses[label]))
    return p95


async def race(target: Target, world: World, clients: int, rounds: int) -> tuple[int, list[int]]:
    """`clients` students ask for the same slot (< 24 h away) at once, `rounds` times."""
    client = Client(target, world, Tally(), random.Random(5))
    winners, odd, started = 0, [], clock.monotonic()
    candidates = iter(world.bookable[len(world.bookable) // 2 :])
    for round_no in range(rounds):
        for who in candidates:
            tomorrow = world.today + timedelta(days=1)
            listing = await client.call("race: slots", "GET", who.slots_path(world.today, tomorrow))
            starts = [s["starts_at"] for s in listing.json()["slots"]] if listing and listing.status == 200 else []
            if starts:
                break
        else:
            break
        body = {
            "instructor": who.slug, "service": who.service, "format": who.format, "duration_minutes": who.duration,
            "starts_at": starts[0],
        }  # fmt: skip
        racers = [world.students[(round_no * clients + n) % len(world.students)] for n in range(clients)]
        answers = await asyncio.gather(*(
            client.call("race booking", "POST", "/api/v1/bookings", body={**body, "payment_method_id": card},
                        headers={"X-Session-Token": token, "Idempotency-Key": secrets.token_hex(8)})
            for token, card in racers
        ))  # fmt: skip
        won = sum(1 for a in answers if a is not None and a.status == 201)
        winners += won
        if won != 1:
            odd.append(round_no)
    report(f"race ({clients} clients)", client.tally, clock.monotonic() - started)
    return winners, odd


async def etag_storm(target: Target, world: World, clients: int, rounds: int) -> tuple[int, int, bool]:
    """`clients` sessions of one instructor save the same week version at once, each its own
    hour; exactly one may win per version, and the week must end as the last winner left it."""
    client = Client(target, world, Tally(), random.Random(9))
    token = world.instructor_tokens[0]
    day = world.today + timedelta(weeks=10)
    path = f"/api/v1/instructors/me/availability/weeks/{day}"
    auth = {"X-Session-Token": token}
    first = (await target.request("GET", path, headers=auth)).json()
    wins = lost = 0
    last_hour, started = None, clock.monotonic()
    for round_no in range(rounds):
        read = await target.request("GET", path, headers=auth)
        etag, week = read.headers["etag"], read.json()
        # The second day alternates every round, so every save of a round changes the week:
        # an unchanged week keeps its version (and ETag), and a no-op save would pass beside
        # the real winner.
        marker = 6 + round_no % 2

        async def save(
            hour: int, etag: str = etag, week: dict[str, Any] = week, marker: int = marker
        ) -> tuple[int, Response | None]:
            days = [{"date": d["date"], "windows": d["windows"]} for d in week["days"]]
            days[0]["windows"] = [{"start": f"{hour:02d}:00", "end": f"{hour + 1:02d}:00"}]
            days[1]["windows"] = [{"start": f"{marker:02d}:00", "end": f"{marker + 1:02d}:00"}]
            put = await client.call("storm put", "PUT", path, headers={**auth, "If-Match": etag}, body={"days": days})
            return hour, put

        answers = await asyncio.gather(*(save(h % 23) for h in range(clients)))
        won = [hour for hour, put in answers if put is not None and put.status == 200]
        wins += len(won)
        lost += len(won) != 1
        last_hour = won[0] if len(won) == 1 else last_hour
    final = (await target.request("GET", path, headers=auth)).json()
    kept = last_hour is not None and final["days"][0]["windows"] == [
        {"start": f"{last_hour:02d}:00", "end": f"{last_hour + 1:02d}:00"}
    ]
    versions_ok = final["version"] - first["version"] == wins
    report(f"ETag storm ({clients} clients)", client.tally, clock.monotonic() - started)
    return wins, lost, kept and versions_ok


def invariants() -> tuple[int, int]:
    """Overlapping active bookings (per instructor and per student) and live holds at the
    gateway not referenced by exactly one booking."""
    from django.db import connection
    from django.utils import timezone

    from apps.bookings.tests.invariants import badly_referenced_holds  # the test suite's own check

    overlap_sql = """
        SELECT count(*) FROM bookings_booking a JOIN bookings_booking b
          ON a.id < b.id AND a.{who} = b.{who} AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
        WHERE a.status IN ('pending', 'confirmed') AND b.status IN ('pending', 'confirmed')"""
    with connection.cursor() as cursor:
        overlaps = 0
        for who in ("instructor_id", "student_id"):
            cursor.execute(overlap_sql.format(who=who))
            overlaps += cursor.fetchone()[0]
    return overlaps, len(badly_referenced_holds(now=timezone.now()))


# --- the run --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database", default="instainstru_load")
    parser.add_argument("--redis-db", type=int, default=9)
    parser.add_argument("--instructors", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: the config's formula)")
    parser.add_argument("--seconds", type=float, default=10.0, help="per load level")
    parser.add_argument("--levels", default="4,8,16,32,64,128,256")
    parser.add_argument("--race-clients", type=int, default=64)
    parser.add_argument("--race-rounds", type=int, default=200)
    parser.add_argument("--storm-rounds", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="2 s levels, 20 race rounds, 10 storm rounds")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.race_rounds, args.storm_rounds = 2.0, 20, 10
    base = configure(args.database, args.redis_db)
    import django

    django.setup()
    ensure_seeded(args.database, args.instructors)
    world = prepare(students=600, instructors=300)
    print(
        f"{len(world.bookable)} bookable instructors, {len(world.students)} students, {len(world.instructor_tokens)} instructor sessions"
    )
    failures = []
    with (
        tempfile.TemporaryDirectory() as var,
        production_server(production_env(base, Path(var)), port=free_port(), workers=args.workers) as target,
    ):
        # Warm up, untimed: every worker imports its views and opens its connections.
        asyncio.run(run_level(target, world, 8, min(args.seconds, 5.0), 10**6, mixed))
        healthz = asyncio.run(
            run_level(target, world, 16, args.seconds, 10**6, lambda c: c.call("/healthz", "GET", "/healthz"))
        )
        report("baseline: trivial endpoint, 16 clients", *healthz)
        for name, read in (("profile", Client.profile), ("slots", Client.slots), ("category", Client.category)):
            tally, seconds = asyncio.run(run_level(target, world, 16, args.seconds, 10**6, read))
            report(f"public read, 16 clients: {name}", tally, seconds)
        for name, hot_read in (
            ("profile", lambda c: c.profile(hot=True)),
            ("slots", lambda c: c.slots(hot=True)),
            ("category", Client.category),
        ):
            asyncio.run(run_level(target, world, HOT_CLIENTS, args.seconds, 10**6, hot_read))  # warm the cache, untimed
            tally, seconds = asyncio.run(run_level(target, world, HOT_CLIENTS, args.seconds, 10**6, hot_read))
            report(
                f"hot public read ({HOT_INSTRUCTORS} instructors, warm cache), {HOT_CLIENTS} clients: {name}",
                tally,
                seconds,
            )
        for level in (int(n) for n in args.levels.split(",")):
            tally, seconds = asyncio.run(
                run_level(target, world, level, args.seconds, 50 * level * int(args.seconds) + 1000, mixed)
            )
            if report(f"mix at {level} clients", tally, seconds) > P95_LIMIT_MS:
                break
        booked, seconds = asyncio.run(run_level(target, world, 8, args.seconds, 10**6, lambda c: c.booking()))
        report("booking create/cancel, 8 clients", booked, seconds)
        creates = booked.statuses["booking create"][201]
        winners, odd = asyncio.run(race(target, world, args.race_clients, args.race_rounds))
        print(f"race: {args.race_rounds} rounds, {winners} winners, rounds without exactly one winner: {odd or 'none'}")
        failures += ["race"] if odd else []
        wins, lost, kept = asyncio.run(etag_storm(target, world, 32, args.storm_rounds))
        print(
            f"ETag storm: {args.storm_rounds} versions, {wins} saves won, versions without exactly one winner: {lost}, final week is the last winner's and versions add up: {kept}"
        )
        failures += ["etag storm"] if lost or not kept else []
    overlaps, orphans = invariants()
    print(f"after the run: {overlaps} overlapping active bookings, {orphans} orphan/badly referenced authorizations")
    failures += ["invariants"] if overlaps or orphans else []
    tps = pgbench(8, max(5, int(args.seconds)))
    rate = creates / seconds
    print(
        f"baseline: pgbench -b simple-update, 8 clients: {tps:.0f} TPS; booking create over HTTP {rate:.1f}/s = {rate / tps:.3f}x"
    )
    if failures:
        sys.exit(f"FAILED: {', '.join(failures)}")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    main()
