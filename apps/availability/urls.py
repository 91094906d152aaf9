"""Availability pages, mounted at the site root."""

from django.urls import path

from apps.availability import views
from apps.availability.feeds import views as feed_views

app_name = "availability"

urlpatterns = [
    path("teach/availability/", views.week_editor, name="editor"),
    path("teach/availability/days-off/", views.blackout_add, name="blackout_add"),
    path("teach/availability/days-off/<int:blackout_id>/delete/", views.blackout_remove, name="blackout_remove"),
    path("teach/availability/calendars/", feed_views.calendars, name="calendars"),
    path("teach/availability/calendars/add/", feed_views.calendar_add, name="calendar_add"),
    path("teach/availability/calendars/<int:feed_id>/refresh/", feed_views.calendar_refresh, name="calendar_refresh"),
    path("teach/availability/calendars/<int:feed_id>/remove/", feed_views.calendar_remove, name="calendar_remove"),
    path("instructors/<slug:slug>/slots/", views.slot_picker, name="slot_picker"),
]
