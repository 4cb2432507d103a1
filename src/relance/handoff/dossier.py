"""The hand-off dossier: one ZIP a collection agency, a lawyer or a commissaire de
justice can work from without asking a question.

It holds the cover letter to the partner (creditor, debtor, basis of the claim, the
amounts split into principal, penalties and indemnity per invoice and in total, what
was done so far, the documents enclosed), the statement of account, every evidence
document of the invoices, the full contact history with every message as it was sent,
the penalty computation per invoice, the claim readiness checklist, the data of an
injonction de payer request, and a manifest of SHA-256 hashes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from babel.dates import format_date
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_noop

from relance.channels import documents
from relance.channels.models import Message
from relance.collection import queries as collection
from relance.core import handoff as core
from relance.core.money import format_minor
from relance.handoff import queries
from relance.handoff.models import Case
from relance.law import readiness
from relance.law.interest import due
from relance.ledger.models import Evidence, Invoice
from relance.ledger.templatetags.money import format_money
from relance.reports.exports import neutral

MANIFEST = "MANIFEST.sha256"
COURT_RULE = gettext_noop("the court of the debtor's domicile or registered office (CPC 1406)")
ABROAD = gettext_noop(
    "The debtor lives abroad: the injonction de payer does not apply; use the European "
    "order for payment (LAW.md section 5)."
)
NOT_DUE = gettext_noop(
    "Not claimable as it stands (not yet due, disputed or prescribed: see the claim "
    "readiness file); an injonction de payer needs a claim that is due:"
)
COVER = "00-cover-letter.pdf"
INJUNCTION = "02-injonction-de-payer"
# What LAW.md section 5 says of the injonction de payer (CPC 1405-1425), with its
# source keys: the request states it; nothing here is Relance's own reading.
INJUNCTION_FACTS = [
    (
        gettext_noop("Eligible: contractual or statutory debts of a determined amount."),
        "[65][66][67]",
    ),
    (
        gettext_noop(
            "Court: the debtor's domicile (registered office for a company); public order "
            "(CPC 1406), a contrary clause is void. The debtor must not live abroad (use the "
            "European order for payment)."
        ),
        "[65][66][67]",
    ),
    (
        gettext_noop("Commercial: president of the tribunal de commerce, Cerfa 12946."),
        "[65][66][67]",
    ),
    (gettext_noop("Civil: tribunal judiciaire, Cerfa 12948."), "[68]"),
    (
        gettext_noop(
            "The request includes an itemised amount (principal, interest, penalty clause, "
            "accessories) and a list of supporting documents."
        ),
        "[69]",
    ),
    (
        gettext_noop(
            "Steps: an ex-parte order; service within 6 months; opposition within 1 month of "
            "service; the formule exécutoire requested within 1 month after that."
        ),
        "[66][67]",
    ),
    (
        gettext_noop(
            "Online: tribunal de commerce via Infogreffe / Tribunal Digital; tribunal "
            "judiciaire via IPWEB in 50+ courts."
        ),
        "[69][70]",
    ),
]


@dataclass
class Zip:
    """The files of the dossier, in order, and their hashes."""

    files: dict[str, bytes] = field(default_factory=dict)

    def add(self, name: str, data: bytes | str) -> str:
        if isinstance(data, str):
            data = data.encode()
        base, dot, ext = name.rpartition(".")
        n, unique = 1, name
        while unique in self.files:  # two documents of the same name stay apart
            n += 1
            unique = f"{base}-{n}.{ext}" if dot else f"{name}-{n}"
        self.files[unique] = data
        return unique

    def manifest(self) -> str:
        """sha256sum's format: `sha256sum -c MANIFEST.sha256` checks the unzipped files."""
        return "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in self.files.items())

    def bytes(self, day: date) -> bytes:
        """The archive, every entry dated `day` rather than by the clock."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in [*self.files.items(), (MANIFEST, self.manifest().encode())]:
                entry = zipfile.ZipInfo(name, date_time=(day.year, day.month, day.day, 0, 0, 0))
                entry.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(entry, data)
        return out.getvalue()


def safe(name: str) -> str:
    """A file name that stays in its folder of the archive."""
    cleaned = re.sub(r"[^\w.\-]+", "_", Path(name).name).strip("._")
    return cleaned or "document"


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder) + "\n"


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    """Text cells neutralised: an invoice number typed as a formula stays text in the
    agency's spreadsheet (reports.exports.neutral)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([neutral(v) if isinstance(v, str) else v for v in row] for row in rows)
    return out.getvalue()


