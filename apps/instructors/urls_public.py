from django.urls import path  # noqa: F401 - filled in with the public pages

app_name = "instructors_public"

urlpatterns: list = []
