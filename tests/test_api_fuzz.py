"""The JSON API fuzzed against its own OpenAPI document with schemathesis, in-process.

schemathesis' engine (what `schemathesis run` does) loads `/api/v1/openapi.json` and sends
every operation valid and invalid requests (wrong types, missing fields, boundary values, NUL
bytes, made-up session tokens, unknown booking ids and the real one it learns from responses)
as an anonymous visitor, a student and a live instructor, in a small seeded world: a booking
between the two, a learner, a card, an address, opening hours and a day off. Every answer
must be no server error, a documented status code with a body matching its documented schema
and content type, and a request the document forbids must be refused. (Lone surrogates, which
schemathesis cannot encode, are sent by apps/core/tests/test_api_contract.py.)

Bounded and reproducible: derandomized generation, no example database, a fixed number of
examples per operation in the fuzzing phase, and the coverage phase (deterministic boundary
and invalid values) once per operation, as the persona the operation is for (validation does
not depend on who asks). Each request gets a fresh cache namespace, so the per-user rate
limits, tested elsewhere, never turn the rest of a run into 429s.

Requests run in schemathesis' worker thread, each in its own transaction like production's,
so the test uses a transactional database (flushed afterwards).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
import schemathesis.engine
from django.core import signals
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.utils import timezone
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.engine.events import FatalError, NonFatalError, ScenarioFinished
from schemathesis.engine.run import PhaseName
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from apps.accounts.models import Address, Learner, User
from apps.accounts.tests.factories import DEFAULT_PASSWORD
from apps.availability.services import blackout_create
from apps.bookings.tests.conftest import open_days
from apps.bookings.tests.factories import make_booking
from apps.catalog.models import Service
from apps.instructors.tests.factories import OfferingFactory, add_area, live_instructor
from apps.payments.services import payment_method_add
from apps.search.models import Neighborhood
from apps.search.selectors import search_vocabulary_reset

EXAMPLES_PER_OPERATION = 8
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# Operations only an instructor uses; the coverage phase runs them as the instructor and
# every other operation as the student.
INSTRUCTOR_PATHS = r"^/api/v1/(instructors/me|me/earnings|me/payouts|media/documents)"


@dataclass
class Site:
    """The site as schemathesis' WSGI app: counts requests, gives each a fresh cache
    namespace, and keeps each worker thread's database connection between requests."""

    handler: WSGIHandler = field(default_factory=WSGIHandler)
    requests: int = 0
    connections: set[BaseDatabaseWrapper] = field(default_factory=set)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        self.requests += 1
        # The calling thread's own cache object: a new prefix is a new namespace, without the
        # new Redis connection pool that changing the CACHES setting would build.
        cache.key_prefix = f"fuzz{uuid.uuid4().hex}"
        self.connections.add(connections[DEFAULT_DB_ALIAS])
        response = self.handler(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            response.close()

    @contextmanager
    def reusing_connections(self) -> Iterator[None]:
        """Django closes the database connection after each request (CONN_MAX_AGE is 0 in
        tests); connecting again for each of thousands of requests would take most of the run.
        The connections are closed at the end, from this thread."""
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        try:
            yield
        finally:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)
            for worker_connection in self.connections:
                worker_connection.inc_thread_sharing()
                worker_connection.close()
                worker_connection.dec_thread_sharing()


def _text_leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _text_leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _text_leaves(item, (*path, index))


