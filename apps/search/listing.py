"""The listing index: every live instructor's active offerings, as search reads them, held in
each process's memory and kept current by the writes that change them.

A search used to read its candidates from the database every time (one wide query joining
offerings, profiles and ratings, and Django compiling and converting a few hundred rows:
about 12 ms of a 30 ms search at 10,000 instructors). What it reads changes far less often
than it is read, so each process keeps it: one `Listed` row per live offering, indexed by
service and in "newest first" order, with the offering's age groups, the instructor's
travel areas and open-time index row (availability.OpenQuarters). A search then picks its
candidates a column at a time (selectors.search_candidate_list) and reads only their
bookings from the database.

Keeping it current (the same design as a search engine's index kept by signals):
- Every save or delete of what a card shows (a profile, an offering and its age groups, a
  travel area, the rating row) reports the instructor through `listing_changed`, from the
  model signals wired in apps.py, from the two services that write in bulk (travel areas,
  a background check) and from every open-time index refresh. A report appends the instructor to a short change log in the shared
  cache under a new listing generation, at once and again after the commit: at once so the
  writing transaction's own later reads see it, after the commit so other processes reload
  the committed rows (one that reloaded in between read the old rows and reloads again).
- Each search reads the generation (in the same round trip as the search generation). When
  it moved, the process reloads only the reported instructors (four indexed queries); when
  the log cannot say what changed (the generation is unknown, went backwards, jumped more than
  `CATCH_UP_LIMIT` — a batch that large reports itself that way, the hourly sweep of the
  open-time index say — or a log entry is missing: a new cache, an eviction, an outage), it
  reloads everything (about 1 s at 10,000 instructors).
- Writes that bypass the models (raw SQL, a bulk load) are picked up by the full reload every
  `FULL_RELOAD_SECONDS`, the bound on how stale an unreported change can be.
"""

from __future__ import annotations

import bisect
import gc
import logging
import math
import secrets
import threading
import time as clock
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import compress
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db import DatabaseError, close_old_connections, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Length

from apps.availability.models import OpenQuarters
from apps.availability.quarters import QuarterSpan
from apps.instructors.models import RATE_FIELDS, Offering, ServiceArea
from apps.instructors.states import ProfileStatus
from apps.search.sql import id_in

logger = logging.getLogger(__name__)
LISTING_KEY = "search:listing"
CHANGE_KEY = "search:listing:change:{}"
CHANGE_TTL_SECONDS = 3600
CATCH_UP_LIMIT = 200  # more changes than this since the last look: reload everything
FULL_RELOAD_SECONDS = 600
_FIRST_GENERATION_MAX = 2**40  # a new cache starts at a random generation no process has seen


@dataclass(frozen=True, slots=True)
class Listed:
    """One live instructor's active offering: everything search filters, ranks and shows."""

    offering_id: int
    profile_id: int
    service_id: int
    description: str
    duration_options: list[int]
    skill_levels: list[str]
    rates: dict[str, int]  # format -> hourly rate in cents, offered formats only
    age_groups: frozenset[str]
    slug: str
    display_name: str
    user_id: int
    headline: str
    bio_chars: int
    years_experience: int
    timezone: str
    buffer_minutes: int
    travel_buffer_minutes: int
    overnight_protection: bool
    public_lat: float | None
    public_lon: float | None
    went_live_at: datetime | None
    identity_verified: bool
    background_checked: bool
    studio_id: int | None  # the studio's neighborhood
    review_count: int
    review_stars: int
    # "Newest first" (went live latest, never-live last, then by id), as a sortable key.
    recency: tuple[int, float, int] = field(compare=False)
    # The row's place in the columns: service, instructor, the three rates (-1: none), age
    # group bits, skill level bits; and its public point (NaN: none).
    vector: tuple[int, ...] = field(compare=False)
    point: tuple[float, float] = field(compare=False)


@dataclass(frozen=True, slots=True)
class Areas:
    """Where one instructor travels: ids for matching a place, names (in the order they were
    added) for the card."""

    neighborhood_ids: frozenset[int]
    borough_ids: frozenset[int]
    names: tuple[str, ...]


_NO_AREAS = Areas(frozenset(), frozenset(), ())


@dataclass(frozen=True, slots=True)
class OpenSpan:
    """An instructor's open-time index row: the zone it was built in and its quarters."""

    timezone: str
    span: QuarterSpan


