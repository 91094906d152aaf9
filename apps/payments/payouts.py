"""Instructor earnings and payouts (PRODUCT.md §6): an append-only earnings ledger (one row
per settled booking, net of commission), weekly payout batches and instant payouts.

Exactly once: an earning is unique per settlement; a weekly batch is unique per
(instructor, week); earnings are attached to a payout under their row locks (a concurrent
batch skips or waits for them); the transfer's idempotency key is derived from the payout
row, and the payout is claimed by compare-and-set before the provider is called.

A failed transfer is retried 1 h, 4 h and 24 h after the failure before which it fails for
good; the instructor is told at the first failure and at the end, staff at the end.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum

from apps.accounts.models import User
from apps.bookings.models import Booking, Settlement
from apps.core.errors import Conflict, PermissionDenied
from apps.core.limits import money_operation
from apps.core.models import platform_config
from apps.instructors.models import InstructorProfile
from apps.notifications.services import notify, notify_staff
from apps.payments.gateway import MoneyMovement, PaymentGateway, get_gateway
from apps.payments.models import Earning, Payout, PayoutAccount
from apps.payments.pricing import format_decimal, format_usd
from apps.payments.states import EarningKind, PayoutKind, PayoutStatus, payout_can_transition

CLAIM_LEASE = timedelta(minutes=10)  # longer than any provider call; a dead worker's claim lapses
SWEEP_BATCH = 200
# After the 1st, 2nd and 3rd failed transfer; the 4th failure is final.
PAYOUT_RETRY_DELAYS = (timedelta(hours=1), timedelta(hours=4), timedelta(hours=24))
EARNINGS_URL = "/teach/earnings/"


def earning_add(*, settlement: Settlement, booking: Booking, amount_cents: int, kind: str, now: datetime) -> Earning:
    """Record what the instructor earned from a settled booking (inside the settlement's
    transaction; the one-to-one on the settlement makes a second row impossible)."""
    return Earning.objects.create(
        instructor_id=booking.instructor_id, booking=booking, settlement=settlement, kind=kind,
        amount_cents=amount_cents, earned_at=now,
    )  # fmt: skip


def earning_clawback(
    *, settlement: Settlement, booking: Booking, amount_cents: int, payout_id: int | None, now: datetime
) -> Earning:
    """Take `amount_cents` of a lesson's earning back after a staff refund: a negative row,
    attached to the paid payout whose transfer was reversed by that much, or left unpaid so
    the next payout nets it out."""
    return Earning.objects.create(
        instructor_id=booking.instructor_id, booking=booking, settlement=settlement, kind=EarningKind.CLAWBACK,
        amount_cents=-amount_cents, earned_at=now, payout_id=payout_id,
    )  # fmt: skip


def earning_paid_payout(*, booking: Booking) -> Payout | None:
    """The paid payout (with its transfer) that carried this lesson's earning, if any."""
    paid = Payout.objects.filter(
        earnings__booking=booking, earnings__amount_cents__gt=0, status=PayoutStatus.PAID, transfer_id__gt=""
    )
    return paid.order_by("id").first()


def payout_period_start(*, now: datetime) -> datetime:
    """The most recent payout day (platform time zone, midnight) at or before `now`: a weekly
    batch pays the earnings made before it."""
    zone = ZoneInfo(settings.TIME_ZONE)
    today = now.astimezone(zone).date()
    day = today - timedelta(days=(today.weekday() - platform_config().payout_weekday) % 7)
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(ZoneInfo("UTC"))


