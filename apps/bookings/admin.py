"""The back office for lessons: bookings with their timeline, settlements, and the staff
actions (cancel for either side, mark complete, refund, resolve a no-show), each through
the product's own service with a reason, each leaving one audit entry."""

from __future__ import annotations

from datetime import datetime

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString

from apps.accounts.models import User
from apps.audit.admin import ReadOnlyAdmin, audit_trail_html
from apps.audit.admin_actions import StaffAction, admin_action_for
from apps.audit.forms import ReasonForm, RefundForm
from apps.bookings.models import Booking, BookingEvent, NoShowReport, Settlement
from apps.bookings.policies import (
    booking_cancel,
    booking_cancel_preview,
    booking_complete,
    no_show_resolve,
    no_show_resolve_preview,
)
from apps.bookings.refunds import booking_refund, booking_refund_preview
from apps.payments.pricing import MoneyOutcome, Party, format_usd


def outcome_sentence(outcome: MoneyOutcome) -> str:
    """Staff's view of a money outcome: every part that is not zero."""
    parts = [
        (outcome.student_charge_cents, "student pays"), (outcome.refund_cents, "refund to card"),
        (outcome.credit_cents, "new credit"), (outcome.credits_returned_cents, "credits returned"),
        (outcome.instructor_cents, "instructor earns"), (outcome.platform_cents, "platform keeps"),
    ]  # fmt: skip
    said = [f"{label} {format_usd(cents)}" for cents, label in parts if cents]
    if outcome.release_hold:
        said.append("card hold released")
    return "; ".join(said) or "no money moves"


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]  # shared by the inlines below
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


