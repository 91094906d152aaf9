from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.template.defaultfilters import pluralize

from apps.core.jobs import InProcessScheduler


class Command(BaseCommand):
    help = "Serve the site for the embedded mode, with the periodic jobs running in-process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: Any, addrport: str, **options: Any) -> None:
        scheduler = None
        if settings.JOBS_MODE == "inline":
            scheduler = InProcessScheduler(settings.CELERY_BEAT_SCHEDULE)
            scheduler.start()
            self.stdout.write(
                f"In-process scheduler running {len(scheduler.entries)} periodic job{pluralize(len(scheduler.entries))}."
            )
        try:
            # No autoreloader: it would fork a second process with a second scheduler.
            call_command("runserver", addrport, use_reloader=False)
        finally:
            if scheduler is not None:
                scheduler.stop()