def _batch(instructor_id: int, period_start: datetime, now: datetime) -> Payout | None:
    with transaction.atomic():
        earnings = list(
            Earning.objects.select_for_update(skip_locked=True).filter(
                instructor_id=instructor_id, payout__isnull=True, earned_at__lt=period_start
            )
        )
        if sum(e.amount_cents for e in earnings) <= 0:
            return None  # a claw-back larger than what was earned since waits for more earnings
        try:
            with transaction.atomic():
                payout = Payout.objects.create(
                    instructor_id=instructor_id, kind=PayoutKind.WEEKLY, period_start=period_start,
                    amount_cents=sum(e.amount_cents for e in earnings), created_at=now,
                )  # fmt: skip
        except IntegrityError:  # this week's batch exists; later earnings wait for next week
            return None
        Earning.objects.filter(pk__in=[e.pk for e in earnings]).update(payout=payout)
        return payout


def _send_due(now: datetime) -> int:
    due = Payout.objects.filter(status=PayoutStatus.PENDING).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now),
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
    )
    return sum(payout_send(payout_id=pk, now=now) for pk in list(due.values_list("pk", flat=True)[:SWEEP_BATCH]))


def sweep_payouts(*, now: datetime) -> int:
    """Weekly batches for every instructor with payouts connected and unpaid earnings from
    before this week's payout day, then send every pending payout (including ones a crashed
    worker left behind). Returns the number of payouts sent."""
    period_start = payout_period_start(now=now)
    instructors = (
        Earning.objects.filter(
            payout__isnull=True, earned_at__lt=period_start, instructor__payouts_connected_at__isnull=False
        )
        .values_list("instructor_id", flat=True)
        .distinct()
    )
    for instructor_id in list(instructors[:SWEEP_BATCH]):
        _batch(instructor_id, period_start, now)
    return _send_due(now)


def _claim(payout_id: int, now: datetime) -> bool:
    claimable = Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    return bool(
        Payout.objects.filter(claimable, pk=payout_id, status=PayoutStatus.PENDING).update(
            claimed_until=now + CLAIM_LEASE
        )
    )


def _destination(gateway: PaymentGateway, instructor_id: int) -> str:
    """The instructor's payout account with this provider ("" when there is none: the local
    gateway still pays instructors whom staff connected by hand)."""
    found = PayoutAccount.objects.filter(instructor_id=instructor_id, provider=gateway.name)
    return found.values_list("account_id", flat=True).first() or ""


def payout_send(*, payout_id: int, now: datetime) -> bool:
    """Transfer one pending payout (outside any row lock) and record it; True when it was
    paid by this call. An instant payout then asks the provider to pay it out to the
    instructor's card at once."""
    if not _claim(payout_id, now):
        return False
    payout = Payout.objects.select_related("instructor").get(pk=payout_id)
    gateway = get_gateway()
    destination = _destination(gateway, payout.instructor_id)
    movement, transfer_id = gateway.transfer(
        destination=destination, amount_cents=payout.amount_cents,
        idempotency_key=f"payout:{payout.pk}:{payout.attempts}", now=now,
    )  # fmt: skip
    instant = MoneyMovement(succeeded=True, amount_cents=0)
    provider_payout_id = ""
    if movement.succeeded and payout.kind == PayoutKind.INSTANT and destination:
        instant, provider_payout_id = gateway.payout_instant(
            account_id=destination, amount_cents=payout.amount_cents, idempotency_key=f"payout:{payout.pk}:instant"
        )
    with transaction.atomic():
        payout = Payout.objects.select_for_update().select_related("instructor__user").get(pk=payout_id)
        if payout.status != PayoutStatus.PENDING:
            return False
        if not movement.succeeded:
            _failed(payout, movement.failure_code, now)
            return False
        _paid(payout, transfer_id, provider_payout_id, now)
        if not instant.succeeded:
            # The money is in the instructor's Stripe balance: it goes out with the next
            # standard payout instead.
            payout.failure_code = f"instant:{instant.failure_code}"[:40]
            payout.save(update_fields=["failure_code"])
            notify(
                user=payout.instructor.user, kind="payout_failed", now=now, url=EARNINGS_URL,
                subject="Instant payout not possible",
                body=f"{format_usd(payout.amount_cents)} is in your payout account; it reaches your bank with the "
                "next standard payout instead.",
            )  # fmt: skip
    return True


