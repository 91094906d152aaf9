"""Staff views of referrals: who referred whom, every reward with its history, and the frozen
rewards queue (`?status__exact=frozen`) where staff release or void each one with a reason.
Changes go through apps/referrals/services.py, which records a RewardEvent with the staff
member as actor; rows are never edited or deleted here."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.referrals.models import Referral, ReferralCode, Reward, RewardEvent
from apps.referrals.services import reward_release, reward_void

Decide = Callable[..., Reward]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason (kept with the reward)", max_length=250, widget=forms.Textarea(attrs={"rows": 3})
    )


def _staff(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # the admin only admits signed-in staff
    return request.user


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
    actions = ["release", "void"]

    def _decide(
        self, request: HttpRequest, queryset: QuerySet[Reward], *, action: str, title: str, run: Decide
    ) -> TemplateResponse | None:
        """Ask for the reason on an intermediate page, then run the service per reward."""
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request), "title": title, "form": form, "action": action,
                "rewards": queryset.select_related("user"), "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }  # fmt: skip
            return TemplateResponse(request, "admin/referrals/decide.html", context)
        now, done = timezone.now(), 0
        for reward in queryset:
            try:
                run(actor=_staff(request), reward_id=reward.pk, reason=form.cleaned_data["reason"], now=now)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"Reward {reward.pk}: {exc.message}", level=messages.ERROR)
        if done:
            self.message_user(request, f"{title}: {done} reward(s).", level=messages.SUCCESS)
        return None

    @admin.action(description="Release selected frozen rewards…")
    def release(self, request: HttpRequest, queryset: QuerySet[Reward]) -> TemplateResponse | None:
        return self._decide(request, queryset, action="release", title="Release rewards", run=reward_release)

    @admin.action(description="Void selected rewards…")
    def void(self, request: HttpRequest, queryset: QuerySet[Reward]) -> TemplateResponse | None:
        return self._decide(request, queryset, action="void", title="Void rewards", run=reward_void)


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
