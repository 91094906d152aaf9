"""Credits (balance and history), instructor earnings (summary, rows, CSV) and instant payouts."""

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema

from apps.core.api_auth import api_user
from apps.core.api_errors import error_responses
from apps.core.idempotency import api_response, idempotency_run
from apps.payments.credits import credit_history_list, credit_summary_get
from apps.payments.models import Payout
from apps.payments.payouts import earning_list, earnings_csv, earnings_summary_get, payout_instant, payout_list

router = Router(tags=["credits and earnings"])
HISTORY_LIMIT = 200


class CreditBucketOut(Schema):
    left_cents: int
    expires_at: dt.datetime


class CreditEntryOut(Schema):
    at: dt.datetime
    kind: str = Field(description="grant | use | release | expire | withdraw")
    amount_cents: int = Field(description="Signed: grants and returns add, uses and expiries subtract.")
    expires_at: dt.datetime | None = Field(description="When the credit this row belongs to expires.")
    reason: str
    booking_id: uuid.UUID | None


class CreditsOut(Schema):
    balance_cents: int
    buckets: list[CreditBucketOut] = Field(description="What is left, earliest expiry first (used first).")
    history: list[CreditEntryOut]


class EarningOut(Schema):
    earned_at: dt.datetime
    kind: str
    amount_cents: int
    lesson: str = Field(description='The lesson; "Referral reward" for a reward from no lesson of yours.')
    lesson_starts_at: dt.datetime | None
    booking_id: uuid.UUID | None
    payout_status: str | None


class PayoutOut(Schema):
    id: int
    kind: str
    status: str
    amount_cents: int
    created_at: dt.datetime
    paid_at: dt.datetime | None

    @staticmethod
    def of(payout: Payout) -> "PayoutOut":
        return PayoutOut(
            id=payout.pk, kind=payout.kind, status=payout.status, amount_cents=payout.amount_cents,
            created_at=payout.created_at, paid_at=payout.paid_at,
        )  # fmt: skip


class EarningsOut(Schema):
    unpaid_cents: int = Field(description="Earned and not yet paid out.")
    paid_cents: int
    this_week_cents: int
    next_payout_at: dt.datetime
    earnings: list[EarningOut]
    payouts: list[PayoutOut]


@router.get("/me/credits", response={200: CreditsOut, **error_responses(401)}, summary="My credit balance and history")
def credits(request: HttpRequest) -> CreditsOut:
    user, now = api_user(request), timezone.now()
    summary = credit_summary_get(user=user, now=now)
    history = [
        CreditEntryOut(
            at=row.created_at, kind=row.kind, amount_cents=row.amount_cents, reason=row.reason,
            expires_at=row.expires_at if row.grant is None else row.grant.expires_at,
            booking_id=row.booking.public_id if row.booking else None,
        )
        for row in credit_history_list(user=user)[:HISTORY_LIMIT]
    ]  # fmt: skip
    buckets = [CreditBucketOut(left_cents=b.left_cents, expires_at=b.expires_at) for b in summary.buckets]
    return CreditsOut(balance_cents=summary.balance_cents, buckets=buckets, history=history)


@router.get("/me/earnings", response={200: EarningsOut, **error_responses(401, 403)}, summary="My earnings and payouts")
def earnings(request: HttpRequest) -> EarningsOut:
    user, now = api_user(request), timezone.now()
    summary = earnings_summary_get(actor=user, now=now)
    rows = [
        EarningOut(
            earned_at=e.earned_at, kind=e.kind, amount_cents=e.amount_cents, lesson=e.booking.service_name if e.booking else e.get_kind_display(),
            lesson_starts_at=e.booking.starts_at if e.booking else None,
            booking_id=e.booking.public_id if e.booking else None,
            payout_status=e.payout.status if e.payout else None,
        )
        for e in earning_list(actor=user)[:HISTORY_LIMIT]
    ]  # fmt: skip
    return EarningsOut(
        unpaid_cents=summary.unpaid_cents, paid_cents=summary.paid_cents, this_week_cents=summary.this_week_cents,
        next_payout_at=summary.next_payout_at, earnings=rows,
        payouts=[PayoutOut.of(p) for p in payout_list(actor=user)[:HISTORY_LIMIT]],
    )  # fmt: skip


@router.get(
    "/me/earnings.csv",
    response={200: str, **error_responses(401, 403)},
    summary="My earnings as CSV",
    openapi_extra={
        "responses": {
            "200": {"description": "One row per earning.", "content": {"text/csv": {"schema": {"type": "string"}}}}
        }
    },
)
def earnings_export(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(earnings_csv(actor=api_user(request)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="instainstru-earnings.csv"'
    return response


@router.post(
    "/me/payouts/instant",
    response={201: PayoutOut, **error_responses(401, 403, 409, 429, 503)},
    summary="Pay out my unpaid earnings now",
    description="Send an `Idempotency-Key` header: a retry with the same key returns the first payout.",
)
def instant_payout(request: HttpRequest) -> HttpResponse:
    user, now = api_user(request), timezone.now()

    def operation() -> tuple[int, dict[str, Any]]:
        return 201, PayoutOut.of(payout_instant(actor=user, now=now)).model_dump(mode="json")

    stored = idempotency_run(
        user=user, key=request.headers.get("Idempotency-Key"), scope="payout_instant", body={}, now=now,
        operation=operation,
    )  # fmt: skip
    return api_response(stored)
