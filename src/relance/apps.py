from django.apps import AppConfig


class RelanceConfig(AppConfig):
    name = "relance"
    verbose_name = "Relance"
