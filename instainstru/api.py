"""The JSON API at /api/v1/: one NinjaAPI, each app contributes a router."""

from ninja import NinjaAPI

from apps.accounts.api import router as accounts_router
from apps.availability.api import router as availability_router
from apps.availability.feeds.api import router as imported_calendars_router
from apps.bookings.api import router as bookings_router
from apps.bookings.api_policies import router as booking_policies_router
from apps.bookings.series.api import router as series_router
from apps.catalog.api import router as catalog_router
from apps.core.api_auth import AppSessionTokenAuth, SessionCookieAuth
from apps.core.api_errors import MethodRateThrottle, install_error_handlers
from apps.core.api_input import reject_unstorable_text
from apps.favorites.api import router as favorites_router
from apps.instructors.api import router as instructors_router
from apps.media.api import router as media_router
from apps.messaging.api import router as messaging_router
from apps.payments.api import router as payments_router
from apps.payments.api_ledgers import router as ledgers_router
from apps.payments.api_webhooks import router as payment_webhooks_router
from apps.referrals.api import router as referrals_router
from apps.reviews.api import router as reviews_router
from apps.search.api import router as search_router
from apps.waitlist.api import router as waitlist_router

api = NinjaAPI(
    title="InstaInstru API",
    version="1",
    description=(
        "Find a private instructor in New York City and book a lesson. Authenticate with the "
        "browser session (send the CSRF token on writes) or with an app session token from "
        "`/_allauth/app/v1/auth/login` in the `X-Session-Token` header. Every error has the "
        'shape `{"error": {"code", "message", "fields"}}`.'
    ),
    urls_namespace="api",
    auth=[AppSessionTokenAuth(), SessionCookieAuth()],
    throttle=[MethodRateThrottle(scope="reads", reads=True), MethodRateThrottle(scope="writes", reads=False)],
)
install_error_handlers(api)
api.add_decorator(reject_unstorable_text)
api.add_router("/", accounts_router)
api.add_router("/catalog", catalog_router)
api.add_router("/", instructors_router)
api.add_router("/", availability_router)
api.add_router("/", imported_calendars_router)
api.add_router("/", payments_router)
api.add_router("/", bookings_router)
api.add_router("/", booking_policies_router)
api.add_router("/", series_router)
api.add_router("/", ledgers_router)
api.add_router("/", payment_webhooks_router)
api.add_router("/", media_router)
api.add_router("/", search_router)
api.add_router("/", reviews_router)
api.add_router("/", referrals_router)
api.add_router("/", messaging_router)
api.add_router("/", favorites_router)
api.add_router("/", waitlist_router)