@dataclass(frozen=True)
class Columns:
    """The rows' filter and pre-rank fields as arrays, row i being `newest_first[i]`: a search
    filters and orders its subject's offerings (thousands for a category, or with no subject)
    at once. Built from each row's precomputed `vector`, so a change rebuilds them in a few
    milliseconds."""

    ints: np.ndarray  # every row's `vector`; the integer columns below are its columns
    points: np.ndarray  # every row's `point`
    service: np.ndarray  # service id
    profile: np.ndarray  # instructor id
    rates: dict[str, np.ndarray]  # format -> hourly rate in cents, -1 when not offered
    age_groups: np.ndarray  # bit per age group slug (`BITS.age`)
    skill_levels: np.ndarray  # bit per skill level (`BITS.skill`)
    lat: np.ndarray  # the public point, NaN when none
    lon: np.ndarray
    neighborhood_profiles: dict[int, np.ndarray]  # who travels to each neighborhood
    borough_profiles: dict[int, np.ndarray]

    def rows_of(self, service_ids: Sequence[int]) -> np.ndarray:
        """Row numbers (ascending: newest first) of these services' offerings."""
        if len(service_ids) == 1:
            return np.flatnonzero(self.service == service_ids[0])
        return np.flatnonzero(np.isin(self.service, service_ids))

    def covering(self, rows: np.ndarray, neighborhoods: Iterable[int], boroughs: Iterable[int]) -> np.ndarray:
        """Per row of `rows`: whether its instructor travels to one of these places."""
        found = [self.neighborhood_profiles[pk] for pk in neighborhoods if pk in self.neighborhood_profiles]
        found += [self.borough_profiles[pk] for pk in boroughs if pk in self.borough_profiles]
        if not found:
            return np.zeros(len(rows), dtype=bool)
        return np.isin(self.profile[rows], np.concatenate(found))


class _Bits:
    """One bit per age group and per skill level, given on first sight and kept for the
    process's life (the catalog has a handful of each), so a row's vector never changes."""

    def __init__(self) -> None:
        self.age: dict[str, int] = {}
        self.skill: dict[str, int] = {}

    def of(self, table: dict[str, int], values: Iterable[str]) -> int:
        mask = 0
        for value in values:
            if value not in table:
                if len(table) >= 62:
                    raise ValueError("the listing index holds at most 62 age groups or skill levels")
                table[value] = 1 << len(table)
            mask |= table[value]
        return mask


BITS = _Bits()
_VECTOR_INTS = 7
_NO_PROFILES = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class Listing:
    """One immutable snapshot; a change builds a new one (readers never see a half-update)."""

    by_profile: dict[int, tuple[Listed, ...]]
    areas: dict[int, Areas]
    newest_first: list[Listed]  # every row, by `recency`
    columns: Columns
    spans: dict[int, OpenSpan]  # each instructor's open-time index row (availability.OpenQuarters)

    def areas_of(self, profile_id: int) -> Areas:
        return self.areas.get(profile_id, _NO_AREAS)


# --- reading the index ----------------------------------------------------------------------


@dataclass
class _State:
    listing: Listing | None = None
    generation: int | None = None
    loaded_at: float = 0.0


_state = _State()
_lock = threading.Lock()


def listing_get(generation: int | None) -> Listing:
    """This process's listing, brought up to `generation` (the shared cache's, read by the
    caller with `listing_generation`; None when the cache has none yet)."""
    state = _state
    fresh = clock.monotonic() - state.loaded_at < FULL_RELOAD_SECONDS
    if state.listing is not None and generation is not None and generation == state.generation and fresh:
        return state.listing
    with _lock:
        if generation is None:
            generation = _generation_start()
        listing, known = _state.listing, _state.generation
        if listing is not None and known == generation and fresh:
            return listing
        changed = _changes(known, generation) if listing is not None and fresh else None
        if changed is None:
            _state.listing = _load(None, base=None)
            _state.loaded_at = clock.monotonic()
            _heap_freeze()
        elif changed:
            assert listing is not None
            _state.listing = _load(sorted(changed), base=listing)
        _state.generation = generation
        assert _state.listing is not None
        return _state.listing


