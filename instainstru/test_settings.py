"""Settings for the test suite: the production stack (PostgreSQL, Redis), tuned for speed and
isolation. DATABASE_URL and REDIS_URL come from scripts/with_services.py."""

import os
from urllib.parse import urlsplit, urlunsplit

from instainstru.settings import *  # noqa: F403
from instainstru.settings import CACHES, DATABASES, REDIS_URL

if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise RuntimeError("The test suite runs on PostgreSQL: set DATABASE_URL (make test does).")
if not REDIS_URL:
    raise RuntimeError("The test suite runs with Redis: set REDIS_URL (make test does).")

# Each pytest-xdist worker gets its own Redis database, so one worker clearing its cache
# never wipes another's rate-limit or lock keys mid-test.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_worker_db = 1 + int(_worker.removeprefix("gw") or 0) % 15
_parts = urlsplit(REDIS_URL)
TEST_REDIS_URL = urlunsplit(_parts._replace(path=f"/{_worker_db}"))
CACHES["default"] = {
    "BACKEND": "apps.core.cache.FailoverRedisCache",
    "LOCATION": TEST_REDIS_URL,
    # Runs on one machine share the 15 databases: the prefix keeps their keys apart.
    "KEY_PREFIX": f"test-{os.environ.get('PYTEST_XDIST_TESTRUNUID', '')[:8] or os.getpid()}-{_worker}",
}
DATABASES["default"]["CONN_MAX_AGE"] = 0
# One test database per run (pytest-django adds the xdist worker suffix), so two runs on one
# machine never fight over the same database — a run without xdist included.
_run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")[:8] or f"p{os.getpid()}"
DATABASES["default"]["TEST"] = {"NAME": f"test_instainstru_{_run}"}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; Argon2 is tested explicitly
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
JOBS_MODE = "inline"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = TEST_REDIS_URL
CELERY_RESULT_BACKEND = TEST_REDIS_URL
WHITENOISE_AUTOREFRESH = True
