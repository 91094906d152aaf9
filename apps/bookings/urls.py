"""Booking pages, mounted at the site root."""

from django.urls import path

from apps.bookings import views, views_actions, views_payment, views_sheet
from apps.bookings.series import views as series_views

app_name = "bookings"

urlpatterns = [
    path("book/<slug:slug>/", views_sheet.book, name="book"),
    path("lessons/", views.lessons, name="lessons"),
    path("schedule/", views.schedule, name="schedule"),
    path("lessons/<uuid:public_id>/", views.detail, name="detail"),
    path("lessons/<uuid:public_id>/card/", views.detail_card, name="detail_card"),
    path("lessons/<uuid:public_id>/card/new/", views.detail_card_add, name="detail_card_add"),
    path("lessons/<uuid:public_id>/confirm-payment/", views_payment.confirm_payment, name="confirm_payment"),
    path("lessons/<uuid:public_id>/actions/", views_actions.actions, name="actions"),
    path("lessons/<uuid:public_id>/cancel/", views_actions.cancel, name="cancel"),
    path("lessons/<uuid:public_id>/reschedule/", views_actions.reschedule, name="reschedule"),
    path("lessons/<uuid:public_id>/no-show/", views_actions.no_show, name="no_show"),
    path("lessons/<uuid:public_id>/dispute/", views_actions.dispute, name="dispute"),
    path("lessons/<uuid:public_id>/complete/", views_actions.complete, name="complete"),
    path("lessons/<uuid:public_id>/repeat/", series_views.repeat, name="repeat"),
    path("lessons/weekly/<uuid:public_id>/", series_views.series, name="series"),
    path("lessons/weekly/<uuid:public_id>/end/", series_views.end, name="series_end"),
    path("lessons/weekly/<uuid:public_id>/change/", series_views.change, name="series_change"),
    path("lessons/<uuid:public_id>/calendar.ics", views.booking_calendar, name="calendar"),
    path("calendar/reset/", views.feed_reset, name="feed_reset"),
    path("calendar/<slug:token>.ics", views.feed, name="feed"),
]