def _heap_freeze() -> None:
    """Exclude what this process holds long (the listing's ~100,000 objects at 10,000
    instructors, Django's own) from the garbage collector's full passes: each walked every
    object and paused one search in a few hundred for ~170 ms. Frozen objects are still freed
    when nothing refers to them (listing rows hold no cycles), so an old listing goes away
    when the next full reload replaces it; unfreezing first lets that reload's collection
    reclaim any cycle that was alive at the last freeze (the request then running)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def listing_warm() -> None:
    """Read this process's listing ahead of its first search (a server worker starting). A
    database that cannot answer yet is not fatal: the first search reads it instead."""
    try:
        listing_get(listing_generation())
    except DatabaseError:
        logger.warning("search listing not read ahead: the database did not answer", exc_info=True)
    finally:
        close_old_connections()


def listing_generation() -> int | None:
    value = cache.get(LISTING_KEY)
    return None if value is None else int(value)


def listing_reset() -> None:
    """Forget this process's listing (tests that reload the catalog)."""
    with _lock:
        _state.listing, _state.generation, _state.loaded_at = None, None, 0.0


def _generation_start() -> int:
    cache.add(LISTING_KEY, 1 + secrets.randbelow(_FIRST_GENERATION_MAX), timeout=None)
    return int(cache.get(LISTING_KEY, 0))


def _changes(known: int | None, current: int) -> set[int] | None:
    """The instructors reported since generation `known`, or None when the log cannot tell."""
    if known is None or current < known or current - known > CATCH_UP_LIMIT:
        return None
    keys = [CHANGE_KEY.format(n) for n in range(known + 1, current + 1)]
    found = cache.get_many(keys)
    if len(found) != len(keys):
        return None
    return {int(value) for value in found.values()}


# --- reporting changes ----------------------------------------------------------------------


def listing_changed(instructor_ids: Iterable[int]) -> None:
    """Report that what search shows of these instructors changed (see the module's notes)."""
    ids = sorted(set(instructor_ids))
    if not ids:
        return
    _report(ids)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _report(ids))


def _report(ids: list[int]) -> None:
    try:
        last = cache.incr(LISTING_KEY, len(ids))
    except ValueError:  # no generation yet: every process reloads in full anyway
        _generation_start()
        return
    if len(ids) > CATCH_UP_LIMIT:
        return  # a jump past the limit: every process reloads everything, no log needed
    entries = {CHANGE_KEY.format(last - n): instructor_id for n, instructor_id in enumerate(ids)}
    cache.set_many(entries, timeout=CHANGE_TTL_SECONDS)


# --- loading --------------------------------------------------------------------------------


def _load(profile_ids: list[int] | None, *, base: Listing | None) -> Listing:
    """Every live offering (profile_ids None), or these instructors' replacing theirs in `base`."""
    rows = _listed_rows(profile_ids)
    areas = _areas(profile_ids)
    spans = open_spans(profile_ids)
    if base is None or profile_ids is None:
        return _indexed(_grouped(rows), areas, sorted(rows, key=_recency), spans)
    by_profile, all_areas, all_spans = dict(base.by_profile), dict(base.areas), dict(base.spans)
    touched = set(profile_ids)
    for profile_id in touched:
        by_profile.pop(profile_id, None)
        all_areas.pop(profile_id, None)
        all_spans.pop(profile_id, None)
    by_profile.update(_grouped(rows))
    all_areas.update(areas)
    all_spans.update(spans)
    newest_first, columns = _patched(base, touched, sorted(rows, key=_recency), all_areas)
    return Listing(by_profile=by_profile, areas=all_areas, newest_first=newest_first, columns=columns, spans=all_spans)


def _patched(
    base: Listing, touched: set[int], added: list[Listed], areas: dict[int, Areas]
) -> tuple[list[Listed], Columns]:
    """`base`'s rows and columns with the touched instructors' rows replaced by `added`
    (newest first), patched in place of a rebuild: a change costs a few milliseconds."""
    gone = np.fromiter(touched, dtype=np.int64, count=len(touched))
    keep = ~np.isin(base.columns.profile, gone)
    kept = list(compress(base.newest_first, keep.tolist()))
    # Where each new row goes among the kept ones; np.insert and the reversed list inserts
    # both put rows sharing an index in the given (newest first) order.
    at = [bisect.bisect_left(kept, row.recency, key=_recency) for row in added]
    newest_first = kept
    for index, row in reversed(list(zip(at, added, strict=True))):
        newest_first.insert(index, row)
    ints, points = _matrices(added)
    columns = _from_matrices(
        np.insert(base.columns.ints[keep], at, ints, axis=0),
        np.insert(base.columns.points[keep], at, points, axis=0),
        neighborhood_profiles=_travellers(
            base.columns.neighborhood_profiles, gone, {pk: areas.get(pk, _NO_AREAS).neighborhood_ids for pk in touched}
        ),
        borough_profiles=_travellers(
            base.columns.borough_profiles, gone, {pk: areas.get(pk, _NO_AREAS).borough_ids for pk in touched}
        ),
    )
    return newest_first, columns


