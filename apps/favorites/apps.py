from django.apps import AppConfig


class FavoritesConfig(AppConfig):
    name = "apps.favorites"
    label = "favorites"
    verbose_name = "Saved teachers"
