"""Staff moderation of reviews: the queue of flagged reviews, hide and restore with a reason,
and "checked, keep it" for a flag that turned out fine. Every change goes through a service,
which records a ReviewModerationEvent with the staff member as actor. Reviews are never
edited or deleted here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django import forms
from django.contrib import admin
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import truncatechars

from apps.accounts.models import User
from apps.audit.admin_actions import StaffAction, admin_action_for
from apps.reviews.forms import KeepForm, ModerationForm
from apps.reviews.models import Review, ReviewModerationEvent
from apps.reviews.services import review_flags_clear, review_hide, review_restore

Moderate = Callable[..., Review]
REVIEW_FIELDS = (
    "instructor", "author", "booking", "service_name", "learner_name", "stars", "text", "status", "posted_at",
    "edited_at", "flags", "reply_text", "replied_at", "reply_flags", "flagged_at", "moderated_at", "moderation_reason",
)  # fmt: skip


def _review_line(staff: User, review: Review, now: datetime) -> str:
    text = truncatechars(review.text or "(no text)", 120)
    return f"{review.stars}★ · {review.author.email} · {review.posted_at:%-d %b %Y} · {text}"


def _moderation(name: str, title: str, moderate: Moderate, form: type[forms.Form] = ModerationForm) -> StaffAction:
    return StaffAction(
        name=name, title=title, form=form, preview=_review_line,
        run=lambda staff, review, form, now: moderate(
            actor=staff, review_id=review.pk, reason=form.cleaned_data["reason"], now=now
        ),
        note="The reason is recorded with each review's moderation history. Hidden reviews leave the instructor's "
        "rating at once.",
    )  # fmt: skip


class NeedsLookFilter(admin.SimpleListFilter):
    title = "moderation"
    parameter_name = "queue"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Review]) -> list[tuple[str, str]]:
        return [("flagged", "Flagged, waiting for a look")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Review]) -> QuerySet[Review]:
        if self.value() == "flagged":
            waiting = Q(moderated_at__isnull=True) | Q(moderated_at__lt=F("flagged_at"))
            return queryset.filter(waiting, flagged_at__isnull=False)
        return queryset


class ModerationEventInline(admin.TabularInline[ReviewModerationEvent, Review]):
    model = ReviewModerationEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "actor", "action", "reason", "before", "after")

    def has_add_permission(self, request: HttpRequest, obj: Review | None = None) -> bool:
        return False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin[Review]):
    list_display = ["posted_at", "instructor", "author", "stars", "excerpt", "status", "flag_list", "waiting"]
    list_filter = [NeedsLookFilter, "status", "stars"]
    list_select_related = ["instructor", "author"]
    search_fields = ["instructor__display_name", "author__email", "text", "reply_text"]
    ordering = ["-posted_at", "-id"]
    fields = readonly_fields = REVIEW_FIELDS
    inlines = [ModerationEventInline]
    actions = [
        admin_action_for(_moderation("hide", "Hide reviews", review_hide)),
        admin_action_for(_moderation("restore", "Restore reviews", review_restore)),
        admin_action_for(_moderation("keep", "Keep flagged reviews", review_flags_clear, form=KeepForm)),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # students write reviews; staff only moderate

    def has_delete_permission(self, request: HttpRequest, obj: Review | None = None) -> bool:
        return False  # hidden, never deleted: the record and its trail are kept

    @admin.display(description="Text")
    def excerpt(self, obj: Review) -> str:
        return obj.text if len(obj.text) <= 60 else f"{obj.text[:57]}…"

    @admin.display(description="Flags")
    def flag_list(self, obj: Review) -> str:
        return ", ".join([*obj.flags, *(f"reply: {flag}" for flag in obj.reply_flags)])

    @admin.display(description="Waiting for a look", boolean=True)
    def waiting(self, obj: Review) -> bool:
        return obj.needs_moderation


@admin.register(ReviewModerationEvent)
class ReviewModerationEventAdmin(admin.ModelAdmin[ReviewModerationEvent]):
    """Every moderation action, newest first (automatic flags have no actor)."""

    list_display = ["at", "review", "action", "actor", "reason"]
    list_filter = ["action"]
    list_select_related = ["review", "actor"]
    ordering = ["-at", "-id"]
    fields = readonly_fields = ("review", "at", "actor", "action", "reason", "before", "after")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ReviewModerationEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ReviewModerationEvent | None = None) -> bool:
        return False
