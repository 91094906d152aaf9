"""How search orders matching instructors ("best match"). Every weight and constant of the
ranking lives here, except the rating prior: staff tune it in platform config, and the
Bayesian average itself is computed in apps/reviews/rating.py.

The score is a weighted sum of six signals, each in [0, 1]:
relevance (how well the offering fits the words asked), a Bayesian rating, distance to the asked
place, price fit, recency (new instructors get a fading boost so they can be discovered) and
profile completeness. Results that need a relaxation always come after those that match
everything (see relax.py); the score orders within a relaxation level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Weights:
    relevance: float = 0.30
    rating: float = 0.20
    distance: float = 0.20
    price: float = 0.10
    recency: float = 0.08
    completeness: float = 0.12


WEIGHTS = Weights()

MAX_STARS = 5

DISTANCE_HALF_SCORE_M = 2_500  # a studio this far from the asked place scores 0.5
NEUTRAL = 0.5  # a signal that cannot be measured for this result (no place asked, no point)
# Without a budget, cheaper is mildly better: a rate this high scores 0.5.
PRICE_HALF_SCORE_CENTS = 12_000
RECENCY_HALF_LIFE_DAYS = 60
# Relevance: the subject matches by construction; these refine it.
RELEVANCE_BASE = 0.6
RELEVANCE_MAIN_SUBJECT = 0.25  # the headline names the service: it is what they mainly teach
RELEVANCE_WORDS = 0.15  # share of the leftover typed words ("jazz") found in the headline or description
# Completeness: what a visitor uses to decide, each worth an equal share.
BIO_COMPLETE_CHARS = 150


@dataclass(frozen=True)
class Signals:
    relevance: float
    rating: float
    distance: float
    price: float
    recency: float
    completeness: float


def rating_signal(bayesian_stars: float) -> float:
    """The Bayesian average (1–5 stars; an instructor with few reviews is pulled toward the
    prior, so one 5-star review does not outrank forty 4.9s) on the [0, 1] scale."""
    return (bayesian_stars - 1) / (MAX_STARS - 1)


def distance_signal(distance_m: float | None) -> float:
    if distance_m is None:
        return NEUTRAL
    return DISTANCE_HALF_SCORE_M / (DISTANCE_HALF_SCORE_M + distance_m)


def price_signal(rate_cents: int, low: int | None, high: int | None) -> float:
    """Within a budget, the cheaper end fits better (1.0 at the floor, 0.5 at the ceiling);
    above it (when price was relaxed) the fit falls off quickly."""
    if high is not None:
        floor = low or 0
        if rate_cents <= high:
            return 1.0 - 0.5 * (rate_cents - floor) / max(high - floor, 1)
        return max(0.0, 0.5 - (rate_cents - high) / max(high, 1))  # a budget of $0 is allowed
    return PRICE_HALF_SCORE_CENTS / (PRICE_HALF_SCORE_CENTS + rate_cents)


def recency_signal(went_live_at: datetime | None, now: datetime) -> float:
    if went_live_at is None:
        return 0.0
    days = max((now - went_live_at).total_seconds() / 86_400, 0.0)
    return math.pow(0.5, days / RECENCY_HALF_LIFE_DAYS)


def completeness_signal(
    *, headline: bool, bio_chars: int, years: int, identity: bool, background: bool, located: bool
) -> float:
    parts = (headline, bio_chars >= BIO_COMPLETE_CHARS, years > 0, identity, background, located)
    return sum(parts) / len(parts)


def relevance_signal(*, main_subject: bool, words: list[str], text: str) -> float:
    found = sum(1 for word in words if word in text) / len(words) if words else 0.0
    return RELEVANCE_BASE + RELEVANCE_MAIN_SUBJECT * main_subject + RELEVANCE_WORDS * found


def score(signals: Signals, weights: Weights = WEIGHTS) -> float:
    return (
        weights.relevance * signals.relevance
        + weights.rating * signals.rating
        + weights.distance * signals.distance
        + weights.price * signals.price
        + weights.recency * signals.recency
        + weights.completeness * signals.completeness
    )
