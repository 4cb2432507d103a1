"""The worklist: today's actions, grouped by what a person has to do with them."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.collection import queries, services
from relance.collection import yaml as scenario_yaml
from relance.collection.models import Action, ActionItem, ActionStatus, Run
from relance.core.errors import DomainError
from relance.ledger.models import Customer
from relance.ledger.views import current_creditor

LETTERS = ("letter", "registered_letter")


def _day(request: HttpRequest) -> date:
    try:
        return date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    creditor = current_creditor()
    day = _day(request)
    # The day's actions, and the decisions and tasks still waiting from earlier days.
    shown = (Q(date=day) & ~Q(status=ActionStatus.CANCELLED)) | Q(
        date__lt=day, status__in=[ActionStatus.AWAITING_APPROVAL, ActionStatus.PLANNED]
    )
    actions = list(
        Action.objects.filter(shown, creditor=creditor)
        .select_related("customer")
        .prefetch_related(Prefetch("items", ActionItem.objects.select_related("invoice")))
        .order_by("-amount", "customer__code")
    )
    groups = {
        "approve": [a for a in actions if a.status == ActionStatus.AWAITING_APPROVAL],
        "calls": [a for a in actions if a.status == ActionStatus.PLANNED and a.channel == "call"],
        "letters": [
            a
            for a in actions
            if a.status in (ActionStatus.QUEUED, ActionStatus.SENT) and a.channel in LETTERS
        ],
        "auto": [
            a
            for a in actions
            if a.status in (ActionStatus.QUEUED, ActionStatus.SENT) and a.channel not in LETTERS
        ],
        "other": [a for a in actions if a.status == ActionStatus.PLANNED and a.channel != "call"],
    }
    run = Run.objects.filter(creditor=creditor, date=day).order_by("-started_at").first()
    skipped = run.skipped if run else []
    names = dict(
        Customer.objects.filter(pk__in=[int(s["customer"]) for s in skipped]).values_list(
            "pk", "code"
        )
    )
    for s in skipped:
        s["code"] = names.get(int(s["customer"]), s["customer"])
    return render(request, "collection/worklist.html", {
        "day": day, "groups": groups, "run": run, "skipped": skipped, "nav": "worklist",
        "creditor": creditor,
    })  # fmt: skip


@login_required
@require_POST
def decide(request: HttpRequest) -> HttpResponse:
    decision = request.POST.get("decision", "")
    ids = [int(i) for i in request.POST.getlist("action") if i.isdigit()]
    if decision in services.DECISIONS and ids:
        n = services.decide(current_creditor(), ids, decision, actor=request.user.get_username())
        messages.success(request, _("%(n)d actions updated.") % {"n": n})
    return redirect(f"{reverse('worklist')}?date={request.POST.get('date', '')}")


@login_required
@require_POST
def run_now(request: HttpRequest) -> HttpResponse:
    creditor = current_creditor()
    day = timezone.localdate()
    result = services.run_collection(creditor, day, actor=request.user.get_username())
    messages.success(request, _("Run done: %(n)d actions planned.") % {"n": len(result.actions)})
    return redirect("worklist")


@login_required
def scenario_list(request: HttpRequest) -> HttpResponse:
    creditor = current_creditor()
    found, default = queries.scenarios(creditor)
    return render(request, "collection/scenario_list.html", {
        "scenarios": found.values(), "default": default, "nav": "scenarios",
    })  # fmt: skip


@login_required
def scenario_edit(request: HttpRequest, key: str) -> HttpResponse:
    """The scenario as YAML: edit and save it, or preview it on a customer first."""
    creditor = current_creditor()
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
