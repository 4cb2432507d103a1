"""The `relance` command: the same service functions as the web app.

Exit codes: 0 success, 1 input or domain errors (reported), 2 usage.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="Relance: accounts-receivable collection.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
import_app = typer.Typer(help="Import customers, invoices or payments.", no_args_is_help=True)
show_app = typer.Typer(help="Show one record.", no_args_is_help=True)
dispute_app = typer.Typer(help="Open or close a dispute on an invoice.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(show_app, name="show")
app.add_typer(dispute_app, name="dispute")
plan_app = typer.Typer(help="Payment plans (échéanciers).", no_args_is_help=True)
app.add_typer(plan_app, name="plan")
scenario_app = typer.Typer(help="List, export and import scenarios (YAML).", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")


class _HandOffGroup(typer.core.TyperGroup):
    """`relance handoff CUSTOMER --to PARTNER` opens a case; the other words are commands."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["open", *args]
        return super().parse_args(ctx, args)


handoff_app = typer.Typer(
    cls=_HandOffGroup,
    help="Hand a customer's case to a collection agency, a lawyer or a commissaire de justice: `relance handoff CUSTOMER --to PARTNER`; then payment, close, dossier, show, list.",
    no_args_is_help=True,
)
app.add_typer(handoff_app, name="handoff")
partner_app = typer.Typer(
    help="Collection agencies, lawyers, commissaires de justice.", no_args_is_help=True
)
app.add_typer(partner_app, name="partner")

out = Console()
err = Console(stderr=True)
ACTOR = "cli"
SHOWN_ROWS = 50  # a terminal table past this is unreadable (and slow to draw)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


def setup() -> None:
    """Configure Django once; a bad setting stops here with its message."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        err.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(1) from None


def fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(1)


def emit(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def today() -> date:
    from django.utils import timezone

    return timezone.localdate()


def creditor() -> Any:
    from relance.ledger.queries import NotFound, default_creditor

    try:
        return default_creditor()
    except NotFound as exc:
        raise fail(str(exc)) from None


@app.command()
def init(
    creditor_name: Annotated[
        str, typer.Option("--creditor", help="Legal name.")
    ] = "Ma Société SAS",
    country: Annotated[str, typer.Option(help="ISO 3166 country.")] = "FR",
    currency: Annotated[str, typer.Option(help="ISO 4217 currency.")] = "EUR",
    iban: Annotated[str, typer.Option(help="IBAN shown on reminders.")] = "",
    bic: Annotated[str, typer.Option()] = "",
    address: Annotated[str, typer.Option()] = "",
    postal_code: Annotated[str, typer.Option()] = "",
    city: Annotated[str, typer.Option()] = "",
    registration_number: Annotated[str, typer.Option("--siren", help="SIREN or SIRET.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Create or migrate the database; a default creditor and scenarios when none exist."""
    setup()
    from django.core.management import call_command

    from relance.core.errors import DomainError
    from relance.ledger.models import Creditor
    from relance.ledger.services import create_creditor

    call_command("migrate", interactive=False, verbosity=0)
    made = None
    if not Creditor.objects.exists():
        try:
            made = create_creditor(
                actor=ACTOR,
                name=creditor_name,
                country=country,
                currency=currency,
                iban=iban,
                bic=bic,
                address=address,
                postal_code=postal_code,
                city=city,
                registration_number=registration_number,
            )
        except DomainError as exc:
            raise fail(str(exc)) from None
    current = Creditor.objects.order_by("id").first()
    assert current is not None
    if as_json:
        emit(
            {
                "database": "migrated",
                "creditor": current.name,
                "created": made is not None,
                "scenarios": sorted(current.scenarios.values_list("key", flat=True)),
            }
        )
    elif made:
        out.print(
            f"Database ready. Creditor [bold]{made.name}[/bold] created with the default scenarios."
        )
    else:
        out.print(f"Database migrated. Creditor: [bold]{current.name}[/bold].")


class ImportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


