from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from apps.search.gazetteer import gazetteer_load


class Command(BaseCommand):
    help = "Load (or refresh) NYC boroughs and neighborhoods from the gazetteer CSV files. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data-dir", type=Path, default=settings.DATA_DIR)

    def handle(self, *args: Any, data_dir: Path, **options: Any) -> None:
        result = gazetteer_load(data_dir=data_dir)
        self.stdout.write(f"Gazetteer: {result.boroughs} boroughs, {result.neighborhoods} neighborhoods.")
