"""allauth's headless API (mounted at /_allauth/) without the endpoints of features we do not
use, and with its OpenAPI document cached. allauth mounts its phone endpoints whatever the
settings say, and they fail (500) for an account without a phone adapter; what is not mounted
cannot fail or be probed. The document is rebuilt from a large YAML file on every request
(about 0.6 s of CPU), so an anonymous visitor could keep a worker busy with it."""

from __future__ import annotations

from allauth.headless import urls as headless
from django.urls import URLPattern, URLResolver
from django.views.decorators.cache import cache_page

# Phone numbers are not a login method here (ACCOUNT_LOGIN_METHODS is email only).
UNSUPPORTED = frozenset({"manage_phone", "verify_phone", "resend_phone_verification_code"})
SPECIFICATION = frozenset({"openapi_yaml", "openapi_json"})
SPECIFICATION_CACHE_SECONDS = 60 * 60  # it only changes with a deploy


def _supported(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    kept: list[URLPattern | URLResolver] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            kept.append(
                URLResolver(
                    pattern.pattern,
                    _supported(list(pattern.url_patterns)),
                    pattern.default_kwargs,
                    pattern.app_name,
                    pattern.namespace,
                )
            )
        elif pattern.name in SPECIFICATION:
            view = cache_page(SPECIFICATION_CACHE_SECONDS)(pattern.callback)
            kept.append(URLPattern(pattern.pattern, view, pattern.default_args, pattern.name))
        elif pattern.name not in UNSUPPORTED:
            kept.append(pattern)
    return kept


app_name = headless.app_name
urlpatterns = _supported(headless.urlpatterns)
