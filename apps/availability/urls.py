"""Availability pages, mounted at the site root."""

from django.urls import path

from apps.availability import views

app_name = "availability"

urlpatterns = [
    path("teach/availability/", views.week_editor, name="editor"),
    path("teach/availability/days-off/", views.blackout_add, name="blackout_add"),
    path("teach/availability/days-off/<int:blackout_id>/delete/", views.blackout_remove, name="blackout_remove"),
    path("instructors/<slug:slug>/slots/", views.slot_picker, name="slot_picker"),
]
