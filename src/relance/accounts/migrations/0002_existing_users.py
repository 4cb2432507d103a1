"""Users from before roles keep their daily work: each active non-superuser becomes a
credit manager of every creditor (superusers already administer all of them). Admin
tasks (users, webhooks) then need a superuser or `relance user add --role admin`."""

from django.conf import settings
from django.db import migrations


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Creditor = apps.get_model("ledger", "Creditor")
    Membership = apps.get_model("accounts", "Membership")
    Event = apps.get_model("relance", "Event")
    creditors = list(Creditor.objects.order_by("id"))
    for user in User.objects.filter(is_active=True, is_superuser=False).order_by("id"):
        for creditor in creditors:
            made = Membership.objects.create(user=user, creditor=creditor, role="credit_manager")
            Event.objects.create(
                actor="migration", verb="membership.added", subject_type="membership",
                subject_id=made.pk, creditor_id=creditor.pk,
                data={"user": user.username, "role": "credit_manager"},
            )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("relance", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
