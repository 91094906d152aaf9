"""Deterministic demo data for `manage.py seed_demo`. Each feature contributes a step to
DEMO_STEPS (users, instructor profiles, and later availability, bookings, reviews)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test import override_settings

from apps.accounts.models import Learner, Role, User
from apps.availability.demo import demo_availability_extend, seed_availability
from apps.bookings.demo import seed_lessons
from apps.catalog.services import catalog_load
from apps.instructors.demo import demo_city_size, seed_instructor_profiles
from apps.messaging.demo import seed_conversations
from apps.referrals.demo import seed_referrals
from apps.reviews.demo import seed_reviews
from apps.search.gazetteer import gazetteer_load

DEMO_PASSWORD = "instainstru-demo"  # noqa: S105 - published demo credential, local data only
DEMO_DOMAIN = "demo.instainstru.test"
FIRST_NAMES = [
    "Ava",
    "Ben",
    "Carmen",
    "Dev",
    "Elena",
    "Farah",
    "Gabe",
    "Hana",
    "Ivan",
    "Jada",
    "Kenji",
    "Lena",
    "Marco",
    "Nia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Uri",
    "Vera",
    "Wes",
    "Ximena",
    "Yusuf",
    "Zoe",
]
LAST_NAMES = [
    "Alvarez",
    "Brooks",
    "Chen",
    "Diaz",
    "Evans",
    "Fischer",
    "Goldberg",
    "Haddad",
    "Ito",
    "Johnson",
    "Kim",
    "Levy",
    "Morales",
    "Nguyen",
    "O'Brien",
    "Patel",
    "Quintero",
    "Rossi",
    "Singh",
    "Torres",
    "Usman",
    "Vargas",
    "Williams",
    "Xu",
    "Yilmaz",
    "Zhang",
]


@dataclass
class DemoContext:
    rng: random.Random
    instructor_count: int
    password_hash: str
    students: list[User] = field(default_factory=list)
    instructors: list[User] = field(default_factory=list)
    # user id -> the availability style the instructor step chose (None: drawn at random)
    weekly_styles: dict[int, str | None] = field(default_factory=dict)


DemoStep = Callable[[DemoContext], None]


def _person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def _create_users(ctx: DemoContext, role: Role, count: int, prefix: str) -> list[User]:
    users = []
    for index in range(count):
        first, last = _person(ctx.rng)
        users.append(
            User(
                email=f"{prefix}{index + 1}@{DEMO_DOMAIN}",
                first_name=first,
                last_name=last,
                role=role,
                password=ctx.password_hash,
                zip_code=f"1{ctx.rng.randint(0, 1)}{ctx.rng.randint(0, 4)}{ctx.rng.randint(0, 9)}{ctx.rng.randint(0, 9)}",
            )
        )
    created = User.objects.bulk_create(users, batch_size=2000)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=user, email=user.email, primary=True, verified=True) for user in created], batch_size=2000
    )
    return created


def seed_users(ctx: DemoContext) -> None:
    ctx.students = _create_users(ctx, Role.STUDENT, max(5, ctx.instructor_count // 10), "student")
    ctx.instructors = _create_users(ctx, Role.INSTRUCTOR, ctx.instructor_count, "instructor")
    staff = User(
        email=f"staff@{DEMO_DOMAIN}",
        first_name="Stella",
        last_name="Staff",
        password=ctx.password_hash,
        is_staff=True,
        is_superuser=True,
    )
    staff.save()
    EmailAddress.objects.create(user=staff, email=staff.email, primary=True, verified=True)
    parent = ctx.students[0]
    Learner.objects.bulk_create(
        [
            Learner(parent=parent, first_name="Maya", age_group_id="kids"),
            Learner(parent=parent, first_name="Leo", age_group_id="toddler"),
        ]
    )


DEMO_STEPS: list[DemoStep] = [
    seed_users, seed_instructor_profiles, seed_availability, seed_lessons, seed_reviews, seed_referrals,
    seed_conversations,
]  # fmt: skip


def demo_seed(*, instructors: int | None, seed: int) -> DemoContext:
    """Create the demo data set: `instructors` of them, or by default as many as fill the
    city (instructors/demo.py). The same seed gives the same data."""
    catalog_load(path=settings.DATA_DIR / "catalog.json")
    gazetteer_load(data_dir=settings.DATA_DIR)
    count = instructors if instructors is not None else demo_city_size()
    ctx = DemoContext(rng=random.Random(seed), instructor_count=count, password_hash=make_password(DEMO_PASSWORD))
    # The story the demo plays sends the emails the product would; nobody should receive them.
    # (Outermost, so that the emails queued until the commit are dropped too.)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), transaction.atomic():
        for step in DEMO_STEPS:
            step(ctx)
    return ctx


def demo_present() -> bool:
    return User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").exists()


def demo_refresh(*, now: datetime) -> int:
    """A demo loaded weeks ago keeps 30 days of open times (days added)."""
    ids = list(
        User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}", role=Role.INSTRUCTOR).values_list("pk", flat=True)
    )
    return demo_availability_extend(user_ids=ids, now=now)