def _paid(payout: Payout, transfer_id: str, provider_payout_id: str, now: datetime) -> None:
    if not payout_can_transition(payout.status, PayoutStatus.PAID):
        raise Conflict(f"A {payout.status} payout cannot be paid.")
    payout.status, payout.paid_at, payout.transfer_id, payout.claimed_until = PayoutStatus.PAID, now, transfer_id, None
    payout.provider_payout_id, payout.next_attempt_at, payout.failure_code = provider_payout_id, None, ""
    payout.save(
        update_fields=[
            "status", "paid_at", "transfer_id", "claimed_until", "provider_payout_id", "next_attempt_at", "failure_code",
        ]
    )  # fmt: skip
    notify(
        user=payout.instructor.user, kind="payout_sent", now=now, url=EARNINGS_URL,
        subject=f"Payout sent: {format_usd(payout.amount_cents)}",
        body=f"We sent {format_usd(payout.amount_cents)} to your payout account ({payout.get_kind_display().lower()} payout).",
    )  # fmt: skip


def _failed(payout: Payout, code: str, now: datetime) -> None:
    """Back off (1 h, 4 h, 24 h), then give up: the instructor hears at the first failure
    and at the end, staff at the end."""
    payout.attempts, payout.failure_code, payout.claimed_until = payout.attempts + 1, code, None
    amount = format_usd(payout.amount_cents)
    if payout.attempts <= len(PAYOUT_RETRY_DELAYS):
        payout.next_attempt_at = now + PAYOUT_RETRY_DELAYS[payout.attempts - 1]
        if payout.attempts == 1:
            notify(
                user=payout.instructor.user, kind="payout_failed", now=now, url=EARNINGS_URL,
                subject=f"Payout delayed: {amount}",
                body=f"We couldn't send {amount} to your payout account ({code}). We'll try again; check your "
                "payout details meanwhile.",
            )  # fmt: skip
    else:
        if not payout_can_transition(payout.status, PayoutStatus.FAILED):
            raise Conflict(f"A {payout.status} payout cannot fail.")
        payout.status, payout.next_attempt_at = PayoutStatus.FAILED, None
        notify(
            user=payout.instructor.user, kind="payout_failed", now=now, url=EARNINGS_URL,
            subject=f"Payout failed: {amount}",
            body=f"We couldn't send {amount} to your payout account after {payout.attempts} tries ({code}). "
            "Our team will contact you to sort it out.",
        )  # fmt: skip
        notify_staff(
            kind="staff_alert", now=now, url=f"/admin/payments/payout/{payout.pk}/change/",
            subject=f"Payout {payout.pk} failed {payout.attempts} times",
            body=f"{amount} to {payout.instructor.display_name} failed: {code}.",
        )  # fmt: skip
    payout.save(update_fields=["attempts", "failure_code", "claimed_until", "next_attempt_at", "status"])


def payout_provider_failed(*, account_id: str, provider_payout_id: str, code: str, now: datetime) -> bool:
    """The provider could not pay the instructor's bank (a `payout.failed` event): the money
    stays in their payout account until they fix their bank details. Told once per payout."""
    account = PayoutAccount.objects.select_related("instructor__user").filter(account_id=account_id).first()
    if account is None:
        return False
    ours = Payout.objects.filter(provider_payout_id=provider_payout_id).first() if provider_payout_id else None
    profile = account.instructor
    notify(
        user=profile.user, kind="payout_failed", now=now, url=EARNINGS_URL,
        subject="Your bank refused a payout",
        body=f"Your bank could not receive a payout ({code}). Update your bank details in your payout dashboard; "
        "the money stays in your payout account until then.",
    )  # fmt: skip
    notify_staff(
        kind="staff_alert", now=now, url=f"/admin/instructors/instructorprofile/{profile.pk}/change/",
        subject=f"Bank payout failed for {profile.display_name}",
        body=f"Payout {provider_payout_id or '(automatic)'} to {account_id} failed: {code}."
        + (f" It was instant payout {ours.pk}." if ours else ""),
    )  # fmt: skip
    return True


