"""Availability in the admin: read-only. Every change goes through the services (which lock,
protect booked time and bump versions), so staff look here and edit nothing."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.availability.cells import format_hhmm, ranges_from_mask
from apps.availability.models import AvailabilityDay, AvailabilityWeek, BlackoutDate


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AvailabilityWeek)
class AvailabilityWeekAdmin(ReadOnlyAdmin):
    list_display = ["instructor", "week_start", "version", "updated_at", "updated_by"]
    list_select_related = ["instructor", "updated_by"]
    search_fields = ["instructor__display_name", "instructor__slug"]
    date_hierarchy = "week_start"


@admin.register(AvailabilityDay)
class AvailabilityDayAdmin(ReadOnlyAdmin):
    list_display = ["instructor", "date", "hours"]
    list_select_related = ["instructor"]
    search_fields = ["instructor__display_name", "instructor__slug"]
    date_hierarchy = "date"

    @admin.display(description="Open (local time)")
    def hours(self, obj: AvailabilityDay) -> str:
        return ", ".join(f"{format_hhmm(start)}–{format_hhmm(end)}" for start, end in ranges_from_mask(obj.cells))


@admin.register(BlackoutDate)
class BlackoutDateAdmin(ReadOnlyAdmin):
    list_display = ["instructor", "date", "reason", "created_at"]
    list_select_related = ["instructor"]
    search_fields = ["instructor__display_name", "instructor__slug"]
    date_hierarchy = "date"
