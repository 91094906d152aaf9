from django.contrib import admin

from apps.catalog.models import AgeGroup, Category, Service


@admin.register(AgeGroup)
class AgeGroupAdmin(admin.ModelAdmin[AgeGroup]):
    list_display = ["slug", "name", "min_age", "max_age", "display_order"]


class ServiceInline(admin.TabularInline[Service, Category]):
    model = Service
    fields = ["slug", "name", "display_order", "is_active"]
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ["name", "slug", "display_order"]
    inlines = [ServiceInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin[Service]):
    list_display = ["name", "slug", "category", "online_capable", "is_active", "display_order"]
    list_filter = ["category", "is_active", "online_capable"]
    search_fields = ["name", "slug"]
    filter_horizontal = ["eligible_age_groups"]
