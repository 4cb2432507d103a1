"""Actions, runs, disputes, promises, notes and payment plans."""

from __future__ import annotations

import datetime
from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from relance.api.auth import COLLECTION_WRITE, READ, actor_of, creditor_of
from relance.api.idempotency import idempotent
from relance.api.pagination import PageQuery, page
from relance.api.schemas import (
    ActionOut,
    DisputeDetail,
    DisputeOut,
    PlanOut,
    PromiseOut,
    RunOut,
    page_of,
)
from relance.collection import queries, services
from relance.collection.models import Action, Dispute, PaymentPlan, Run
from relance.core.money import format_minor, typed_minor
from relance.ledger import queries as ledger
from relance.ledger.models import Creditor

router = Router(tags=["collection"], auth=READ)


def _respond(request: HttpRequest, data: Any, status: int = 201) -> HttpResponse:
    from relance.api.urls import api

    return api.create_response(request, data, status=status)


def action_row(a: Action) -> dict[str, Any]:
    return {
        "id": a.pk, "run": a.run_id, "customer": a.customer.code, "date": a.date.isoformat(),
        "scenario": a.scenario, "step": a.step, "channel": a.channel, "mode": a.mode,
        "currency": a.currency, "amount": format_minor(a.amount, a.currency),
        "status": a.status, "status_reason": a.status_reason,
        "invoices": sorted(i.invoice.number for i in a.items.all()),
    }  # fmt: skip


def run_row(r: Run) -> dict[str, Any]:
    return {
        "id": r.pk, "date": r.date.isoformat(), "actor": r.actor,
        "started_at": r.started_at.isoformat(),
        "finished_at": r.finished_at.isoformat() if r.finished_at else None,
        "actions": r.actions.count(), "skipped": r.skipped,
    }  # fmt: skip


def plan_row(p: PaymentPlan) -> dict[str, Any]:
    return {
        "id": p.pk, "customer": p.customer.code, "status": p.status, "currency": p.currency,
        "principal": format_minor(p.principal, p.currency),
        "penalties": format_minor(p.penalties, p.currency), "every": p.every,
        "starts_on": p.starts_on.isoformat(),
        "signed_on": p.signed_on.isoformat() if p.signed_on else None,
        "ended_on": p.ended_on.isoformat() if p.ended_on else None,
        "invoices": sorted(i.number for i in p.invoices.all()),
        "instalments": [
            {"number": line.number, "due_date": line.due_date.isoformat(),
             "amount": format_minor(line.amount, p.currency), "down_payment": line.down_payment}
            for line in p.lines.order_by("number")
        ],
    }  # fmt: skip


class ActionFilter(PageQuery):
    customer: str = ""
    status: str = ""
    run: int | None = None
    date: datetime.date | None = None


@router.get(
    "/actions", response=page_of(ActionOut), summary="List actions (the outbox and its history)"
)
def list_actions(request: HttpRequest, q: Query[ActionFilter]) -> dict[str, Any]:
    qs = Action.objects.filter(creditor=creditor_of(request))
    if q.customer:
        qs = qs.filter(customer__code=q.customer)
    if q.status:
        qs = qs.filter(status=q.status)
    if q.run is not None:
        qs = qs.filter(run_id=q.run)
    if q.date:
        qs = qs.filter(date=q.date)
    qs = qs.select_related("customer").prefetch_related("items__invoice")
    return page(request, qs.order_by("-date", "-pk"), q, action_row)


@router.get("/actions/{pk}", response=ActionOut, summary="One action")
def get_action(request: HttpRequest, pk: int) -> dict[str, Any]:
    return action_row(get_object_or_404(Action, creditor=creditor_of(request), pk=pk))


@router.get("/runs", response=page_of(RunOut), summary="List collection runs")
def list_runs(request: HttpRequest, q: Query[PageQuery]) -> dict[str, Any]:
    qs = Run.objects.filter(creditor=creditor_of(request)).order_by("-date", "-pk")
    return page(request, qs, q, run_row)


