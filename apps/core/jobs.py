"""Job plumbing shared by both modes: the in-process scheduler used in the embedded mode,
the broker probe and the record of successful runs used by /readyz. Celery beat reads the
same CELERY_BEAT_SCHEDULE."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from celery.schedules import BaseSchedule, schedule
from django.conf import settings
from django.utils import timezone

from apps.core.models import JobRun
from instainstru.celery import app as celery_app

logger = logging.getLogger(__name__)

# The job whose success /readyz watches: charges, completions and payouts all run in it.
MONEY_SWEEPS = "money_sweeps"


def broker_backend() -> str:
    """Where tasks go: "inline" (run in-process) or the broker's scheme ("redis")."""
    if settings.JOBS_MODE == "inline":
        return "inline"
    return urlsplit(celery_app.conf.broker_url).scheme


def job_run_record(*, name: str, at: datetime) -> None:
    """The job finished without an error at `at` (a later record never moves it back)."""
    updated = JobRun.objects.filter(name=name, succeeded_at__lt=at).update(succeeded_at=at)
    if not updated:
        JobRun.objects.get_or_create(name=name, defaults={"succeeded_at": at})


def job_last_success(*, name: str) -> datetime | None:
    return JobRun.objects.filter(name=name).values_list("succeeded_at", flat=True).first()


def broker_reachable() -> bool:
    if settings.JOBS_MODE == "inline":
        return True  # tasks run in-process; there is no broker to reach
    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)
    return True


class InProcessScheduler:
    """Runs the beat schedule's tasks inline from one daemon thread.

    Every periodic job is a sweep driven from database state, so a missed tick (process
    restarted, a slow run) loses nothing: the next run picks up whatever is due.
    """

    def __init__(self, beat_schedule: dict[str, dict[str, Any]], *, tick_seconds: float = 1.0) -> None:
        # Tasks register when their modules are imported (autodiscovery is lazy); import them
        # now, and refuse to start with a schedule naming a task that does not exist.
        celery_app.loader.import_default_modules()
        unknown = sorted({str(e["task"]) for e in beat_schedule.values()} - set(celery_app.tasks))
        if unknown:
            raise ValueError(f"The beat schedule names unknown tasks: {', '.join(unknown)}")
        self.entries: dict[str, tuple[str, BaseSchedule]] = {}
        for name, entry in beat_schedule.items():
            every = entry["schedule"]
            # beat accepts seconds, a timedelta or a schedule object (crontab, …); so do we.
            parsed = every if isinstance(every, BaseSchedule) else schedule(run_every=every)
            self.entries[name] = (str(entry["task"]), parsed)
        self.last_run: dict[str, datetime] = {}
        self.tick_seconds = tick_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_due(self, now: datetime) -> list[str]:
        """Run every entry that is due at `now`; returns the names that ran."""
        ran = []
        for name, (task_name, due) in self.entries.items():
            last = self.last_run.get(name)
            if last is not None and not due.is_due(last).is_due:
                continue
            self.last_run[name] = now
            try:
                celery_app.tasks[task_name].apply(throw=True)
            except Exception:  # one failing sweep must not stop the others
                logger.exception("scheduled task %s failed", task_name)
            ran.append(name)
        return ran

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="in-process-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.tick_seconds):
            self.run_due(timezone.now())
