"""Demo instructors: a city where the searches people actually type find someone.

The first instructors fill a grid: every popular service gets `PER_BOROUGH` in-person
instructors in every borough, the three of each cell deliberately different — one teaches
children after school at a modest rate, one teaches adults on weekday evenings, one is a
premium teacher for everyone on weekends — so that "piano for my 7 year old in Brooklyn",
"guitar lessons for adults tonight" and "cheap spanish tutor" all have answers. Then every
other service gets `PER_RARE_SERVICE` instructors somewhere in the city, and anyone beyond
that (`--instructors 10000` for the benchmarks) is drawn at random over the whole catalog.
Bulk inserts keep 10,000 fast.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
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

# What New Yorkers ask for most, by catalog slug (the search log of a lesson marketplace
# leads with instruments, languages, test prep, swimming and martial arts).
POPULAR_SERVICES: tuple[str, ...] = (
    "piano", "guitar", "voice", "violin", "drums", "ukulele", "music-theory",
    "spanish", "french", "mandarin", "italian", "japanese", "korean", "esl",
    "math", "algebra", "reading", "writing", "chemistry", "physics", "coding", "homework-help",
    "sat-prep", "act-prep", "shsat-prep",
    "swimming", "tennis", "yoga", "pilates", "personal-training", "boxing", "martial-arts", "karate",
    "basketball", "soccer", "golf",
    "chess", "cooking",
    "ballet", "hip-hop", "salsa",
    "drawing", "painting", "photography", "acting",
)  # fmt: skip
PER_BOROUGH = 3
PER_RARE_SERVICE = 2
FOUNDING_INSTRUCTORS = 20
SIBLING_POPULAR_SHARE = 0.8  # how often a grid teacher's extra services come from the popular ones


@dataclass(frozen=True)
class Role:
    """One of the three kinds of teacher in each popular cell."""

    name: str
    ages: frozenset[str]  # preferred age groups (intersected with what the service allows)
    skills: tuple[str, ...]
    formats: tuple[str, ...]  # in-person formats always offered; online added when the service allows
    price_band: tuple[int, int]  # hourly rate range in dollars for in-person lessons
    weekly_style: str  # an availability style (availability/demo.py)


ROLES: tuple[Role, ...] = (
    Role("kids", frozenset({"toddler", "kids", "teens"}), ("beginner", "intermediate"), ("studio",), (80, 105),
         "after school"),
    Role("adults", frozenset({"teens", "adults"}), ("beginner", "intermediate", "advanced"), ("travel",), (95, 140),
         "after work"),
    Role("premium", frozenset({"toddler", "kids", "teens", "adults"}), ("intermediate", "advanced"),
         ("studio", "travel"), (150, 240), "weekends"),
)  # fmt: skip

STYLES = ["patient", "playful", "structured", "encouraging", "detail-oriented", "warm", "goal-driven", "calm"]
BACKGROUNDS = {
    "music": ["a conservatory-trained performer", "a working session musician", "a music-school faculty member",
              "a touring musician", "a church music director"],
    "dance": ["a former company dancer", "a competition champion", "a choreographer", "a studio owner"],
    "arts": ["a working artist", "a gallery-exhibited painter", "an art-school graduate", "a freelance creative"],
    "sports-fitness": ["a certified coach", "a former college athlete", "a certified trainer", "a lifeguard instructor",
                       "a black-belt instructor"],
    "tutoring": ["a former public-school teacher", "a Columbia graduate", "a test-prep specialist",
                 "a university instructor", "a licensed NYC teacher"],
    "languages": ["a native speaker", "a certified language teacher", "a translator", "a former Berlitz teacher"],
    "hobbies": ["a lifelong enthusiast", "a professional in the field", "a competition judge", "a workshop host"],
}  # fmt: skip
FOCUS = [
    "the fundamentals",
    "confidence",
    "technique",
    "real-world practice",
    "clear goals",
    "having fun while improving",
]
CLOSERS = [
    "You'll leave each lesson with something concrete to practice.",
    "Parents get a short note after every lesson.",
    "First lesson: we talk goals, then get straight to it.",
    "I keep lessons relaxed and focused — no judgement, just progress.",
    "Happy to teach complete beginners and people coming back after years away.",
]
HEADLINE_EXTRAS = ["for all levels", "for beginners", "with a playful approach", "exam-focused", "for busy adults"]
SKILL_SETS = [["beginner"], ["beginner", "intermediate"], ["beginner", "intermediate", "advanced"]]


@dataclass(frozen=True)
class Slot:
    """What one demo instructor mainly teaches, where, and as which kind of teacher (None:
    drawn at random)."""

    service: Service
    borough_id: int
    role: Role | None


def slot_sequence(services: list[Service], borough_ids: list[int], rng: random.Random) -> Iterator[Slot]:
    """The city grid first (three roles × every borough × every popular service), then the
    rest of the catalog, then random draws for ever."""
    by_slug = {s.slug: s for s in services}
    popular = [by_slug[slug] for slug in POPULAR_SERVICES if slug in by_slug]
    for role in ROLES:
        for borough_id in borough_ids:
            for service in popular:
                yield Slot(service, borough_id, role)
    rare = [s for s in services if s.slug not in POPULAR_SERVICES]
    for _ in range(PER_RARE_SERVICE):
        for service in rare:
            yield Slot(service, rng.choice(borough_ids), None)
    while True:
        yield Slot(rng.choice(services), rng.choice(borough_ids), None)


def city_instructor_count(*, services: int, popular: int, boroughs: int) -> int:
    """How many instructors fill the whole city grid and the rest of the catalog once."""
    return popular * boroughs * len(ROLES) + (services - popular) * PER_RARE_SERVICE


def demo_city_size() -> int:
    """The default demo size for the catalog in the database."""
    from apps.search.models import Borough

    slugs = set(Service.objects.filter(is_active=True).values_list("slug", flat=True))
    return city_instructor_count(
        services=len(slugs), popular=len(slugs & set(POPULAR_SERVICES)), boroughs=Borough.objects.count()
    )


def _bio(rng: random.Random, name: str, service: Service, years: int, category: str) -> str:
    background = rng.choice(BACKGROUNDS.get(category, BACKGROUNDS["hobbies"]))
    return (
        f"Hi, I'm {name.split()[0]} — {background} with {years} years of teaching {service.name.lower()}. "
        f"My lessons are {rng.choice(STYLES)} and focus on {rng.choice(FOCUS)}. {rng.choice(CLOSERS)}"
    )


def _dollars(rng: random.Random, band: tuple[int, int]) -> int:
    low, high = band
    return rng.randrange(low // 5, high // 5 + 1) * 500  # $5 steps, in cents


def _rates(rng: random.Random, service: Service, slot: Slot) -> dict[str, int | None]:
    """Rates per format. A role fixes the in-person formats and the price band; online (at
    the $60 floor upwards) is added for about half of those whose service allows it."""
    if slot.role is None:
        return _random_rates(rng, service)
    in_person = _dollars(rng, slot.role.price_band)
    online = service.online_capable and rng.random() < 0.6
    return {
        "rate_online_cents": max(6000, in_person - 2000) if online else None,
        "rate_studio_cents": in_person if "studio" in slot.role.formats else None,
        "rate_travel_cents": in_person + 1500 if "travel" in slot.role.formats else None,
    }


def _random_rates(rng: random.Random, service: Service) -> dict[str, int | None]:
    online_only = service.online_capable and rng.random() < 0.12
    online = service.online_capable and (online_only or rng.random() < 0.5)
    studio = not online_only and rng.random() < 0.7
    travel = not online_only and rng.random() < 0.5
    if not (online or studio or travel):
        online, studio = service.online_capable, not service.online_capable
    return {
        "rate_online_cents": _dollars(rng, (60, 150)) if online else None,
        "rate_studio_cents": _dollars(rng, (80, 200)) if studio else None,
        "rate_travel_cents": _dollars(rng, (90, 220)) if travel else None,
    }


@dataclass
class _Plan:
    """One demo instructor before insertion: the profile plus what it teaches and where."""

    profile: InstructorProfile
    offerings: list[Offering]
    ages: list[list[str]]
    areas: list[ServiceArea]


@dataclass(frozen=True)
class _City:
    services: list[Service]
    eligible: dict[int, list[str]]
    categories: dict[int, str]
    by_borough: dict[int, list[Neighborhood]]
    nearby: dict[int, list[Neighborhood]]


def seed_instructor_profiles(ctx: DemoContext) -> None:
    services = list(
        Service.objects.filter(is_active=True).select_related("category").prefetch_related("eligible_age_groups")
    )
    neighborhoods = list(Neighborhood.objects.order_by("pk"))
    by_borough: dict[int, list[Neighborhood]] = {}
    for hood in neighborhoods:
        by_borough.setdefault(hood.borough_id, []).append(hood)
    city = _City(
        services=services,
        eligible={s.pk: [g.slug for g in s.eligible_age_groups.all()] for s in services},
        categories={s.pk: s.category.slug for s in services},
        by_borough=by_borough,
        nearby=_nearest_four(neighborhoods),
    )
    now = timezone.now()
    slots = slot_sequence(services, sorted(by_borough), ctx.rng)
    plans = []
    for index, (user, slot) in enumerate(zip(ctx.instructors, slots, strict=False)):
        plans.append(_plan(ctx.rng, index, user, slot, city, now))
        ctx.weekly_styles[user.pk] = slot.role.weekly_style if slot.role else None
    InstructorProfile.objects.bulk_create([p.profile for p in plans], batch_size=2000)
    Offering.objects.bulk_create([o for p in plans for o in p.offerings], batch_size=2000)
    through = Offering.age_groups.through
    rows = [
        through(offering_id=o.pk, agegroup_id=slug)
        for p in plans
        for o, groups in zip(p.offerings, p.ages, strict=True)
        for slug in groups
    ]
    through.objects.bulk_create(rows, batch_size=5000)
    ServiceArea.objects.bulk_create([a for p in plans for a in p.areas], batch_size=5000)


def _plan(rng: random.Random, index: int, user: User, slot: Slot, city: _City, now: datetime) -> _Plan:
    name = f"{user.first_name} {user.last_name}"
    years = rng.randint(2, 25)
    main = slot.service
    category = city.categories[main.pk]
    picked = [main, *_siblings(rng, main, category, city, role=slot.role)]
    home = rng.choice(city.by_borough[slot.borough_id])
    lat, lon = jittered_point(home.lat, home.lon, rng)
    profile = InstructorProfile(
        user=user, slug=f"{slugify(name)}-{index + 1}", display_name=name, years_experience=years,
        headline=f"{main.name} · {rng.choice(HEADLINE_EXTRAS)}", bio=_bio(rng, name, main, years, category),
        status=ProfileStatus.LIVE, went_live_at=now, identity_verified_at=now, background_check_passed_at=now,
        payouts_connected_at=now, is_founding=index < FOUNDING_INSTRUCTORS,
        studio_neighborhood=home, public_lat=lat, public_lon=lon, studio_address=f"{rng.randint(1, 999)} Demo St",
    )  # fmt: skip
    offerings, ages = [], []
    for service in picked:
        rates = _rates(rng, service, slot)
        offerings.append(
            Offering(
                profile=profile,
                service=service,
                description=f"{service.name} lessons {rng.choice(HEADLINE_EXTRAS)}.",
                duration_options=_durations(rng, service),
                skill_levels=list(slot.role.skills) if slot.role else rng.choice(SKILL_SETS),
                # No random draw here: adding the link left every other demo value unchanged.
                meeting_link=f"https://meet.demo.instainstru.test/{profile.slug}-{service.slug}"
                if rates["rate_online_cents"]
                else "",
                **rates,
            )
        )
        ages.append(_ages(rng, city.eligible[service.pk], slot.role))
    if not any(o.rate_studio_cents or o.rate_travel_cents for o in offerings):
        profile.studio_neighborhood, profile.public_lat, profile.public_lon = None, None, None  # online only
    if not any(o.rate_studio_cents for o in offerings):
        profile.studio_address = ""
    travels = any(o.rate_travel_cents for o in offerings)
    areas = _areas_near(rng, profile, home, city.nearby) if travels else []
    return _Plan(profile=profile, offerings=offerings, ages=ages, areas=areas)


def _siblings(rng: random.Random, main: Service, category: str, city: _City, *, role: Role | None) -> list[Service]:
    """Related services of the same category. Grid teachers add one or two, popular ones
    first — a pianist who also teaches music theory and voice — which thickens the grid
    where people search; random ones add up to two of anything in the category."""
    siblings = [s for s in city.services if city.categories[s.pk] == category and s != main]
    if role is None:
        return rng.sample(siblings, k=min(len(siblings), rng.randint(0, 2)))
    popular = [s for s in siblings if s.slug in POPULAR_SERVICES]
    pool = popular if popular and rng.random() < SIBLING_POPULAR_SHARE else siblings
    return rng.sample(pool, k=min(len(pool), rng.randint(1, 2)))


def _durations(rng: random.Random, service: Service) -> list[int]:
    options = {service.default_duration_minutes, *rng.sample([30, 45, 60, 90], k=rng.randint(1, 2))}
    return sorted(options)


def _ages(rng: random.Random, eligible: list[str], role: Role | None) -> list[str]:
    if role is not None:
        return [g for g in eligible if g in role.ages] or eligible
    kids_friendly = rng.random() < 0.5
    return [g for g in eligible if kids_friendly or g not in {"toddler", "kids"}] or eligible


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