def build(case: Case, today: date) -> bytes:
    """The dossier of `case` as ZIP bytes, in its partner's language."""
    language = case.partner.language if case.partner.language in ("fr", "en") else "en"
    with translation.override(language):
        return _build(case, today, language).bytes(today)


def write(case: Case, today: date, path: Path) -> Path:
    path.write_bytes(build(case, today))
    return path


def file_name(case: Case) -> str:
    return f"dossier-{safe(case.customer.code)}-{case.handed_off_on.isoformat()}.zip"


def _build(case: Case, today: date, language: str) -> Zip:
    customer, creditor = case.customer, case.creditor
    rows = queries.items(case)
    invoices: list[Invoice] = [r.invoice for r in rows]
    z = Zip()
    z.files[COVER] = b""  # first in the archive; written last, when the list is known

    # The statement of account, as the debtor would receive it.
    debtor_lang = documents.language_of(customer)
    for currency in sorted({i.currency for i in invoices}):
        if not customer.invoices.filter(currency=currency).exclude(open_amount=0).exists():
            continue
        facts = documents.statement_facts(customer, today, debtor_lang, currency)
        page = documents.compose(facts, channel="statement", creditor=creditor)
        z.add(f"01-statement-of-account-{currency}.pdf", documents.pdf(page.html))

    # The penalty computation of each invoice: `relance interest --json` at the date
    # the case's amounts were computed.
    computations = {}
    for inv in invoices:
        found = due(inv, max(case.penalties_until, inv.due_date)).as_json()
        computations[inv.number] = found
        z.add(f"penalties/{safe(inv.number)}.json", _json(found))
        z.add(f"penalties/{safe(inv.number)}.csv", _csv(
            ["from", "to", "days", "base", "rate", "amount", "currency"],
            [[p["from"], p["to"], p["days"], p["base"], p["rate"], p["amount"], found["currency"]]
             for p in found["periods"]],
        ))  # fmt: skip

    # Every document that proves the claims, byte for byte.
    evidence: dict[str, list[dict[str, str]]] = {}
    for ev in (
        Evidence.objects.filter(invoice__in=invoices)
        .select_related("invoice")
        .order_by("invoice__number", "pk")
    ):
        with ev.file.open("rb") as f:
            data = f.read()
        name = z.add(f"invoices/{safe(ev.invoice.number)}/{ev.kind}-{safe(ev.filename)}", data)
        evidence.setdefault(ev.invoice.number, []).append(
            {"file": name, "kind": ev.get_kind_display(), "sha256": ev.sha256}
        )

    # The claim readiness of each invoice (certaine, liquide, exigible).
    checks = []
    for inv in invoices:
        ready = readiness.of_invoice(inv, today)
        checks.append({
            "invoice": inv.number, "certain": ready.certain, "liquid": ready.liquid,
            "due": ready.due, "ready": ready.ready, "missing": list(ready.missing),
            "explained": [str(readiness.LABELS[m]) for m in ready.missing],
        })  # fmt: skip
    z.add("03-claim-readiness.json", _json({"as_of": today, "invoices": checks}))
    z.add("03-claim-readiness.csv", _csv(
        ["invoice", "certain", "liquid", "due", "ready", "missing"],
        [[c["invoice"], c["certain"], c["liquid"], c["due"], c["ready"], "; ".join(c["explained"])]
         for c in checks],
    ))  # fmt: skip

    # The contact history: every event, every message as sent, every call.
    history = _history(case, z)

    ctx = _context(case, today, language, evidence, checks, history, computations)
    injunction = injunction_data(case, ctx)
    z.add(f"{INJUNCTION}.json", _json(injunction))
    z.add(
        f"{INJUNCTION}.pdf",
        documents.pdf(render_to_string("handoff/injunction.html", {"c": ctx, "i": injunction})),
    )
    z.add("case.json", _json(queries.case_json(case)))
    ctx["enclosed"] = [*z.files, MANIFEST]
    z.files[COVER] = documents.pdf(render_to_string("handoff/cover_letter.html", {"c": ctx}))
    return z


