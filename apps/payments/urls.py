from django.urls import path

from apps.payments import views

app_name = "payments"

urlpatterns = [
    path("settings/cards/", views.cards, name="cards"),
    path("settings/cards/<int:payment_method_id>/default/", views.card_default, name="card_default"),
    path("settings/cards/<int:payment_method_id>/delete/", views.card_remove, name="card_remove"),
]
