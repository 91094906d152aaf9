from django.urls import path

from apps.accounts import views

app_name = "accounts"

urlpatterns = [
    path("settings/profile/", views.profile, name="profile"),
    path("settings/learners/", views.learners, name="learners"),
    path("settings/learners/<int:learner_id>/delete/", views.learner_remove, name="learner_remove"),
]
