"""Staff moderation of reviews: the queue of flagged reviews, hide and restore with a reason,
and "checked, keep it" for a flag that turned out fine. Every change goes through a service,
which records a ReviewModerationEvent with the staff member as actor. Reviews are never
edited or deleted here."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.utils import timezone

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.reviews.forms import ModerationForm
from apps.reviews.models import Review, ReviewModerationEvent
from apps.reviews.services import review_flags_clear, review_hide, review_restore

Moderate = Callable[..., Review]
REVIEW_FIELDS = (
    "instructor", "author", "booking", "service_name", "learner_name", "stars", "text", "status", "posted_at",
    "edited_at", "flags", "reply_text", "replied_at", "reply_flags", "flagged_at", "moderated_at", "moderation_reason",
)  # fmt: skip


def _staff(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # the admin only admits signed-in staff
    return request.user


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
    actions = ["hide", "restore", "keep"]

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

    def _moderate(
        self, request: HttpRequest, queryset: QuerySet[Review], *, action: str, title: str, run: Moderate,
        reason_required: bool = True,
    ) -> TemplateResponse | None:  # fmt: skip
        """Ask for the reason on an intermediate page, then run the service per review."""
        form = ModerationForm(request.POST if "apply" in request.POST else None, reason_required=reason_required)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request), "title": title, "reviews": queryset.select_related("author"),
                "form": form, "action": action, "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }  # fmt: skip
            return TemplateResponse(request, "admin/reviews/moderate.html", context)
        now, done = timezone.now(), 0
        for review in queryset:
            try:
                run(actor=_staff(request), review_id=review.pk, reason=form.cleaned_data["reason"], now=now)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"Review {review.pk}: {exc.message}", level=messages.ERROR)
        if done:
            self.message_user(request, f"{title}: {done} review{pluralize(done)}.", level=messages.SUCCESS)
        return None

    @admin.action(description="Hide selected reviews (they leave the rating)…")
    def hide(self, request: HttpRequest, queryset: QuerySet[Review]) -> TemplateResponse | None:
        return self._moderate(request, queryset, action="hide", title="Hide reviews", run=review_hide)

    @admin.action(description="Restore selected reviews…")
    def restore(self, request: HttpRequest, queryset: QuerySet[Review]) -> TemplateResponse | None:
        return self._moderate(request, queryset, action="restore", title="Restore reviews", run=review_restore)

    @admin.action(description="Checked: keep selected flagged reviews as they are…")
    def keep(self, request: HttpRequest, queryset: QuerySet[Review]) -> TemplateResponse | None:
        return self._moderate(
            request, queryset, action="keep", title="Keep flagged reviews", run=review_flags_clear,
            reason_required=False,
        )  # fmt: skip


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
