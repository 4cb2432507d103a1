"""Importing from the browser: the same service as `relance import`, on an uploaded file."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.text import get_valid_filename

from relance.accounts.access import access, current_creditor
from relance.core.roles import Permission
from relance.imports.fields import Options
from relance.imports.forms import ImportForm
from relance.imports.models import ImportRun
from relance.imports.services import import_file

SHOWN_ERRORS = 200


def _keep(upload) -> Path:  # type: ignore[no-untyped-def]
    """The uploaded file, kept under MEDIA_ROOT/imports as the evidence of what was read."""
    folder = Path(settings.MEDIA_ROOT) / "imports" / timezone.now().strftime("%Y/%m")
    folder.mkdir(parents=True, exist_ok=True)
    name = get_valid_filename(Path(upload.name).name) or "upload.csv"
    path = folder / f"{uuid.uuid4().hex[:8]}-{name}"
    with path.open("wb") as fh:
        for block in upload.chunks():
            fh.write(block)
    return path


@access(Permission.VIEW_ALL, post=Permission.MANAGE)
def import_page(request: HttpRequest) -> HttpResponse:
    creditor = current_creditor(request)
    result = None
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        options = Options(
            date_format=data["date_format"] or None, decimal_comma=data["decimal_comma"],
            default_currency=creditor.currency, default_country=creditor.country,
        )  # fmt: skip
        result = import_file(
            _keep(data["file"]), data["kind"], creditor=creditor,
            actor=request.user.get_username(), options=options, dry_run=data["dry_run"],
        )  # fmt: skip
    runs = ImportRun.objects.filter(creditor=creditor).order_by("-started_at")[:20]
    return render(request, "imports/import.html", {
        "form": form, "result": result, "errors": result.errors[:SHOWN_ERRORS] if result else [],
        "runs": runs, "nav": "imports",
    })  # fmt: skip


@access(Permission.VIEW_ALL)
def reject_file(request: HttpRequest, pk: int) -> FileResponse:
    run = get_object_or_404(ImportRun, pk=pk, creditor=current_creditor(request))
    if not run.reject_file or not Path(run.reject_file).exists():
        raise Http404("no reject file")
    return FileResponse(
        open(run.reject_file, "rb"), as_attachment=True, filename=Path(run.reject_file).name
    )