def _party(obj: Any) -> dict[str, str]:
    return {
        "name": obj.name,
        "registration_number": obj.registration_number,
        "vat_number": obj.vat_number,
        "address": obj.address,
        "postal_code": obj.postal_code,
        "city": obj.city,
        "country": obj.country,
        "email": obj.email,
        "phone": obj.phone,
    }


def _history(case: Case, z: Zip) -> dict[str, Any]:
    customer = case.customer
    messages = []
    sent = Message.objects.filter(customer=customer).select_related("action")
    for m in sorted(sent, key=lambda m: (_dated(m), m.pk)):
        stem = f"history/messages/{_dated(m):%Y-%m-%d}-{m.pk}-{m.channel}"
        if m.document:
            with m.document.open("rb") as f:
                name = z.add(stem + Path(m.document.name).suffix, f.read())
        else:
            name = z.add(stem + ".txt", f"{m.recipient}\n\n{m.subject}\n\n{m.text}")
        messages.append({
            "date": _dated(m), "channel": m.channel,
            "recipient": " · ".join(line.strip() for line in m.recipient.splitlines() if line.strip()),
            "subject": m.subject, "status": m.get_status_display(), "status_code": m.status,
            "sent_at": m.sent_at, "posted_on": m.posted_on, "tracking": m.tracking_number,
            "file": name,
        })  # fmt: skip
    calls = [
        {"date": c.called_on, "outcome": c.get_outcome_display(), "note": c.note, "by": c.actor}
        for c in customer.calls.order_by("called_on", "pk")
    ]
    events = [
        {"at": e.at, "actor": e.actor, "verb": e.verb, "subject": f"{e.subject_type}#{e.subject_id}",
         "data": e.data, "details": _details(e.data)}
        for e in collection.customer_timeline(customer)
    ]  # fmt: skip
    disputes = [
        {"invoice": d.invoice.number, "reason": d.reason, "reason_label": d.get_reason_display(),
         "description": d.description, "status": d.get_status_display(),
         "opened_on": d.opened_on, "closed_on": d.closed_on}
        for inv in customer.invoices.filter(disputes__isnull=False).distinct()
        for d in inv.disputes.select_related("invoice").order_by("opened_on")
    ]  # fmt: skip
    promises = [
        {"recorded_on": p.recorded_on, "promised_date": p.promised_date,
         "amount": None if p.amount is None else format_minor(p.amount, p.currency),
         "currency": p.currency, "channel": p.get_channel_display(),
         "status": p.get_status_display(), "closed_on": p.closed_on,
         "invoices": [i.number for i in p.invoices.all()]}
        for p in customer.promises.order_by("recorded_on", "pk")
    ]  # fmt: skip
    notes = [
        {"date": n.noted_on, "reason": n.get_reason_display(), "text": n.text, "by": n.actor}
        for n in customer.notes.order_by("noted_on", "pk")
    ]
    data = {
        "messages": messages, "calls": calls, "disputes": disputes, "promises": promises,
        "notes": notes, "events": events,
    }  # fmt: skip
    z.add("history/contact-history.json", _json(data))
    z.add(
        "history/contact-history.txt",
        render_to_string("handoff/history.txt", {"h": data, "customer": customer}),
    )
    return data


def _dated(message: Message) -> date:
    """The day a message is about: its action's date (what the debtor received was dated
    so), else the day it was written."""
    return message.action.date if message.action_id else message.created_at.date()


def _details(data: dict[str, Any]) -> str:
    """An event's data as one line a person reads: `key: value; ...`, empty ones left out.

    >>> _details({"items": ["F1", "F2"], "to": [{"channel": "sms", "n": "+33 6\\n1"}], "x": None})
    'items: F1, F2; to: channel=sms n=+33 6 1'
    """

    def plain(value: Any) -> str:
        if isinstance(value, dict):
            return " ".join(f"{k}={plain(v)}" for k, v in value.items() if v not in EMPTY)
        if isinstance(value, list):
            return (" | " if any(isinstance(v, dict) for v in value) else ", ").join(
                plain(v) for v in value
            )
        return " ".join(str(value).split())

    return "; ".join(f"{k}: {plain(v)}" for k, v in data.items() if v not in EMPTY)


EMPTY = (None, "", [], {})


