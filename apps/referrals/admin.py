"""Staff views of referrals: who referred whom, every reward with its history, and the frozen
rewards queue (`?status__exact=frozen`) where staff release or void each one with a reason.
Changes go through apps/referrals/services.py, which records a RewardEvent with the staff
member as actor; rows are never edited or deleted here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from apps.accounts.models import User
from apps.audit.admin_actions import StaffAction, admin_action_for
from apps.audit.forms import ReasonForm
from apps.payments.pricing import format_usd
from apps.referrals.models import Referral, ReferralCode, Reward, RewardEvent
from apps.referrals.services import reward_release, reward_void


class RewardReasonForm(ReasonForm):
    reason = forms.CharField(
        label="Reason (kept with the reward)", max_length=250, widget=forms.Textarea(attrs={"rows": 3})
    )


def _reward_line(staff: User, reward: Reward, now: datetime) -> str:
    parts = [reward.user.email, reward.get_side_display(), format_usd(reward.amount_cents), reward.get_status_display()]
    return " · ".join(parts)


def _decision(name: str, title: str, decide: Callable[..., Reward]) -> StaffAction:
    return StaffAction(
        name=name, title=title, form=RewardReasonForm, preview=_reward_line,
        run=lambda staff, reward, form, now: decide(
            actor=staff, reward_id=reward.pk, reason=form.cleaned_data["reason"], now=now
        ),
        note="The reason is recorded in each reward's history and, when voided, told to its owner.",
    )  # fmt: skip


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class RewardEventInline(ReadOnly, admin.TabularInline[RewardEvent, Reward]):
    model = RewardEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "actor", "from_status", "to_status", "reason")


@admin.register(Reward)
class RewardAdmin(ReadOnly, admin.ModelAdmin[Reward]):
    list_display = ["earned_at", "user", "side", "amount_cents", "status", "unlock_at", "expires_at", "reason"]
    list_filter = ["status", "side", "referral__kind"]
    list_select_related = ["user"]
    search_fields = ["user__email", "referral__referrer__email", "referral__referred__email"]
    ordering = ["-earned_at", "-id"]
    fields = readonly_fields = (
        "referral", "user", "side", "status", "amount_cents", "booking", "earned_at", "unlock_at", "unlocked_at",
        "expires_at", "voided_at", "reason", "credit", "earning",
    )  # fmt: skip
    inlines = [RewardEventInline]
    actions = [
        admin_action_for(_decision("release", "Release rewards", reward_release)),
        admin_action_for(_decision("void", "Void rewards", reward_void)),
    ]


@admin.register(Referral)
class ReferralAdmin(ReadOnly, admin.ModelAdmin[Referral]):
    list_display = ["attributed_at", "referrer", "referred", "kind", "status", "note"]
    list_filter = ["status", "kind"]
    list_select_related = ["referrer", "referred"]
    search_fields = ["referrer__email", "referred__email"]
    ordering = ["-attributed_at", "-id"]
    fields = readonly_fields = (
        "referrer",
        "referred",
        "kind",
        "status",
        "attributed_at",
        "device_id",
        "note",
        "booking",
    )


@admin.register(ReferralCode)
class ReferralCodeAdmin(ReadOnly, admin.ModelAdmin[ReferralCode]):
    list_display = ["code", "user", "created_at", "frozen_at", "frozen_reason"]
    list_filter = [("frozen_at", admin.EmptyFieldListFilter)]
    search_fields = ["code", "user__email"]
    fields = readonly_fields = ("user", "code", "created_at", "frozen_at", "frozen_reason")
