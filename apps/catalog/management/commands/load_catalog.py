from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from apps.catalog.services import catalog_load


class Command(BaseCommand):
    help = "Load (or refresh) categories, services and age groups from catalog.json. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--path", type=Path, default=settings.DATA_DIR / "catalog.json")

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        result = catalog_load(path=path)
        self.stdout.write(
            f"Catalog: {result.categories} categories, {result.services} services, {result.age_groups} age groups."
        )
