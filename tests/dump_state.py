"""Print the state of the database named by RELANCE_DATABASE_URL as JSON, by natural keys
(no ids, no clocks), so that two databases that went through the same work compare
equal. Run by tests/faults.py in a subprocess."""

from __future__ import annotations

import json
from typing import Any


def rows(qs: Any, *fields: str) -> list[list[Any]]:
    return sorted(list(r) for r in qs.values_list(*fields))


def main() -> None:
    import django

    django.setup()
    from relance.bank.models import StatementLine
    from relance.channels.models import Message
    from relance.collection.models import Action, ActionItem, Run
    from relance.ledger import flows
    from relance.ledger.models import Allocation, Creditor, Customer, Invoice, Payment

    numbers: dict[int, list[str]] = {}
    for action, number in ActionItem.objects.values_list("action_id", "invoice__number"):
        numbers.setdefault(action, []).append(number)
    actions = [
        [*row, sorted(numbers.get(pk, []))]
        for pk, *row in Action.objects.values_list(
            "pk", "customer__code", "date", "step", "channel", "status", "amount"
        )
    ]
    print(
        json.dumps(
            {
                "customers": rows(Customer.objects, "code", "name", "email"),
                "invoices": rows(
                    Invoice.objects,
                    "number",
                    "customer__code",
                    "issue_date",
                    "due_date",
                    "amount",
                    "open_amount",
                    "status",
                ),
                "payments": rows(Payment.objects, "date", "amount", "unapplied", "reference"),
                "allocations": rows(
                    Allocation.objects, "invoice__number", "payment__reference", "amount", "date"
                ),
                "statement_lines": rows(StatementLine.objects, "fingerprint", "match_status"),
                # A run that ends after its work is done is a run all the same: a date may have
                # several, planning nothing new.
                "run_dates": sorted({str(d) for d in Run.objects.values_list("date", flat=True)}),
                "actions": sorted(actions),
                "messages": rows(Message.objects, "action__customer__code", "channel", "status"),
                # What the triggers kept, summed (their rows depend on when they were
                # compacted), and whether it is what the ledger adds up to.
                "flows": [
                    [flows.sums(pk), flows.sums(pk) == flows.history(pk)]
                    for pk in Creditor.objects.order_by("pk").values_list("pk", flat=True)
                ],
            },
            default=str,
        )
    )


if __name__ == "__main__":
    main()
