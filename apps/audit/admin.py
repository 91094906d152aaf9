"""The audit trail in the admin: staff read it, nobody (superusers included) adds, changes or
deletes an entry."""

from __future__ import annotations

import json

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString

from apps.audit.models import AuditEntry
from apps.audit.selectors import audit_entry_list


def pretty(value: object) -> SafeString:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True, default=str))


def audit_trail_html(target: models.Model) -> SafeString:
    """An object's audit trail, for a read-only field on its admin page (one query)."""
    entries = audit_entry_list(target=target)[:50]
    return SafeString(render_to_string("admin/audit/trail.html", {"entries": entries}))


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # shared by every model
    """For records written only by services (ledgers, trails, settlements): staff may view
    them; nobody may add, change or delete one through the admin."""

    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "actor_email", "target_type", "target_id", "reason", "request_id"]
    list_filter = ["action", "target_type"]
    search_fields = ["actor_email", "target_id", "reason", "request_id"]
    date_hierarchy = "at"
    ordering = ["-at", "-id"]
    show_full_result_count = False  # a count(*) over a large trail on every page costs more than it tells
    fields = readonly_fields = (
        "at", "actor", "actor_email", "action", "target_type", "target_id", "reason", "request_id", "before_json",
        "after_json",
    )  # fmt: skip
    list_select_related = ["actor"]

    @admin.display(description="Before")
    def before_json(self, obj: AuditEntry) -> SafeString:
        return pretty(obj.before)

    @admin.display(description="After")
    def after_json(self, obj: AuditEntry) -> SafeString:
        return pretty(obj.after)
