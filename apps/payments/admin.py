"""The back office for money that is not a lesson: the credit ledger per user, instructor
earnings and payouts (read-only: services write them), and student account holds, which
staff release with a reason."""

from __future__ import annotations

from datetime import datetime

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.accounts.models import User
from apps.audit.admin import ReadOnlyAdmin
from apps.audit.admin_actions import StaffAction, admin_action_for
from apps.audit.forms import ReasonForm
from apps.payments.locks import student_lock_release
from apps.payments.models import CreditEntry, Earning, Payout, StudentLock
from apps.payments.pricing import format_usd


@admin.register(CreditEntry)
class CreditEntryAdmin(ReadOnlyAdmin):
    """The credit ledger: filter by user (search their email) to read one user's history.
    Grants and removals are actions on the user."""

    list_display = ["created_at", "user", "kind", "amount", "expires_at", "booking", "reason"]
    list_filter = ["kind"]
    list_select_related = ["user", "booking"]
    search_fields = ["user__email", "reason"]
    ordering = ["-created_at", "-id"]
    fields = readonly_fields = (
        "user", "kind", "amount_cents", "grant", "expires_at", "booking", "settlement", "reason", "created_at",)  # fmt: skip

    @admin.display(description="Amount", ordering="amount_cents")
    def amount(self, obj: CreditEntry) -> str:
        sign = "−" if obj.amount_cents < 0 else "+"
        return f"{sign}{format_usd(abs(obj.amount_cents))}"


@admin.register(Earning)
class EarningAdmin(ReadOnlyAdmin):
    list_display = ["earned_at", "instructor", "kind", "amount", "booking", "payout"]
    list_filter = ["kind"]
    list_select_related = ["instructor", "booking", "payout"]
    search_fields = ["instructor__display_name", "instructor__user__email"]
    ordering = ["-earned_at", "-id"]
    fields = readonly_fields = (
        "instructor",
        "booking",
        "settlement",
        "kind",
        "amount_cents",
        "earned_at",
        "payout",
    )

    @admin.display(description="Amount", ordering="amount_cents")
    def amount(self, obj: Earning) -> str:
        return format_usd(obj.amount_cents)


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "instructor", "kind", "status", "amount", "paid_at", "attempts", "failure_code"]
    list_filter = ["status", "kind"]
    list_select_related = ["instructor"]
    search_fields = ["instructor__display_name", "instructor__user__email", "transfer_id"]
    ordering = ["-created_at", "-id"]
    fields = readonly_fields = (
        "instructor", "kind", "status", "amount_cents", "period_start", "created_at", "paid_at", "transfer_id",
        "provider_payout_id", "attempts", "failure_code", "next_attempt_at",)  # fmt: skip

    @admin.display(description="Amount", ordering="amount_cents")
    def amount(self, obj: Payout) -> str:
        return format_usd(obj.amount_cents)


class ActiveLockFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "active"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[StudentLock]) -> list[tuple[str, str]]:
        return [("yes", "Active (account on hold)"), ("no", "Released")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[StudentLock]) -> QuerySet[StudentLock]:
        if self.value() in {"yes", "no"}:
            return queryset.filter(released_at__isnull=self.value() == "yes")
        return queryset


def _release(staff: User, lock: StudentLock, form: ReasonForm, now: datetime) -> object:
    return student_lock_release(actor=staff, lock_id=lock.pk, now=now, reason=form.cleaned_data["reason"])


RELEASE = StaffAction(name="release", title="Release the hold", run=_release, note="The student can book again.")


@admin.register(StudentLock)
class StudentLockAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "booking", "reason", "released_at", "released_by"]
    list_filter = [ActiveLockFilter]
    list_select_related = ["user", "booking", "released_by"]
    search_fields = ["user__email"]
    ordering = ["-created_at", "-id"]
    fields = readonly_fields = (
        "user",
        "booking",
        "reason",
        "created_at",
        "released_at",
        "released_by",
    )
    actions = [admin_action_for(RELEASE)]
