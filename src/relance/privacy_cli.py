"""`relance privacy export|erase|purge`: the GDPR's rights of access and erasure, and
retention (docs/privacy.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

privacy_app = typer.Typer(
    help="The GDPR: export or erase what Relance holds about a person; retention.",
    no_args_is_help=True,
)

CustomerOption = Annotated[
    str, typer.Option("--customer", help="A customer's account code (a consumer, a sole trader).")
]
PersonOption = Annotated[
    str, typer.Option("--person", help="A person's email address or phone number.")
]


def _subject(customer: str, person: str) -> tuple[Any, str]:
    from relance.cli import creditor, fail

    if bool(customer) == bool(person):
        raise fail("say whose data: --customer CODE or --person EMAIL-OR-PHONE")
    return creditor(), customer or person


@privacy_app.command("export")
def export(
    customer: CustomerOption = "",
    person: PersonOption = "",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the JSON to FILE.")
    ] = None,
) -> None:
    """Everything Relance holds about a customer or a person, as one JSON document."""
    from relance.cli import _customer, domain_errors, emit, out, setup

    setup()
    from relance import privacy

    owner, who = _subject(customer, person)
    with domain_errors():
        document = (
            privacy.export_customer(_customer(who))
            if customer
            else privacy.export_person(owner, who)
        )
    if output is None:
        emit(document)
        return
    output.write_text(json.dumps(document, ensure_ascii=False, indent=2, default=str))
    out.print(f"Wrote what Relance holds about {who} to {output}.", highlight=False)


def _report(erased: list[Any], as_json: bool) -> None:
    from relance.cli import emit, out

    if as_json:
        emit([e.as_json() for e in erased])
        return
    for e in erased:
        out.print(
            f"Erased {e.subject}: {e.contacts} contacts, {e.messages} messages "
            f"({e.documents} documents deleted), {e.notes} notes, {e.bank_details} bank "
            f"details, {e.events} audit events redacted.",
            highlight=False,
        )
        for kept in e.kept:
            out.print(f"  kept: {kept}", highlight=False)
    if not erased:
        out.print("Nothing to erase.")


@privacy_app.command("erase")
def erase(
    customer: CustomerOption = "",
    person: PersonOption = "",
    yes: Annotated[bool, typer.Option("--yes", help="Erase: it cannot be undone.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Erase the personal data about a customer or a person (refused while a claim is
    alive); invoices and payments stay, as the law requires."""
    from relance.cli import ACTOR, _customer, domain_errors, fail, setup

    setup()
    from relance import privacy

    owner, who = _subject(customer, person)
    if not yes:
        raise fail(f"erasing {who} cannot be undone: say --yes (`relance privacy export` first)")
    with domain_errors():
        erased = (
            privacy.erase_customer(_customer(who), actor=ACTOR)
            if customer
            else privacy.erase_person(owner, who, actor=ACTOR)
        )
    _report([erased], as_json)


@privacy_app.command("purge")
def purge(
    years: Annotated[
        int | None,
        typer.Option(help="Retention in years after the last activity (RELANCE_RETENTION_YEARS)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Erase every customer with no claim alive whose last activity is older than the
    retention."""
    from django.conf import settings

    from relance.cli import ACTOR, creditor, domain_errors, setup, today

    setup()
    from relance import privacy
    from relance.core.privacy import retention

    with domain_errors():
        kept = retention(settings.RETENTION_YEARS if years is None else years)
    erased = privacy.purge(creditor(), actor=ACTOR, today=today(), years=kept)
    _report(erased, as_json)
