"""Instructors in the back office: go-live state and what blocks it, suspend and reinstate,
verification marks, founding flag and commission override. Every change goes through a
service with the staff member as actor and leaves an audit entry; edits refresh search."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import SafeString

from apps.accounts.models import User
from apps.audit.admin import audit_trail_html
from apps.audit.admin_actions import StaffAction, admin_action_for, staff_of
from apps.audit.forms import ReasonForm
from apps.instructors.models import InstructorProfile, Offering, ServiceArea
from apps.instructors.onboarding import onboarding_status
from apps.instructors.services import (
    instructor_reinstate,
    instructor_staff_edit,
    instructor_suspend,
    instructor_verification_mark,
)


class OfferingInline(admin.TabularInline[Offering, InstructorProfile]):
    model = Offering
    fields = ["service", "rate_online_cents", "rate_studio_cents", "rate_travel_cents", "is_active"]
    extra = 0
    show_change_link = True


class ServiceAreaInline(admin.TabularInline[ServiceArea, InstructorProfile]):
    model = ServiceArea
    extra = 0


def _marker(**flags: bool) -> Any:
    def run(staff: User, profile: InstructorProfile, form: ReasonForm, now: datetime) -> object:
        return instructor_verification_mark(
            actor=staff, profile_id=profile.pk, now=now, reason=form.cleaned_data["reason"], **flags
        )

    return run


def _suspend(staff: User, profile: InstructorProfile, form: ReasonForm, now: datetime) -> object:
    return instructor_suspend(actor=staff, profile_id=profile.pk, reason=form.cleaned_data["reason"], now=now)


def _reinstate(staff: User, profile: InstructorProfile, form: ReasonForm, now: datetime) -> object:
    return instructor_reinstate(actor=staff, profile_id=profile.pk, reason=form.cleaned_data["reason"], now=now)


PROFILE_ACTIONS = (
    StaffAction(name="mark_identity_verified", title="Mark identity verified", run=_marker(identity=True)),
    StaffAction(
        name="mark_background_check_passed", title="Mark background check passed", run=_marker(background_check=True)
    ),
    StaffAction(name="mark_payouts_connected", title="Mark payouts connected", run=_marker(payouts=True)),
    StaffAction(
        name="clear_verification",
        title="Clear identity, background check and payouts",
        run=_marker(identity=False, background_check=False, payouts=False),
    ),
    StaffAction(
        name="suspend",
        title="Suspend",
        run=_suspend,
        note="Hidden from search and new bookings at once; booked lessons stay as they are.",
    ),
    StaffAction(
        name="reinstate",
        title="Reinstate",
        run=_reinstate,
        note="Live again if every go-live step is still done, else back to onboarding.",
    ),
)


class StaffEditMixin:
    """Admin edits go through instructor_staff_edit (audit entry, search refresh)."""

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm[Any], change: bool) -> None:
        before = {name: form.initial.get(name) for name in form.changed_data} if change else {}
        instructor_staff_edit(actor=staff_of(request), obj=obj, before=before, now=timezone.now())


@admin.register(InstructorProfile)
class InstructorProfileAdmin(StaffEditMixin, admin.ModelAdmin[InstructorProfile]):
    list_display = [
        "display_name", "user", "status", "identity_verified_at", "background_check_passed_at",
        "payouts_connected_at", "is_founding", "commission_override_bps",
    ]  # fmt: skip
    list_filter = ["status", "is_founding"]
    list_select_related = ["user"]
    search_fields = ["display_name", "user__email", "slug"]
    raw_id_fields = ["user"]
    readonly_fields = [
        "status", "go_live_blockers", "went_live_at", "public_lat", "public_lon", "created_at", "updated_at",
        "audit_trail",
    ]  # fmt: skip
    inlines = [OfferingInline, ServiceAreaInline]
    actions = [admin_action_for(action) for action in PROFILE_ACTIONS]

    @admin.display(description="What blocks going live")
    def go_live_blockers(self, obj: InstructorProfile) -> str:
        return "; ".join(onboarding_status(obj).missing) or "nothing"

    @admin.display(description="Staff actions on this instructor")
    def audit_trail(self, obj: InstructorProfile) -> SafeString:
        return audit_trail_html(obj)


@admin.register(Offering)
class OfferingAdmin(StaffEditMixin, admin.ModelAdmin[Offering]):
    list_display = ["profile", "service", "rate_online_cents", "rate_studio_cents", "rate_travel_cents", "is_active"]
    list_filter = ["is_active", "service__category"]
    list_select_related = ["profile", "service"]
    search_fields = ["profile__display_name", "service__name"]
    raw_id_fields = ["profile"]
