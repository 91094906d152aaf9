"""The listing index (listing.py): every write that changes what search shows reaches the
next search, in this process at once and in others through the change log; and the
column-wise pre-ranking of candidates (selectors.search_candidate_list) orders exactly as its
definition says, checked against a plain sort on generated instructors."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog.models import AgeGroup
from apps.instructors.models import InstructorProfile, Offering, ServiceArea
from apps.instructors.services import service_areas_replace
from apps.instructors.states import ProfileStatus
from apps.media.services.documents import _background_check_record
from apps.reviews.models import InstructorRating
from apps.search import listing
from apps.search.listing import Listed, Listing, listing_changed, listing_generation, listing_get
from apps.search.query import SearchCriteria
from apps.search.selectors import (
    M_PER_DEG_LAT,
    M_PER_DEG_LON,
    Candidate,
    allowed_formats,
    search_candidate_list,
    search_vocabulary_get,
)
from apps.search.tests.helpers import LIVE_SINCE, NOW, teacher

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog", "gazetteer")]


def current() -> Listing:
    return listing_get(listing_generation())


def rows_of(profile: InstructorProfile) -> tuple[Listed, ...]:
    return current().by_profile.get(profile.pk, ())


# --- writes reach the next search -----------------------------------------------------------


def test_a_profile_edit_is_read_back_with_four_queries_not_a_full_reload() -> None:
    ana = teacher("Ana Alvarez", studio=9000, at="park-slope")
    teacher("Ben Brown", online=5000)
    assert [row.headline for row in rows_of(ana)] == [ana.headline]
    ana.headline = "Piano for grown-ups"
    ana.save()
    with CaptureQueriesContext(connection) as captured:
        assert [row.headline for row in rows_of(ana)] == ["Piano for grown-ups"]
    offerings, ages, areas, spans = (query["sql"] for query in captured.captured_queries)
    assert f"{{{ana.pk}}}" in offerings  # hers only: = ANY('{pk}')
    assert "offering_id" in ages
    assert f"{{{ana.pk}}}" in areas
    assert f"{{{ana.pk}}}" in spans


def _rate(profile: InstructorProfile) -> None:
    offering = Offering.objects.get(profile=profile)
    offering.rate_studio_cents = 12_000
    offering.save()


def _suspend(profile: InstructorProfile) -> None:
    profile.status = ProfileStatus.SUSPENDED
    profile.save()


def _deactivate(profile: InstructorProfile) -> None:
    offering = Offering.objects.get(profile=profile)
    offering.is_active = False
    offering.save()


def _teach_kids(profile: InstructorProfile) -> None:
    Offering.objects.get(profile=profile).age_groups.add(AgeGroup.objects.get(slug="kids"))


def _areas(profile: InstructorProfile) -> None:
    service_areas_replace(actor=profile.user, neighborhoods=["astoria"], boroughs=["bronx"])


def _rating(profile: InstructorProfile) -> None:
    InstructorRating.objects.create(
        instructor=profile, review_count=3, stars_total=14, stars_4=1, stars_5=2, updated_at=NOW
    )


def _background_lapsed(profile: InstructorProfile) -> None:
    _background_check_record(instructor_id=profile.user_id, passed_at=None, now=NOW)


def _area_removed(profile: InstructorProfile) -> None:
    ServiceArea.objects.filter(profile=profile).delete()


@pytest.mark.parametrize(
    ("write", "seen"),
    [
        (_rate, lambda rows: [row.rates for row in rows] == [{"studio": 12_000}]),
        (_suspend, lambda rows: rows == ()),
        (_deactivate, lambda rows: rows == ()),
        (_teach_kids, lambda rows: [row.age_groups for row in rows] == [frozenset({"adults", "kids"})]),
        (_rating, lambda rows: [(row.review_count, row.review_stars) for row in rows] == [(3, 14)]),
        (_background_lapsed, lambda rows: [row.background_checked for row in rows] == [False]),
    ],
)
def test_every_kind_of_write_reaches_the_listing(write: Any, seen: Any) -> None:
    ana = teacher("Ana Alvarez", studio=9000, at="park-slope")
    assert rows_of(ana)
    write(ana)
    assert seen(rows_of(ana))


@pytest.mark.parametrize(
    ("write", "names"), [(_areas, ("Astoria", "Bronx")), (_area_removed, ())]
)  # fmt: skip
def test_travel_areas_reach_the_listing(write: Any, names: tuple[str, ...]) -> None:
    ana = teacher("Ana Alvarez", travel=9000, areas=["park-slope"])
    assert current().areas_of(ana.pk).names == ("Park Slope",)
    write(ana)
    assert current().areas_of(ana.pk).names == names


def test_another_process_reads_what_changed_from_the_log() -> None:
    ana, ben = teacher("Ana Alvarez", studio=9000), teacher("Ben Brown", studio=9000)
    seen = current()
    before = listing_generation()
    assert before is not None
    listing_changed([ben.pk, ana.pk])
    after = listing_generation()
    assert after == before + 2
    assert listing._changes(before, after) == {ana.pk, ben.pk}
    assert listing._changes(before, before) == set()
    # What the log cannot answer means a full reload: a gap, a generation gone back, too many.
    cache.delete(listing.CHANGE_KEY.format(after))
    assert listing._changes(before, after) is None
    assert listing._changes(after, before) is None
    assert listing._changes(None, after) is None
    assert listing._changes(after - listing.CATCH_UP_LIMIT - 1, after) is None
    # A process holding an older listing reloads what the log names.
    listing._state.listing, listing._state.generation = seen, before
    with CaptureQueriesContext(connection) as captured:
        listing_get(before + 1)
    assert len(captured.captured_queries) == 4


def test_a_lost_cache_starts_a_generation_no_process_has_seen() -> None:
    teacher("Ana Alvarez", studio=9000)
    first = current()
    generation = listing_generation()
    cache.delete(listing.LISTING_KEY)
    with CaptureQueriesContext(connection) as captured:
        again = current()
    assert listing_generation() != generation
    assert again is not first
    assert len(captured.captured_queries) == 4


# --- the pre-ranking ------------------------------------------------------------------------


def _reference(criteria: SearchCriteria, everything: Listing, pool: int) -> list[int]:
    """The pre-rank by its definition: a plain sort of every live offering of the subject."""
    known = search_vocabulary_get().known
    ids = set(known.service_ids(service=criteria.service, category=criteria.category))
    formats = [fmt.value for fmt in allowed_formats(criteria.format)]
    place = criteria.location
    hoods, boroughs = known.coverage.get(place, ((), ())) if place is not None else ((), ())

    def key(row: Listed) -> tuple[Any, ...]:
        areas = everything.areas_of(row.profile_id)
        rates = [row.rates[fmt] for fmt in formats if fmt in row.rates]
        low, high = criteria.min_price_cents, criteria.max_price_cents
        fails = (criteria.age_group is not None and criteria.age_group not in row.age_groups) + (
            criteria.skill_level is not None and criteria.skill_level not in row.skill_levels
        )
        if criteria.has_price:
            fails += not any((low is None or r >= low) and (high is None or r <= high) for r in rates)
        if place is None:
            return fails, row.recency
        covers = bool(set(hoods) & areas.neighborhood_ids or set(boroughs) & areas.borough_ids)
        if covers:
            return fails, False, 0.0, row.recency
        if row.public_lat is None or row.public_lon is None:
            return fails, True, 0.0, row.recency
        near = ((row.public_lat - place.lat) * M_PER_DEG_LAT) ** 2 + ((row.public_lon - place.lon) * M_PER_DEG_LON) ** 2
        return fails, False, near, row.recency

    matching = [
        row for row in everything.newest_first if row.service_id in ids and any(fmt in row.rates for fmt in formats)
    ]
    return [row.offering_id for row in sorted(matching, key=key)[:pool]]


def test_the_pre_rank_orders_as_its_definition_on_generated_instructors() -> None:
    rng = random.Random(20)
    hoods = ["park-slope", "astoria", "harlem", "williamsburg", "chelsea"]
    for n in range(40):
        rates = {fmt: rng.choice([None, rng.randrange(3000, 15000, 500)]) for fmt in ("online", "studio", "travel")}
        if not any(rates.values()):
            rates["online"] = 6000
        teacher(
            f"Gen Teacher{n:02d}",
            service=rng.choice(["piano", "guitar", "violin"]),
            at=rng.choice([*hoods, None]) if rates["studio"] else None,  # None: a studio without a point
            areas=list(rng.sample(hoods, rng.randrange(0, 3))) if rates["travel"] else [],
            ages=rng.sample(["kids", "teens", "adults", "seniors"], rng.randrange(1, 4)),
            skills=rng.sample(["beginner", "intermediate", "advanced"], rng.randrange(1, 3)),
            went_live_at=rng.choice([None, LIVE_SINCE - timedelta(days=rng.randrange(0, 90))]),
            online=rates["online"],
            studio=rates["studio"],
            travel=rates["travel"],
        )
    bundle = search_vocabulary_get()
    everything = current()
    places = [None, *bundle.known.places.values()]
    compared = 0
    for _ in range(150):
        criteria = SearchCriteria(
            text="",
            service=rng.choice([None, "piano", "guitar"]),
            category=rng.choice([None, "music"]),
            age_group=rng.choice([None, "kids", "teens", "adults"]),
            skill_level=rng.choice([None, "beginner", "advanced"]),
            format=rng.choice([None, "online", "studio", "travel", "in_person"]),
            min_price_cents=rng.choice([None, 5000]),
            max_price_cents=rng.choice([None, 9000]),
            location=rng.choice(places),
        )
        pool = rng.choice([5, 12, 250])
        found, truncated = search_candidate_list(criteria, bundle.known, everything, pool=pool)
        expected = _reference(criteria, everything, pool + 1)
        assert [c.offering_id for c in found] == expected[:pool], criteria
        assert truncated == (len(expected) > pool)
        compared += bool(found)
    assert compared > 100  # most generated searches found someone


def test_a_candidate_carries_the_rows_fields_and_its_flags() -> None:
    ana = teacher("Ana Alvarez", travel=9000, areas=["park-slope"], ages=("kids",), at="park-slope")
    known = search_vocabulary_get().known
    criteria = SearchCriteria(
        text="", service="piano", age_group="adults", location=known.places[("neighborhood", "park-slope")]
    )
    (found,), truncated = search_candidate_list(criteria, known, current(), pool=10)
    row = rows_of(ana)[0]
    assert isinstance(found, Candidate)
    assert not truncated
    assert (found.offering_id, found.slug, found.rates, found.age_ok, found.covers_place) == (
        row.offering_id, "ana-alvarez", {"travel": 9000}, False, True,
    )  # fmt: skip
    assert found.studio is not None
    assert found.studio.name == "Park Slope"
    unasked = replace(criteria, age_group=None, location=None)
    (again,), _ = search_candidate_list(unasked, known, current(), pool=10)
    assert (again.age_ok, again.covers_place) == (True, False)


def test_a_patched_listing_equals_a_full_read(monkeypatch: pytest.MonkeyPatch) -> None:
    teachers = [
        teacher(
            f"Patch Teacher{n:02d}", travel=8000 + n, studio=9000, at="park-slope", areas=["astoria", "harlem"][: n % 3]
        )
        for n in range(8)
    ]
    before = current()
    moved, newer, gone = teachers[1], teachers[4], teachers[6]
    service_areas_replace(actor=moved.user, neighborhoods=["chelsea"], boroughs=["bronx"])
    newer.went_live_at = LIVE_SINCE + timedelta(days=5)  # moves to the front of "newest first"
    newer.save()
    _deactivate(gone)
    teacher("Patch Newcomer", online=5000, areas=["harlem"])
    patches: list[int] = []
    real = listing._patched

    def spy(base: Listing, touched: set[int], *rest: Any) -> Any:
        patches.append(len(touched))
        return real(base, touched, *rest)

    monkeypatch.setattr(listing, "_patched", spy)
    patched = current()
    assert patched is not before
    assert patches == [4]  # read back by patching, for the four instructors that changed
    full = listing._load(None, base=None)
    assert [row.offering_id for row in patched.newest_first] == [row.offering_id for row in full.newest_first]
    assert patched.newest_first[0].profile_id == newer.pk
    assert np.array_equal(patched.columns.ints, full.columns.ints)
    assert np.array_equal(patched.columns.points, full.columns.points, equal_nan=True)
    for name in ("neighborhood_profiles", "borough_profiles"):
        ours, theirs = getattr(patched.columns, name), getattr(full.columns, name)
        assert {place: sorted(found.tolist()) for place, found in ours.items()} == {
            place: sorted(found.tolist()) for place, found in theirs.items()
        }