def _import(
    kind: str,
    file: Path,
    fmt: ImportFormat | None,
    dry_run: bool,
    date_format: str | None,
    decimal_comma: bool,
    as_json: bool,
) -> None:
    setup()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from relance.imports.fields import Options
    from relance.imports.services import import_file

    cred = creditor()
    options = Options(
        date_format=date_format,
        decimal_comma=decimal_comma,
        default_currency=cred.currency,
        default_country=cred.country,
    )
    show_bar = not as_json and sys.stderr.isatty()
    with Progress(
        "{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not show_bar,
    ) as bar:
        task = bar.add_task(f"Importing {file.name}", total=_data_lines(file) if show_bar else None)
        result = import_file(
            file,
            kind,
            creditor=cred,
            actor=ACTOR,
            fmt=fmt.value if fmt else None,
            options=options,
            dry_run=dry_run,
            progress=lambda n: bar.advance(task, n),
        )
    if as_json:
        emit(result.as_json())
    else:
        for warning in result.warnings:
            err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
        for e in result.errors[:50]:
            where = f"line {e.line}" + (f", column {e.column}" if e.column else "")
            err.print(f"[red]{where}:[/red] {e.reason}", highlight=False)
        if len(result.errors) > 50:
            err.print(f"... and {len(result.errors) - 50} more in {result.reject_file}")
        prefix = "Dry run, nothing saved: " if dry_run else ""
        out.print(
            f"{prefix}{result.rows} rows: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.rejected} rejected"
            + (f" (see {result.reject_file})" if result.reject_file else ""),
            highlight=False,
        )
    if not result.ok:
        raise typer.Exit(1)


def _data_lines(path: Path) -> int | None:
    """Lines after the header, for the progress bar of a CSV (None for xlsx or no file)."""
    if path.suffix.lower() in {".xlsx", ".xlsm"} or not path.is_file():
        return None
    with path.open("rb") as fh:
        return max(0, sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b"")) - 1)


FileArg = Annotated[Path, typer.Argument(help="CSV or xlsx file.")]
FormatOpt = Annotated[
    ImportFormat | None, typer.Option("--format", help="Default: from the extension.")
]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Check and count; save nothing.")]
DateFormatOpt = Annotated[
    str | None, typer.Option("--date-format", help="strptime format, e.g. %d/%m/%Y.")
]
DecimalCommaOpt = Annotated[bool, typer.Option("--decimal-comma", help="1 234,56 style amounts.")]


def _import_command(kind: str, summary: str) -> None:
    def command(
        file: FileArg,
        fmt: FormatOpt = None,
        dry_run: DryRunOpt = False,
        date_format: DateFormatOpt = None,
        decimal_comma: DecimalCommaOpt = False,
        as_json: JsonOpt = False,
    ) -> None:
        _import(kind, file, fmt, dry_run, date_format, decimal_comma, as_json)

    command.__doc__ = summary
    import_app.command(kind)(command)


_import_command("customers", "Customers (customers.csv): upsert by account code.")
_import_command("invoices", "Invoices and credit notes (invoices.csv): upsert by number.")
_import_command(
    "payments", "Payments (payments.csv), allocated to the invoices they name or the oldest open."
)


@show_app.command("customer")
def show_customer(code: str, as_json: JsonOpt = False) -> None:
    """A customer: fields, balance and open items."""
    setup()
    from relance.ledger import queries

    try:
        data = queries.customer_json(queries.get_customer(creditor(), code), today())
    except queries.NotFound as exc:
        raise fail(str(exc)) from None
    if as_json:
        emit(data)
        return
    out.print(f"[bold]{data['customer']}[/bold] {data['name']}  {data['email']}  {data['phone']}")
    for b in data["balance"]:
        out.print(
            f"Open {b['open']} {b['currency']}, overdue {b['overdue']} {b['currency']} ({b['items']} items)"
        )
    table = Table("number", "issue date", "due date", "days overdue", "amount", "open", "status")
    for i in data["open_items"]:
        table.add_row(
            i["number"],
            i["issue_date"],
            i["due_date"],
            str(i["days_overdue"]),
            f"{i['amount']} {i['currency']}",
            i["open_amount"],
            i["status"],
        )
    out.print(table)


