"""Waitlist pages, mounted at the site root."""

from django.urls import path

from apps.waitlist import views

app_name = "waitlist"

urlpatterns = [
    path("waitlist/", views.mine, name="mine"),
    path("waitlist/<uuid:public_id>/cancel/", views.cancel, name="cancel"),
    path("instructors/<slug:slug>/waitlist/", views.join, name="join"),
]
