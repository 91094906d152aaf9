"""Users in the back office: search, roles, lock/unlock and credit grants/removals, each
through a service with a reason (audited). Passwords and two-factor stay with allauth."""

from __future__ import annotations

from datetime import datetime

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.safestring import SafeString

from apps.accounts.models import Learner, User
from apps.accounts.services import user_lock, user_unlock
from apps.audit.admin import audit_trail_html
from apps.audit.admin_actions import StaffAction, admin_action_for
from apps.audit.forms import AmountReasonForm, ReasonForm
from apps.payments.credits import credit_staff_grant, credit_staff_revoke


class LearnerInline(admin.TabularInline[Learner, User]):
    model = Learner
    extra = 0


def _lock(staff: User, user: User, form: ReasonForm, now: datetime) -> object:
    return user_lock(actor=staff, user_id=user.pk, reason=form.cleaned_data["reason"], now=now)


def _unlock(staff: User, user: User, form: ReasonForm, now: datetime) -> object:
    return user_unlock(actor=staff, user_id=user.pk, reason=form.cleaned_data["reason"], now=now)


def _grant(staff: User, user: User, form: AmountReasonForm, now: datetime) -> object:
    return credit_staff_grant(
        actor=staff, user_id=user.pk, amount_cents=form.amount_cents(), reason=form.cleaned_data["reason"], now=now
    )


def _revoke(staff: User, user: User, form: AmountReasonForm, now: datetime) -> object:
    return credit_staff_revoke(
        actor=staff, user_id=user.pk, amount_cents=form.amount_cents(), reason=form.cleaned_data["reason"], now=now
    )


USER_ACTIONS = (
    StaffAction(name="lock", title="Lock accounts", run=_lock, note="They can no longer sign in; data stays."),
    StaffAction(name="unlock", title="Unlock accounts", run=_unlock),
    StaffAction(
        name="grant_credit",
        title="Grant credit",
        run=_grant,
        form=AmountReasonForm,
        note="The reason is shown to the user in their credit history. Credit expires as usual.",
    ),
    StaffAction(
        name="revoke_credit",
        title="Remove credit",
        run=_revoke,
        form=AmountReasonForm,
        note="Taken from the credit that expires last; never below zero.",
    ),
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "is_staff", "is_active", "date_joined"]
    list_filter = ["role", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    show_full_result_count = False
    # Plain labelled multi-selects: Django's two-box widget adds icons with an aria-label on a
    # role-less span, which axe reports as a serious violation (tests/test_browser_admin.py).
    filter_horizontal = ()
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "phone", "timezone", "zip_code", "role")}),
        ("Permissions", {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Locked?", {"fields": ("is_active",), "description": "Use the lock/unlock actions: they keep a record."}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
        ("Audit trail", {"fields": ("audit_trail",)}),
    )
    readonly_fields = ("is_active", "last_login", "date_joined", "audit_trail")
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "role", "password1", "password2")}),)
    inlines = [LearnerInline]
    actions = [admin_action_for(action) for action in USER_ACTIONS]

    @admin.display(description="Staff actions on this account")
    def audit_trail(self, obj: User) -> SafeString:
        return audit_trail_html(obj)