def _context(
    case: Case,
    today: date,
    language: str,
    evidence: dict[str, list[dict[str, str]]],
    checks: list[dict[str, Any]],
    history: dict[str, Any],
    computations: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    customer, creditor, partner = case.customer, case.creditor, case.partner

    def money(minor: int, currency: str) -> str:
        return format_money(minor, currency, language)

    def short(day: date) -> str:
        return format_date(day, format="short", locale=language)

    items = []
    for row in queries.items(case):
        inv = row.invoice
        total = row.principal + row.penalties + row.indemnity
        items.append({
            "number": inv.number, "issue_date": short(inv.issue_date),
            "due_date": short(inv.due_date), "po_number": inv.po_number,
            "amount": money(inv.amount, inv.currency),
            "paid": money(inv.amount - row.principal, inv.currency),
            "principal": money(row.principal, inv.currency),
            "penalties": money(row.penalties, inv.currency),
            "indemnity": money(row.indemnity, inv.currency),
            "total": money(total, inv.currency),
            "days_late": computations[inv.number]["days_late"],
            "rates": ", ".join(sorted({p["rate"] for p in computations[inv.number]["periods"]})),
            "evidence": evidence.get(inv.number, []),
        })  # fmt: skip
    totals = [
        {
            "currency": t.currency,
            "principal": money(t.principal, t.currency),
            "penalties": money(t.penalties, t.currency),
            "indemnity": money(t.indemnity, t.currency),
            "total": money(t.total, t.currency),
        }
        for t in queries.totals(case)
    ]
    payments = [
        {"date": documents.day(p.payment.date, language),
         "amount": money(p.payment.amount, p.payment.currency)}
        for p in case.payments.select_related("payment").order_by("payment__date", "pk")
    ]  # fmt: skip
    return {
        "language": language,
        "today": documents.day(today, language),
        "case": case,
        "handed_off_on": documents.day(case.handed_off_on, language),
        "penalties_until": documents.day(case.penalties_until, language),
        "creditor": _party(creditor) | {"iban": creditor.iban, "bic": creditor.bic,
                                        "clause": creditor.late_penalty_clause},
        "debtor": _party(customer) | {
            "code": customer.code, "kind": customer.kind, "kind_label": customer.get_kind_display(),
            "contacts": [
                {"name": c.name, "role": c.role, "email": c.email, "phone": c.phone}
                for c in customer.contacts.all()
            ],
        },
        "partner": partner,
        "partner_kind": partner.get_kind_display(),
        "law": next(iter(computations.values()), {}).get("law", creditor.country),
        "items": items,
        "totals": totals,
        "payments": payments,
        "readiness": checks,
        "history": history,
        "form": core.injunction_form(customer.kind),
        "abroad": customer.country != creditor.country,
    }  # fmt: skip


def injunction_data(case: Case, ctx: dict[str, Any]) -> dict[str, Any]:
    """What a request for an injonction de payer needs (LAW.md section 5): the form and
    court, the parties, the amounts split, the documents."""
    form: core.InjunctionForm = ctx["form"]
    debtor = ctx["debtor"]
    warnings = []
    if ctx["abroad"]:
        warnings.append({"code": "abroad", "text": ABROAD})
    if not form.cerfa:
        warnings.append({"code": "no_form", "text": form.reason})
    not_due = [c["invoice"] for c in ctx["readiness"] if not c["due"]]
    if not_due:
        warnings.append({"code": "not_due", "text": NOT_DUE, "invoices": not_due})
    amounts = queries.case_json(case)
    return {
        "procedure": "injonction de payer (CPC 1405-1425)",
        "form": {
            "cerfa": form.cerfa,
            "court": form.court.value if form.court else None,
            "judge": form.judge,
            "why": form.reason,
        },
        "competent_court": {
            "rule": COURT_RULE,
            "debtor_postal_code": debtor["postal_code"],
            "debtor_city": debtor["city"],
            "debtor_country": debtor["country"],
        },
        "warnings": warnings,
        "creditor": _party(case.creditor),
        "debtor": {k: v for k, v in debtor.items() if k != "kind_label"},
        "amounts": {
            "penalties_until": case.penalties_until,
            "per_invoice": amounts["invoices"],
            "totals": amounts["totals"],
        },
        "documents": [
            {"invoice": number, **doc}
            for number, docs in ((i["number"], i["evidence"]) for i in ctx["items"])
            for doc in docs
        ],
        "law": [
            {"fact": fact, "source": f"LAW.md section 5 {keys}"} for fact, keys in INJUNCTION_FACTS
        ],
    }
