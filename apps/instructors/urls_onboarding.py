from django.urls import path  # noqa: F401 - filled in with the onboarding pages

app_name = "instructors_onboarding"

urlpatterns: list = []
