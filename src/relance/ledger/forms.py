from django import forms
from django.utils.translation import gettext_lazy as _

from relance.ledger.models import EvidenceKind

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EvidenceKind)
    file = forms.FileField(label=_("File"))
    description = forms.CharField(label=_("Description"), max_length=300, required=False)

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty (0 bytes)."))
        if upload.size > MAX_EVIDENCE_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload
