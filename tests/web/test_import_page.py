from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from tests.members import member

from relance.imports.models import ImportRun
from relance.ledger.models import Customer


@pytest.fixture
def alice(client, creditor, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    client.force_login(member("alice", password="x" * 12))
    return client


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_a_file_imported_from_the_browser_reports_and_keeps_its_rejects(alice):
    content = b"customer;name;email\nC1;Alpha;a@alpha.fr\nC2;Beta;not-an-email\n"
    response = alice.post(
        reverse("imports"), {"kind": "customers", "file": upload("c.csv", content)}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "not-an-email" in body
    assert list(Customer.objects.values_list("code", flat=True)) == ["C1"]
    run = ImportRun.objects.get()
    assert (run.rows, run.created, run.rejected, run.actor) == (2, 1, 1, "alice")
    rejects = alice.get(reverse("import-rejects", args=[run.pk]))
    assert b"not-an-email" in b"".join(rejects.streaming_content)


def test_a_zero_byte_upload_is_refused_with_a_message(alice):
    response = alice.post(
        reverse("imports"), {"kind": "invoices", "file": upload("empty.csv", b"")}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["Le fichier soumis est vide."]
    assert not ImportRun.objects.exists()


def test_a_dry_run_from_the_browser_saves_nothing(alice):
    content = b"customer,name\nC1,Alpha\n"
    alice.post(
        reverse("imports"), {"kind": "customers", "file": upload("c.csv", content), "dry_run": "on"}
    )
    assert not Customer.objects.exists()
    assert not ImportRun.objects.exists()
