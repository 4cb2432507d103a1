"""The worklist: today's actions, grouped by what a person has to do with them."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cached_property
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from relance.accounts.access import access, access_of, current_creditor
from relance.accounts.services import staff_of
from relance.audit import Event
from relance.channels import documents
from relance.channels import queries as channels
from relance.collection import queries, services
from relance.collection import yaml as scenario_yaml
from relance.collection.models import (
    Action,
    ActionItem,
    ActionStatus,
    Dispute,
    DisputeComment,
    DisputeReasonChoices,
    NonPaymentReasonChoices,
    PaymentPlan,
    Promise,
    Run,
)
from relance.core import plans as plans_core
from relance.core.disputes import DisputeStatus, is_overdue
from relance.core.errors import DomainError
from relance.core.money import typed_minor
from relance.core.roles import Permission
from relance.ledger.models import Customer, Invoice
from relance.ledger.queries import NotFound
from relance.ledger.views import customer_of, form_date, invoice_of, redirect_back


# What a person does with an action decides where the worklist shows it (letters to
# print and messages that failed are shown from relance.channels): the day's actions,
# and the decisions and tasks still waiting from earlier days.
def _sections(day: date) -> dict[str, Q]:
    waiting = Q(date__lte=day)
    return {
        "approve": waiting & Q(status=ActionStatus.AWAITING_APPROVAL),
        "calls": waiting & Q(status=ActionStatus.PLANNED, channel="call"),
        "auto": Q(date=day, status__in=[ActionStatus.QUEUED, ActionStatus.SENDING, ActionStatus.SENT]),
        "failed": Q(date=day, status=ActionStatus.FAILED),
        "other": waiting & Q(status=ActionStatus.PLANNED) & ~Q(channel="call"),
    }  # fmt: skip


SHOWN = 200  # rows of the other panels (messages to look at, disputes, promises)
# Actions per page of each section, the largest first: a day of a large ledger holds
# thousands, and a page of them all took seconds to make (bench/README.md, load).
PER_PAGE = 25
# What the worklist shows of each action's items (collection/_actions.html, which says
# how many more there are): an action of a large customer has dozens.
ITEMS_SHOWN = 5
_SHOWN_FIELDS = ("date", "scenario", "step", "channel", "channels", "currency", "amount",
                 "fallback", "status", "status_reason", "customer__code", "customer__name")  # fmt: skip
# ?sort=risk: the largest expected amount at risk first (relance.prediction: the open
# amount times the probability of paying more than 30 days late).
AT_RISK = Sum("items__invoice__prediction__amount_at_risk")
ORDERS = {
    "amount": ("-amount", "pk"),
    "risk": (F("at_risk").desc(nulls_last=True), "-amount", "pk"),
}


def _day(request: HttpRequest) -> date:
    try:
        return date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()


@access()
def worklist(request: HttpRequest) -> HttpResponse:
    creditor = current_creditor(request)
    you = access_of(request)
    day = _day(request)
    sections = _sections(day)
    base = you.scope(Action.objects.filter(creditor=creditor))
    sort = request.GET.get("sort", "amount")
    if sort not in ORDERS:
        sort = "amount"
    # Each section is counted, then sorted on its keys alone and its page read (the
    # indexes action_section and action_day_amount; whole rows spilled the sort of a
    # large day to disk).
    groups = {}
    for name, condition in sections.items():
        keys = base.filter(condition)
        count = keys.count()
        if sort == "risk":
            keys = keys.annotate(at_risk=AT_RISK)
        pages = _Counted(keys.order_by(*ORDERS[sort]).values_list("pk", flat=True), PER_PAGE, count)
        page = pages.get_page(request.GET.get(f"{name}_page"))
        groups[name] = {"total": pages.count, "page": page, "keys": list(page.object_list),
                        "param": f"{name}_page"}  # fmt: skip
    shown = _shown_actions([pk for group in groups.values() for pk in group["keys"]], sort)
    for group in groups.values():
        group["rows"] = [shown[pk] for pk in group["keys"]]
    # Who the run left out is a page of its own (not_contacted): thousands on a large day.
    run = (
        Run.objects.filter(creditor=creditor, date=day)
        .defer("skipped")
        .order_by("-started_at")
        .first()
    )
    # A collector's worklist is their portfolio's: the creditor-wide panels (letters to
    # print, failed messages, prescription, reasons) are the credit managers'.
    everyone = not you.portfolio_only
    return render(request, "collection/worklist.html", {
        "day": day, "sort": sort, "groups": groups, "run": run, "nav": "worklist",
        "creditor": creditor, "channels": services.EDITABLE_CHANNELS,
        "prescription": queries.prescription_alerts(creditor, day) if everyone else [],
        "defaulted_plans": you.scope(queries.plan_alerts(creditor, day)),
        "letters": channels.letters_to_print(creditor) if everyone else [],
        "attention": channels.needing_attention(creditor)[:SHOWN] if everyone else [],
        "overdue_disputes": you.scope(queries.disputes(creditor, day, overdue=True), "invoice__customer")[:SHOWN],
        "broken_promises": you.scope(queries.broken_promises(creditor, day))[:SHOWN],
        "reasons": _labelled(queries.reason_statistics(creditor, since=day - timedelta(days=REASON_DAYS))) if everyone else [],
    })  # fmt: skip


@access()
def not_contacted(request: HttpRequest) -> HttpResponse:
    """The customers the day's run did not contact, and why, a page at a time: a large
    ledger's run skips thousands."""
    creditor = current_creditor(request)
    you = access_of(request)
    day = _day(request)
    run = Run.objects.filter(creditor=creditor, date=day).order_by("-started_at").first()
    contacts = Action.objects.filter(creditor=creditor, date=day).exclude(
        status=ActionStatus.CANCELLED
    )
    skipped = _not_contacted(you.customers(), contacts, run.skipped if run else [])
    return render(request, "collection/not_contacted.html", {
        "day": day, "run": run, "page": Paginator(skipped, PER_PAGE).get_page(request.GET.get("page")),
        "nav": "worklist",
    })  # fmt: skip


