from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "relance.webhooks"
    verbose_name = _("webhooks")

    def ready(self) -> None:
        # Events come from the audit trail every service writes: see webhooks.events.
        from relance.webhooks import events

        events.connect()
