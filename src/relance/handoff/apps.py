from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandoffConfig(AppConfig):
    name = "relance.handoff"
    verbose_name = _("hand-off")