@router.get("/runs/{pk}", response=RunOut, summary="One collection run")
def get_run(request: HttpRequest, pk: int) -> dict[str, Any]:
    return run_row(get_object_or_404(Run, creditor=creditor_of(request), pk=pk))


class RunIn(Schema):
    date: datetime.date | None = Field(None, description="The run's date; default today.")
    dry_run: bool = Field(False, description="Plan without saving or sending anything.")


@router.post("/runs", auth=COLLECTION_WRITE, summary="Run the collection (or a dry run)")
@idempotent
def post_run(request: HttpRequest, body: RunIn) -> HttpResponse:
    day = body.date or timezone.localdate()
    result = services.run_collection(
        creditor_of(request), day, actor=actor_of(request), dry_run=body.dry_run
    )
    return _respond(request, {"run": result.run_id, "dry_run": body.dry_run,
                              **result.as_json()}, 200 if body.dry_run else 201)  # fmt: skip


class DisputeFilter(PageQuery):
    status: str = Field("", description="open, resolved_credit_note, rejected, ...")
    customer: str = ""
    overdue: bool = Field(False, description="Only open disputes past their due date.")


@router.get("/disputes", response=page_of(DisputeOut), summary="List disputes")
def list_disputes(request: HttpRequest, q: Query[DisputeFilter]) -> dict[str, Any]:
    today = timezone.localdate()
    qs = queries.disputes(creditor_of(request), today, overdue=q.overdue)
    if q.status:
        qs = qs.filter(status=q.status)
    if q.customer:
        qs = qs.filter(invoice__customer__code=q.customer)
    return page(request, qs, q, lambda d: queries.dispute_json(d, today))


def _dispute(creditor: Creditor, pk: int) -> Dispute:
    return get_object_or_404(
        Dispute.objects.select_related("invoice__customer", "owner", "credit_note"),
        invoice__creditor=creditor, pk=pk,
    )  # fmt: skip


@router.get("/disputes/{pk}", response=DisputeDetail, summary="One dispute, with its comments")
def get_dispute(request: HttpRequest, pk: int) -> dict[str, Any]:
    dispute = _dispute(creditor_of(request), pk)
    comments = [
        {"id": c.pk, "author": c.author, "text": c.text, "file": c.filename,
         "created_at": c.created_at.isoformat()}
        for c in dispute.comments.order_by("pk")
    ]  # fmt: skip
    return queries.dispute_json(dispute, timezone.localdate()) | {"comments": comments}


class DisputeIn(Schema):
    invoice: str
    reason: str = Field(..., description="The dispute reason code (see docs/disputes).")
    description: str = ""
    on: date | None = None
    due_on: date | None = None


@router.post("/disputes", auth=COLLECTION_WRITE, summary="Open a dispute on an invoice")
@idempotent
def post_dispute(request: HttpRequest, body: DisputeIn) -> HttpResponse:
    creditor = creditor_of(request)
    invoice = ledger.get_invoice(creditor, body.invoice)
    dispute = services.open_dispute(
        invoice, reason=body.reason, description=body.description, due_on=body.due_on,
        on=body.on or timezone.localdate(), actor=actor_of(request),
    )  # fmt: skip
    return _respond(request, queries.dispute_json(dispute, timezone.localdate()))


class CommentIn(Schema):
    text: str = Field(..., min_length=1)


@router.post("/disputes/{pk}/comments", auth=COLLECTION_WRITE, summary="Comment a dispute")
@idempotent
def post_comment(request: HttpRequest, pk: int, body: CommentIn) -> HttpResponse:
    dispute = _dispute(creditor_of(request), pk)
    comment = services.comment_dispute(dispute, text=body.text, actor=actor_of(request))
    return _respond(request, {"id": comment.pk, "dispute": dispute.pk, "text": comment.text,
                              "author": comment.author})  # fmt: skip


class ResolveIn(Schema):
    resolution: str = Field(..., description="credit_note, rejected or write_off.")
    amount: str | None = Field(None, description="A credit note's amount; default all open.")
    comment: str = ""
    on: date | None = None


