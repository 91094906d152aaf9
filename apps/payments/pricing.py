"""All money arithmetic. Amounts are integer cents, rates are basis points (1 bp = 0.01%).

The one rounding rule: every derived amount is rounded half up to a whole cent, once, from
exact integer arithmetic (no floats, no intermediate rounding). Derived amounts are computed
from the lesson price so the parts always add up: instructor net = price − commission, and
the student's total = price − credits + fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

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


# --- money outcomes of cancellations, no-shows and completion (PRODUCT.md §6) ------------------

Party = Literal["student", "instructor"]
# Time before the start: "free" ≥ 24 h; "late" 12 h ≤ t < 24 h; "very_late" < 12 h.
CancelWindow = Literal["free", "late", "very_late"]


@dataclass(frozen=True)
class BookingMoney:
    """A booking's price snapshot and where its card payment stands."""

    lesson_price_cents: int
    booking_fee_cents: int
    credits_applied_cents: int
    total_cents: int  # the card's part: price − credits + fee
    instructor_net_cents: int
    held: bool  # an authorization (hold) is in place, nothing captured
    captured: bool  # the total was already captured (a late reschedule locked it)


@dataclass(frozen=True)
class MoneyOutcome:
    """Where every cent of a booking ends up. The parts always add up:
    student_charge + credits kept by the booking = credit + instructor + platform.
    capture/release/refund are the provider steps still needed to get there."""

    student_charge_cents: int  # what the student's card pays in the end
    credit_cents: int  # new platform credit for the student (fresh expiry)
    credits_returned_cents: int  # credits reserved by the booking, given back with their original expiry
    refund_cents: int  # already-captured money sent back to the card
    instructor_cents: int  # the instructor's earning
    platform_cents: int  # what the platform keeps (booking fee and commission)
    capture_cents: int  # to capture now (0 when nothing is charged or it was captured before)
    release_hold: bool  # void the authorization


def released_outcome(money: BookingMoney) -> MoneyOutcome:
    """Nothing is charged: the hold is released (or captured money refunded in full, the fee
    included) and the credits the booking reserved come back with their original expiry."""
    return MoneyOutcome(
        student_charge_cents=0, credit_cents=0, credits_returned_cents=money.credits_applied_cents,
        refund_cents=money.total_cents if money.captured else 0, instructor_cents=0, platform_cents=0,
        capture_cents=0, release_hold=money.held,
    )  # fmt: skip


def charged_outcome(money: BookingMoney, *, credit_cents: int, instructor_cents: int) -> MoneyOutcome:
    """The card pays the total and the booking keeps its credits; the platform keeps the
    rest after the student's credit and the instructor's earning (so the parts add up)."""
    paid = money.total_cents + money.credits_applied_cents
    if credit_cents + instructor_cents > paid:
        raise ValueError("an outcome cannot give away more than was paid")
    return MoneyOutcome(
        student_charge_cents=money.total_cents, credit_cents=credit_cents, credits_returned_cents=0,
        refund_cents=0, instructor_cents=instructor_cents, platform_cents=paid - credit_cents - instructor_cents,
        capture_cents=0 if money.captured else money.total_cents, release_hold=False,
    )  # fmt: skip


def completion_outcome(money: BookingMoney) -> MoneyOutcome:
    """The lesson happened (or the student did not come): the instructor is paid in full."""
    return charged_outcome(money, credit_cents=0, instructor_cents=money.instructor_net_cents)


def cancellation_outcome(
    *, money: BookingMoney, by: Party, window: CancelWindow, very_late_credit_bps: int, very_late_instructor_bps: int
) -> MoneyOutcome:
    """PRODUCT.md §6's table. An instructor's cancellation is always a full refund. A student
    cancelling ≥ 24 h ahead pays nothing; 12–24 h: charged, the lesson price back as credit
    (the fee is kept); < 12 h: charged, a share of the price as credit and a share of the
    instructor's net to the instructor. Money locked by a late reschedule gives credit only.
    A booking whose card was never secured (no hold, nothing captured) is cancelled free."""
    if by == "instructor" or not (money.held or money.captured):
        return released_outcome(money)
    if window == "free" and not money.captured:
        return released_outcome(money)
    if window == "very_late":
        return charged_outcome(
            money,
            credit_cents=percent_of(money.lesson_price_cents, very_late_credit_bps),
            instructor_cents=percent_of(money.instructor_net_cents, very_late_instructor_bps),
        )
    return charged_outcome(money, credit_cents=money.lesson_price_cents, instructor_cents=0)


def no_show_outcome(money: BookingMoney, *, absent: Party) -> MoneyOutcome:
    """An upheld no-show: the instructor's absence refunds everything; the student's pays the
    instructor in full."""
    return released_outcome(money) if absent == "instructor" else completion_outcome(money)


def clawback_cents(*, earned_cents: int, refund_cents: int, captured_cents: int) -> int:
    """The instructor's part of a refund: their earning in the refund's proportion of what
    was charged (all of it for a full refund), rounded half up."""
    if captured_cents <= 0:
        return 0
    return min(earned_cents, round_half_up(earned_cents * refund_cents, captured_cents))


def format_usd(cents: int) -> str:
    """$134.40, $80, -$20 — money in plain words for pages and emails."""
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(cents), 100)
    return f"{sign}${dollars:,}" if rest == 0 else f"{sign}${dollars:,}.{rest:02d}"


def format_decimal(cents: int) -> str:
    """105.60, -20.00 — plain decimal dollars for CSV exports."""
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(cents), 100)
    return f"{sign}{dollars}.{rest:02d}"
