"""Stored files' life cycle: reserve before writing, release when a row owns them, retire
when nothing does, purge when due. Driven from RetiredFile rows, so a crash or a lost task
never strands a file (ARCHITECTURE.md rule 9)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction

from apps.media import limits
from apps.media.models import RetiredFile
from apps.media.storage import file_delete


def files_reserve(*, keys: Iterable[str], now: datetime) -> None:
    """Call before writing files: if their owning row never commits, they are purged."""
    due = now + limits.RESERVATION_TTL
    RetiredFile.objects.bulk_create([RetiredFile(key=key, delete_after=due) for key in keys])


def files_release(*, keys: list[str]) -> None:
    """Inside the transaction that makes the files live. Raises if a reservation is gone,
    which means the sweep already purged (or is purging) a file we were about to use."""
    released, _ = RetiredFile.objects.filter(key__in=keys).delete()
    if released != len(keys):
        raise RuntimeError(f"reserved files vanished before use: {keys}")


def files_retire(*, keys: Iterable[str], now: datetime, grace: timedelta) -> None:
    due = now + grace
    RetiredFile.objects.bulk_create([RetiredFile(key=key, delete_after=due) for key in keys], ignore_conflicts=True)


def retired_files_purge(*, now: datetime, keys: list[str] | None = None) -> int:
    """Delete due files from storage, then their rows; returns how many went.

    Rows are locked with SKIP LOCKED so sweeps running side by side share the work. The
    storage call happens under those locks on purpose: only this sweep ever locks due rows,
    so nobody waits on them, and a crash before commit leaves the row to retry.
    """
    purged = 0
    while True:
        with transaction.atomic():
            due = RetiredFile.objects.select_for_update(skip_locked=True).filter(delete_after__lte=now)
            if keys is not None:
                due = due.filter(key__in=keys)
            batch = list(due.order_by("delete_after", "id")[: limits.SWEEP_BATCH])
            for row in batch:
                file_delete(row.key)
            RetiredFile.objects.filter(pk__in=[row.pk for row in batch]).delete()
        purged += len(batch)
        if len(batch) < limits.SWEEP_BATCH:
            return purged
