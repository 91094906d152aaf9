from django.contrib import admin

from apps.search.models import Borough, Neighborhood


@admin.register(Borough)
class BoroughAdmin(admin.ModelAdmin[Borough]):
    list_display = ["name", "slug", "lat", "lon"]


@admin.register(Neighborhood)
class NeighborhoodAdmin(admin.ModelAdmin[Neighborhood]):
    list_display = ["name", "borough", "lat", "lon"]
    list_filter = ["borough"]
    search_fields = ["name", "aliases"]
