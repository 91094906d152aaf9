"""Prometheus metrics (scraped at /metrics). With PROMETHEUS_MULTIPROC_DIR set (production:
gunicorn workers and Celery processes on one host), every process writes its values to files
in that directory and /metrics adds them up (prometheus_client's multiprocess mode), so the
numbers are right whichever process answers the scrape. Label values are a short fixed set:
never ids, emails or free text."""

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "instainstru_http_requests_total",
    "HTTP requests by route, method and status class.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "instainstru_http_request_duration_seconds",
    "HTTP request latency by route.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DB_QUERIES = Histogram(
    "instainstru_http_db_queries",
    "Database queries per request, by route.",
    ["route"],
    buckets=(0, 1, 2, 5, 10, 20, 50, 100, 250),
)
JOBS_RUN = Counter("instainstru_jobs_total", "Jobs run by task name and outcome.", ["task", "outcome"])
CACHE_FALLBACKS = Counter(
    "instainstru_cache_fallbacks_total",
    "Cache operations answered from process memory because Redis was unreachable.",
    ["operation"],
)
BOOKINGS_CREATED = Counter("instainstru_bookings_created_total", "Bookings made.")
BOOKINGS_CANCELLED = Counter(
    "instainstru_bookings_cancelled_total",
    "Bookings cancelled, by who or what cancelled them.",
    ["reason"],  # student, instructor, staff_student, staff_instructor, unpaid, payment_expired
)
PAYMENT_OPERATIONS = Counter(
    "instainstru_payment_operations_total",
    "Card operations with the payment provider, by operation and outcome.",
    ["operation", "outcome"],  # authorization/capture/refund/release × succeeded/failed
)
SWEEP_RUNS = Counter("instainstru_sweep_runs_total", "Money sweep runs by sweep and outcome.", ["sweep", "outcome"])
SWEEP_DURATION = Histogram(
    "instainstru_sweep_duration_seconds",
    "Time one money sweep took.",
    ["sweep"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0),
)
# The lag is time() minus this; "max" keeps the newest success across processes.
SWEEP_LAST_SUCCESS = Gauge(
    "instainstru_sweep_last_success_timestamp_seconds",
    "When each money sweep last finished without an error (Unix time).",
    ["sweep"],
    multiprocess_mode="max",
)
EMAILS = Counter("instainstru_emails_total", "Notification emails by outcome.", ["outcome"])
LOGIN_FAILURES = Counter("instainstru_login_failures_total", "Failed sign-in attempts.")
MANUAL_REVIEW_BACKLOG = Gauge(
    "instainstru_payments_manual_review",
    "Bookings whose payment waits for staff (manual review), as of the last money sweep.",
    multiprocess_mode="mostrecent",
)
