from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "apps.search"
    label = "search"

    def ready(self) -> None:
        from apps.search.signals import listing_signals_connect

        listing_signals_connect()
