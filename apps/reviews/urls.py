"""Review pages, mounted at the site root."""

from django.urls import path

from apps.reviews import views

app_name = "reviews"

urlpatterns = [
    path("lessons/<uuid:public_id>/review/", views.lesson_review, name="lesson"),
    path("lessons/<uuid:public_id>/review/reply/", views.lesson_review_reply, name="reply"),
    path("reviews/", views.mine, name="mine"),
    path("instructors/<slug:slug>/reviews/", views.instructor_reviews, name="instructor"),
]
