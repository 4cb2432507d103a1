from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PredictionConfig(AppConfig):
    name = "relance.prediction"
    verbose_name = _("payment prediction")
