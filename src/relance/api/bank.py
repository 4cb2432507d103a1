"""Bank statements, their lines, and a person's matching decisions (bank.review)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from relance.api.auth import LEDGER_WRITE, READ, actor_of, creditor_of
from relance.api.idempotency import idempotent
from relance.api.pagination import PageQuery, page
from relance.api.schemas import StatementDetail, StatementLineOut, StatementOut, page_of
from relance.bank import review
from relance.bank.matching import line_json
from relance.bank.models import BankStatement, StatementLine
from relance.core.money import format_minor, typed_minor

router = Router(tags=["bank"], auth=READ)


def statement_row(s: BankStatement) -> dict[str, Any]:
    def money(v: int | None) -> str | None:
        return None if v is None else format_minor(v, s.currency)

    return {
        "id": s.pk, "account": s.account, "currency": s.currency, "format": s.format,
        "start": s.start.isoformat() if s.start else None,
        "end": s.end.isoformat() if s.end else None,
        "opening": money(s.opening), "closing": money(s.closing), "balanced": s.balanced,
        "filename": s.filename, "imported_at": s.imported_at.isoformat(),
    }  # fmt: skip


def line_row(line: StatementLine) -> dict[str, Any]:
    return line_json(line) | {"statement": line.statement_id, "status": line.match_status,
                              "payment": line.payment_id}  # fmt: skip


@router.get("/statements", response=page_of(StatementOut), summary="List bank statements")
def list_statements(request: HttpRequest, q: Query[PageQuery]) -> dict[str, Any]:
    qs = BankStatement.objects.filter(creditor=creditor_of(request)).order_by("-end", "-pk")
    return page(request, qs, q, statement_row)


@router.get(
    "/statements/{pk}", response=StatementDetail, summary="One bank statement, with its lines"
)
def get_statement(request: HttpRequest, pk: int) -> dict[str, Any]:
    statement = get_object_or_404(BankStatement, creditor=creditor_of(request), pk=pk)
    lines = statement.lines.order_by("booked", "pk")
    return statement_row(statement) | {"lines": [line_row(x) for x in lines]}


class LineFilter(PageQuery):
    status: str = Field("", description="proposed, matched, unmatched, ignored ...")
    statement: int | None = None


@router.get("/statement-lines", response=page_of(StatementLineOut), summary="List statement lines")
def list_lines(request: HttpRequest, q: Query[LineFilter]) -> dict[str, Any]:
    qs = StatementLine.objects.filter(creditor=creditor_of(request))
    if q.status:
        qs = qs.filter(match_status=q.status)
    if q.statement is not None:
        qs = qs.filter(statement_id=q.statement)
    return page(request, qs.order_by("booked", "pk"), q, line_row)


def _done(request: HttpRequest, line: StatementLine) -> HttpResponse:
    from relance.api.urls import api

    line.refresh_from_db()
    return api.create_response(request, line_row(line), status=200)


@router.post("/statement-lines/{pk}/accept", auth=LEDGER_WRITE,
             summary="Accept the line's proposed match")  # fmt: skip
@idempotent
def accept_line(request: HttpRequest, pk: int) -> HttpResponse:
    creditor = creditor_of(request)
    get_object_or_404(StatementLine, creditor=creditor, pk=pk)  # another's line: 404
    line = review.accept(creditor, pk, actor=actor_of(request), today=timezone.localdate())
    return _done(request, line)


class Part(Schema):
    invoice: str
    amount: str | None = Field(None, description="Default: what the line has left.")


class AssignIn(Schema):
    customer: str
    invoices: list[Part] = []


@router.post("/statement-lines/{pk}/assign", auth=LEDGER_WRITE,
             summary="Match the line to a customer's invoices")  # fmt: skip
@idempotent
def assign_line(request: HttpRequest, pk: int, body: AssignIn) -> HttpResponse:
    creditor = creditor_of(request)
    line = get_object_or_404(StatementLine, creditor=creditor, pk=pk)
    parts = [(p.invoice, typed_minor(p.amount, line.currency) if p.amount else None)
             for p in body.invoices]  # fmt: skip
    line = review.assign(creditor, pk, body.customer, parts, actor=actor_of(request),
                         today=timezone.localdate())  # fmt: skip
    return _done(request, line)