def _shown_actions(keys: list[int], sort: str) -> dict[int, Action]:
    """The worklist's actions by key, each with its first items (`items_shown`: their
    invoice, its link and how late it is) and how many it has (`item_count`)."""
    rows = Action.objects.filter(pk__in=keys).select_related("customer").only(*_SHOWN_FIELDS)
    if sort == "risk":
        rows = rows.annotate(at_risk=AT_RISK)
    actions = rows.in_bulk()
    for action in actions.values():
        action.items_shown, action.item_count = [], 0  # type: ignore[attr-defined]
    # The invoices are read once the items are chosen: joined before, all of them were.
    first = list(
        ActionItem.objects.filter(action__in=keys)
        .annotate(
            rank=Window(RowNumber(), partition_by=F("action"), order_by=F("pk").asc()),
            count=Window(Count("pk"), partition_by=F("action")),
        )
        .filter(rank__lte=ITEMS_SHOWN)
        .values_list("action", "invoice", "days_overdue", "count")
    )
    numbers = dict(Invoice.objects.filter(pk__in={i[1] for i in first}).values_list("pk", "number"))
    for key, invoice, days, count in first:
        action, number = actions[key], numbers[invoice]
        action.item_count = count  # type: ignore[attr-defined]
        late = ngettext("%(days)s day overdue", "%(days)s days overdue", days) % {"days": days}
        action.items_shown.append(  # type: ignore[attr-defined]
            {"number": number, "url": reverse("invoice", args=[number]), "late": late}
        )
    return actions


class _Counted(Paginator):
    """A paginator told its count (counting the keys sorted by risk would sum it)."""

    def __init__(self, rows: Any, per_page: int, count: int) -> None:
        super().__init__(rows, per_page)
        self.known = count

    @cached_property
    def count(self) -> int:
        return self.known


def _not_contacted(
    customers: QuerySet[Customer], today: QuerySet[Action], skipped: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The run's skipped customers, among `customers` (a collector's portfolio), that no
    action of the day contacts (a second run skips those the first one contacted).
    Compared by key, the day's tens of thousands of actions need no join with the
    customers (which PostgreSQL reads whole)."""
    contacted = set(today.values_list("customer_id", flat=True))
    codes = [s["customer"] for s in skipped]
    keys: dict[str, int] = {}
    size = connection.ops.bulk_batch_size(["code"], codes) or 1  # SQLite bounds parameters
    for start in range(0, len(codes), size):
        keys.update(
            customers.filter(code__in=codes[start : start + size]).values_list("code", "pk")
        )
    return [s for s in skipped if s["customer"] in keys and keys[s["customer"]] not in contacted]


REASON_DAYS = 90  # the worklist's panel of reasons for non-payment looks this far back


def _labelled(stats: list[Any]) -> list[dict[str, Any]]:
    """Reason statistics with their labels in the user's language."""
    labels = dict(NonPaymentReasonChoices.choices)
    return [{"label": labels.get(r.reason, r.reason), "r": r} for r in stats]


