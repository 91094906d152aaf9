"""All money arithmetic. Amounts are integer cents, rates are basis points (1 bp = 0.01%).

The one rounding rule: every derived amount is rounded half up to a whole cent, once, from
exact integer arithmetic (no floats, no intermediate rounding). Derived amounts are computed
from the lesson price so the parts always add up: instructor net = price − commission, and
the student's total = price − credits + fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

BPS_DENOMINATOR = 10_000


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for non-negative integers."""
    if numerator < 0 or denominator <= 0:
        raise ValueError("round_half_up takes a non-negative numerator and a positive denominator")
    return (2 * numerator + denominator) // (2 * denominator)


def lesson_price_cents(*, hourly_rate_cents: int, duration_minutes: int) -> int:
    return round_half_up(hourly_rate_cents * duration_minutes, 60)


def percent_of(amount_cents: int, bps: int) -> int:
    return round_half_up(amount_cents * bps, BPS_DENOMINATOR)


@dataclass(frozen=True)
class CommissionRules:
    base_bps: int = 1500
    tier1_lessons: int = 5
    tier1_bps: int = 1200
    tier2_lessons: int = 11
    tier2_bps: int = 1000
    founding_bps: int = 800


@dataclass(frozen=True)
class CommissionOverride:
    bps: int
    expires_at: datetime | None


def commission_bps(
    *,
    completed_lessons_30d: int,
    is_founding: bool,
    rules: CommissionRules,
    override: CommissionOverride | None = None,
    now: datetime,
) -> int:
    """The instructor's commission rate: a staff override while it lasts, else the founding
    rate, else the tier earned by lessons completed in the trailing 30 days."""
    if override is not None and (override.expires_at is None or now < override.expires_at):
        return override.bps
    if is_founding:
        return rules.founding_bps
    if completed_lessons_30d >= rules.tier2_lessons:
        return rules.tier2_bps
    if completed_lessons_30d >= rules.tier1_lessons:
        return rules.tier1_bps
    return rules.base_bps


@dataclass(frozen=True)
class PriceBreakdown:
    hourly_rate_cents: int
    duration_minutes: int
    lesson_price_cents: int
    booking_fee_bps: int
    booking_fee_cents: int
    credits_applied_cents: int
    total_cents: int
    commission_bps: int
    commission_cents: int
    instructor_net_cents: int


def price_breakdown(
    *,
    hourly_rate_cents: int,
    duration_minutes: int,
    booking_fee_bps: int,
    commission_rate_bps: int,
    credits_available_cents: int = 0,
) -> PriceBreakdown:
    """What the student pays and the instructor earns for one lesson. Credits pay the lesson
    price only, never the booking fee (the fee is always charged to the card)."""
    if hourly_rate_cents <= 0 or duration_minutes <= 0 or credits_available_cents < 0:
        raise ValueError("rate and duration must be positive and credits non-negative")
    price = lesson_price_cents(hourly_rate_cents=hourly_rate_cents, duration_minutes=duration_minutes)
    fee = percent_of(price, booking_fee_bps)
    credits = min(credits_available_cents, price)
    commission = percent_of(price, commission_rate_bps)
    return PriceBreakdown(
        hourly_rate_cents=hourly_rate_cents,
        duration_minutes=duration_minutes,
        lesson_price_cents=price,
        booking_fee_bps=booking_fee_bps,
        booking_fee_cents=fee,
        credits_applied_cents=credits,
        total_cents=price - credits + fee,
        commission_bps=commission_rate_bps,
        commission_cents=commission,
        instructor_net_cents=price - commission,
    )


def format_usd(cents: int) -> str:
    """$134.40, $80, -$20 — money in plain words for pages and emails."""
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(cents), 100)
    return f"{sign}${dollars:,}" if rest == 0 else f"{sign}${dollars:,}.{rest:02d}"
