"""The authorization matrix's machinery: route discovery, the world fixtures and the probes.
The matrix itself is split over test_authorization_matrix*.py (API, pages, admin) so the
suite's per-file distribution runs them side by side."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from apps.media.tests.conftest import stored_files
from instainstru.api import api
from tests.authz import rules
from tests.authz.guard import mass_assignment_problems, snapshot, writes_so_far
from tests.authz.rules import ADMIN_LOGIN, LOGIN, TWO_FACTOR, Expect, Rule
from tests.authz.world import (
    ANONYMOUS,
    OTHER_INSTRUCTOR,
    OTHER_STUDENT,
    PERSONAS,
    STAFF,
    STAFF_NO_2FA,
    STUDENT,
    World,
    world_build,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

API_PREFIX = "api/v1/"
JSON_PREFIXES = ("/api/", "/_allauth/")  # where answers (refusals included) are JSON
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


# --- discovery -------------------------------------------------------------------------------


def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}".strip(":") if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            name = f"{namespace}:{pattern.name}".strip(":") if pattern.name else ""
            yield prefix + str(pattern.pattern), name, pattern


def is_api_operation(route: str, name: str) -> bool:
    """The API's operations are checked through the OpenAPI document; its document, docs and
    root are plain pages."""
    return route.startswith(API_PREFIX) and name not in {"api:openapi-json", "api:openapi-view", "api:api-root"}


def page_routes() -> dict[str, tuple[str, URLPattern]]:
    """Every page route, keyed by its name (or its pattern when it has none)."""
    routes: dict[str, tuple[str, URLPattern]] = {}
    for route, name, pattern in walk(get_resolver().url_patterns):
        if is_api_operation(route, name):
            continue
        key = name or route
        assert key not in routes, f"two routes share the key {key!r}"
        routes[key] = (route, pattern)
    return routes


def api_operations() -> dict[str, tuple[str, str]]:
    """Every operation of the OpenAPI document: operation id → (method, path)."""
    operations = {}
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method, operation in methods.items():
            operations[operation["operationId"]] = (method.upper(), path)
    return operations


PAGES = page_routes()
OPERATIONS = api_operations()


def is_admin(route: str) -> bool:
    return route.startswith("admin/")


def ours(pattern: URLPattern) -> bool:
    return pattern.callback.__module__.startswith("apps.")


def page_rule(key: str) -> Rule:
    route = PAGES[key][0]
    return rules.admin_rule(route) if is_admin(route) else rules.PAGES[key]


# --- the world, built once for the module ----------------------------------------------------


@pytest.fixture(scope="module")
def world_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("private")


@pytest.fixture(autouse=True)
def private_root(world_files: Path, settings: Any) -> Path:
    """The world's files live for the whole module (this replaces the per-test directory).
    Stripe's webhook secret is set, so the webhook refuses a delivery for its signature (not
    for the secret's absence)."""
    settings.PRIVATE_MEDIA_ROOT = world_files
    settings.STRIPE_WEBHOOK_SECRET = "whsec_authz_matrix"
    settings.STORAGES = {**settings.STORAGES, "default": _storage(world_files)}
    return world_files


