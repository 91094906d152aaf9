"""Rating arithmetic, in one place: the plain average and histogram profiles show, when they
are shown at all ("New" below the platform's minimum), and the Bayesian average search ranks
by. Pure functions over an aggregate row's numbers; the prior comes from platform config."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from apps.core.models import PlatformConfig, platform_config
from apps.instructors.models import InstructorProfile
from apps.reviews.models import MAX_STARS, InstructorRating


@dataclass(frozen=True)
class RatingPrior:
    """What an instructor is assumed to be before their reviews say otherwise: `weight`
    reviews of `mean` stars. A few reviews barely move the Bayesian average; many dominate it."""

    mean: float
    weight: int

    @staticmethod
    def of(config: PlatformConfig) -> RatingPrior:
        return RatingPrior(mean=float(Decimal(config.rating_prior_mean)), weight=config.rating_prior_weight)


def rating_prior() -> RatingPrior:
    return RatingPrior.of(platform_config())


def bayesian_average(count: int, total_stars: int, prior: RatingPrior) -> float:
    """(prior mean × prior weight + the stars) / (prior weight + the count), in stars. With no
    reviews it is the prior mean; it tends to the plain average as reviews accumulate."""
    return (prior.mean * prior.weight + total_stars) / (prior.weight + count)


def plain_average(count: int, total_stars: int) -> float | None:
    return total_stars / count if count else None


@dataclass(frozen=True)
class HistogramBar:
    stars: int
    count: int
    percent: int  # of all visible reviews, rounded; the bar's width


@dataclass(frozen=True)
class RatingSummary:
    """What a card or profile shows: below the platform's minimum review count `visible` is
    false and the page says "New" (the average and histogram are not shown)."""

    average: float | None
    count: int
    visible: bool
    histogram: tuple[HistogramBar, ...] = ()


def rating_row(profile: InstructorProfile) -> InstructorRating | None:
    """The profile's aggregate row (no query when the profile was read with
    select_related("rating")); None before the first review."""
    try:
        return profile.rating
    except InstructorRating.DoesNotExist:
        return None


def rating_summary(row: InstructorRating | None, *, min_reviews: int) -> RatingSummary:
    if row is None or not row.review_count:
        return RatingSummary(average=None, count=0, visible=False)
    count, histogram = row.review_count, row.histogram
    bars = tuple(
        HistogramBar(stars=stars, count=histogram[stars], percent=round(100 * histogram[stars] / count))
        for stars in range(MAX_STARS, 0, -1)
    )
    return RatingSummary(
        average=plain_average(count, row.stars_total), count=count, visible=count >= min_reviews, histogram=bars
    )


def summary_for(row: InstructorRating | None) -> RatingSummary:
    return rating_summary(row, min_reviews=platform_config().rating_visible_min_reviews)
