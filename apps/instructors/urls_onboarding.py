"""The instructor onboarding pages, mounted at /teach/."""

from django.urls import path

from apps.instructors import views_onboarding as views

app_name = "instructors_onboarding"

urlpatterns = [
    path("", views.about, name="about"),
    path("skills/", views.skills, name="skills"),
    path("skills/areas/", views.service_areas, name="service_areas"),
    path("skills/<int:offering_id>/edit/", views.offering_edit, name="offering_edit"),
    path("skills/<int:offering_id>/delete/", views.offering_remove, name="offering_delete"),
    path("verification/", views.verification, name="verification"),
    path("verification/identity/", views.identity_start_view, name="identity_start"),
    path("verification/identity/return/", views.identity_return, name="identity_return"),
    path("payouts/", views.payouts, name="payouts"),
    path("payouts/connect/", views.payouts_start, name="payouts_start"),
    path("payouts/return/", views.payouts_return, name="payouts_return"),
    path("payouts/dashboard/", views.payouts_dashboard, name="payouts_dashboard"),
    path("payouts/local/<slug:account_id>/", views.payouts_local, name="payouts_local"),
    path("go-live/", views.go_live, name="go_live"),
    path("status/", views.status, name="status"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
