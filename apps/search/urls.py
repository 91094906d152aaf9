"""The search page, mounted at the site root (/search/)."""

from django.urls import path

from apps.search import views

app_name = "search"

urlpatterns = [
    path("search/", views.search_page, name="results"),
]
