"""Response shapes, as the OpenAPI document shows them: amounts are decimal strings with
the currency's decimals, next to their ISO 4217 currency (the CLI's JSON contract)."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import Field, create_model

Amount = str  # "1200.50": the currency's decimals, never a float


class CustomerOut(Schema):
    customer: str = Field(..., description="The account code.")
    name: str
    email: str
    phone: str
    address: str
    postal_code: str
    city: str
    country: str
    language: str
    kind: str
    registration_number: str
    vat_number: str
    iban: str
    payment_terms: str
    segment: str
    currency: str
    open: Amount
    overdue: Amount


class ContactOut(Schema):
    id: int
    customer: str
    name: str
    role: str
    email: str
    phone: str
    language: str
    preferred_channel: str


class InvoiceOut(Schema):
    number: str
    kind: str
    customer: str
    issue_date: str
    due_date: str
    currency: str
    amount: Amount
    open_amount: Amount
    status: str


class AllocationOut(Schema):
    id: int
    invoice: str
    payment: int | None
    credit_note: str | None
    date: str
    currency: str
    amount: Amount


class InvoiceDetail(InvoiceOut):
    allocations: list[AllocationOut]


class PaymentOut(Schema):
    id: int
    customer: str | None
    date: str
    currency: str
    amount: Amount
    unapplied: Amount
    reference: str
    method: str


class PaymentDetail(PaymentOut):
    allocations: list[AllocationOut]


class ActionOut(Schema):
    id: int
    run: int | None
    customer: str
    date: str
    scenario: str
    step: str
    channel: str
    mode: str
    currency: str
    amount: Amount
    status: str
    status_reason: str
    invoices: list[str]


class RunOut(Schema):
    id: int
    date: str
    actor: str
    started_at: str
    finished_at: str | None
    actions: int
    skipped: list[dict[str, Any]]


class DisputeOut(Schema):
    id: int
    invoice: str
    customer: str
    reason: str
    description: str
    status: str
    owner: str | None
    opened_on: str
    due_on: str
    overdue: bool
    closed_on: str | None
    currency: str
    amount: Amount
    open_amount: Amount
    credit_note: str | None


class CommentOut(Schema):
    id: int
    author: str
    text: str
    file: str
    created_at: str


class DisputeDetail(DisputeOut):
    comments: list[CommentOut]


class PromiseOut(Schema):
    id: int
    customer: str
    promised_date: str
    grace_days: int
    currency: str
    amount: Amount | None
    owed: Amount
    invoices: list[str]
    channel: str
    recorded_on: str
    recorded_by: str
    status: str
    closed_on: str | None


class InstalmentOut(Schema):
    number: int
    due_date: str
    amount: Amount
    down_payment: bool


class PlanOut(Schema):
    id: int
    customer: str
    status: str
    currency: str
    principal: Amount
    penalties: Amount
    every: str
    starts_on: str
    signed_on: str | None
    ended_on: str | None
    invoices: list[str]
    instalments: list[InstalmentOut]


class StatementOut(Schema):
    id: int
    account: str
    currency: str
    format: str
    start: str | None = Field(None, description="The first day the statement covers.")
    end: str | None = Field(None, description="The last day.")
    opening: Amount | None
    closing: Amount | None
    balanced: bool | None
    filename: str
    imported_at: str


class LinePart(Schema):
    number: str
    amount: Amount


class StatementLineOut(Schema):
    line: int
    statement: int
    booked: str
    amount: Amount
    currency: str
    counterparty: str
    text: str
    customer: str | None
    invoices: list[LinePart]
    score: int | None
    reasons: list[str]
    status: str
    payment: int | None


class StatementDetail(StatementOut):
    lines: list[StatementLineOut]


def page_of(item: type[Schema]) -> type[Schema]:
    """The page of a list endpoint: {"count", "limit", "offset", "next", "results"}."""
    model: type[Schema] = create_model(  # type: ignore[call-overload]
        f"{item.__name__.removesuffix('Out')}Page",
        __base__=Schema,
        count=(int, ...),
        limit=(int, ...),
        offset=(int, ...),
        next=(str | None, Field(None, description="The next page's URL; null on the last.")),
        results=(list[item], ...),  # type: ignore[valid-type]
    )
    return model
