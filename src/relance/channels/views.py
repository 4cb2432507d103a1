"""Pages of the channels context: letters to print, messages as sent, calls with their
script and outcome, and the template editor with a live preview."""

from __future__ import annotations

from base64 import b64encode
from datetime import date

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.accounts.access import access, access_of, current_creditor
from relance.channels import documents, queries, services, wording
from relance.channels.models import CallOutcome, Message, MessageTemplate
from relance.collection.models import (
    Action,
    DisputeReasonChoices,
    NonPaymentReasonChoices,
    Step,
)
from relance.core.errors import DomainError
from relance.core.money import typed_minor
from relance.core.roles import Permission
from relance.ledger.models import Customer
from relance.ledger.views import redirect_back


@access(Permission.VIEW_ALL)
def letters_pdf(request: HttpRequest) -> HttpResponse:
    found = queries.letters_to_print(current_creditor(request))
    if not found:
        raise Http404(_("No letter to print."))
    response = HttpResponse(queries.letters_pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="letters-{timezone.localdate()}.pdf"'
    return response


@access(post=Permission.APPROVE)
@require_POST
def posted(request: HttpRequest, pk: int) -> HttpResponse:
    letter = get_object_or_404(Message, pk=pk, creditor=current_creditor(request))
    try:
        on = date.fromisoformat(request.POST.get("on") or timezone.localdate().isoformat())
        services.mark_posted(
            letter, on=on, tracking=request.POST.get("tracking", ""),
            actor=request.user.get_username(),
        )  # fmt: skip
    except (DomainError, ValueError) as exc:
        messages.error(request, str(exc))
    return redirect_back(request, reverse("worklist"))


@access(post=Permission.APPROVE)
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(Message, pk=pk, creditor=current_creditor(request))
    try:
        services.resolve(
            message, request.POST.get("decision", ""), actor=request.user.get_username()
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect_back(request, reverse("worklist"))


def _message(request: HttpRequest, pk: int) -> Message:
    found = access_of(request).scope(Message.objects.select_related("customer", "action"))
    return get_object_or_404(found, pk=pk, creditor=current_creditor(request))


@access()
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message(request, pk)
    return render(request, "channels/message_detail.html", {"m": message, "nav": "customers"})


@access()
def message_document(request: HttpRequest, pk: int) -> FileResponse:
    message = _message(request, pk)
    if not message.document:
        raise Http404
    name = message.document.name.rsplit("/", 1)[-1]
    return FileResponse(message.document.open("rb"), filename=name, as_attachment=True)


@access(post=Permission.WORK)
def call(request: HttpRequest, pk: int) -> HttpResponse:
    """The call task: who to call, the script, the history, and the outcome form."""
    creditor = current_creditor(request)
    action = get_object_or_404(
        access_of(request).scope(Action.objects.select_related("customer")),
        pk=pk, creditor=creditor, channel="call",
    )  # fmt: skip
    customer = action.customer
    today = timezone.localdate()
    if request.method == "POST":
        return _record_call(request, action, customer, today)
    items = [
        i.invoice for i in action.items.select_related("invoice__creditor", "invoice__customer")
    ]
    lang = documents.language_of(customer)
    facts = documents.Facts(customer, items, "call", today, lang, user=request.user.get_username())
    ctx = documents.context(facts)
    script = wording.render(wording.wording(creditor, "call", lang), ctx)
    return render(request, "channels/call.html", {
        "action": action, "customer": customer, "items": items, "script": script, "c": ctx,
        "outcomes": CallOutcome.choices, "dispute_reasons": DisputeReasonChoices.choices,
        "nonpayment_reasons": NonPaymentReasonChoices.choices, "sent": queries.sent_to(customer)[:10],
        "calls": customer.calls.order_by("-called_on", "-pk")[:10], "today": today,
        "nav": "worklist",
    })  # fmt: skip


def _record_call(
    request: HttpRequest, action: Action, customer: Customer, today: date
) -> HttpResponse:
    post = request.POST

    def day(name: str) -> date | None:
        return date.fromisoformat(post[name]) if post.get(name) else None

    try:
        amount = post.get("amount", "").strip()
        invoice = customer.invoices.filter(number=post.get("invoice", "")).first()
        services.record_call(
            customer, post.get("outcome", ""), on=today, actor=request.user.get_username(),
            action=action, note=post.get("note", ""), call_back_on=day("call_back_on"),
            promise_date=day("promise_date"), invoice=invoice, reason=post.get("reason", ""),
            nonpayment=post.get("nonpayment", ""),
            promise_amount=typed_minor(amount, action.currency) if amount else None,
        )  # fmt: skip
    except (DomainError, ValueError) as exc:
        messages.error(request, str(exc))
        return redirect("call", pk=action.pk)
    messages.success(request, _("Call recorded."))
    return redirect("worklist")


@access(Permission.VIEW_ALL)
def template_list(request: HttpRequest) -> HttpResponse:
    creditor = current_creditor(request)
    own = set(MessageTemplate.objects.filter(creditor=creditor).values_list("key", "language"))
    rows = [
        {"key": key, "languages": [(lang, (key, lang) in own) for lang in wording.LANGUAGES]}
        for key in wording.template_keys()
    ]
    return render(request, "channels/template_list.html", {"rows": rows, "nav": "templates"})


@access(Permission.VIEW_ALL, post=Permission.MANAGE)
def template_edit(request: HttpRequest, key: str, language: str) -> HttpResponse:
    creditor = current_creditor(request)
    if key not in wording.template_keys() or language not in wording.LANGUAGES:
        raise Http404
    words = wording.wording(creditor, key, language)
    if request.method == "POST":
        post = request.POST
        try:
            if post.get("reset"):
                services.reset_template(creditor, key, language, actor=request.user.get_username())
            else:
                services.save_template(
                    creditor, key, language, subject=post.get("subject", ""),
                    body=post.get("body", ""), closing=post.get("closing", ""),
                    actor=request.user.get_username(),
                )  # fmt: skip
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Template saved."))
            return redirect("template", key=key, language=language)
        words = wording.Wording(key, language, words.title, post.get("subject", ""),
                                post.get("body", ""), post.get("closing", ""))  # fmt: skip
    customers = creditor.customers.filter(open_total__gt=0).order_by("-overdue_total")[:50]
    return render(request, "channels/template_edit.html", {
        "key": key, "language": language, "words": words, "customers": customers,
        "nav": "templates", "help": _(
            "Write plain text; a blank line starts a paragraph. Values are inserted with "
            "{{ name }} and escaped; {% if customer.is_business %}…{% endif %} keeps a "
            "sentence for businesses only. The full list is in docs/templates.md."
        ),
    })  # fmt: skip


def _on_plan(facts: documents.Facts, customer: Customer) -> None:
    from relance.collection import queries

    plan = customer.plans.order_by("-pk").first()
    if plan is None:
        return
    unpaid = [s.number for s in queries.plan_states(plan, facts.today) if s.left > 0]
    number = None if facts.template == "plan_agreement" else next(iter(unpaid), 1)
    facts.items = list(plan.invoices.order_by("due_date", "number"))
    facts.plan = documents.plan_facts(plan, facts.today, facts.language, number)


@access(Permission.VIEW_ALL, post=Permission.MANAGE)
@require_POST
def template_preview(request: HttpRequest, key: str, language: str) -> HttpResponse:
    """The template as typed, rendered on a real customer's open items (htmx)."""
    creditor = current_creditor(request)
    customer = creditor.customers.filter(code=request.POST.get("customer", "")).first()
    if customer is None:
        customer = creditor.customers.filter(open_total__gt=0).order_by("-overdue_total").first()
    if customer is None:
        return HttpResponse(_("Import customers with open items to see a preview."))
    post = request.POST
    words = wording.Wording(key, language, wording.wording(creditor, key, language).title,
                            post.get("subject", ""), post.get("body", ""), post.get("closing", ""))  # fmt: skip
    from relance.ledger.queries import open_items

    items = list(open_items(customer).filter(currency=creditor.currency)[:50])
    # Shown as the steps that use this template send it: with penalties when one of
    # them claims them, as a letter when none of them emails it.
    uses = Step.objects.filter(scenario__creditor=creditor, template=key)
    channels = {c for row in uses.values_list("channels", flat=True) for c in row}
    facts = documents.Facts(
        customer, items, key, timezone.localdate(), language,
        penalties=uses.filter(penalties=True).exists(), user=request.user.get_username(),
    )  # fmt: skip
    if key.startswith("plan_"):  # on the customer's latest payment plan, when there is one
        _on_plan(facts, customer)
    channel = "email" if "email" in channels or not channels else "registered_letter"
    try:
        doc = documents.compose(facts, channel=channel, creditor=creditor, words=words)
    except DomainError as exc:
        return HttpResponse(format_html('<p class="late">{}</p>', exc))
    html = doc.html
    if doc.qr_png:  # the QR code an email attaches, shown in place
        html = html.replace("cid:qr", f"data:image/png;base64,{b64encode(doc.qr_png).decode()}")
    return render(
        request, "channels/_preview.html", {"html": html, "doc": doc, "customer": customer}
    )