@access(post=Permission.APPROVE)
@require_POST
def decide(request: HttpRequest) -> HttpResponse:
    decision = request.POST.get("decision", "")
    ids = [int(i) for i in request.POST.getlist("action") if i.isdigit()]
    actor = request.user.get_username()
    n = 0
    if decision == "channel" and ids:
        try:
            n = services.change_channel(
                current_creditor(request), ids, request.POST.get("channel", ""), actor=actor
            )
        except DomainError as exc:
            messages.error(request, str(exc))
    elif decision in services.DECISIONS and ids:
        n = services.decide(current_creditor(request), ids, decision, actor=actor)
    if n:
        messages.success(request, _("%(n)d actions updated.") % {"n": n})
    return redirect(f"{reverse('worklist')}?date={request.POST.get('date', '')}")


@access(post=Permission.APPROVE)
@require_POST
def run_now(request: HttpRequest) -> HttpResponse:
    creditor = current_creditor(request)
    day = timezone.localdate()
    try:
        result = services.run_collection(creditor, day, actor=request.user.get_username())
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Run done: %(n)d actions planned.") % {"n": len(result.actions)}
        )
    return redirect("worklist")


@access(Permission.VIEW_ALL)
def scenario_list(request: HttpRequest) -> HttpResponse:
    creditor = current_creditor(request)
    found, default = queries.scenarios(creditor)
    return render(request, "collection/scenario_list.html", {
        "scenarios": found.values(), "default": default, "nav": "scenarios",
    })  # fmt: skip


@access(Permission.VIEW_ALL, post=Permission.MANAGE)
def scenario_edit(request: HttpRequest, key: str) -> HttpResponse:
    """The scenario as YAML: edit and save it, or preview it on a customer first."""
    creditor = current_creditor(request)
    text = (
        request.POST.get("yaml") if request.method == "POST" else scenario_yaml.dump(key, creditor)
    )
    if text is None:
        raise Http404("no such scenario")
    error = ""
    preview = None
    code = request.POST.get("customer", "").strip()
    if request.method == "POST":
        try:
            spec = scenario_yaml.load(text)
        except DomainError as exc:
            error = str(exc)
        else:
            if request.POST.get("do") == "save":
                services.save_scenario(creditor, spec, actor=request.user.get_username())
                messages.success(request, _("Scenario saved."))
                return redirect("scenario", key=spec.key)
            customer = Customer.objects.filter(creditor=creditor, code=code).first()
            if customer is None:
                error = _("No customer %(code)s.") % {"code": code}
            else:
                preview = queries.preview(creditor, spec, customer, timezone.localdate())
    return render(request, "collection/scenario_edit.html", {
        "key": key, "yaml": text, "error": error, "preview": preview, "customer": code,
        "nav": "scenarios",
    })  # fmt: skip


@access(post=Permission.WORK)
@require_POST
def hold(request: HttpRequest) -> HttpResponse:
    customer = customer_of(request, request.POST.get("customer", ""))
    services.hold(customer, until=form_date(request, "until"), actor=request.user.get_username())
    return redirect_back(request, reverse("customer", args=[customer.code]))


def _form_amount(request: HttpRequest, currency: str) -> int | None:
    amount = request.POST.get("amount", "").strip()
    return typed_minor(amount, currency) if amount else None


