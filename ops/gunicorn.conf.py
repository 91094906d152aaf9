"""gunicorn in production: `gunicorn -c ops/gunicorn.conf.py instainstru.wsgi` (README.md,
*Production*). Every value can be overridden on the command line or with GUNICORN_CMD_ARGS.

Sync workers, 2 × cores + 1 of them (gunicorn's own advice; WEB_CONCURRENCY overrides): a
request spends part of its time waiting on PostgreSQL and Redis, and the extra workers keep
the cores busy meanwhile. Measured on the 2-core bench machine (bench/README.md, *Serving*).
Sync workers do not keep connections alive: run them behind a proxy that does (nginx,
a load balancer), which also buffers slow clients so no worker waits on one.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
# A worker is replaced after this many requests (jittered so they never restart together):
# memory a long-lived process slowly gathers is given back. Not much more often: a new worker
# reads the listing index again (~1.5 s of CPU at 10,000 instructors); against 5,000 cached
# page views of ~1.5 ms each that would be a sixth of the worker's work.
max_requests = 50_000
max_requests_jitter = 5_000
# Load the application once before forking: workers share its memory and start at once.
# Django opens no database connection at import, so none is shared across the fork.
preload_app = True
accesslog = None  # the application logs every request itself (JSON lines with request ids)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker: Any) -> None:
    """Each worker reads search's listing index (apps/search/listing.py: about a second at
    10,000 instructors) before it takes its first request, rather than during it."""
    from apps.search.listing import listing_warm

    listing_warm()


def child_exit(server: Any, worker: Any) -> None:
    """A worker that exits leaves its metric files behind; mark them dead so /metrics stops
    adding its live gauges (apps/core/metrics.py)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
