"""Saved-teacher pages, mounted at the site root."""

from django.urls import path

from apps.favorites import views

app_name = "favorites"

urlpatterns = [
    path("my-teachers/", views.mine, name="mine"),
    path("instructors/<slug:slug>/save/", views.toggle, name="toggle"),
]
