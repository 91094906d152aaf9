from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from apps.catalog.selectors import category_list

router = Router(tags=["catalog"])


class ServiceOut(Schema):
    slug: str
    name: str
    online_capable: bool
    default_duration_minutes: int


class CategoryOut(Schema):
    slug: str
    name: str
    subtitle: str
    icon: str
    services: list[ServiceOut]


@router.get("/categories", response=list[CategoryOut], auth=None, summary="Categories with their services")
def list_categories(request: HttpRequest) -> list[CategoryOut]:
    return [
        CategoryOut(
            slug=category.slug,
            name=category.name,
            subtitle=category.subtitle,
            icon=category.icon,
            services=[ServiceOut.model_validate(service, from_attributes=True) for service in category.services.all()],
        )
        for category in category_list()
    ]
