from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path

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
    assert scheduler.run_due(timezone.now()) == ["broken", "beat"]
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
        client = Celery(broker=broker, backend=broker)
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
