"""The clock of a booking's money: every policy duration, read once from the platform
configuration (PRODUCT.md §5–§6), and the pure time rules built on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from apps.core.models import platform_config
from apps.payments.pricing import CancelWindow


@dataclass(frozen=True)
class MoneyClock:
    free_cancel: timedelta  # ≥ this before the start: free cancellation, unlimited reschedules
    late_cancel: timedelta  # < this: the very-late rules; no reschedule
    very_late_credit_bps: int
    very_late_instructor_bps: int
    pending_ttl: timedelta
    authorize_before: timedelta
    auth_retry_first: timedelta
    auth_retry_second: timedelta
    auth_retry_interval: timedelta
    final_warning_before: timedelta
    auth_cancel_before: timedelta
    first_reminder: timedelta
    second_reminder: timedelta
    capture_after: timedelta  # after the end: auto-complete and capture
    no_show_window: timedelta  # after the end
    dispute_window: timedelta  # after the report
    capture_retry: timedelta
    capture_escalate: timedelta  # after the first failure
    credit_lifetime: timedelta


def money_clock() -> MoneyClock:
    config = platform_config()

    def hours(n: int) -> timedelta:
        return timedelta(hours=n)

    def minutes(n: int) -> timedelta:
        return timedelta(minutes=n)

    return MoneyClock(
        free_cancel=hours(config.cancel_free_hours), late_cancel=hours(config.cancel_late_hours),
        very_late_credit_bps=config.late_cancel_credit_bps, very_late_instructor_bps=config.late_cancel_instructor_bps,
        pending_ttl=minutes(config.pending_payment_minutes), authorize_before=hours(config.authorize_before_hours),
        auth_retry_first=minutes(config.auth_retry_first_minutes),
        auth_retry_second=minutes(config.auth_retry_second_minutes),
        auth_retry_interval=minutes(config.auth_retry_interval_minutes),
        final_warning_before=hours(config.auth_final_warning_hours), auth_cancel_before=hours(config.auth_cancel_hours),
        first_reminder=hours(config.reminder_first_hours), second_reminder=minutes(config.reminder_second_minutes),
        capture_after=hours(config.capture_after_hours), no_show_window=hours(config.no_show_report_hours),
        dispute_window=hours(config.dispute_hours), capture_retry=hours(config.capture_retry_hours),
        capture_escalate=hours(config.capture_escalate_hours), credit_lifetime=timedelta(days=config.credit_expiry_days),
    )  # fmt: skip


def cancel_window(clock: MoneyClock, *, starts_at: datetime, now: datetime) -> CancelWindow:
    """Boundaries are exact: exactly 24 h before is still free, exactly 12 h is still late."""
    ahead = starts_at - now
    if ahead >= clock.free_cancel:
        return "free"
    if ahead >= clock.late_cancel:
        return "late"
    return "very_late"


def authorization_retry_at(clock: MoneyClock, *, first_failed_at: datetime, failures: int) -> datetime:
    """When to try a failing authorization again: 1 h and 4 h after the first failure, then
    every 8 h after that (failures counts the attempts that failed so far, ≥ 1)."""
    if failures <= 1:
        return first_failed_at + clock.auth_retry_first
    return first_failed_at + clock.auth_retry_second + clock.auth_retry_interval * (failures - 2)


def capture_retry_at(clock: MoneyClock, *, first_failed_at: datetime, now: datetime) -> datetime:
    """Every 4 h, and once more exactly at the escalation deadline (72 h)."""
    return min(now + clock.capture_retry, first_failed_at + clock.capture_escalate)