class EventInline(ReadOnlyInline):
    model = BookingEvent
    verbose_name_plural = "timeline"
    fields = readonly_fields = (
        "at",
        "kind",
        "from_status",
        "to_status",
        "amount_cents",
        "reason",
        "actor",
    )
    ordering = ["at", "id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[BookingEvent]:
        return super().get_queryset(request).select_related("actor")


class SettlementInline(ReadOnlyInline):
    model = Settlement
    fields = readonly_fields = (
        "created_at", "reason", "status", "payment_to", "capture_cents", "refund_cents", "credit_cents",
        "instructor_cents", "platform_cents", "attempts", "failure_code", "settled_at",)  # fmt: skip


class NoShowInline(ReadOnlyInline):
    model = NoShowReport
    fields = readonly_fields = (
        "status", "absent_party", "reporter", "note", "reported_at", "dispute_until", "disputed_at", "dispute_reason",
        "resolved_at", "resolved_by",)  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[NoShowReport]:
        return super().get_queryset(request).select_related("reporter", "resolved_by")


def _cancel(fault: Party) -> StaffAction:
    return StaffAction(
        name=f"cancel_{fault}_fault", title=f"Cancel ({fault}'s fault)",
        preview=lambda staff, b, now: outcome_sentence(
            booking_cancel_preview(actor=staff, booking_id=b.pk, now=now, fault=fault).outcome
        ),
        run=lambda staff, b, form, now: booking_cancel(
            actor=staff, booking_id=b.pk, now=now, fault=fault, reason=form.cleaned_data["reason"]
        ),
        note=f"Cancelled as if the {fault} cancelled now: the money follows that side's cancellation rule.",
    )  # fmt: skip


def _resolve(upheld: bool) -> StaffAction:
    return StaffAction(
        name="resolve_no_show_upheld" if upheld else "resolve_no_show_rejected",
        title="Uphold the no-show report" if upheld else "Reject the no-show report (the lesson took place)",
        preview=lambda staff, b, now: outcome_sentence(
            no_show_resolve_preview(actor=staff, booking_id=b.pk, upheld=upheld)
        ),
        run=lambda staff, b, form, now: no_show_resolve(
            actor=staff, booking_id=b.pk, upheld=upheld, now=now, reason=form.cleaned_data["reason"]
        ),
    )  # fmt: skip


def _complete(staff: User, booking: Booking, form: ReasonForm, now: datetime) -> object:
    return booking_complete(actor=staff, booking_id=booking.pk, now=now, reason=form.cleaned_data["reason"])


def _refund_preview(staff: User, booking: Booking, now: datetime) -> str:
    preview = booking_refund_preview(actor=staff, booking_id=booking.pk)
    said = f"up to {format_usd(preview.refundable_cents)} refundable"
    if preview.earned_cents:
        said += f"; the instructor gives back their share of the {format_usd(preview.earned_cents)} they earned"
    return said


def _refund(staff: User, booking: Booking, form: RefundForm, now: datetime) -> object:
    return booking_refund(
        actor=staff, booking_id=booking.pk, amount_cents=form.amount_cents(), reason=form.cleaned_data["reason"],
        now=now,
    )  # fmt: skip


ACTIONS = (
    _cancel("student"),
    _cancel("instructor"),
    StaffAction(
        name="mark_complete",
        title="Mark complete",
        run=_complete,
        preview=lambda *_: "the card is charged when the no-show window closes, as usual",
    ),
    StaffAction(
        name="refund",
        title="Refund to the card",
        form=RefundForm,
        preview=_refund_preview,
        run=_refund,
        note="The instructor gives back their earning in the refund's proportion (all of it for a full refund); "
        "an earning already paid out is taken back from the transfer. One refund per lesson.",
    ),
    _resolve(True),
    _resolve(False),
)


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    list_display = [
        "id", "starts_at", "service_name", "student", "instructor", "status", "payment_status", "total",
    ]  # fmt: skip
    list_filter = ["status", "payment_status", "no_show__status", "format"]
    list_select_related = ["student", "instructor"]
    search_fields = ["student__email", "instructor__display_name", "instructor__user__email", "service_name"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at", "-id"]
    inlines = [NoShowInline, SettlementInline, EventInline]
    actions = [admin_action_for(action) for action in ACTIONS]
    fieldsets = [
        (None, {"fields": ["public_id", "student", "learner", "instructor", "service_name", "format",
                           "duration_minutes", "starts_at", "ends_at", "location_text"]}),
        ("Status", {"fields": ["status", "payment_status", "payment_problem_since", "payment_retry_at"]}),
        ("Money", {"fields": ["hourly_rate_cents", "lesson_price_cents", "booking_fee_cents", "credits_applied_cents",
                              "total_cents", "commission_bps", "instructor_net_cents", "payment_method",
                              "payment_intent_id", "authorized_at", "authorization_expires_at", "captured_at"]}),
        ("Audit trail", {"fields": ["audit_trail"]}),
    ]  # fmt: skip
    readonly_fields = tuple(str(field) for _, options in fieldsets for field in options["fields"])

    def get_queryset(self, request: HttpRequest) -> QuerySet[Booking]:
        return super().get_queryset(request).select_related("student", "instructor", "learner", "payment_method")

    @admin.display(description="Total", ordering="total_cents")
    def total(self, obj: Booking) -> str:
        return format_usd(obj.total_cents)

    @admin.display(description="Staff actions on this lesson")
    def audit_trail(self, obj: Booking) -> SafeString:
        return audit_trail_html(obj)


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    """Money outcomes on their way through the provider; "Manual review" is the queue of
    payments that kept failing."""

    list_display = ["id", "booking", "reason", "status", "payment_to", "capture_cents", "refund_cents", "attempts",
                    "failure_code", "created_at"]  # fmt: skip
    list_filter = ["status", "reason"]
    list_select_related = ["booking"]
    search_fields = ["booking__student__email", "booking__instructor__display_name"]
    ordering = ["-created_at", "-id"]
    fields = readonly_fields = (
        "booking", "reason", "status", "payment_to", "student_charge_cents", "capture_cents", "release_hold",
        "refund_cents", "credit_cents", "credits_returned_cents", "instructor_cents", "platform_cents", "created_at",
        "settled_at", "attempts", "first_failed_at", "next_attempt_at", "failure_code",)  # fmt: skip