def _with_nul_at(value: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return f"{value}\x00"
    head, *rest = path
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = _with_nul_at(value[head], tuple(rest))
    return copy


def _sometimes_with_nul(value: Any) -> st.SearchStrategy[Any]:
    """The generated value, or the same with a NUL added to one of its texts: random text
    rarely holds one, and PostgreSQL cannot store it (a 500 everywhere once)."""
    leaves = list(_text_leaves(value))
    if not leaves:
        return st.just(value)
    return st.one_of(st.just(value), st.sampled_from(leaves).map(lambda path: _with_nul_at(value, path)))


def _session_token(user: User) -> str:
    """An app session token, as a mobile client gets it (no cookies, so no CSRF)."""
    login = Client().post(
        "/_allauth/app/v1/auth/login",
        {"email": user.email, "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    assert login.status_code == 200, login.content
    token: str = login.json()["meta"]["session_token"]
    return token


@pytest.fixture
def world(catalog: None, gazetteer: None, student: User, instructor: User) -> Iterator[None]:
    """A live instructor with an offering, hours, a service area and a day off; a student with
    a learner, an address, a card and a booking with that instructor."""
    search_vocabulary_reset()
    park_slope = Neighborhood.objects.get(slug="park-slope")
    profile = live_instructor(user=instructor, slug="ines-instructor", studio_neighborhood=park_slope)
    offering = OfferingFactory.create(
        profile=profile, service=Service.objects.get(slug="piano"), rate_online_cents=6000,
        rate_travel_cents=12000, ages=["kids", "adults"],
    )  # fmt: skip
    add_area(profile, neighborhood=park_slope)
    today = timezone.localdate()
    open_days(profile, today, 14)
    blackout_create(actor=instructor, day=today + timedelta(days=20), reason="Recital", now=timezone.now())
    Learner.objects.create(parent=student, first_name="Mia", age_group_id="kids")
    Address.objects.create(user=student, street="1 Garfield Pl", neighborhood=park_slope)
    payment_method_add(actor=student, card_token="4242424242424242")
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
    make_booking(student=student, offering=offering, starts_at=start)
    yield
    search_vocabulary_reset()


def _config(*, headers: dict[str, str], coverage_off: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "headers": headers,
            "workers": 1,
            "cache": {"enabled": False},  # no state kept between runs (nor files in the checkout)
            "generation": {
                "mode": "all",
                "max-examples": EXAMPLES_PER_OPERATION,
                "deterministic": True,
                "database": "none",
                # Anonymous requests also try made-up session tokens and cookies.
                "with-security-parameters": not headers,
            },
            "phases": {
                "stateful": {"enabled": False},
                "coverage": {"unexpected-methods": [], "generate-duplicate-query-parameters": False},
            },
            "operations": [{"include-path-regex": coverage_off, "phases": {"coverage": {"enabled": False}}}],
            "checks": {"enabled": False, **{check.__name__: {"enabled": True} for check in CHECKS}},
        }
    )


@dataclass
class Run:
    requests: int
    problems: list[str]
    operations: set[str]
    fuzzed: set[str]


def _fuzz(config: schemathesis.Config) -> Run:
    """Run the engine over every operation: how many requests, each failure with the curl
    command that reproduces it, the document's operations and those the fuzzing phase sent
    requests to."""
    site = Site()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", site, config=config)
    for hook in ("flatmap_body", "flatmap_query"):
        schema.hook(hook)(lambda context, value: _sometimes_with_nul(value))
    problems: list[str] = []
    fuzzed: set[str] = set()
    with site.reusing_connections():
        for event in schemathesis.engine.from_schema(schema).execute():
            if isinstance(event, ScenarioFinished):
                if event.phase == PhaseName.FUZZING and event.recorder.interactions:
                    fuzzed.add(event.recorder.label)
                problems.extend(
                    f"{check.failure_info.failure.operation}: {check.failure_info.failure.title}\n"
                    f"{check.failure_info.failure.message}\n{check.failure_info.code_sample}"
                    for checks in event.recorder.checks.values()
                    for check in checks
                    if check.failure_info is not None
                )
            elif isinstance(event, NonFatalError | FatalError):
                problems.append(f"engine error: {event!r}")
    operations = {result.ok().label for result in schema.get_all_operations() if isinstance(result, Ok)}
    return Run(requests=site.requests, problems=problems, operations=operations, fuzzed=fuzzed)


ALL = r".*"


@pytest.mark.parametrize(
    ("persona", "coverage_off"),
    [
        ("anonymous", ALL),
        ("student", INSTRUCTOR_PATHS),
        ("instructor", rf"^(?!{INSTRUCTOR_PATHS.removeprefix('^')})"),
    ],
)
@pytest.mark.django_db(transaction=True)
def test_api_answers_every_request_as_documented(
    persona: str, coverage_off: str, world: None, student: User, instructor: User
) -> None:
    user = {"anonymous": None, "student": student, "instructor": instructor}[persona]
    headers = {"X-Session-Token": _session_token(user)} if user else {}
    run = _fuzz(_config(headers=headers, coverage_off=coverage_off))
    print(f"{persona}: {run.requests} requests to {len(run.operations)} operations")
    assert not run.problems, f"{len(run.problems)} problems in {run.requests} requests:\n\n" + "\n\n".join(run.problems)
    assert run.fuzzed == run.operations  # nothing skipped: a silent skip would pass vacuously
    assert len(run.operations) >= 60
