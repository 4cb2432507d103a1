"""Writers of the ledger: each validates, saves, and writes its audit event in one transaction."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db import transaction

from relance import audit
from relance.collection.services import install_default_scenarios
from relance.core import identifiers
from relance.core.currencies import minor_units
from relance.core.errors import DomainError
from relance.core.law import Sector
from relance.core.terms import PaymentTerms
from relance.ledger.models import Creditor, Evidence, Invoice

CREDITOR_FIELDS = (
    "name",
    "registration_number",
    "vat_number",
    "address",
    "postal_code",
    "city",
    "country",
    "currency",
    "iban",
    "bic",
    "email",
    "phone",
    "default_payment_terms",
    "late_penalty_clause",
    "sector",
)


def clean_creditor(values: dict[str, Any]) -> dict[str, Any]:
    """Validated, normalised creditor fields; raises DomainError naming the bad field."""
    out = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items() if v is not None}
    unknown = set(out) - set(CREDITOR_FIELDS)
    if unknown:
        raise DomainError(f"unknown creditor fields: {', '.join(sorted(unknown))}")
    if "country" in out:
        out["country"] = out["country"].upper()
    if "currency" in out:
        out["currency"] = out["currency"].upper()
        minor_units(out["currency"])
    checks = {
        "registration_number": lambda v: identifiers.company_number(v, out.get("country", "FR")),
        "vat_number": identifiers.vat_number,
        "iban": identifiers.iban,
        "bic": identifiers.bic,
        "default_payment_terms": lambda v: str(PaymentTerms.parse(v)),
    }
    if out.get("sector") and out["sector"] not in {s.value for s in Sector}:
        choices = ", ".join(s.value for s in Sector)
        raise DomainError(f"unknown sector {out['sector']!r} (one of {choices})")
    for name, check in checks.items():
        if out.get(name):
            out[name] = check(out[name])
    if "name" in out and not out["name"]:
        raise DomainError("the creditor needs a name")
    return out


@transaction.atomic
def create_creditor(*, actor: str, **values: Any) -> Creditor:
    """A creditor with the default scenarios; the first one holds the default settings."""
    fields = clean_creditor(values)
    creditor = Creditor.objects.create(**fields)
    audit.record(actor, "creditor.created", creditor, fields, creditor_id=creditor.pk)
    install_default_scenarios(creditor, actor=actor)
    return creditor


@transaction.atomic
def update_creditor(creditor: Creditor, *, actor: str, **values: Any) -> Creditor:
    fields = clean_creditor(values)
    diff = audit.changes(creditor, fields)
    if diff:
        for name, value in fields.items():
            setattr(creditor, name, value)
        creditor.save()
        audit.record(
            actor, "creditor.updated", creditor, {"changes": diff}, creditor_id=creditor.pk
        )
    return creditor


@transaction.atomic
def add_evidence(
    invoice: Invoice, upload: File, *, kind: str, description: str = "", user: Any = None
) -> Evidence:
    """Keep a document that proves the claim, with its SHA-256 so it can be shown unchanged."""
    digest = hashlib.sha256()
    for block in upload.chunks():
        digest.update(block)
    upload.seek(0)
    name = Path(upload.name or "document").name
    evidence = Evidence(
        invoice=invoice,
        kind=kind,
        filename=name,
        sha256=digest.hexdigest(),
        description=description,
        uploaded_by=user if getattr(user, "pk", None) else None,
    )
    evidence.file.save(name, upload, save=False)
    evidence.save()
    actor = getattr(user, "username", None) or "cli"
    audit.record(
        actor,
        "evidence.added",
        invoice,
        {"evidence": evidence.pk, "kind": kind, "file": name, "sha256": evidence.sha256},
    )
    return evidence
