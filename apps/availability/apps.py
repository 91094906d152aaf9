from django.apps import AppConfig


class AvailabilityConfig(AppConfig):
    name = "apps.availability"
    label = "availability"
