"""Public pages, mounted at the site root."""

from django.urls import path

from apps.instructors import views_public

app_name = "instructors_public"

urlpatterns = [
    path("learn/<slug:category_slug>/", views_public.category_page, name="category"),
    path("learn/<slug:category_slug>/<slug:service_slug>/", views_public.service_page, name="service"),
    path("kids/", views_public.kids_page, name="kids"),
    path("kids/<slug:service_slug>/", views_public.kids_service_page, name="kids_service"),
    path("instructors/<slug:slug>/", views_public.profile_page, name="profile"),
]