@show_app.command("invoice")
def show_invoice(number: str, as_json: JsonOpt = False) -> None:
    """An invoice or credit note."""
    setup()
    from relance.ledger import queries

    try:
        data = queries.invoice_json(queries.get_invoice(creditor(), number))
    except queries.NotFound as exc:
        raise fail(str(exc)) from None
    if as_json:
        emit(data)
        return
    table = Table(show_header=False)
    for k, v in data.items():
        table.add_row(k, str(v))
    out.print(table)


def _date(value: str | None, option: str) -> date:
    """A YYYY-MM-DD option, today when not given."""
    if value is None:
        return today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None


DateOpt = Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD; default today.")]
OnOpt = Annotated[str | None, typer.Option("--on", help="YYYY-MM-DD; default today.")]


@app.command()
def run(date_: DateOpt = None, dry_run: DryRunOpt = False, as_json: JsonOpt = False) -> None:
    """The collection run: what happens today, for whom, and why not for the others."""
    setup()
    from collections import Counter

    from relance.collection.services import run_collection
    from relance.core.errors import DomainError

    day = _date(date_, "--date")
    try:
        result = run_collection(creditor(), day, actor=ACTOR, dry_run=dry_run)
    except DomainError as exc:
        raise fail(str(exc)) from None
    if as_json:
        emit(result.as_json())
        return
    table = Table(
        "customer", "step", "channel", "mode", "amount", "invoices", title=f"Collection run {day}"
    )
    for a in result.actions[:SHOWN_ROWS]:
        table.add_row(a["customer"], a["step"], "+".join(a["channels"]), a["mode"],
                      f"{a['amount']} {a['currency']}", ", ".join(a["invoices"]))  # fmt: skip
    out.print(table)
    if len(result.actions) > SHOWN_ROWS:
        out.print(f"... and {len(result.actions) - SHOWN_ROWS} more: see the worklist, or --json")
    reasons = Counter(s["reason"] for s in result.skipped)
    summary = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items())) or "none"
    prefix = "Dry run, nothing saved. " if dry_run else ""
    out.print(f"{prefix}{len(result.actions)} actions; skipped: {summary}", highlight=False)


