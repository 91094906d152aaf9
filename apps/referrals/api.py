"""Referral endpoint: my code and link, the people I invited and my rewards (the JSON twin
of the referrals page, on the same selector)."""

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from apps.core.api_auth import api_user
from apps.core.api_errors import error_responses
from apps.referrals.selectors import referral_page_get

router = Router(tags=["referrals"])


class InviteOut(Schema):
    name: str
    joined_at: dt.datetime
    status: str = Field(description="signed_up | rewarded | rejected")
    note: str = Field(description="Why it is not eligible, or why it earned no reward.")


class RewardOut(Schema):
    id: int
    side: str = Field(description="referrer (for inviting) | referred (for joining)")
    amount_cents: int
    status: str = Field(description="pending | frozen | unlocked | expired | voided")
    earned_at: dt.datetime
    unlock_at: dt.datetime
    expires_at: dt.datetime | None = Field(description="When an unlocked credit expires.")
    reason: str


class ReferralsOut(Schema):
    code: str
    link: str
    earned_cents: int
    pending_cents: int
    rewards_left: int
    invites: list[InviteOut]
    rewards: list[RewardOut]


@router.get(
    "/me/referrals", response={200: ReferralsOut, **error_responses(401)}, summary="My referral link and rewards"
)
def my_referrals(request: HttpRequest) -> ReferralsOut:
    page = referral_page_get(user=api_user(request), now=timezone.now())
    return ReferralsOut(
        code=page.code.code, link=page.link, earned_cents=page.earned_cents, pending_cents=page.pending_cents,
        rewards_left=page.rewards_left,
        invites=[
            InviteOut(name=i.referred.display_name, joined_at=i.attributed_at, status=i.status, note=i.note)
            for i in page.invites
        ],
        rewards=[
            RewardOut(
                id=r.pk, side=r.side, amount_cents=r.amount_cents, status=r.status, earned_at=r.earned_at,
                unlock_at=r.unlock_at, expires_at=r.expires_at, reason=r.reason,
            )
            for r in page.rewards
        ],
    )  # fmt: skip
