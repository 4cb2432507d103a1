from django import forms
from django.utils.translation import gettext_lazy as _

KINDS = [("customers", _("Customers")), ("invoices", _("Invoices")), ("payments", _("Payments"))]


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=KINDS)
    file = forms.FileField(label=_("File: CSV, xlsx, FEC or e-invoice (Factur-X PDF, UBL, CII)"))
    decimal_comma = forms.BooleanField(label=_("Decimal comma (1 234,56)"), required=False)
    date_format = forms.CharField(
        label=_("Date format"), required=False, max_length=20,
        help_text=_("Only if not YYYY-MM-DD or DD/MM/YYYY, e.g. %m/%d/%Y"),
    )  # fmt: skip
    dry_run = forms.BooleanField(label=_("Check only, save nothing"), required=False)