@app.command()
def send(
    limit: Annotated[int | None, typer.Option(help="Prepare at most this many actions.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Dispatch the outbox: prepare the queued actions, email and text what may go alone,
    render the letters to print. Safe to run again, and beside `relance worker`."""
    setup()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress

    from relance.channels import outbox

    waiting = outbox.queued().count()
    with Progress(
        "sending", BarColumn(), MofNCompleteColumn(), console=err,
        disable=as_json or not err.is_terminal,
    ) as bar:  # fmt: skip
        task = bar.add_task("send", total=min(waiting, limit or waiting))
        report = outbox.send(today=today(), limit=limit, progress=lambda n: bar.advance(task, n))
    if as_json:
        emit(report.as_json())
    else:
        out.print(
            f"{report.prepared} actions prepared: {report.sent} messages sent, "
            f"{report.letters} letters to print, {report.retrying} to retry, "
            f"{report.failed} failed, {report.cancelled} cancelled (paid or disputed)",
            highlight=False,
        )
        if report.recovered or report.interrupted:
            out.print(
                f"Recovered from a stopped sender: {report.recovered} actions prepared again, "
                f"{report.interrupted} messages interrupted mid-delivery (see the worklist)",
                highlight=False,
            )
        for line in report.errors[:SHOWN_ROWS]:
            err.print(f"[yellow]{line}[/yellow]", highlight=False)
    if report.failed:
        raise typer.Exit(1)


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="Run the waiting tasks, then stop.")] = False,
) -> None:
    """The background worker: sends the outbox whenever actions are queued (after a run
    or an approval) and retries failed deliveries on time. Start more than one on
    PostgreSQL to share the work."""
    setup()
    from django.core.management import call_command

    from relance.channels.jobs import send_outbox

    send_outbox.enqueue()  # whatever waits from before the worker started
    args = ["--queue-name", "*", "--interval", "2"]
    if once:
        args += ["--batch"]
    call_command("db_worker", *args)


@app.command()
def letters(
    output: Annotated[Path, typer.Argument(help="The PDF to write.")],
    as_json: JsonOpt = False,
) -> None:
    """Write every letter waiting to be printed into one PDF, in posting order."""
    setup()
    from relance.channels import queries

    found = queries.letters_to_print(creditor())
    if not found:
        raise fail("no letter to print")
    output.write_bytes(queries.letters_pdf(found))
    if as_json:
        emit({"file": str(output), "letters": [m.pk for m in found]})
    else:
        out.print(f"{len(found)} letters written to {output}", highlight=False)


@app.command()
def posted(
    message: Annotated[int, typer.Argument(help="The letter (message number).")],
    tracking: Annotated[str, typer.Option(help="The registered-letter (LRAR) number.")] = "",
    on: Annotated[str | None, typer.Option(help="Posting date, YYYY-MM-DD.")] = None,
) -> None:
    """Record that a letter was posted, with its LRAR tracking number when registered."""
    setup()
    from relance.channels import services
    from relance.channels.models import Message
    from relance.core.errors import DomainError

    letter = Message.objects.filter(pk=message, creditor=creditor()).first()
    if letter is None:
        raise fail(f"no letter {message}")
    try:
        services.mark_posted(letter, on=_date(on, "--on"), tracking=tracking, actor=ACTOR)
    except DomainError as exc:
        raise fail(str(exc)) from None
    out.print(f"letter {message} posted", highlight=False)


def _invoice(number: str) -> Any:
    from relance.ledger import queries

    try:
        return queries.get_invoice(creditor(), number)
    except queries.NotFound as exc:
        raise fail(str(exc)) from None


def _customer(code: str) -> Any:
    from relance.ledger import queries

    try:
        return queries.get_customer(creditor(), code)
    except queries.NotFound as exc:
        raise fail(str(exc)) from None


@dispute_app.command("open")
def dispute_open(
    number: str,
    reason: Annotated[
        str, typer.Option("--reason", help="price, quantity, quality, not delivered...")
    ],
    on: OnOpt = None,
) -> None:
    """The invoice is contested: no reminder for it until the dispute is closed."""
    setup()
    from relance.collection.services import open_dispute
    from relance.core.errors import DomainError

    try:
        open_dispute(_invoice(number), reason=reason, on=_date(on, "--on"), actor=ACTOR)
    except DomainError as exc:
        raise fail(str(exc)) from None
    out.print(f"Dispute opened on {number}.")


@dispute_app.command("close")
def dispute_close(number: str, on: OnOpt = None) -> None:
    """Close the invoice's dispute: reminders resume at its next step."""
    setup()
    from relance.collection.services import close_dispute
    from relance.core.errors import DomainError

    try:
        close_dispute(_invoice(number), on=_date(on, "--on"), actor=ACTOR)
    except DomainError as exc:
        raise fail(str(exc)) from None
    out.print(f"Dispute on {number} closed.")


@app.command()
def promise(
    customer: str,
    until: Annotated[str, typer.Option("--until", help="The promised payment date.")],
    amount: Annotated[str | None, typer.Option("--amount", help="Promised amount.")] = None,
    invoices: Annotated[
        str | None, typer.Option("--invoices", help="N1,N2 (default: all).")
    ] = None,
    on: OnOpt = None,
) -> None:
    """Record a promise to pay: the items wait until the date plus 2 days of grace."""
    setup()
    from relance.collection.services import record_promise
    from relance.core.errors import DomainError
    from relance.core.money import Money

    cust = _customer(customer)
    try:
        minor = Money.of(amount, cust.creditor.currency).minor if amount else None
        items = [_invoice(n.strip()) for n in (invoices or "").split(",") if n.strip()]
        record_promise(cust, until=_date(until, "--until"), on=_date(on, "--on"), actor=ACTOR,
                       amount=minor, invoices=items)  # fmt: skip
    except DomainError as exc:
        raise fail(str(exc)) from None
    out.print(f"Promise recorded: {customer} pays by {until}.")


@app.command()
def interest(number: str, date_: DateOpt = None, as_json: JsonOpt = False) -> None:
    """Late-payment penalties and the fixed indemnity due on an invoice."""
    setup()
    from relance.core.errors import DomainError
    from relance.law.interest import interest as compute

    try:
        data = compute(_invoice(number), _date(date_, "--date"))
    except DomainError as exc:
        raise fail(str(exc)) from None
    if as_json:
        emit(data)
        return
    table = Table(
        "from",
        "to",
        "days",
        "base",
        "rate %",
        "amount",
        title=f"{number}: {data['days_late']} days late",
    )
    for p in data["periods"]:
        table.add_row(p["from"], p["to"], str(p["days"]), p["base"], p["rate"], p["amount"])
    out.print(table)
    cur = data["currency"]
    out.print(
        f"Penalties {data['penalties']} {cur} + indemnity {data['indemnity']} {cur} = {data['total']} {cur} ({data['law']} law)",
        highlight=False,
    )


@app.command()
def hold(
    customer: str,
    until: Annotated[str, typer.Option("--until", help="No reminders until this date.")],
) -> None:
    """Put a customer on hold: no reminder until the date."""
    setup()
    from relance.collection.services import hold as hold_customer

    hold_customer(_customer(customer), until=_date(until, "--until"), actor=ACTOR)
    out.print(f"{customer} on hold until {until}.")


@plan_app.command("create")
def plan_create(
    customer: str,
    invoices: Annotated[str, typer.Option("--invoices", help="N1,N2")],
    instalments: Annotated[int, typer.Option("--instalments", help="How many.")],
    first: Annotated[str, typer.Option("--first", help="Date of the first instalment.")],
    every: Annotated[
        str, typer.Option("--every", help="week, fortnight, month, quarter.")
    ] = "month",
    down_payment: Annotated[str | None, typer.Option("--down-payment")] = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Agree a payment plan: its invoices leave dunning while it is current."""
    setup()
    from relance.collection.services import create_plan
    from relance.core.errors import DomainError
    from relance.core.money import Money

    cust = _customer(customer)
    items = [_invoice(n.strip()) for n in invoices.split(",") if n.strip()]
    try:
        currency = items[0].currency if items else cust.creditor.currency
        plan = create_plan(
            cust, items, count=instalments, every=every, first=_date(first, "--first"),
            on=_date(on, "--on"), actor=ACTOR,
            down_payment=Money.of(down_payment, currency).minor if down_payment else 0,
        )  # fmt: skip
    except DomainError as exc:
        raise fail(str(exc)) from None
    if as_json:
        emit(
            {
                "customer": customer,
                "invoices": [i.number for i in items],
                "instalments": plan.instalments,
            }
        )
        return
    for line in plan.instalments:
        out.print(f"{line['date']}  {line['amount']}", highlight=False)


@scenario_app.command("list")
def scenario_list(as_json: JsonOpt = False) -> None:
    """The creditor's scenarios and their steps."""
    setup()
    from relance.collection import queries
    from relance.core.scenarios import to_dict

    found, default = queries.scenarios(creditor())
    if as_json:
        emit({"default": default, "scenarios": [to_dict(s) for s in found.values()]})
        return
    for key, spec in found.items():
        steps = ", ".join(
            f"{s.key}({'term' if s.offset is None else f'{s.offset:+d}'})" for s in spec.steps
        )
        out.print(
            f"[bold]{key}[/bold]{' (default)' if key == default else ''}: {spec.name}; {steps}"
        )


@scenario_app.command("export")
def scenario_export(
    key: str, file: Annotated[Path | None, typer.Argument(help="Default: standard output.")] = None
) -> None:
    """A scenario as YAML, to edit and import again."""
    setup()
    from relance.collection.yaml import dump

    text = dump(key, creditor())
    if text is None:
        raise fail(f"no scenario {key!r}")
    if file:
        file.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


@scenario_app.command("import")
def scenario_import(file: Path) -> None:
    """Create or replace the scenario a YAML file describes (checked first)."""
    setup()
    from relance.collection.services import save_scenario
    from relance.collection.yaml import load
    from relance.core.errors import DomainError

    try:
        spec = load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"{file}: {exc}") from None
    except DomainError as exc:
        raise fail(f"{file}: {exc}") from None
    save_scenario(creditor(), spec, actor=ACTOR)
    out.print(f"Scenario {spec.key} saved ({len(spec.steps)} steps).")


@partner_app.command("add")
def partner_add(
    name: str,
    kind: Annotated[str, typer.Option("--kind", help="agency, lawyer or bailiff.")],
    email: Annotated[str, typer.Option()] = "",
    phone: Annotated[str, typer.Option()] = "",
    address: Annotated[str, typer.Option()] = "",
    postal_code: Annotated[str, typer.Option()] = "",
    city: Annotated[str, typer.Option()] = "",
    country: Annotated[str, typer.Option()] = "FR",
    contact: Annotated[str, typer.Option("--contact", help="Contact person.")] = "",
    reference: Annotated[str, typer.Option(help="Reference or contract number.")] = "",
    language: Annotated[str, typer.Option(help="Language of the dossier: fr or en.")] = "fr",
    notes: Annotated[str, typer.Option()] = "",
) -> None:
    """Record a partner cases can be handed to."""
    setup()
    from relance.core.errors import DomainError
    from relance.handoff.services import add_partner

    try:
        add_partner(creditor(), actor=ACTOR, name=name, kind=kind, email=email, phone=phone,
                    address=address, postal_code=postal_code, city=city, country=country,
                    contact_name=contact, reference=reference, language=language, notes=notes)  # fmt: skip
    except DomainError as exc:
        raise fail(str(exc)) from None
    out.print(f"Partner {name} added.", highlight=False)


@partner_app.command("list")
def partner_list(as_json: JsonOpt = False) -> None:
    """The partners and how many cases each holds."""
    setup()
    from django.db.models import Count, Q

    from relance.handoff.models import Partner

    rows = [
        {"partner": p.pk, "name": p.name, "kind": p.kind, "email": p.email, "phone": p.phone,
         "contact": p.contact_name, "reference": p.reference, "open_cases": p.open_cases}
        for p in Partner.objects.filter(creditor=creditor())
        .annotate(open_cases=Count("cases", filter=Q(cases__status="handed_off")))
        .order_by("name")
    ]  # fmt: skip
    if as_json:
        emit(rows)
        return
    table = Table("name", "kind", "email", "phone", "contact", "reference", "open cases")
    for r in rows:
        table.add_row(r["name"], r["kind"], r["email"], r["phone"], r["contact"], r["reference"],
                      str(r["open_cases"]))  # fmt: skip
    out.print(table)


def _case(code: str) -> Any:
    from relance.handoff import queries

    try:
        return queries.latest_case(_customer(code))
    except queries.NotFound as exc:
        raise fail(str(exc)) from None


def _print_case(data: dict[str, Any]) -> None:
    out.print(
        f"Case {data['case']}: {data['customer']} with {data['partner']}, {data['status']}"
        f"{' (' + data['outcome'] + ')' if data['outcome'] else ''}, handed off on "
        f"{data['handed_off_on']}",
        highlight=False,
    )
    for t in data["totals"]:
        out.print(
            f"  {t['currency']}: principal {t['principal']} + penalties {t['penalties']} "
            f"+ indemnity {t['indemnity']} = {t['total']}",
            highlight=False,
        )


@handoff_app.command("open")
def handoff_open(
    customer: str,
    to: Annotated[str, typer.Option("--to", help="The partner (name or number).")],
    invoices: Annotated[
        str | None, typer.Option("--invoices", help="N1,N2 (default: every overdue invoice).")
    ] = None,
    date_: DateOpt = None,
    dossier_file: Annotated[
        Path | None, typer.Option("--dossier", help="Also write the dossier ZIP here.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Hand the customer's case to a partner: dunning stops; amounts split into principal,
    penalties and indemnity are stored. `relance handoff CUSTOMER --to PARTNER` runs this."""
    setup()
    from relance.core.errors import DomainError
    from relance.handoff import dossier, queries, services

    cust = _customer(customer)
    try:
        partner = queries.partner(cust.creditor, to)
        case = services.hand_off(
            cust, partner, on=_date(date_, "--date"), actor=ACTOR,
            invoices=[n.strip() for n in (invoices or "").split(",") if n.strip()] or None,
        )  # fmt: skip
        if dossier_file is not None:
            dossier.write(case, today(), dossier_file)
    except (DomainError, queries.NotFound) as exc:
        raise fail(str(exc)) from None
    data = queries.case_json(case) | (
        {"dossier": str(dossier_file)} if dossier_file is not None else {}
    )
    if as_json:
        emit(data)
        return
    _print_case(data)
    if dossier_file is not None:
        out.print(f"Dossier written to {dossier_file}", highlight=False)


@handoff_app.command("dossier")
def handoff_dossier(
    customer: str, output: Annotated[Path, typer.Argument(help="The ZIP to write.")]
) -> None:
    """Write the dossier of the customer's case (the open one, else the latest)."""
    setup()
    from relance.core.errors import DomainError
    from relance.handoff import dossier

    case = _case(customer)
    try:
        dossier.write(case, today(), output)
    except DomainError as exc:
        raise fail(str(exc)) from None
    out.print(f"Dossier written to {output}", highlight=False)


@handoff_app.command("payment")
def handoff_payment(
    customer: str,
    amount: Annotated[str, typer.Option("--amount", help="The amount the partner collected.")],
    date_: DateOpt = None,
    invoices: Annotated[
        str | None, typer.Option("--invoices", help="N1,N2 (allocation hint).")
    ] = None,
    currency: Annotated[str | None, typer.Option(help="Default: the case's currency.")] = None,
    reference: Annotated[str, typer.Option(help="The partner's reference.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Record a payment the partner reported: allocated in the ledger; the case closes
    when nothing remains open."""
    setup()
    from relance.core.errors import DomainError
    from relance.core.money import Money
    from relance.handoff import queries, services

    case = _case(customer)
    try:
        cur = (currency or case.items.values_list("currency", flat=True).first() or "").upper()
        services.record_payment(
            case, amount=Money.of(amount, cur).minor, currency=cur, on=_date(date_, "--date"),
            actor=ACTOR, invoices=[n.strip() for n in (invoices or "").split(",") if n.strip()],
            reference=reference, today=today(),
        )  # fmt: skip
    except DomainError as exc:
        raise fail(str(exc)) from None
    case.refresh_from_db()
    data = queries.case_json(case)
    if as_json:
        emit(data)
        return
    _print_case(data)


@handoff_app.command("close")
def handoff_close(
    customer: str,
    outcome: Annotated[
        str, typer.Option("--outcome", help="paid, withdraw (dunning resumes) or uncollectable.")
    ],
    date_: DateOpt = None,
    note: Annotated[str, typer.Option()] = "",
) -> None:
    """Close the customer's open case."""
    setup()
    from relance.core.errors import DomainError
    from relance.core.handoff import CaseEvent
    from relance.handoff import services

    case = _case(customer)
    try:
        event = CaseEvent(outcome)
    except ValueError:
        raise typer.BadParameter(
            f"one of {', '.join(e.value for e in CaseEvent)}", param_hint="--outcome"
        ) from None
    try:
        done = services.close_case(case, event, on=_date(date_, "--date"), actor=ACTOR, note=note)
    except DomainError as exc:
        raise fail(str(exc)) from None
    out.print(f"Case {done.pk} closed: {done.outcome}.", highlight=False)


@handoff_app.command("show")
def handoff_show(customer: str, as_json: JsonOpt = False) -> None:
    """The customer's case: partner, status, amounts, payments reported."""
    setup()
    from relance.handoff import queries

    data = queries.case_json(_case(customer))
    if as_json:
        emit(data)
        return
    _print_case(data)
    for p in data["payments"]:
        out.print(f"  reported {p['date']}: {p['amount']} {p['currency']}", highlight=False)


@handoff_app.command("list")
def handoff_list(
    status: Annotated[str, typer.Option(help="handed_off or closed; default all.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """The cases handed off, latest first."""
    setup()
    from relance.handoff import queries

    rows = [queries.case_json(c) for c in queries.cases(creditor(), status)]
    if as_json:
        emit(rows)
        return
    table = Table("case", "customer", "partner", "status", "handed off", "total")
    for r in rows[:SHOWN_ROWS]:
        total = ", ".join(f"{t['total']} {t['currency']}" for t in r["totals"])
        table.add_row(str(r["case"]), r["customer"], r["partner"], r["outcome"] or r["status"],
                      r["handed_off_on"], total)  # fmt: skip
    out.print(table)


@app.command()
def demo(
    customers: Annotated[int, typer.Option(help="How many customers.")] = 300,
    invoices_per_customer: Annotated[int, typer.Option(help="Average invoices per customer.")] = 10,
    seed: Annotated[int, typer.Option(help="Same seed, same ledger.")] = 2026,
    serve_after: Annotated[bool, typer.Option("--serve", help="Then serve the web app.")] = False,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    force: Annotated[
        bool, typer.Option("--force", help="Even in a database that holds a ledger.")
    ] = False,
) -> None:
    """Build a realistic French SME ledger (and a demo login), then optionally serve it."""
    setup()
    from django.core.management import call_command

    from relance.audit import Event
    from relance.demo import DEMO_PASSWORD, DEMO_USER, build_demo
    from relance.ledger.models import Creditor

    call_command("migrate", interactive=False, verbosity=0)
    # The demo adds fake customers and a superuser with a published password: never into
    # a real ledger by mistake.
    if (
        not force
        and Creditor.objects.exists()
        and not Event.objects.filter(verb="demo.generated").exists()
    ):
        raise fail(
            "this database already holds a ledger; build the demo in another one "
            "(RELANCE_DATABASE_URL=sqlite:///demo.sqlite3) or pass --force"
        )
    with err.status("Building the demo ledger..."):
        summary = build_demo(
            customers=customers,
            invoices_per_customer=invoices_per_customer,
            seed=seed,
            today=today(),
        )
    out.print(
        f"Demo ledger: {summary['customers']} customers, {summary['invoices']} invoices, "
        f"{summary['payments']} payments.",
        highlight=False,
    )
    out.print(f"Log in as [bold]{DEMO_USER}[/bold] / [bold]{DEMO_PASSWORD}[/bold]")
    if serve_after:
        serve(host=host, port=port)


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    threads: Annotated[int, typer.Option()] = 8,
) -> None:
    """Serve the web app (waitress)."""
    setup()
    from django.conf import settings
    from django.core.management import call_command
    from waitress import serve as waitress_serve

    from relance.config import ConfigError, require_secret_key
    from relance.wsgi import application

    try:
        require_secret_key(settings.DEBUG, settings.SECRET_KEY_FROM_ENV)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    call_command("migrate", interactive=False, verbosity=0)
    out.print(f"Relance is at [bold]http://{host}:{port}/[/bold] (Ctrl+C to stop)")
    waitress_serve(application, host=host, port=port, threads=threads, ident="relance")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
