"""Demo instructors: live profiles spread over the catalog and the city, with realistic bios,
prices and areas; some kids-capable, some online-only. Bulk inserts keep 10,000 fast."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.text import slugify

from apps.catalog.models import Service
from apps.instructors.models import InstructorProfile, Offering, ServiceArea
from apps.instructors.services import jittered_point
from apps.instructors.states import ProfileStatus
from apps.search.models import Neighborhood

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.core.demo import DemoContext

STYLES = ["patient", "playful", "structured", "encouraging", "detail-oriented", "warm", "goal-driven"]
BACKGROUNDS = [
    "a conservatory-trained performer", "a former public-school teacher", "a certified coach",
    "a university instructor", "a working professional in the field", "a competition judge",
]  # fmt: skip
FOCUS = [
    "the fundamentals",
    "confidence",
    "technique",
    "real-world practice",
    "exam goals",
    "having fun while improving",
]
SKILL_SETS = [["beginner"], ["beginner", "intermediate"], ["beginner", "intermediate", "advanced"]]
HEADLINE_EXTRAS = ["for all levels", "for beginners", "with a playful approach", "exam-focused", "for busy adults"]


def _bio(rng: random.Random, name: str, service: Service, years: int) -> str:
    return (
        f"Hi, I'm {name.split()[0]} — {rng.choice(BACKGROUNDS)} with {years} years of teaching "
        f"{service.name.lower()}. My lessons are {rng.choice(STYLES)} and focus on {rng.choice(FOCUS)}. "
        f"I tailor every lesson to your goals, and you'll leave each session with something to practice."
    )


def _rate(rng: random.Random, floor_cents: int) -> int:
    return rng.randrange(floor_cents // 500, 36) * 500  # $5 steps between the floor and $175/h


def _rates(rng: random.Random, service: Service, online_only: bool) -> dict[str, int | None]:
    """Between one and three formats, each at a rate above its floor."""
    online = service.online_capable and (online_only or rng.random() < 0.5)
    studio = not online_only and rng.random() < 0.7
    travel = not online_only and rng.random() < 0.5
    if not (online or studio or travel):
        online, studio = service.online_capable, not service.online_capable
    return {
        "rate_online_cents": _rate(rng, 6000) if online else None,
        "rate_studio_cents": _rate(rng, 8000) if studio else None,
        "rate_travel_cents": _rate(rng, 8000) if travel else None,
    }


@dataclass
class _Plan:
    """One demo instructor before insertion: the profile plus what it teaches and where."""

    profile: InstructorProfile
    offerings: list[Offering]
    ages: list[list[str]]
    areas: list[ServiceArea]


def seed_instructor_profiles(ctx: DemoContext) -> None:
    services = list(Service.objects.filter(is_active=True).prefetch_related("eligible_age_groups"))
    neighborhoods = list(Neighborhood.objects.all())
    eligible = {s.pk: [g.slug for g in s.eligible_age_groups.all()] for s in services}
    nearby = _nearest_four(neighborhoods)
    now = timezone.now()
    plans = [
        _plan(ctx.rng, index, user, services, eligible, neighborhoods, nearby, now)
        for index, user in enumerate(ctx.instructors)
    ]
    InstructorProfile.objects.bulk_create([p.profile for p in plans], batch_size=2000)
    offerings = [o for p in plans for o in p.offerings]
    Offering.objects.bulk_create(offerings, batch_size=2000)
    through = Offering.age_groups.through
    rows = [
        through(offering_id=o.pk, agegroup_id=slug)
        for p in plans
        for o, groups in zip(p.offerings, p.ages, strict=True)
        for slug in groups
    ]
    through.objects.bulk_create(rows, batch_size=5000)
    ServiceArea.objects.bulk_create([a for p in plans for a in p.areas], batch_size=5000)


def _plan(
    rng: random.Random,
    index: int,
    user: User,
    services: list[Service],
    eligible: dict[int, list[str]],
    neighborhoods: list[Neighborhood],
    nearby: dict[int, list[Neighborhood]],
    now: datetime,
) -> _Plan:
    name = f"{user.first_name} {user.last_name}"
    years = rng.randint(1, 25)
    online_only = rng.random() < 0.12
    kids_friendly = rng.random() < 0.5
    main = rng.choice(services)
    siblings = [s for s in services if s.category_id == main.category_id and s != main]
    picked = [main, *rng.sample(siblings, k=min(len(siblings), rng.randint(0, 2)))]
    home = rng.choice(neighborhoods)
    lat, lon = jittered_point(home.lat, home.lon, rng)
    profile = InstructorProfile(
        user=user, slug=f"{slugify(name)}-{index + 1}", display_name=name, years_experience=years,
        headline=f"{main.name} · {rng.choice(HEADLINE_EXTRAS)}", bio=_bio(rng, name, main, years),
        status=ProfileStatus.LIVE, went_live_at=now, identity_verified_at=now, background_check_passed_at=now,
        payouts_connected_at=now, is_founding=index < 20,
    )  # fmt: skip
    if not online_only:
        profile.studio_neighborhood, profile.public_lat, profile.public_lon = home, lat, lon
        profile.studio_address = f"{rng.randint(1, 999)} Demo St"
    offerings, ages = [], []
    for service in picked:
        offerings.append(
            Offering(
                profile=profile,
                service=service,
                description=f"{service.name} lessons {rng.choice(HEADLINE_EXTRAS)}.",
                duration_options=sorted(rng.sample([30, 45, 60, 90], k=rng.randint(1, 3))),
                skill_levels=rng.choice(SKILL_SETS),
                **_rates(rng, service, online_only),
            )
        )
        groups = eligible[service.pk]
        ages.append([g for g in groups if kids_friendly or g not in {"toddler", "kids"}] or groups)
    travels = any(o.rate_travel_cents for o in offerings)
    areas = _areas_near(rng, profile, home, nearby) if travels else []
    return _Plan(profile=profile, offerings=offerings, ages=ages, areas=areas)


def _areas_near(
    rng: random.Random, profile: InstructorProfile, home: Neighborhood, nearby: dict[int, list[Neighborhood]]
) -> list[ServiceArea]:
    """A whole borough for some travellers; the home neighborhood and its nearest three for the rest."""
    if rng.random() < 0.3:
        return [ServiceArea(profile=profile, borough_id=home.borough_id)]
    return [ServiceArea(profile=profile, neighborhood=n) for n in nearby[home.pk]]


def _nearest_four(neighborhoods: list[Neighborhood]) -> dict[int, list[Neighborhood]]:
    return {
        home.pk: sorted(neighborhoods, key=lambda n: (n.lat - home.lat) ** 2 + (n.lon - home.lon) ** 2)[:4]
        for home in neighborhoods
    }