def _storage(root: Path) -> dict[str, Any]:
    return {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": root, "base_url": None}}


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, world_files: Path) -> Iterator[World]:
    """Built once and rolled back at the end; each test runs inside it in a savepoint."""
    storages = {**settings.STORAGES, "default": _storage(world_files)}
    with (
        override_settings(PRIVATE_MEDIA_ROOT=world_files, STORAGES=storages),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield world_build()
        transaction.set_rollback(True)


@pytest.fixture
def matrix_db(world: World, db: None) -> World:
    return world


# --- calling a route as a persona ------------------------------------------------------------


def _injected(world: World, persona: str) -> dict[str, Any]:
    """Fields no caller may set, aimed at someone else where they name a person."""
    victim = world.users[OTHER_STUDENT if persona == STUDENT else STUDENT]
    # Not the instructor the student books: then a booking naming it would be legitimate.
    victim_profile = world.ids["profile" if persona == OTHER_INSTRUCTOR else "other_profile"]
    actor = world.user(persona)
    return {
        "status": "completed", "payment_status": "captured", "price_cents": 1, "total_cents": 1,
        "lesson_price_cents": 1, "hourly_rate_cents": 1, "is_staff": True, "is_superuser": True,
        "is_active": False, "role": "student" if actor is not None and actor.role == "instructor" else "instructor",
        "email": "mallory@example.com", "id": 999_999, "user_id": victim.pk, "student_id": victim.pk,
        "parent_id": victim.pk, "owner_id": victim.pk, "instructor_id": victim_profile, "profile_id": victim_profile,
        "reviewed_by_id": victim.pk, "valid_until": "2099-01-01T00:00:00+00:00",
        "identity_verified_at": "2020-01-01T00:00:00+00:00", "background_check_passed_at": "2020-01-01T00:00:00+00:00",
        "payouts_connected_at": "2020-01-01T00:00:00+00:00", "is_founding": True, "commission_override_bps": 0,
    }  # fmt: skip


def url_for(template: str, rule: Rule, world: World, fill: dict[str, object] | None = None) -> str:
    """A concrete URL from a route: Django converters <int:x>, regex groups (?P<x>…) and
    OpenAPI {x} are filled from the rule's world objects (and `fill`)."""
    values = {name: world.ids[key] for name, key in rule.params.items()} | (fill or {})

    def value(match: re.Match[str]) -> str:
        name = next(group for group in match.groups() if group)
        assert name in values, f"{template}: no value for {name!r}"
        return str(values[name])

    url = re.sub(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)|\{(\w+)\}", value, template)
    # What is left of a regex route: anchors (also mid-route, after an include's prefix).
    return "/" + re.sub(r"[\^$\\]", "", url).lstrip("/")


def _call(world: World, persona: str, rule: Rule, url: str, *, via_token: bool) -> Response:
    client = Client()
    headers: dict[str, str] = {} if rule.headers is None else rule.headers(world)
    if persona != ANONYMOUS:
        key = world.sessions[persona]
        if via_token:
            headers["X-Session-Token"] = key
        else:
            client.cookies[settings.SESSION_COOKIE_NAME] = key
    if rule.query is not None:
        url = f"{url}?{rule.query(world)}"
    body = rule.body(world) if rule.body is not None else {}
    if rule.method in WRITES - {"DELETE"} and rule.inject:
        body = _injected(world, persona) | body
    if url.startswith(JSON_PREFIXES):
        data = json.dumps(body) if rule.method in WRITES - {"DELETE"} else ""
        return client.generic(rule.method, url, data, content_type="application/json", headers=headers)
    if rule.method == "GET":
        return client.get(url, headers=headers)
    if rule.method == "PUT":
        return client.put(url, b"not a file", content_type="application/octet-stream", headers=headers)
    return client.post(url, {k: str(v) for k, v in body.items()}, headers=headers)


def _outcome(response: Response) -> Expect:
    location = response.headers.get("Location", "")
    if response.status_code == 302 and location == "/accounts/2fa/totp/activate/":
        return TWO_FACTOR
    if response.status_code == 302 and location.startswith("/accounts/login/?next="):
        return LOGIN
    if response.status_code == 302 and location.startswith("/admin/login/?next="):
        return ADMIN_LOGIN
    return response.status_code


def _leaks(world: World, persona: str, rule: Rule, response: Response) -> list[str]:
    if response.streaming or persona in rule.sees_all:
        return []
    text = response.content.decode("utf-8", "replace")
    return [marker for marker, viewers in world.markers.items() if persona not in viewers and marker in text]


def _answer(response: Response) -> object:
    if response.streaming:
        return response.headers.get("Content-Type")
    return response.headers.get("Location") or response.content[:160]


def _expected(rule: Rule, persona: str, url: str) -> Expect:
    if persona != STAFF_NO_2FA:
        return rule.expect[persona]
    if not rule.before_two_factor:
        return 403 if url.startswith(JSON_PREFIXES) else TWO_FACTOR
    # Like any signed-in account without a second factor.
    return rule.expect.get(STAFF_NO_2FA, rule.expect[STUDENT])


def _let_in(rule: Rule, persona: str) -> bool:
    if persona == STAFF_NO_2FA:
        return rule.before_two_factor and STAFF in rule.allowed
    return persona in rule.allowed


def _probe(world: World, rule: Rule, url: str, persona: str, *, via_token: bool) -> list[str]:
    """One call, in a savepoint rolled back afterwards: every persona meets the same world."""
    who = f"{persona} (token)" if via_token and persona != ANONYMOUS else persona
    expect = _expected(rule, persona, url)
    let_in = _let_in(rule, persona)
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    with transaction.atomic():
        writes, files = writes_so_far(), stored_files(root)
        before = snapshot() if let_in and rule.method in WRITES else None
        response = _call(world, persona, rule, url, via_token=via_token)
        got = _outcome(response)
        problems = [] if got == expect else [f"expected {expect}, got {got} {_answer(response)!r}"]
        problems += [f"sees {marker!r}" for marker in _leaks(world, persona, rule, response)]
        if not let_in and (writes_so_far() != writes or stored_files(root) != files):
            written = {t: n - writes.get(t, 0) for t, n in writes_so_far().items() if n != writes.get(t, 0)}
            problems.append(f"refused, yet wrote {written} / files {sorted(set(stored_files(root)) ^ set(files))}")
        if before is not None:
            problems += mass_assignment_problems(
                before, snapshot(), actor_id=_actor_id(world, persona), changes=rule.changes,
                injected=_injected(world, persona) if rule.inject else {},
            )  # fmt: skip
        transaction.set_rollback(True)
    return [f"{who}: {problem}" for problem in problems]


def _actor_id(world: World, persona: str) -> int:
    user = world.user(persona)
    return user.pk if user is not None else 0  # anonymous owns nothing


def run_matrix(world: World, rule: Rule, url: str, *, via_token: bool) -> None:
    """Call the route as every persona and collect every mismatch, to show the whole row."""
    calls = [(persona, via_token) for persona in PERSONAS]
    if url.startswith("/api/"):
        calls.append((STAFF_NO_2FA, not via_token))  # staff without two-factor: both ways in
    problems = [problem for persona, token in calls for problem in _probe(world, rule, url, persona, via_token=token)]
    assert problems == [], f"{rule.method} {url}\n" + "\n".join(problems)


# --- one route of the matrix -----------------------------------------------------------------


def check_operation(world: World, operation_id: str) -> None:
    method, path = OPERATIONS[operation_id]
    rule = rules.API[operation_id]
    assert rule.method == method, f"{operation_id} is {method}, its rule says {rule.method}"
    run_matrix(world, rule, url_for(path, rule, world), via_token=True)


def check_page(world: World, key: str) -> None:
    route, pattern = PAGES[key]
    rule = page_rule(key)
    # allauth's app clients authenticate with the token, everything else with the cookie.
    via_token = key.startswith("headless:app:")
    url = url_for(route, rule, world)
    run_matrix(world, rule, url, via_token=via_token)
    if rule.post is not None:
        run_matrix(world, rule.post, url_for(route, rule.post, world), via_token=via_token)
    elif rule.method == "GET" and ours(pattern):
        # A page of ours that takes no form must refuse a POST, or a form could hide in it.
        persona = next((p for p in PERSONAS if p in rule.allowed), ANONYMOUS)
        problems = _probe(world, replace(rule, method="POST", expect={persona: 405}), url, persona, via_token=False)
        assert problems == [], f"POST {url}\n" + "\n".join(problems)


def check_admin(world: World, key: str) -> None:
    route, _ = PAGES[key]
    rule = page_rule(key)
    run_matrix(world, rule, url_for(route, rule, world, rules.admin_params(route)), via_token=False)