@access(post=Permission.WORK)
@require_POST
def promise(request: HttpRequest) -> HttpResponse:
    creditor = current_creditor(request)
    customer = customer_of(request, request.POST.get("customer", ""))
    until = form_date(request, "until")
    try:
        if until is None:
            raise DomainError(_("Give the promised date."))
        invoices = list(customer.invoices.filter(number__in=request.POST.getlist("invoice")))
        services.record_promise(
            customer, until=until, on=timezone.localdate(), actor=request.user.get_username(),
            amount=_form_amount(request, invoices[0].currency if invoices else creditor.currency),
            invoices=invoices, channel=request.POST.get("channel") or "call",
        )  # fmt: skip
        messages.success(request, _("Promise recorded."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect_back(request, reverse("customer", args=[customer.code]))


@access(post=Permission.MANAGE)
@require_POST
def plan_create(request: HttpRequest) -> HttpResponse:
    """The payment plan form of the customer page."""
    creditor = current_creditor(request)
    customer = customer_of(request, request.POST.get("customer", ""))
    invoices = list(customer.invoices.filter(number__in=request.POST.getlist("invoice")))
    currency = invoices[0].currency if invoices else creditor.currency
    first = form_date(request, "first")
    try:
        if first is None:
            raise DomainError(_("Give the date of the first instalment."))
        count = request.POST.get("count", "").strip()
        # Custom amounts are separated by semicolons or new lines: a comma may be decimal.
        custom = request.POST.get("amounts", "").replace("\n", ";").split(";")
        amounts = [typed_minor(a, currency) for a in custom if a.strip()] or None
        down = request.POST.get("down_payment", "").strip()
        plan = services.create_plan(
            customer, invoices, count=int(count) if count.isdigit() else 0,
            every=request.POST.get("every", "month"), first=first, on=timezone.localdate(),
            actor=request.user.get_username(), amounts=amounts,
            down_payment=typed_minor(down, currency) if down else 0,
            penalties=request.POST.get("penalties") == "on",
        )  # fmt: skip
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect_back(request, reverse("customer", args=[customer.code]))
    messages.success(request, _("Payment plan created."))
    return redirect("plan", pk=plan.pk)


@access()
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = access_of(request).scope(queries.plans_of(current_creditor(request)))
    return render(request, "collection/plan_list.html", {
        "plans": plans[:SHOWN], "nav": "plans",
    })  # fmt: skip


def _plan(request: HttpRequest, pk: int) -> PaymentPlan:
    try:
        plan = queries.get_plan(current_creditor(request), pk)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    access_of(request).require(plan.customer)
    return plan


@access()
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    today = timezone.localdate()
    timeline = Event.objects.filter(subject_type="paymentplan", subject_id=plan.pk)
    sent = Action.objects.filter(customer=plan.customer, step__startswith="plan_").filter(
        information__plan=plan.pk
    )
    states = queries.plan_states(plan, today)
    detail = queries.plan_detail(plan, today, states)
    return render(request, "collection/plan_detail.html", {
        "plan": plan, "detail": detail, "today": today,
        # Each row beside its state in minor units, for the page's money format.
        "rows": list(zip(detail["instalments"], states, strict=True)),
        "paid": sum(s.paid for s in states),
        "timeline": timeline.order_by("-at", "-id"), "nav": "plans",
        "actions": sent.order_by("-date", "-pk"), "current": plan.status in plans_core.CURRENT,
    })  # fmt: skip


@access()
def plan_letter(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    data = documents.plan_letter(plan, timezone.localdate(), user=request.user.get_username())
    name = documents.plan_letter_name(plan, documents.language_of(plan.customer))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@access(post=Permission.MANAGE)
@require_POST
def plan_change(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """Send the agreement letter, record the signature, or cancel the plan."""
    changes = {"send": services.send_plan_letter, "sign": services.sign_plan,
               "cancel": services.cancel_plan}  # fmt: skip
    if verb not in changes:
        raise Http404(verb)
    plan = _plan(request, pk)
    on = form_date(request, "on") or timezone.localdate()
    try:
        changes[verb](plan, on=on, actor=request.user.get_username())
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        done = {"send": _("Agreement letter queued."), "sign": _("Signature recorded."),
                "cancel": _("Payment plan cancelled.")}  # fmt: skip
        messages.success(request, done[verb])
    return redirect("plan", pk=plan.pk)


@access(post=Permission.WORK)
@require_POST
def promise_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(access_of(request).scope(Promise.objects.all()), pk=pk)
    try:
        services.cancel_promise(found, on=timezone.localdate(), actor=request.user.get_username())
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect_back(request, reverse("customer", args=[found.customer.code]))


@access(post=Permission.WORK)
@require_POST
def note(request: HttpRequest) -> HttpResponse:
    customer = customer_of(request, request.POST.get("customer", ""))
    try:
        services.record_note(
            customer, reason=request.POST.get("reason", ""), text=request.POST.get("text", ""),
            on=timezone.localdate(), actor=request.user.get_username(),
            invoices=list(customer.invoices.filter(number__in=request.POST.getlist("invoice"))),
        )  # fmt: skip
        messages.success(request, _("Note recorded."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect_back(request, reverse("customer", args=[customer.code]))


@access(post=Permission.WORK)
@require_POST
def dispute(request: HttpRequest) -> HttpResponse:
    invoice = invoice_of(request, request.POST.get("invoice", ""))
    actor, today = request.user.get_username(), timezone.localdate()
    try:
        if request.POST.get("do") == "close":
            services.close_dispute(invoice, on=today, actor=actor)
        else:
            made = services.open_dispute(
                invoice, reason=request.POST.get("reason", ""), on=today, actor=actor,
                description=request.POST.get("description", ""),
                due_on=form_date(request, "due_on"), owner=request.user,
                upload=request.FILES.get("file"),
            )  # fmt: skip
            if "next" not in request.POST:
                return redirect("dispute-detail", pk=made.pk)
            # The customer page's quick form: back to the customer, the dispute a link away.
            messages.success(request, _("Dispute opened on %(n)s.") % {"n": invoice.number})
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect_back(request, reverse("invoice", args=[invoice.number]))


@access()
def dispute_list(request: HttpRequest) -> HttpResponse:
    creditor = current_creditor(request)
    today = timezone.localdate()
    overdue = request.GET.get("overdue") == "1"
    everything = request.GET.get("all") == "1"
    rows = queries.disputes(creditor, today, overdue=overdue, open_only=not everything)
    rows = access_of(request).scope(rows, "invoice__customer")
    return render(request, "collection/dispute_list.html", {
        "disputes": rows[:SHOWN], "total": rows.count(), "overdue": overdue, "all": everything,
        "today": today, "nav": "disputes",
    })  # fmt: skip


@access(post=Permission.WORK)  # resolutions and owners: MANAGE, checked below
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A dispute's file: what is contested, its owner and due date, the comments and
    documents, the resolution, and its timeline."""
    found = get_object_or_404(
        access_of(request).scope(
            Dispute.objects.select_related("invoice__customer", "owner", "credit_note"),
            "invoice__customer",
        ),
        pk=pk,
    )
    if request.method == "POST":
        return _dispute_change(request, found)
    today = timezone.localdate()
    users = staff_of(found.invoice.creditor).order_by("username")
    return render(request, "collection/dispute_detail.html", {
        "d": found, "invoice": found.invoice, "comments": found.comments.all(),
        "timeline": queries.dispute_timeline(found), "users": users, "today": today,
        "overdue": is_overdue(DisputeStatus(found.status), found.opened_on, found.due_on, today),
        "reasons": DisputeReasonChoices.choices, "nav": "disputes",
    })  # fmt: skip


def _dispute_change(request: HttpRequest, found: Dispute) -> HttpResponse:
    post, actor, today = request.POST, request.user.get_username(), timezone.localdate()
    do = post.get("do", "")
    # Commenting and withdrawing are a collector's work; choosing the owner and settling
    # (credit note, rejection, write-off) are a credit manager's.
    if do not in ("comment", "withdraw") and not access_of(request).can(Permission.MANAGE):
        raise PermissionDenied(_("Your role does not allow this."))
    try:
        if do == "comment":
            services.comment_dispute(
                found, text=post.get("text", ""), upload=request.FILES.get("file"), actor=actor
            )
        elif do == "assign":
            owner = staff_of(found.invoice.creditor).filter(pk=post.get("owner") or None).first()
            services.assign_dispute(
                found, owner=owner, due_on=form_date(request, "due_on"), actor=actor
            )
        elif do in services.RESOLUTIONS:
            services.resolve_dispute(
                found, do, on=today, actor=actor, comment=post.get("comment", ""),
                amount=_form_amount(request, found.invoice.currency) if do == "credit_note" else None,
            )  # fmt: skip
        elif do == "withdraw":
            services.close_dispute(found.invoice, on=today, actor=actor)
        else:
            raise DomainError(_("Unknown change."))
        messages.success(request, _("Dispute updated."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("dispute-detail", pk=found.pk)


@access()
def dispute_file(request: HttpRequest, pk: int, comment: int) -> FileResponse:
    found = get_object_or_404(
        access_of(request).scope(DisputeComment.objects.all(), "dispute__invoice__customer"),
        pk=comment, dispute_id=pk,
    )  # fmt: skip
    if not found.file:
        raise Http404
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.filename)
