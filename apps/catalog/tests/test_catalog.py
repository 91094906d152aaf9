from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog.models import AgeGroup, Category, Service
from apps.catalog.services import catalog_load

CATALOG_PATH = settings.DATA_DIR / "catalog.json"


def _file_counts() -> tuple[int, int]:
    data = json.loads(CATALOG_PATH.read_text())
    return len(data["categories"]), sum(len(c["services"]) for c in data["categories"])


@pytest.mark.django_db
def test_catalog_load_creates_everything_from_the_file_and_is_idempotent() -> None:
    categories, services = _file_counts()
    first = catalog_load(path=CATALOG_PATH)
    assert (first.categories, first.services) == (categories, services)
    assert Category.objects.count() == categories
    assert Service.objects.count() == services
    assert set(AgeGroup.objects.values_list("slug", flat=True)) == {"toddler", "kids", "teens", "adults"}

    piano = Service.objects.get(slug="piano")
    piano.display_order = 99  # the file wins for fields it carries…
    piano.is_active = False  # …and admin-only fields survive a reload
    piano.save()
    catalog_load(path=CATALOG_PATH)
    piano.refresh_from_db()
    assert piano.display_order == 0
    assert piano.is_active is False
    assert Service.objects.count() == services
    assert piano.category.slug == "music"
    assert "keyboard" in piano.search_terms
    assert set(piano.eligible_age_groups.values_list("slug", flat=True)) == {"kids", "teens", "adults"}


@pytest.mark.usefixtures("catalog")
def test_categories_api_lists_categories_in_order_with_active_services(client) -> None:
    Service.objects.filter(slug="guitar").update(is_active=False)
    response = client.get("/api/v1/catalog/categories")
    assert response.status_code == 200
    body = response.json()
    assert [c["slug"] for c in body] == list(Category.objects.values_list("slug", flat=True))
    music = body[0]
    assert music["slug"] == "music"
    assert music["services"][0] == {
        "slug": "piano",
        "name": "Piano",
        "online_capable": True,
        "default_duration_minutes": 45,
    }
    assert "guitar" not in [s["slug"] for s in music["services"]]


@pytest.mark.usefixtures("catalog")
def test_categories_api_uses_a_constant_number_of_queries(client) -> None:
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/catalog/categories")
    Category.objects.create(slug="extra", name="Extra")
    Service.objects.create(slug="extra-1", name="Extra 1", category=Category.objects.get(slug="extra"))
    with CaptureQueriesContext(connection) as more:
        client.get("/api/v1/catalog/categories")
    assert len(more) == len(few) == 2


@pytest.mark.usefixtures("catalog")
def test_home_page_shows_every_category(client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in Category.objects.values_list("name", flat=True):
        assert name in html or name.replace("&", "&amp;") in html
