"""What a debtor receives: the facts of a communication gathered as plain data, and
the email, letter and statement of account rendered from them (HTML, PDF, QR code).

The context holds strings, lists and dicts only, already formatted in the debtor's
language: edited templates read it (relance.channels.wording) and can reach nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any

import css_inline
from babel.dates import format_date
from django.template.loader import render_to_string
from django.utils import translation
from segno import QRCode, helpers

from relance.channels import wording
from relance.core.errors import DomainError
from relance.core.identifiers import rf_reference
from relance.law.interest import claimable, covered
from relance.ledger.models import Creditor, Customer, Invoice
from relance.ledger.templatetags.money import format_money as money
from relance.portal import links as portal_links

DEADLINE_DAYS = 8  # what the firm steps give the debtor
# The EPC QR code carries euros only, up to 999,999,999.99 (EPC069-12).
EPC_MAX = 99_999_999_999


def language_of(customer: Customer) -> str:
    return customer.language if customer.language in wording.LANGUAGES else "en"


@dataclass
class Facts:
    """A communication before it is worded: who, which items, as of when."""

    customer: Customer
    items: list[Invoice]
    template: str
    today: date
    language: str
    penalties: bool = False  # state the penalties and the fixed indemnity (the step says)
    information: dict[str, Any] = field(default_factory=dict)
    user: str = ""
    plan: dict[str, Any] | None = None  # a payment plan's figures (plan_facts)
    # Built to be sent: only then may a portal link be made for it. A preview, a call
    # script or a statement downloaded shows the customer's open link, if any, and
    # writes nothing.
    sending: bool = False


def day(value: date | None, language: str) -> str:
    return format_date(value, format="long", locale=language) if value else ""


def payment_reference(customer: Customer) -> str:
    return rf_reference(customer.code, fallback=customer.pk)


def context(facts: Facts) -> dict[str, Any]:
    customer, lang, today = facts.customer, facts.language, facts.today
    creditor: Creditor = customer.creditor
    currency = facts.items[0].currency if facts.items else creditor.currency
    total = sum(i.open_amount for i in facts.items)
    items = [
        {
            "number": i.number,
            "kind": i.kind,
            "issue_date": day(i.issue_date, lang),
            "due_date": day(i.due_date, lang),
            "days_overdue": max(0, (today - i.due_date).days),
            "amount": money(i.amount, i.currency, lang),
            "paid": money(i.amount - i.open_amount, i.currency, lang),
            "open_amount": money(i.open_amount, i.currency, lang),
        }
        for i in facts.items
    ]
    # A consumer owes no indemnity, and interest only from the formal notice itself
    # (relance.core.law.france): the letter says so in words, without a table of zeros.
    shown = facts.penalties and customer.kind != "b2c"
    penalties = _penalties(facts.items, today, lang) if shown else {"shown": False}
    extra = penalties.get("penalties_minor", 0) + penalties.get("indemnity_minor", 0)
    # What the QR code asks for: an instalment, when a plan's message is about one.
    pay_minor = facts.plan["pay_minor"] if facts.plan else total
    return {
        **parties(customer),
        "template": facts.template,
        "language": lang,
        "today": day(today, lang),
        "deadline": day(today + timedelta(days=DEADLINE_DAYS), lang),
        "currency": currency,
        "items": items,
        "count": len(items),
        "total": money(total, currency, lang),
        "total_minor": total,
        "penalties": penalties,
        "grand_total": money(total + extra, currency, lang),
        "payment": payment(customer, currency, pay_minor),
        "other_items": facts.information.get("other_invoices", []),
        "credit_notes": facts.information.get("credit_notes", []),
        "portal_url": (
            portal_links.for_message(customer) if facts.sending else portal_links.shown(customer)
        ),
        "user": facts.user,
        "plan": facts.plan,
        "pay_minor": pay_minor,
    }  # fmt: skip


def parties(customer: Customer) -> dict[str, Any]:
    """The creditor and the debtor as every document names them."""
    creditor: Creditor = customer.creditor
    return {
        "creditor": {
            "name": creditor.name, "address": creditor.address,
            "postal_code": creditor.postal_code, "city": creditor.city,
            "country": creditor.country, "email": creditor.email, "phone": creditor.phone,
            "registration_number": creditor.registration_number,
            "vat_number": creditor.vat_number,
        },
        "customer": {
            "code": customer.code, "name": customer.name, "address": customer.address,
            "postal_code": customer.postal_code, "city": customer.city,
            "country": customer.country if customer.country != creditor.country else "",
            "kind": customer.kind, "is_business": customer.kind != "b2c",
            "email": customer.email, "phone": customer.phone,
            "registration_number": customer.registration_number,
            "vat_number": customer.vat_number,
        },
    }  # fmt: skip


def payment(customer: Customer, currency: str, total: int) -> dict[str, Any]:
    """How to pay `total`: the creditor's bank details, the RF reference, whether a QR
    code can carry it."""
    creditor: Creditor = customer.creditor
    return {
        "iban": _spaced(creditor.iban), "bic": creditor.bic,
        "reference": payment_reference(customer),
        "qr": bool(creditor.iban) and currency == "EUR" and 0 < total <= EPC_MAX,
    }  # fmt: skip


def _spaced(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def _penalties(items: list[Invoice], today: date, lang: str) -> dict[str, Any]:
    """The penalties and indemnity of the overdue items, as of `today`, or as of the last
    day the rate tables cover ("arrêtées au ..., à parfaire") when they stop earlier."""
    overdue = [i for i in items if i.kind == "invoice" and i.due_date < today]
    as_of = covered(today)
    rows, pen, ind = [], 0, 0
    for inv in overdue:
        found = claimable(inv, today)
        rows.append({
            "number": inv.number, "days": found.days_late,
            "rates": ", ".join(sorted({f"{p.rate:.2f}" for p in found.periods})),
            "penalties": money(found.penalties, inv.currency, lang),
            "indemnity": money(found.indemnity, inv.currency, lang),
        })  # fmt: skip
        pen, ind = pen + found.penalties, ind + found.indemnity
    currency = items[0].currency if items else "EUR"
    return {
        "shown": bool(overdue),
        "rows": rows,
        "amount": money(pen, currency, lang),
        "indemnity": money(ind, currency, lang),
        "total": money(pen + ind, currency, lang),
        "until": day(as_of, lang),
        "partial": as_of < today,
        "penalties_minor": pen,
        "indemnity_minor": ind,
    }


def qr_code(ctx: dict[str, Any]) -> QRCode | None:
    """The EPC "SEPA credit transfer" QR code for the total, with the RF reference."""
    if not ctx["payment"]["qr"]:
        return None
    creditor, payment = ctx["creditor"], ctx["payment"]
    return helpers.make_epc_qr(
        name=creditor["name"][:70],
        iban=payment["iban"].replace(" ", ""),
        amount=Decimal(ctx["pay_minor"]).scaleb(-2),
        reference=payment["reference"],
        bic=payment["bic"] or None,
    )


@dataclass(frozen=True)
class Document:
    subject: str
    text: str
    html: str
    qr_png: bytes | None = None  # an email's QR code, the image its HTML names cid:qr


def compose(
    facts: Facts, *, channel: str, creditor: Creditor, words: wording.Wording | None = None
) -> Document:
    """The subject, plain text and HTML of a communication by `channel`
    ("email", "letter", "registered_letter", "sms", "statement"), in the creditor's
    wording of the template (or `words`, for a preview)."""
    ctx = context(facts)
    words_ = words or wording.wording(creditor, facts.template, facts.language)
    rendered = wording.render(words_, ctx)
    if channel == "sms":
        return Document(rendered.subject, rendered.body_text, "")
    qr = qr_code(ctx)
    png = None
    if qr is not None and channel == "email":
        out = BytesIO()
        qr.save(out, kind="png", scale=4, border=2)
        png = out.getvalue()
    with translation.override(facts.language):
        text = render_to_string(
            "channels/message.txt", {"c": ctx, "w": rendered, "channel": channel}
        )
        page = {
            "c": ctx, "w": rendered, "channel": channel,
            "qr_src": "cid:qr" if png else (qr.svg_data_uri(scale=3) if qr else ""),
            "registered": channel == "registered_letter",
        }  # fmt: skip
        template = "channels/email.html" if channel == "email" else "channels/letter.html"
        html = render_to_string(template, page)
    if channel == "email":
        html = css_inline.inline(html)
    return Document(rendered.subject, text, html, png)


def plan_facts(
    plan: Any, today: date, language: str, instalment: int | None = None
) -> dict[str, Any]:
    """A payment plan as a letter states it: the debt (principal, then the penalties
    line), the schedule with each instalment's state, and the instalment a reminder is
    about (`instalment`, its number)."""
    from relance.collection import queries

    states = queries.plan_states(plan, today)
    lines = {line.number: line for line in plan.lines.all()}
    cur = plan.currency
    rows = [
        {
            "number": s.number, "date": day(s.due_date, language),
            "amount": money(s.amount, cur, language), "paid": money(s.paid, cur, language),
            "left": money(s.left, cur, language), "status": s.status.value,
            "down_payment": lines[s.number].down_payment,
        }
        for s in states
    ]  # fmt: skip
    chosen = next((s for s in states if s.number == instalment), None)
    unpaid = [s for s in states if s.left > 0]
    pay = chosen.left if chosen else (unpaid[0].left if unpaid else 0)
    return {
        "id": plan.pk,
        "agreement": instalment is None,
        "status": plan.status,
        "principal": money(plan.principal, cur, language),
        "penalties": money(plan.penalties, cur, language),
        "has_penalties": plan.penalties > 0,
        "penalties_until": day(plan.penalties_until, language),
        "total": money(plan.total, cur, language),
        "left": money(sum(s.left for s in states), cur, language),
        "count": len(rows),
        "lines": rows,
        "first_date": rows[0]["date"] if rows else "",
        "last_date": rows[-1]["date"] if rows else "",
        "grace_days": plan.grace_days,
        "starts_on": day(plan.starts_on, language),
        "signed_on": day(plan.signed_on, language),
        "instalment": next((r for r in rows if r["number"] == instalment), None),
        "pay_minor": pay,
    }  # fmt: skip


def plan_letter(plan: Any, today: date, *, user: str = "") -> bytes:
    """The agreement letter of a payment plan, as PDF, in the debtor's language."""
    customer = plan.customer
    lang = language_of(customer)
    items = list(plan.invoices.order_by("due_date", "number"))
    facts = Facts(customer, items, "plan_agreement", today, lang, user=user,
                  plan=plan_facts(plan, today, lang))  # fmt: skip
    return pdf(compose(facts, channel="letter", creditor=customer.creditor).html)


def plan_letter_name(plan: Any, language: str) -> str:
    word = "echeancier" if language == "fr" else "payment-plan"
    return f"{word}-{plan.customer.code}-{plan.pk}.pdf"


def pdf(html: str) -> bytes:
    """A letter or statement as PDF (WeasyPrint)."""
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def statement_facts(customer: Customer, today: date, language: str, currency: str) -> Facts:
    """Every open item of the customer in `currency`, credit notes included."""
    from relance.ledger.queries import open_items

    items = list(open_items(customer).filter(currency=currency))
    if not items:
        raise DomainError(f"{customer.code} has no open item in {currency}")
    return Facts(customer, items, "statement", today, language)


def statement_name(language: str) -> str:
    return "releve-de-compte" if language == "fr" else "statement-of-account"
