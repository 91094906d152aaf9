"""Background work of the media feature: picture processing (off the request thread) and
the periodic sweep (CELERY_BEAT_SCHEDULE "media-sweep")."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from celery import shared_task
from django.utils import timezone

from apps.media.services.documents import document_expiry_sweep, document_reminder_sweep
from apps.media.services.files import retired_files_purge
from apps.media.services.pictures import picture_upload_process
from apps.media.services.uploads import uploads_abandoned_discard

logger = logging.getLogger(__name__)

SWEEPS: dict[str, Callable[..., int]] = {
    "retired_files": retired_files_purge,
    "abandoned_uploads": uploads_abandoned_discard,
    "expired_checks": document_expiry_sweep,
    "expiry_reminders": document_reminder_sweep,
}


@shared_task(name="media.picture_process")
def picture_process(upload_id: str) -> str:
    return picture_upload_process(upload_id=upload_id, now=timezone.now())


def media_sweep_run(*, now: datetime) -> dict[str, int]:
    """Each sweep selects what is due from the database, so running one late or twice is
    harmless. One failing sweep does not stop the others; the first failure is re-raised
    afterwards so the job shows up as failed."""
    done: dict[str, int] = {}
    failure: Exception | None = None
    for name, sweep in SWEEPS.items():
        try:
            done[name] = sweep(now=now)
        except Exception as exc:
            logger.exception("media sweep %s failed", name)
            failure = failure or exc
    if failure is not None:
        raise failure
    return done


@shared_task(name="media.sweep")
def media_sweep() -> dict[str, int]:
    return media_sweep_run(now=timezone.now())