def _travellers(
    current: dict[int, np.ndarray], gone: np.ndarray, now_at: dict[int, frozenset[int]]
) -> dict[int, np.ndarray]:
    """Who travels to each place, with the touched instructors moved to where they go now."""
    patched = {place: found[~np.isin(found, gone)] for place, found in current.items()}
    arriving: dict[int, list[int]] = defaultdict(list)
    for profile_id, places in now_at.items():
        for place in places:
            arriving[place].append(profile_id)
    for place, profile_ids in arriving.items():
        patched[place] = np.concatenate([patched.get(place, _NO_PROFILES), np.array(profile_ids, dtype=np.int64)])
    return {place: found for place, found in patched.items() if len(found)}


def _indexed(
    by_profile: dict[int, tuple[Listed, ...]],
    areas: dict[int, Areas],
    newest_first: list[Listed],
    spans: dict[int, OpenSpan],
) -> Listing:
    columns = _columns(newest_first, areas)
    return Listing(by_profile=by_profile, areas=areas, newest_first=newest_first, columns=columns, spans=spans)


def _columns(rows: list[Listed], areas: dict[int, Areas]) -> Columns:
    hoods: dict[int, list[int]] = defaultdict(list)
    boroughs: dict[int, list[int]] = defaultdict(list)
    for profile_id, where in areas.items():
        for pk in where.neighborhood_ids:
            hoods[pk].append(profile_id)
        for pk in where.borough_ids:
            boroughs[pk].append(profile_id)
    return _from_matrices(
        *_matrices(rows),
        neighborhood_profiles={pk: np.array(found, dtype=np.int64) for pk, found in hoods.items()},
        borough_profiles={pk: np.array(found, dtype=np.int64) for pk, found in boroughs.items()},
    )


def _matrices(rows: list[Listed]) -> tuple[np.ndarray, np.ndarray]:
    ints = np.array([row.vector for row in rows], dtype=np.int64).reshape(len(rows), _VECTOR_INTS)
    points = np.array([row.point for row in rows], dtype=np.float64).reshape(len(rows), 2)
    return ints, points


def _from_matrices(
    ints: np.ndarray,
    points: np.ndarray,
    *,
    neighborhood_profiles: dict[int, np.ndarray],
    borough_profiles: dict[int, np.ndarray],
) -> Columns:
    return Columns(
        ints=ints,
        points=points,
        service=ints[:, 0],
        profile=ints[:, 1],
        rates={fmt.value: ints[:, 2 + n] for n, fmt in enumerate(RATE_FIELDS)},
        age_groups=ints[:, 5],
        skill_levels=ints[:, 6],
        lat=points[:, 0],
        lon=points[:, 1],
        neighborhood_profiles=neighborhood_profiles,
        borough_profiles=borough_profiles,
    )


def _grouped(rows: list[Listed]) -> dict[int, tuple[Listed, ...]]:
    grouped: dict[int, list[Listed]] = defaultdict(list)
    for row in rows:
        grouped[row.profile_id].append(row)
    return {pk: tuple(group) for pk, group in grouped.items()}


def _recency(row: Listed) -> tuple[int, float, int]:
    return row.recency


_PROFILE_FIELDS = {
    "slug": "profile__slug",
    "display_name": "profile__display_name",
    "user_id": "profile__user_id",
    "headline": "profile__headline",
    "years_experience": "profile__years_experience",
    "timezone": "profile__timezone",
    "buffer_minutes": "profile__buffer_minutes",
    "travel_buffer_minutes": "profile__travel_buffer_minutes",
    "overnight_protection": "profile__overnight_protection",
    "public_lat": "profile__public_lat",
    "public_lon": "profile__public_lon",
    "went_live_at": "profile__went_live_at",
    "studio_id": "profile__studio_neighborhood_id",
}
_OFFERING_FIELDS = {
    "offering_id": "pk",
    "profile_id": "profile_id",
    "service_id": "service_id",
    "description": "description",
    "duration_options": "duration_options",
    "skill_levels": "skill_levels",
}
_ANNOTATED = ("bio_chars", "identity_verified", "background_checked", "review_count", "review_stars")


