"""Staff moderation of reported conversations. Staff never browse threads: the admin lists
reports, and a report shows the messages it names (as written, before any masking) and
nothing else of the thread. Every opening of a report is recorded (ReportView), and the
record is read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from apps.accounts.models import User
from apps.messaging.models import Report, ReportStatus, ReportView
from apps.messaging.services import report_view_record


def _staff(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # the admin only admits signed-in staff
    return request.user


class ReportViewInline(admin.TabularInline[ReportView, Report]):
    model = ReportView
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "staff")
    verbose_name_plural = "Seen by"

    def has_add_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin[Report]):
    list_display = ["created_at", "reason", "reporter", "message_count", "status"]
    list_filter = ["status", "reason"]
    list_select_related = ["reporter"]
    ordering = ["-created_at", "-id"]
    fields = readonly_fields = ("created_at", "reporter", "reason", "note", "reported_messages", "status", "closed_at")
    inlines = [ReportViewInline]
    actions = ["close"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        return super().get_queryset(request).prefetch_related("messages__sender")

    @admin.display(description="Messages")
    def message_count(self, obj: Report) -> int:
        return len(obj.messages.all())

    @admin.display(description="Reported messages")
    def reported_messages(self, obj: Report) -> str:
        rows = [
            (m.sender.email, timezone.localtime(m.created_at).strftime("%a %d %b %Y, %H:%M"), m.original_body or m.body)
            for m in obj.messages.all()
        ]
        items = format_html_join("", "<li><strong>{}</strong> · {}<br>{}</li>", rows)
        return format_html('<ol class="reported-messages">{}</ol>', items)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Record the look before showing it: a view that fails to record is not shown."""
        seen = request.method in ("GET", "HEAD") and object_id.isdigit()
        if seen and Report.objects.filter(pk=int(object_id)).exists():
            report_view_record(staff=_staff(request), report_id=int(object_id), now=timezone.now())
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Close the selected reports")
    def close(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        closed = queryset.filter(status=ReportStatus.OPEN).update(status=ReportStatus.CLOSED, closed_at=timezone.now())
        messages.success(request, f"{closed} report(s) closed.")


@admin.register(ReportView)
class ReportViewAdmin(admin.ModelAdmin[ReportView]):
    """The audit trail: who of the staff opened which report, when."""

    list_display = ["at", "staff", "report"]
    list_select_related = ["staff", "report"]
    fields = readonly_fields = ("at", "staff", "report")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ReportView | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ReportView | None = None) -> bool:
        return False