def _instructor(actor: User) -> InstructorProfile:
    profile = InstructorProfile.objects.filter(user=actor).first()
    if profile is None:
        raise PermissionDenied("Only instructors have earnings.")
    return profile


@money_operation
def payout_instant(*, actor: User, now: datetime) -> Payout:
    """Pay out everything earned and not yet paid, now."""
    profile = _instructor(actor)
    if profile.payouts_connected_at is None:
        raise Conflict("Connect your payout account first.")
    with transaction.atomic():
        # Waits for a weekly batch holding these rows; its attached rows then drop out.
        earnings = list(Earning.objects.select_for_update().filter(instructor=profile, payout__isnull=True))
        if sum(e.amount_cents for e in earnings) <= 0:
            raise Conflict("There is nothing to pay out yet.")
        payout = Payout.objects.create(
            instructor=profile, kind=PayoutKind.INSTANT, amount_cents=sum(e.amount_cents for e in earnings),
            created_at=now,
        )  # fmt: skip
        Earning.objects.filter(pk__in=[e.pk for e in earnings]).update(payout=payout)
    payout_send(payout_id=payout.pk, now=now)
    payout.refresh_from_db()
    return payout


# --- reads ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EarningsSummary:
    profile: InstructorProfile
    unpaid_cents: int
    paid_cents: int
    this_week_cents: int
    next_payout_at: datetime


def earnings_summary_get(*, actor: User, now: datetime) -> EarningsSummary:
    profile = _instructor(actor)
    earnings = Earning.objects.filter(instructor=profile)
    week_start = payout_period_start(now=now)

    def total(rows: QuerySet[Earning]) -> int:
        return int(rows.aggregate(total=Sum("amount_cents"))["total"] or 0)

    return EarningsSummary(
        profile=profile, unpaid_cents=total(earnings.filter(Q(payout__isnull=True) | Q(payout__status=PayoutStatus.PENDING))),
        paid_cents=total(earnings.filter(payout__status=PayoutStatus.PAID)),
        this_week_cents=total(earnings.filter(earned_at__gte=week_start)), next_payout_at=week_start + timedelta(days=7),
    )  # fmt: skip


def earning_list(*, actor: User) -> QuerySet[Earning]:
    return (
        Earning.objects.filter(instructor=_instructor(actor))
        .select_related("booking__student", "payout")
        .order_by("-earned_at", "-id")
    )


def payout_list(*, actor: User) -> QuerySet[Payout]:
    return Payout.objects.filter(instructor=_instructor(actor)).order_by("-created_at", "-id")


CSV_HEADER = ["earned_at", "lesson_date", "lesson", "student", "kind", "amount", "payout", "paid_at"]


def earnings_csv(*, actor: User) -> str:
    """Every earning as CSV (amounts in dollars with cents, times in the instructor's zone)."""
    rows = list(earning_list(actor=actor))
    zone = ZoneInfo(_instructor(actor).timezone)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for earning in rows:
        paid_at = earning.payout.paid_at if earning.payout else None
        lesson = earning.booking  # None for a referral reward
        writer.writerow([
            earning.earned_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            lesson.starts_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if lesson else "",
            lesson.service_name if lesson else "", lesson.student.display_name if lesson else "",
            earning.get_kind_display(),
            format_decimal(earning.amount_cents),
            earning.payout.get_status_display() if earning.payout else "Not yet",
            paid_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if paid_at else "",
        ])  # fmt: skip
    return out.getvalue()


EARNING_KIND_BY_REASON = {
    "completion": EarningKind.LESSON,
    "student_cancellation": EarningKind.LATE_CANCELLATION,
    "no_show_student": EarningKind.NO_SHOW,
}
