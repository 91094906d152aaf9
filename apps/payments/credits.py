"""Platform credits: an append-only ledger of grants and uses (PRODUCT.md §6).

A grant is a bucket with its own expiry (365 days by default). A booking reserves credits
from the buckets that expire first; a booking cancelled ≥ 24 h ahead (or refunded in full)
puts them back into the same buckets, so they keep their original expiry. Credits pay the
lesson price only — the caller caps them (apps/payments/pricing.py); never the fee.

Concurrency: every write that depends on what is left in a user's buckets first locks those
bucket rows (always ordered by expiry, then id, so two writers never deadlock), then reads
the sums.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, QuerySet, Sum
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce

from apps.accounts.models import User
from apps.audit.services import audit_record
from apps.audit.states import AuditAction
from apps.bookings.models import Booking, Settlement
from apps.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from apps.core.models import platform_config
from apps.payments.models import CreditEntry, CreditFreeze
from apps.payments.pricing import format_usd
from apps.payments.states import CreditKind

SWEEP_BATCH = 200


@dataclass(frozen=True)
class Bucket:
    grant: CreditEntry
    left_cents: int

    @property
    def expires_at(self) -> datetime:
        assert self.grant.expires_at is not None  # every grant has one (a check constraint)
        return self.grant.expires_at


def _left() -> CombinedExpression:
    """What is left in a grant's bucket: the grant plus its (signed) entries."""
    return F("amount_cents") + Coalesce(Sum("entries__amount_cents"), 0)


def _buckets(user: User, now: datetime, *, lock: bool) -> list[Bucket]:
    """The user's unexpired buckets with something left, earliest expiry first."""
    grants = CreditEntry.objects.filter(user=user, kind=CreditKind.GRANT, expires_at__gt=now).order_by(
        "expires_at", "id"
    )
    if lock:
        # FOR UPDATE cannot be combined with the SUM below: lock first, then read the sums.
        list(grants.select_for_update().values_list("pk", flat=True))
    rows = grants.annotate(left=_left()).filter(left__gt=0)
    return [Bucket(grant=row, left_cents=row.left) for row in rows]


def credit_balance(*, user: User, now: datetime) -> int:
    """What the user can spend now: nothing while a card dispute froze their credits."""
    if CreditFreeze.objects.filter(user=user, released_at__isnull=True).exists():
        return 0
    return sum(bucket.left_cents for bucket in _buckets(user, now, lock=False))


def credit_grant(
    *,
    user: User,
    amount_cents: int,
    reason: str,
    now: datetime,
    settlement: Settlement | None = None,
    booking: Booking | None = None,
    expires_at: datetime | None = None,
) -> CreditEntry:
    """Add credit (a new bucket). Expires after the configured lifetime unless told otherwise."""
    if amount_cents <= 0:
        raise ValidationFailed("A credit must be a positive amount.", fields={"amount_cents": ["Must be > 0."]})
    lifetime = timedelta(days=platform_config().credit_expiry_days)
    return CreditEntry.objects.create(
        user=user, kind=CreditKind.GRANT, amount_cents=amount_cents, expires_at=expires_at or now + lifetime,
        booking=booking, settlement=settlement, reason=reason, created_at=now,
    )  # fmt: skip


@transaction.atomic
def credits_reserve(*, user: User, booking: Booking, amount_cents: int, now: datetime) -> list[CreditEntry]:
    """Use `amount_cents` of the user's credit for a booking, earliest expiry first. Raises
    Conflict when the balance no longer covers it (another booking used it meanwhile)."""
    uses: list[CreditEntry] = []
    needed = amount_cents
    for bucket in _buckets(user, now, lock=True):
        if needed == 0:
            break
        take = min(needed, bucket.left_cents)
        use = CreditEntry.objects.create(
            user=user, kind=CreditKind.USE, amount_cents=-take, grant=bucket.grant, booking=booking,
            reason=f"{booking.service_name} on {booking.starts_at:%Y-%m-%d}", created_at=now,
        )  # fmt: skip
        uses.append(use)
        needed -= take
    if needed:
        raise Conflict("Your credit balance changed. Review the price and book again.")
    return uses


@transaction.atomic
def credits_return(*, booking: Booking, now: datetime, reason: str = "") -> int:
    """Put the credits a booking reserved back into their original buckets (keeping each
    bucket's expiry). Idempotent: a bucket already given back is skipped (and a unique
    constraint forbids a second release row)."""
    uses = CreditEntry.objects.filter(booking=booking, kind=CreditKind.USE)
    list(
        CreditEntry.objects.select_for_update()
        .filter(pk__in=uses.values("grant_id"))
        .order_by("expires_at", "id")
        .values_list("pk", flat=True)
    )
    # Read after locking: a concurrent return of the same booking has committed by now.
    released = set(
        CreditEntry.objects.filter(booking=booking, kind=CreditKind.RELEASE).values_list("grant_id", flat=True)
    )
    returned = 0
    for use in uses.exclude(grant_id__in=released).order_by("id"):
        CreditEntry.objects.create(
            user_id=use.user_id, kind=CreditKind.RELEASE, amount_cents=-use.amount_cents, grant_id=use.grant_id,
            booking=booking, reason=reason or f"Returned from {booking.service_name}", created_at=now,
        )  # fmt: skip
        returned -= use.amount_cents
    return returned


