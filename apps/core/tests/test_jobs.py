from __future__ import annotations

import logging
import os
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from apps.core.jobs import InProcessScheduler
from apps.core.tasks import HEARTBEAT_KEY
from instainstru.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[3]


def test_in_process_scheduler_runs_each_due_task_once_per_interval() -> None:
    scheduler = InProcessScheduler({"beat": {"task": "core.heartbeat", "schedule": 60.0}})
    start = timezone.now()
    assert scheduler.run_due(start) == ["beat"]
    assert cache.get(HEARTBEAT_KEY) is not None
    cache.delete(HEARTBEAT_KEY)
    # Not due again until the interval has passed (is_due compares with the real clock).
    assert scheduler.run_due(start) == []
    assert cache.get(HEARTBEAT_KEY) is None
    scheduler.last_run["beat"] = start - timedelta(seconds=61)
    assert scheduler.run_due(start) == ["beat"]


@celery_app.task(name="tests.always_fails")
def always_fails() -> None:
    raise RuntimeError("sweep crashed")


def test_in_process_scheduler_keeps_running_other_tasks_when_one_fails(caplog) -> None:
    scheduler = InProcessScheduler(
        {"broken": {"task": "tests.always_fails", "schedule": 1.0}, "beat": {"task": "core.heartbeat", "schedule": 1.0}}
    )
    # Importing the task modules runs Django's logging setup again, which drops the capture
    # handler from the root logger: attach it to the scheduler's own logger instead.
    jobs_logger = logging.getLogger("apps.core.jobs")
    jobs_logger.addHandler(caplog.handler)
    try:
        assert scheduler.run_due(timezone.now()) == ["broken", "beat"]
    finally:
        jobs_logger.removeHandler(caplog.handler)
    assert cache.get(HEARTBEAT_KEY) is not None
    assert "scheduled task tests.always_fails failed" in caplog.text


def test_beat_schedule_names_only_registered_tasks() -> None:
    celery_app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in celery_app.tasks


def test_a_real_celery_worker_runs_a_task_through_redis(tmp_path) -> None:
    """Start `celery worker` against this worker's Redis database and send it a task."""
    broker = settings.CACHES["default"]["LOCATION"]  # this xdist worker's own Redis database
    queue = f"test-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "instainstru.settings",
        "REDIS_URL": broker,
        "JOBS_MODE": "celery",
        "CACHE_KEY_PREFIX": f"celery-test-{queue}",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "instainstru",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        # Not the current app: shared tasks follow the current app, and a second app made
        # current here would send every later test's `.delay()` to this broker instead of
        # running it eagerly (pictures stayed "processing" in whichever tests came after).
        client = Celery(broker=broker, backend=broker, set_as_current=False)
        result = client.send_task("core.heartbeat", queue=queue)
        stamp = result.get(timeout=60)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode(errors="replace")
    assert datetime.fromisoformat(stamp) <= timezone.now(), output
    # The worker wrote the heartbeat into the shared Redis cache under its own prefix.
    from django.core.cache.backends.redis import RedisCache

    worker_cache = RedisCache(broker, {"KEY_PREFIX": f"celery-test-{queue}"})
    assert worker_cache.get(HEARTBEAT_KEY) == stamp
    worker_cache.delete(HEARTBEAT_KEY)


def test_the_embedded_scheduler_finds_every_scheduled_task_in_a_fresh_process() -> None:
    """`manage.py serve` builds the scheduler before anything imported the task modules."""
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "from apps.core.jobs import InProcessScheduler; "
        "s = InProcessScheduler(settings.CELERY_BEAT_SCHEDULE); print(sorted(s.entries))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "instainstru.test_settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(sorted(settings.CELERY_BEAT_SCHEDULE))


def test_a_schedule_naming_an_unknown_task_is_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown tasks: core\.nope"):
        InProcessScheduler({"x": {"task": "core.nope", "schedule": 1.0}})
