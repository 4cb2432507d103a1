"""The payment-term cap of an invoice, under the law of the creditor's country, for the
sector of the goods: the customer's when set, else the creditor's."""

from __future__ import annotations

from relance.core.law import Sector, TermLimit, for_country
from relance.ledger.models import Customer, Invoice


def sector_of(customer: Customer) -> Sector:
    return Sector(customer.sector or customer.creditor.sector)


def term_limit(invoice: Invoice) -> TermLimit | None:
    customer = invoice.customer
    return for_country(invoice.creditor.country).term_limit(
        invoice.issue_date, customer.kind, sector_of(customer), invoice.delivery_date
    )
