from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from apps.catalog.selectors import category_list
from apps.core.api_errors import error_responses

router = Router(tags=["catalog"])


class CategoryServiceOut(Schema):
    """A service as listed inside its category (the catalog's /catalog/services names the
    category on each service instead: `CatalogServiceOut`)."""

    slug: str
    name: str
    online_capable: bool
    default_duration_minutes: int


class CategoryOut(Schema):
    slug: str
    name: str
    subtitle: str
    icon: str
    services: list[CategoryServiceOut]


@router.get(
    "/categories",
    response={200: list[CategoryOut], **error_responses()},
    auth=None,
    summary="Categories with their services",
)
def list_categories(request: HttpRequest) -> list[CategoryOut]:
    return [
        CategoryOut(
            slug=category.slug,
            name=category.name,
            subtitle=category.subtitle,
            icon=category.icon,
            services=[
                CategoryServiceOut.model_validate(service, from_attributes=True) for service in category.services.all()
            ],
        )
        for category in category_list()
    ]
