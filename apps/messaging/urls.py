"""Message pages, mounted at the site root."""

from django.urls import path

from apps.messaging import views

app_name = "messaging"

urlpatterns = [
    path("messages/", views.inbox, name="inbox"),
    path("messages/live/", views.inbox_live, name="inbox_live"),
    path("messages/<uuid:public_id>/", views.thread, name="thread"),
    path("messages/<uuid:public_id>/poll/", views.poll, name="poll"),
    path("messages/<uuid:public_id>/send/", views.send, name="send"),
    path("messages/<uuid:public_id>/block/", views.block, name="block"),
    path("messages/<uuid:public_id>/report/", views.report, name="report"),
    path("instructors/<slug:slug>/ask/", views.ask, name="ask"),
    path("lessons/<uuid:public_id>/message/", views.from_lesson, name="from_lesson"),
]