def _staff_target(actor: User, user_id: int, reason: str, amount_cents: int) -> tuple[User, str]:
    if not actor.is_staff:
        raise PermissionDenied("Only staff grant or remove credit.")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Give a reason.", fields={"reason": ["Say why; the user sees it in their ledger."]})
    if amount_cents <= 0:
        raise ValidationFailed("Enter a positive amount.", fields={"amount": ["Must be more than $0."]})
    user = User.objects.select_for_update().filter(pk=user_id).first()  # one staff change per user at a time
    if user is None:
        raise NotFound("User not found.")
    return user, reason[:200]


@transaction.atomic
def credit_staff_grant(*, actor: User, user_id: int, amount_cents: int, reason: str, now: datetime) -> CreditEntry:
    """Staff add credit (goodwill, a correction), with the usual expiry; audited."""
    user, reason = _staff_target(actor, user_id, reason, amount_cents)
    before = sum(bucket.left_cents for bucket in _buckets(user, now, lock=True))
    grant = credit_grant(user=user, amount_cents=amount_cents, reason=reason, now=now)
    audit_record(
        actor=actor, action=AuditAction.CREDIT_GRANT, target=user, now=now, reason=reason,
        before={"credit_cents": before}, after={"credit_cents": before + amount_cents, "grant": grant.pk},
    )  # fmt: skip
    return grant


@transaction.atomic
def credit_staff_revoke(
    *, actor: User, user_id: int, amount_cents: int, reason: str, now: datetime
) -> list[CreditEntry]:
    """Staff remove credit (a grant made in error), from the buckets that expire last, so
    what the user keeps is what they would use first; audited. Never below zero."""
    user, reason = _staff_target(actor, user_id, reason, amount_cents)
    buckets = _buckets(user, now, lock=True)
    before = sum(bucket.left_cents for bucket in buckets)
    if amount_cents > before:
        message = f"The user has only {format_usd(before)} of credit."
        raise ValidationFailed(message, fields={"amount": [message]})
    entries, needed = [], amount_cents
    for bucket in reversed(buckets):
        take = min(needed, bucket.left_cents)
        entry = CreditEntry.objects.create(
            user=user, kind=CreditKind.REVOKE, amount_cents=-take, grant=bucket.grant, reason=reason, created_at=now
        )
        entries.append(entry)
        needed -= take
        if needed == 0:
            break
    audit_record(
        actor=actor, action=AuditAction.CREDIT_REVOKE, target=user, now=now, reason=reason,
        before={"credit_cents": before}, after={"credit_cents": before - amount_cents},
    )  # fmt: skip
    return entries


def sweep_credit_expiry(*, now: datetime) -> int:
    """Write an expiry row for whatever is left in buckets past their expiry. Each bucket is
    locked (skipping ones another worker holds) and re-summed before writing, so a bucket
    expires exactly once whatever the number of workers."""
    due = (
        CreditEntry.objects.filter(kind=CreditKind.GRANT, expires_at__lte=now).annotate(left=_left()).filter(left__gt=0)
    )
    expired = 0
    for grant_id in list(due.order_by("expires_at", "id").values_list("pk", flat=True)[:SWEEP_BATCH]):
        with transaction.atomic():
            grant = CreditEntry.objects.select_for_update(skip_locked=True).filter(pk=grant_id).first()
            if grant is None:
                continue
            left = CreditEntry.objects.filter(pk=grant_id).annotate(left=_left()).get().left
            if left <= 0:
                continue
            CreditEntry.objects.create(
                user_id=grant.user_id, kind=CreditKind.EXPIRE, amount_cents=-left, grant=grant,
                reason="Expired", created_at=now,
            )  # fmt: skip
            expired += 1
    return expired


@transaction.atomic
def credit_withdraw(*, grant: CreditEntry, reason: str, now: datetime) -> int:
    """Take back what is left of an unexpired grant whose reason fell away (a voided referral
    reward); what was already spent stays spent. Returns the amount withdrawn."""
    list(CreditEntry.objects.select_for_update().filter(pk=grant.pk).values_list("pk", flat=True))
    left = CreditEntry.objects.filter(pk=grant.pk).annotate(left=_left()).get().left
    if left <= 0 or (grant.expires_at is not None and grant.expires_at <= now):
        return 0
    CreditEntry.objects.create(
        user_id=grant.user_id, kind=CreditKind.WITHDRAW, amount_cents=-left, grant=grant, reason=reason[:200],
        created_at=now,
    )  # fmt: skip
    return int(left)


def credit_history_list(*, user: User) -> QuerySet[CreditEntry]:
    """Every ledger row of the user, newest first, with what each grant's bucket expires."""
    return CreditEntry.objects.filter(user=user).select_related("grant", "booking").order_by("-created_at", "-id")


@dataclass(frozen=True)
class CreditSummary:
    balance_cents: int
    buckets: list[Bucket]  # what is left, earliest expiry first


def credit_summary_get(*, user: User, now: datetime) -> CreditSummary:
    buckets = _buckets(user, now, lock=False)
    return CreditSummary(balance_cents=sum(b.left_cents for b in buckets), buckets=buckets)
