"""Media pages and the signed-URL endpoints, mounted at the site root."""

from django.urls import path

from apps.media import views

app_name = "media"

urlpatterns = [
    path("account/settings/picture/", views.picture_page, name="picture"),
    path("account/settings/picture/remove/", views.picture_remove, name="picture_remove"),
    path("teach/verification/documents/", views.documents_page, name="documents"),
    path("teach/verification/documents/<int:document_id>/view/", views.document_open, name="document_open"),
    path("media/file/<str:token>/", views.file_view, name="file"),
    path("media/upload/<str:token>/", views.upload_view, name="upload"),
]
