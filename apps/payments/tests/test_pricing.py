from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.payments.pricing import (
    CommissionOverride,
    CommissionRules,
    clawback_cents,
    commission_bps,
    format_usd,
    lesson_price_cents,
    price_breakdown,
    round_half_up,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
RULES = CommissionRules()


def test_the_product_example_120_dollar_lesson() -> None:
    breakdown = price_breakdown(
        hourly_rate_cents=12000, duration_minutes=60, booking_fee_bps=1200, commission_rate_bps=1200
    )
    assert breakdown.lesson_price_cents == 12000
    assert breakdown.booking_fee_cents == 1440
    assert breakdown.total_cents == 13440
    assert breakdown.commission_cents == 1440
    assert breakdown.instructor_net_cents == 10560


def test_rounding_is_half_up_once() -> None:
    assert round_half_up(5, 2) == 3
    assert round_half_up(4, 2) == 2
    assert round_half_up(149, 100) == 1
    assert round_half_up(150, 100) == 2
    # $80.01/h for 45 min = 6000.75 cents -> 6001
    assert lesson_price_cents(hourly_rate_cents=8001, duration_minutes=45) == 6001
    # $80.02/h for 45 min = 6001.5 -> 6002 (half up)
    assert lesson_price_cents(hourly_rate_cents=8002, duration_minutes=45) == 6002
    breakdown = price_breakdown(
        hourly_rate_cents=8002, duration_minutes=45, booking_fee_bps=1200, commission_rate_bps=1500
    )
    assert breakdown.booking_fee_cents == 720  # 720.24
    assert breakdown.commission_cents == 900  # 900.3
    assert breakdown.instructor_net_cents == 5102
    with pytest.raises(ValueError, match="non-negative numerator"):
        round_half_up(-1, 2)


def test_credits_pay_the_lesson_never_the_fee() -> None:
    partial = price_breakdown(
        hourly_rate_cents=9000,
        duration_minutes=60,
        booking_fee_bps=1200,
        commission_rate_bps=1500,
        credits_available_cents=2000,
    )
    assert (partial.credits_applied_cents, partial.total_cents) == (2000, 9000 - 2000 + 1080)
    full = price_breakdown(
        hourly_rate_cents=9000,
        duration_minutes=60,
        booking_fee_bps=1200,
        commission_rate_bps=1500,
        credits_available_cents=50_000,
    )
    assert (full.credits_applied_cents, full.total_cents) == (9000, 1080)
    assert full.instructor_net_cents == 7650  # credits never reduce what the instructor earns


@pytest.mark.parametrize(
    ("completed", "expected"),
    [(0, 1500), (4, 1500), (5, 1200), (10, 1200), (11, 1000), (200, 1000)],
)
def test_commission_tiers_at_their_boundaries(completed: int, expected: int) -> None:
    assert commission_bps(completed_lessons_30d=completed, is_founding=False, rules=RULES, now=NOW) == expected


def test_founding_and_staff_override_with_expiry() -> None:
    assert commission_bps(completed_lessons_30d=0, is_founding=True, rules=RULES, now=NOW) == 800
    override = CommissionOverride(bps=500, expires_at=NOW + timedelta(seconds=1))
    assert commission_bps(completed_lessons_30d=0, is_founding=True, rules=RULES, override=override, now=NOW) == 500
    expired = CommissionOverride(bps=500, expires_at=NOW)
    assert commission_bps(completed_lessons_30d=20, is_founding=False, rules=RULES, override=expired, now=NOW) == 1000
    forever = CommissionOverride(bps=0, expires_at=None)
    assert commission_bps(completed_lessons_30d=20, is_founding=False, rules=RULES, override=forever, now=NOW) == 0


def test_format_usd() -> None:
    assert [format_usd(c) for c in (13440, 8000, 5, 0, -2000, 123456789)] == [
        "$134.40", "$80", "$0.05", "$0", "-$20", "$1,234,567.89",
    ]  # fmt: skip


@given(
    rate=st.integers(min_value=1, max_value=100_000),
    duration=st.sampled_from(range(30, 241, 15)),
    fee=st.integers(min_value=0, max_value=5000),
    commission=st.integers(min_value=0, max_value=10_000),
    credits=st.integers(min_value=0, max_value=200_000),
)
def test_parts_always_add_up(rate: int, duration: int, fee: int, commission: int, credits: int) -> None:
    b = price_breakdown(
        hourly_rate_cents=rate, duration_minutes=duration, booking_fee_bps=fee, commission_rate_bps=commission,
        credits_available_cents=credits,
    )  # fmt: skip
    assert b.total_cents == b.lesson_price_cents - b.credits_applied_cents + b.booking_fee_cents
    assert b.instructor_net_cents + b.commission_cents == b.lesson_price_cents
    assert 0 <= b.credits_applied_cents <= b.lesson_price_cents
    assert b.total_cents >= b.booking_fee_cents >= 0
    # Within half a cent of the exact value.
    assert abs(b.lesson_price_cents * 60 - rate * duration) <= 30


@pytest.mark.parametrize(
    ("refund", "expected"),
    [(10080, 7650), (2000, 1518), (1, 1), (0, 0), (10079, 7649)],  # 7650 × 2000 / 10080 = 1517.86
)
def test_a_refund_takes_back_the_instructors_share_in_proportion(refund: int, expected: int) -> None:
    assert clawback_cents(earned_cents=7650, refund_cents=refund, captured_cents=10080) == expected


@given(
    earned=st.integers(min_value=0, max_value=100_000),
    captured=st.integers(min_value=1, max_value=200_000),
    data=st.data(),
)
def test_a_claw_back_never_exceeds_the_earning(earned: int, captured: int, data: st.DataObject) -> None:
    refund = data.draw(st.integers(min_value=0, max_value=captured))
    share = clawback_cents(earned_cents=earned, refund_cents=refund, captured_cents=captured)
    assert 0 <= share <= earned
    if refund == captured:  # a full refund takes all of it back
        assert share == earned
