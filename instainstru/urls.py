from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path

from apps.core import views as core_views
from instainstru.api import api

# Staff sign in through allauth (with two-factor), never through the admin's own form.
admin.site.login = login_required(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "InstaInstru operations"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", core_views.metrics, name="metrics"),
    path("api/v1/", api.urls),
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("apps.accounts.headless_urls")),
    path("account/", include("apps.accounts.urls")),
    path("account/", include("apps.payments.urls")),
    path("teach/", include("apps.instructors.urls_onboarding")),
    path("", include("apps.media.urls")),
    path("", include("apps.instructors.urls_public")),
    path("", include("apps.search.urls")),
    path("", include("apps.availability.urls")),
    path("", include("apps.bookings.urls")),
    path("", include("apps.payments.urls_ledgers")),
    path("", include("apps.reviews.urls")),
    path("", include("apps.referrals.urls")),
    path("", include("apps.messaging.urls")),
    path("notifications/", include("apps.notifications.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "apps.core.views.bad_request"
handler403 = "apps.core.views.permission_denied"
handler404 = "apps.core.views.page_not_found"
handler500 = "apps.core.views.server_error"
