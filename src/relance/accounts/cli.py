"""`relance user add|list|remove`, `relance customer assign`, `relance creditor add|list`:
the team, the collectors' portfolios and the creditors (legal entities) of an install."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

user_app = typer.Typer(help="Users and their roles (docs/roles.md).", no_args_is_help=True)
customer_app = typer.Typer(help="Customers: the collector who works them.", no_args_is_help=True)
creditor_app = typer.Typer(
    help="Creditors (legal entities) of this install; pick one for any command with "
    "`relance --creditor ID|NAME ...` or RELANCE_CREDITOR.",
    no_args_is_help=True,
)

ACTOR = "cli"


def _user(username: str) -> Any:
    from django.contrib.auth import get_user_model

    from relance.cli import fail

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise fail(f"no user {username!r}")
    return user


@user_app.command("add")
def add(
    username: str,
    role: Annotated[str, typer.Option(help="admin, credit_manager, collector or read_only.")],
    password_file: Annotated[
        Path | None,
        typer.Option(help="A file holding the password (first line); none: cannot log in yet."),
    ] = None,
    email: Annotated[str, typer.Option()] = "",
) -> None:
    """Create the user if new, and give them ROLE at the creditor (`relance --creditor`);
    an existing member gets the new role."""
    from relance.cli import creditor, emit, fail, setup

    setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from relance.accounts import services
    from relance.core.errors import DomainError

    password = None
    if password_file is not None:
        try:
            password = password_file.read_text(encoding="utf-8").splitlines()[0].strip()
        except (OSError, IndexError):
            raise fail(f"cannot read a password from {password_file}") from None
        try:
            validate_password(password)
        except ValidationError as exc:
            raise fail(" ".join(exc.messages)) from None
    target = creditor()
    try:
        with transaction.atomic():
            user = get_user_model().objects.filter(username=username).first()
            created = user is None
            if user is None:
                user = services.add_user(username, actor=ACTOR, password=password, email=email)
            elif password is not None:
                services.set_password(user, password, actor=ACTOR)
            member = services.set_role(user, target, role, actor=ACTOR)
    except DomainError as exc:
        raise fail(str(exc)) from None
    emit({"user": user.get_username(), "created": created, "creditor": target.name,
          "role": member.role, "can_log_in": user.has_usable_password()})  # fmt: skip


@user_app.command("remove")
def remove(username: str) -> None:
    """Take the user out of the creditor (`relance --creditor`); their customers are
    unassigned. The user account stays (other creditors, the audit trail)."""
    from relance.cli import creditor, emit, setup

    setup()
    from relance.accounts import services

    target = creditor()
    removed = services.remove_member(_user(username), target, actor=ACTOR)
    emit({"user": username, "creditor": target.name, "removed": bool(removed)})


@user_app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Every user, with their roles per creditor."""
    from relance.cli import emit, out, setup

    setup()
    from django.contrib.auth import get_user_model
    from rich.table import Table

    from relance.accounts.queries import roles_of

    rows = []
    for user in get_user_model().objects.order_by("username"):
        rows.append({
            "user": user.get_username(), "active": user.is_active,
            "superuser": user.is_superuser,
            "roles": {c.name: str(r) for c, r in roles_of(user)} if user.is_active else {},
            "customers": user.portfolio.count(),
        })  # fmt: skip
    if as_json:
        emit(rows)
        return
    table = Table("user", "roles", "customers")
    for r in rows:
        roles = ", ".join(f"{role} ({name})" for name, role in r["roles"].items())
        table.add_row(r["user"], roles or "-", str(r["customers"]))
    out.print(table)


@customer_app.command("assign")
def assign(
    code: str,
    collector: Annotated[str, typer.Option(help="The collector's username; empty: nobody.")],
) -> None:
    """Put customer CODE in a collector's portfolio (or, with --collector '', in no one's)."""
    from relance.cli import creditor, emit, fail, setup

    setup()
    from relance.accounts import services
    from relance.core.errors import DomainError
    from relance.ledger.queries import NotFound, get_customer

    try:
        customer = get_customer(creditor(), code)
        services.assign_collector(customer, _user(collector) if collector else None, actor=ACTOR)
    except (DomainError, NotFound) as exc:
        raise fail(str(exc)) from None
    emit({"customer": customer.code, "collector": collector or None})


@creditor_app.command("add")
def creditor_add(
    name: str,
    country: Annotated[str, typer.Option(help="ISO 3166 country.")] = "FR",
    currency: Annotated[str, typer.Option(help="ISO 4217 currency.")] = "EUR",
    iban: Annotated[str, typer.Option(help="IBAN shown on reminders.")] = "",
    registration_number: Annotated[str, typer.Option("--siren", help="SIREN or SIRET.")] = "",
) -> None:
    """Another legal entity in this install, with the default scenarios."""
    from relance.cli import emit, fail, setup

    setup()
    from relance.core.errors import DomainError
    from relance.ledger.services import create_creditor

    try:
        made = create_creditor(actor=ACTOR, name=name, country=country, currency=currency,
                               iban=iban, registration_number=registration_number)  # fmt: skip
    except DomainError as exc:
        raise fail(str(exc)) from None
    emit({"id": made.pk, "name": made.name, "country": made.country, "currency": made.currency})


@creditor_app.command("list")
def creditor_list() -> None:
    """The creditors, with the id `relance --creditor` takes."""
    from relance.cli import emit, setup

    setup()
    from relance.ledger.models import Creditor

    emit([{"id": c.pk, "name": c.name, "country": c.country, "currency": c.currency,
           "registration_number": c.registration_number}
          for c in Creditor.objects.order_by("id")])  # fmt: skip
