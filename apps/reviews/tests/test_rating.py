"""Rating math (the plain average, the histogram, "New" below the minimum, the Bayesian blend
with the prior from platform config), the aggregate row kept by every write, moderation
moving the average, the search generation bump, and search ranking by the row it joins."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.errors import Conflict
from apps.core.models import platform_config
from apps.reviews.models import InstructorRating, Review
from apps.reviews.rating import HistogramBar, RatingPrior, bayesian_average, rating_prior, rating_summary
from apps.reviews.services import (
    rating_rebuild,
    review_create,
    review_edit,
    review_hide,
    review_reply,
    review_restore,
)
from apps.reviews.tests.conftest import NOW, lesson
from apps.reviews.tests.helpers import refused, reviewed
from apps.search import ranking
from apps.search.generation import search_generation
from apps.search.listing import listing_generation, listing_get
from apps.search.selectors import search_vocabulary_get, search_vocabulary_reset
from apps.search.tests.helpers import NOW as SEARCH_NOW
from apps.search.tests.helpers import TOMORROW, free, names, run, teacher

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)
PRIOR = RatingPrior(mean=4.5, weight=5)


def _row(**histogram: int) -> InstructorRating:
    counts = {f"stars_{n}": histogram.get(f"s{n}", 0) for n in range(1, 6)}
    return InstructorRating(
        review_count=sum(counts.values()), stars_total=sum(n * counts[f"stars_{n}"] for n in range(1, 6)), **counts
    )


def _rating(profile) -> tuple[int, int, tuple[int, ...]]:
    row = InstructorRating.objects.get(instructor=profile)
    return row.review_count, row.stars_total, tuple(row.histogram[n] for n in range(5, 0, -1))


# --- the arithmetic ------------------------------------------------------------------------


def test_the_bayesian_average_blends_the_prior_with_the_stars() -> None:
    assert bayesian_average(0, 0, PRIOR) == 4.5  # no reviews: the prior
    assert bayesian_average(1, 5, PRIOR) == pytest.approx(27.5 / 6)  # 4.583: one 5 barely moves it
    assert bayesian_average(3, 12, PRIOR) == pytest.approx(34.5 / 8)  # 4.3125 (plain average 4.0)
    assert bayesian_average(100, 480, PRIOR) == pytest.approx(502.5 / 105)  # 4.786, near the plain 4.8
    # Forty 4.9s outrank one 5.
    assert bayesian_average(40, 196, PRIOR) > bayesian_average(1, 5, PRIOR)
    assert ranking.rating_signal(5.0) == 1.0
    assert ranking.rating_signal(1.0) == 0.0
    assert ranking.rating_signal(bayesian_average(0, 0, PRIOR)) == pytest.approx(0.875)


def test_the_prior_comes_from_platform_config() -> None:
    assert rating_prior() == PRIOR
    config = platform_config()
    config.rating_prior_mean, config.rating_prior_weight = Decimal("4.00"), 10
    config.save()
    assert rating_prior() == RatingPrior(mean=4.0, weight=10)
    assert bayesian_average(10, 50, rating_prior()) == pytest.approx(4.5)


def test_the_summary_shows_average_and_histogram_from_three_reviews() -> None:
    three = rating_summary(_row(s5=2, s4=1), min_reviews=3)
    assert three.average == pytest.approx(14 / 3)
    assert (three.count, three.visible) == (3, True)
    assert three.histogram == (
        HistogramBar(5, 2, 67), HistogramBar(4, 1, 33), HistogramBar(3, 0, 0), HistogramBar(2, 0, 0),
        HistogramBar(1, 0, 0),
    )  # fmt: skip
    two = rating_summary(_row(s5=2), min_reviews=3)
    assert (two.average, two.count, two.visible) == (5.0, 2, False)
    assert rating_summary(_row(s5=2, s4=1), min_reviews=5).visible is False
    empty = rating_summary(None, min_reviews=3)
    assert (empty.average, empty.count, empty.visible, empty.histogram) == (None, 0, False, ())


# --- the aggregate row ---------------------------------------------------------------------


def test_the_aggregate_row_follows_reviews_edits_and_moderation(student, teacher, staff) -> None:
    first, second, third = (lesson(student, teacher, ended=timedelta(days=n)) for n in (1, 2, 3))
    for booking, stars in ((first, 5), (second, 4), (third, 3)):
        review_create(actor=student, booking_id=booking.pk, stars=stars, text="", now=NOW)
    assert _rating(teacher) == (3, 12, (1, 1, 1, 0, 0))

    review_edit(actor=student, booking_id=third.pk, stars=2, text="Thinking again.", now=NOW + HOUR)
    assert _rating(teacher) == (3, 11, (1, 1, 0, 1, 0))

    low = Review.objects.get(booking=third)
    review_hide(actor=staff, review_id=low.pk, reason="About another teacher", now=NOW + 2 * HOUR)
    assert _rating(teacher) == (2, 9, (1, 1, 0, 0, 0))  # a hidden review leaves the average
    review_restore(actor=staff, review_id=low.pk, reason="The student confirmed it", now=NOW + 3 * HOUR)
    assert _rating(teacher) == (3, 11, (1, 1, 0, 1, 0))


def test_the_database_keeps_the_histogram_count_and_total_in_agreement(teacher) -> None:
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        InstructorRating.objects.create(instructor=teacher, review_count=2, stars_total=10, stars_5=1, updated_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        InstructorRating.objects.create(instructor=teacher, review_count=1, stars_total=4, stars_5=1, updated_at=now)
    assert not InstructorRating.objects.exists()


def test_a_bulk_rebuild_counts_like_the_services(student, teacher, staff) -> None:
    reviews = reviewed(teacher, [5, 5, 4, 2], now=NOW)
    review_hide(actor=staff, review_id=reviews[-1].pk, reason="Spam", now=NOW)
    kept = _rating(teacher)
    InstructorRating.objects.all().delete()
    assert rating_rebuild(instructor_ids=[teacher.pk], now=NOW) == 1
    assert _rating(teacher) == kept == (3, 14, (2, 1, 0, 0, 0))


# --- the search generation -----------------------------------------------------------------


def test_every_write_that_changes_what_visitors_see_makes_cached_pages_stale(
    student, teacher, staff, django_capture_on_commit_callbacks
) -> None:
    booking, late = lesson(student, teacher), lesson(student, teacher, ended=timedelta(days=40))

    def bumps(write) -> int:
        before = search_generation()
        with django_capture_on_commit_callbacks(execute=True):
            write()
        return search_generation() - before

    with refused(Conflict, "Reviews are open for 30 days after the lesson; this one has closed."):
        bumps(lambda: review_create(actor=student, booking_id=late.pk, stars=5, text="", now=NOW))
    assert search_generation() == 1  # refused: nothing changed, nothing bumped
    assert bumps(lambda: review_create(actor=student, booking_id=booking.pk, stars=4, text="", now=NOW)) == 1
    # The cached profile page shows review texts and replies (apps/core/public_cache.py), so
    # every edit and reply bumps too, not only the ones that move stars.
    assert bumps(lambda: review_edit(actor=student, booking_id=booking.pk, stars=4, text="Words", now=NOW)) == 1
    assert bumps(lambda: review_edit(actor=student, booking_id=booking.pk, stars=5, text="Words", now=NOW)) == 1
    assert bumps(lambda: review_reply(actor=teacher.user, booking_id=booking.pk, text="Thanks!", now=NOW)) == 1
    review = Review.objects.get()
    assert bumps(lambda: review_hide(actor=staff, review_id=review.pk, reason="Test", now=NOW)) == 1
    assert bumps(lambda: review_restore(actor=staff, review_id=review.pk, reason="Test", now=NOW)) == 1


# --- search reads the row ------------------------------------------------------------------


@pytest.fixture
def _vocabulary(catalog: None, gazetteer: None) -> Iterator[None]:
    search_vocabulary_reset()  # transactional tests elsewhere may have reloaded the catalog
    yield
    search_vocabulary_reset()


@pytest.mark.usefixtures("_vocabulary")
def test_search_ranks_by_the_bayesian_average_from_the_listing_index() -> None:
    # Created in reverse so that, ratings aside, the order would be the other way round.
    none, one, many = (free(teacher(name, studio=9000), TOMORROW, ("13:00", "17:00")) for name in
                       ("Cy None", "Ben One", "Ana Many"))  # fmt: skip
    reviewed(one, [5], now=SEARCH_NOW - HOUR)
    reviewed(many, [5] * 16 + [4] * 4, now=SEARCH_NOW - HOUR)  # 96 stars: 4.8
    search_vocabulary_get()
    listing_get(listing_generation())  # the rating rows' saves reported the instructors: read
    platform_config()
    with CaptureQueriesContext(connection) as captured:
        page = run(q="piano tomorrow")
    assert len(captured.captured_queries) == 1  # ratings and open times are in memory: the bookings
    assert names(page) == ["Ana Many", "Ben One", "Cy None"]
    assert [(r.rating.average, r.rating.count, r.rating.bayesian, r.rating.visible) for r in page.results] == [
        (4.8, 20, round(118.5 / 25, 3), True), (5.0, 1, round(27.5 / 6, 3), False), (None, 0, 4.5, False),
    ]  # fmt: skip
    assert not InstructorRating.objects.filter(instructor=none).exists()  # no row: the prior, via the outer join


@pytest.mark.usefixtures("_vocabulary")
def test_hiding_reviews_moves_an_instructor_in_search(staff, django_capture_on_commit_callbacks) -> None:
    ana, ben = (
        free(teacher(name, studio=9000), TOMORROW, ("13:00", "17:00")) for name in ("Ana Alvarez", "Ben Brooks")
    )
    with django_capture_on_commit_callbacks(execute=True):  # the writes bump the generation on commit
        reviewed(ben, [5, 5, 5], now=SEARCH_NOW - HOUR)
        low = reviewed(ana, [1, 1, 1], now=SEARCH_NOW - HOUR)
    assert names(run(q="piano tomorrow")) == ["Ben Brooks", "Ana Alvarez"]
    with django_capture_on_commit_callbacks(execute=True):
        for review in low:
            review_hide(actor=staff, review_id=review.pk, reason="Reviews of another teacher", now=SEARCH_NOW)
        reviewed(ana, [5, 5, 5, 5], now=SEARCH_NOW - HOUR)
    # The same request in the same minute: only the bumped generation keeps the cached page out.
    assert names(run(q="piano tomorrow")) == ["Ana Alvarez", "Ben Brooks"]
    assert _rating(ana) == (4, 20, (4, 0, 0, 0, 0))
