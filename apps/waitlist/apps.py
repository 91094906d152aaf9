from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    name = "apps.waitlist"
    label = "waitlist"
    verbose_name = "Waitlist"
