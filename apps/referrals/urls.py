"""Referral pages, mounted at the site root."""

from django.urls import path

from apps.referrals import views

app_name = "referrals"

urlpatterns = [
    path("r/<str:code>", views.landing, name="landing"),
    path("referrals/", views.mine, name="mine"),
    path("referrals/qr.svg", views.qr, name="qr"),
]
