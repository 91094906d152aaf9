from django.urls import path

from apps.payments import views_ledgers

app_name = "ledgers"

urlpatterns = [
    path("account/credits/", views_ledgers.credits, name="credits"),
    path("teach/earnings/", views_ledgers.earnings, name="earnings"),
    path("teach/earnings.csv", views_ledgers.earnings_export, name="earnings_csv"),
    path("teach/earnings/payout/", views_ledgers.instant_payout, name="instant_payout"),
]
