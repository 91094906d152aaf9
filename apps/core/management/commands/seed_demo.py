import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from apps.core.demo import DEMO_DOMAIN, DEMO_PASSWORD, demo_present, demo_refresh, demo_seed


class Command(BaseCommand):
    help = "Load deterministic demo data: the catalog, instructors, students and staff."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--instructors", type=int, default=None, help="How many instructors (default: enough to fill the city)."
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed; the same seed gives the same data.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when demo data already exists.")

    def handle(self, *args: Any, instructors: int | None, seed: int, if_empty: bool, **options: Any) -> None:
        if settings.PRODUCTION:
            # Demo accounts share a published password: never in a real deployment.
            raise CommandError("seed_demo refuses to run in production (INSTAINSTRU_ENV=production).")
        if instructors is not None and instructors < 1:
            raise CommandError("--instructors must be at least 1")
        if demo_present():
            if if_empty:
                added = demo_refresh(now=timezone.now())
                extended = f" Open times extended by {added} instructor-days." if added else ""
                self.stdout.write(f"Demo data already present.{extended}")
                return
            raise CommandError("Demo data already exists. Start from an empty database (e.g. delete db.sqlite3).")
        started = time.perf_counter()
        ctx = demo_seed(instructors=instructors, seed=seed)
        self.stdout.write(
            f"Demo data: {len(ctx.instructors)} instructors, {len(ctx.students)} students "
            f"in {time.perf_counter() - started:.1f} s. Log in as student1@{DEMO_DOMAIN}, "
            f"instructor1@{DEMO_DOMAIN} or staff@{DEMO_DOMAIN} with the password {DEMO_PASSWORD!r}."
        )
