"""Writes to the catalog."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from apps.catalog.models import AgeGroup, Category, Service


@dataclass(frozen=True)
class CatalogLoadResult:
    age_groups: int
    categories: int
    services: int


@transaction.atomic
def catalog_load(*, path: Path) -> CatalogLoadResult:
    """Upsert the catalog from its JSON file, keyed by slug, so running it again changes
    nothing and admin edits to fields the file does not carry survive."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for order, group in enumerate(data["age_groups"]):
        AgeGroup.objects.update_or_create(
            slug=group["slug"],
            defaults={
                "name": group["name"],
                "min_age": group["min_age"],
                "max_age": group["max_age"],
                "display_order": order,
            },
        )
    services = 0
    for category_data in data["categories"]:
        category, _ = Category.objects.update_or_create(
            slug=category_data["slug"],
            defaults={
                "name": category_data["name"],
                "subtitle": category_data.get("subtitle", ""),
                "icon": category_data.get("icon", ""),
                "display_order": category_data.get("display_order", 0),
            },
        )
        for order, service_data in enumerate(category_data["services"]):
            service, _ = Service.objects.update_or_create(
                slug=service_data["slug"],
                defaults={
                    "category": category,
                    "name": service_data["name"],
                    "search_terms": service_data.get("search_terms", []),
                    "online_capable": service_data.get("online_capable", True),
                    "default_duration_minutes": service_data.get("default_duration_minutes", 60),
                    "display_order": order,
                },
            )
            service.eligible_age_groups.set(service_data.get("eligible_age_groups", []))
            services += 1
    return CatalogLoadResult(age_groups=len(data["age_groups"]), categories=len(data["categories"]), services=services)
