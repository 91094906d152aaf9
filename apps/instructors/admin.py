from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import pluralize
from django.utils import timezone

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.instructors.models import InstructorProfile, Offering, ServiceArea
from apps.instructors.services import instructor_suspend, instructor_verification_mark


class OfferingInline(admin.TabularInline[Offering, InstructorProfile]):
    model = Offering
    fields = ["service", "rate_online_cents", "rate_studio_cents", "rate_travel_cents", "is_active"]
    extra = 0
    show_change_link = True


class ServiceAreaInline(admin.TabularInline[ServiceArea, InstructorProfile]):
    model = ServiceArea
    extra = 0


def _staff(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _mark(request: HttpRequest, queryset: QuerySet[InstructorProfile], **flags: bool) -> None:
    now = timezone.now()
    for profile in queryset:
        instructor_verification_mark(actor=_staff(request), profile_id=profile.pk, now=now, **flags)
    count = queryset.count()
    messages.success(request, f"Updated {count} instructor{pluralize(count)}.")


@admin.register(InstructorProfile)
class InstructorProfileAdmin(admin.ModelAdmin[InstructorProfile]):
    list_display = [
        "display_name", "user", "status", "identity_verified_at", "background_check_passed_at",
        "payouts_connected_at", "is_founding",
    ]  # fmt: skip
    list_filter = ["status", "is_founding"]
    search_fields = ["display_name", "user__email", "slug"]
    raw_id_fields = ["user"]
    readonly_fields = ["status", "went_live_at", "public_lat", "public_lon", "created_at", "updated_at"]
    inlines = [OfferingInline, ServiceAreaInline]
    actions = [
        "mark_identity_verified",
        "mark_background_check_passed",
        "mark_payouts_connected",
        "clear_verification",
        "suspend",
    ]

    @admin.action(description="Mark identity verified")
    def mark_identity_verified(self, request: HttpRequest, queryset: QuerySet[InstructorProfile]) -> None:
        _mark(request, queryset, identity=True)

    @admin.action(description="Mark background check passed")
    def mark_background_check_passed(self, request: HttpRequest, queryset: QuerySet[InstructorProfile]) -> None:
        _mark(request, queryset, background_check=True)

    @admin.action(description="Mark payouts connected")
    def mark_payouts_connected(self, request: HttpRequest, queryset: QuerySet[InstructorProfile]) -> None:
        _mark(request, queryset, payouts=True)

    @admin.action(description="Clear identity, background check and payouts")
    def clear_verification(self, request: HttpRequest, queryset: QuerySet[InstructorProfile]) -> None:
        _mark(request, queryset, identity=False, background_check=False, payouts=False)

    @admin.action(description="Suspend (hide from the public)")
    def suspend(self, request: HttpRequest, queryset: QuerySet[InstructorProfile]) -> None:
        for profile in queryset:
            try:
                instructor_suspend(actor=_staff(request), profile_id=profile.pk)
            except ApplicationError as exc:
                messages.error(request, f"{profile}: {exc.message}")


@admin.register(Offering)
class OfferingAdmin(admin.ModelAdmin[Offering]):
    list_display = ["profile", "service", "rate_online_cents", "rate_studio_cents", "rate_travel_cents", "is_active"]
    list_filter = ["is_active", "service__category"]
    search_fields = ["profile__display_name", "service__name"]
    raw_id_fields = ["profile"]