def _live(profile_ids: list[int] | None) -> Q:
    live = Q(is_active=True, profile__status=ProfileStatus.LIVE)
    offered = Q()
    for rate_field in RATE_FIELDS.values():
        offered |= Q(**{f"{rate_field}__isnull": False})
    return live & offered if profile_ids is None else live & offered & Q(id_in("profile_id", profile_ids))


def _listed_rows(profile_ids: list[int] | None) -> list[Listed]:
    offerings = (
        Offering.objects.filter(_live(profile_ids))
        .annotate(
            bio_chars=Length("profile__bio"),
            identity_verified=Q(profile__identity_verified_at__isnull=False),
            background_checked=Q(profile__background_check_passed_at__isnull=False),
            review_count=Coalesce(F("profile__rating__review_count"), 0),
            review_stars=Coalesce(F("profile__rating__stars_total"), 0),
        )
        .order_by()
    )
    names = [*_OFFERING_FIELDS.values(), *RATE_FIELDS.values(), *_PROFILE_FIELDS.values(), *_ANNOTATED]
    values = list(offerings.values(*names))
    ages = _age_groups([row["pk"] for row in values])
    return [_listed(row, ages.get(row["pk"], frozenset())) for row in values]


def _listed(row: dict[str, Any], ages: frozenset[str]) -> Listed:
    rates = {fmt.value: row[name] for fmt, name in RATE_FIELDS.items() if row[name] is not None}
    fields = {name: row[source] for name, source in {**_OFFERING_FIELDS, **_PROFILE_FIELDS}.items()}
    went_live: datetime | None = row["profile__went_live_at"]
    recency = (0, -went_live.timestamp(), row["pk"]) if went_live is not None else (1, 0.0, row["pk"])
    return Listed(
        **fields,
        rates=rates,
        age_groups=ages,
        bio_chars=row["bio_chars"] or 0,
        identity_verified=bool(row["identity_verified"]),
        background_checked=bool(row["background_checked"]),
        review_count=row["review_count"],
        review_stars=row["review_stars"],
        recency=recency,
        vector=(
            row["service_id"],
            row["profile_id"],
            *(-1 if row[name] is None else row[name] for name in RATE_FIELDS.values()),
            BITS.of(BITS.age, ages),
            BITS.of(BITS.skill, row["skill_levels"]),
        ),
        point=(
            math.nan if row["profile__public_lat"] is None else row["profile__public_lat"],
            math.nan if row["profile__public_lon"] is None else row["profile__public_lon"],
        ),
    )


def _age_groups(offering_ids: list[int]) -> dict[int, frozenset[str]]:
    groups: dict[int, set[str]] = defaultdict(set)
    through = Offering.age_groups.through.objects.filter(id_in("offering_id", offering_ids))
    for offering_id, age_group in through.values_list("offering_id", "agegroup_id"):
        groups[offering_id].add(age_group)
    return {pk: frozenset(found) for pk, found in groups.items()}


def _areas(profile_ids: list[int] | None) -> dict[int, Areas]:
    rows = ServiceArea.objects.order_by("pk")
    if profile_ids is not None:
        rows = rows.filter(id_in("profile_id", profile_ids))
    hoods: dict[int, set[int]] = defaultdict(set)
    boroughs: dict[int, set[int]] = defaultdict(set)
    names: dict[int, list[str]] = defaultdict(list)
    for profile_id, hood_id, borough_id, hood, borough in rows.values_list(
        "profile_id", "neighborhood_id", "borough_id", "neighborhood__name", "borough__name"
    ):
        if hood_id is not None:
            hoods[profile_id].add(hood_id)
        if borough_id is not None:
            boroughs[profile_id].add(borough_id)
        names[profile_id].append(hood or borough)
    return {pk: Areas(frozenset(hoods[pk]), frozenset(boroughs[pk]), tuple(found)) for pk, found in names.items()}


def open_spans(profile_ids: list[int] | None) -> dict[int, OpenSpan]:
    """Open-time index rows: these instructors' (one query by primary key), or everyone's."""
    rows = OpenQuarters.objects.order_by()
    if profile_ids is not None:
        rows = rows.filter(id_in("instructor_id", profile_ids))
    return {
        pk: OpenSpan(zone, QuarterSpan.of(origin, until, bits))
        for pk, zone, origin, until, bits in rows.values_list("instructor_id", "timezone", "origin", "until", "bits")
    }