@router.post("/disputes/{pk}/resolve", auth=COLLECTION_WRITE, summary="Resolve a dispute")
@idempotent
def post_resolve(request: HttpRequest, pk: int, body: ResolveIn) -> HttpResponse:
    dispute = _dispute(creditor_of(request), pk)
    amount = typed_minor(body.amount, dispute.invoice.currency) if body.amount else None
    dispute = services.resolve_dispute(
        dispute, body.resolution, amount=amount, comment=body.comment,
        on=body.on or timezone.localdate(), actor=actor_of(request),
    )  # fmt: skip
    return _respond(request, queries.dispute_json(dispute, timezone.localdate()), 200)


class PromiseFilter(PageQuery):
    status: str = Field("", description="open, kept, broken or cancelled.")
    customer: str = ""


@router.get("/promises", response=page_of(PromiseOut), summary="List promises to pay")
def list_promises(request: HttpRequest, q: Query[PromiseFilter]) -> dict[str, Any]:
    creditor = creditor_of(request)
    customer = ledger.get_customer(creditor, q.customer) if q.customer else None
    qs = queries.promises(creditor, status=q.status, customer=customer)
    return page(request, qs, q, queries.promise_json)


class PromiseIn(Schema):
    customer: str
    until: date
    amount: str | None = Field(None, description="Decimal string, in the invoices' currency.")
    invoices: list[str] = []
    channel: str = "call"
    on: date | None = None


@router.post("/promises", auth=COLLECTION_WRITE, summary="Record a promise to pay")
@idempotent
def post_promise(request: HttpRequest, body: PromiseIn) -> HttpResponse:
    creditor = creditor_of(request)
    customer = ledger.get_customer(creditor, body.customer)
    invoices = [ledger.get_invoice(creditor, n) for n in body.invoices]
    currency = invoices[0].currency if invoices else creditor.currency
    promise = services.record_promise(
        customer, until=body.until, on=body.on or timezone.localdate(),
        actor=actor_of(request), invoices=invoices, channel=body.channel,
        amount=typed_minor(body.amount, currency) if body.amount else None,
    )  # fmt: skip
    return _respond(request, queries.promise_json(promise))


class NoteIn(Schema):
    customer: str
    reason: str = Field(..., description="The reason for non-payment the debtor gave.")
    text: str = ""
    source: str = Field("note", description="note, call or portal.")
    invoices: list[str] = []
    on: date | None = None


@router.post("/notes", auth=COLLECTION_WRITE, summary="Record a note or a call outcome")
@idempotent
def post_note(request: HttpRequest, body: NoteIn) -> HttpResponse:
    creditor = creditor_of(request)
    customer = ledger.get_customer(creditor, body.customer)
    note = services.record_note(
        customer, reason=body.reason, text=body.text, source=body.source,
        invoices=[ledger.get_invoice(creditor, n) for n in body.invoices],
        on=body.on or timezone.localdate(), actor=actor_of(request),
    )  # fmt: skip
    return _respond(request, {"id": note.pk, "customer": customer.code, "reason": note.reason,
                              "source": note.source, "text": note.text,
                              "noted_on": note.noted_on.isoformat()})  # fmt: skip


class PlanFilter(PageQuery):
    status: str = ""
    customer: str = ""


@router.get("/plans", response=page_of(PlanOut), summary="List payment plans")
def list_plans(request: HttpRequest, q: Query[PlanFilter]) -> dict[str, Any]:
    qs = queries.plans_of(creditor_of(request)).prefetch_related("invoices", "lines")
    if q.status:
        qs = qs.filter(status=q.status)
    if q.customer:
        qs = qs.filter(customer__code=q.customer)
    return page(request, qs, q, plan_row)


@router.get("/plans/{pk}", response=PlanOut, summary="One payment plan")
def get_plan(request: HttpRequest, pk: int) -> dict[str, Any]:
    return plan_row(queries.get_plan(creditor_of(request), pk))
