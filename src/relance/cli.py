"""The `relance` command: the same service functions as the web app.

Exit codes: 0 success, 1 input or domain errors (reported), 2 usage.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
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
match_app = typer.Typer(
    help="Match the statements' payments to invoices; review the matches (accept, assign, "
    "ignore, undo)."
)
app.add_typer(match_app, name="match")
dispute_app = typer.Typer(
    help="Disputes: open, comment, assign, resolve, list.", no_args_is_help=True
)
report_app = typer.Typer(help="Reports.", no_args_is_help=True)
app.add_typer(report_app, name="report")
app.add_typer(import_app, name="import")
app.add_typer(show_app, name="show")
app.add_typer(dispute_app, name="dispute")
plan_app = typer.Typer(help="Payment plans (échéanciers).", no_args_is_help=True)
app.add_typer(plan_app, name="plan")
scenario_app = typer.Typer(help="List, export and import scenarios (YAML).", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")
penalty_app = typer.Typer(
    help="Penalty invoices: late-payment penalties and the fixed indemnity, as PDF.",
    no_args_is_help=True,
)
app.add_typer(penalty_app, name="penalty-invoice")


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
from relance.accounts.cli import creditor_app, customer_app, user_app  # noqa: E402
from relance.api.cli import token_app  # noqa: E402
from relance.webhooks.cli import webhook_app  # noqa: E402

app.add_typer(token_app, name="token")
app.add_typer(user_app, name="user")
app.add_typer(customer_app, name="customer")
app.add_typer(creditor_app, name="creditor")
app.add_typer(webhook_app, name="webhook")
from relance.backup_cli import backup, restore  # noqa: E402
from relance.privacy_cli import privacy_app  # noqa: E402

app.command()(backup)
app.command()(restore)
app.add_typer(privacy_app, name="privacy")

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


@contextmanager
def domain_errors(prefix: str = "") -> Iterator[None]:
    """A domain error raised inside (bad input, a refused change) becomes the command's
    error message and exit code 1, as the contract says: one place for every command."""
    from relance.core.errors import DomainError

    try:
        yield
    except DomainError as exc:
        raise fail(f"{prefix}{exc}") from None


PRETTY_UP_TO = 1_000_000  # characters of JSON printed indented; more come on one line


def emit(data: Any) -> None:
    # Indentation is for people reading; only the unindented encoder is written in C:
    # the aged balance of 71,000 customers (50 MB indented) took 4.7 s of CPU to
    # indent against 1.0 s on one line (bench/README.md, issue 8).
    text = json.dumps(data, ensure_ascii=False, default=str)
    if len(text) <= PRETTY_UP_TO:
        text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write(text + "\n")


def today() -> date:
    from django.utils import timezone

    return timezone.localdate()


_chosen_creditor: str | None = None  # `relance --creditor`, for this invocation


@app.callback()
def _global(
    creditor: Annotated[
        str,
        typer.Option(
            "--creditor", envvar="RELANCE_CREDITOR",
            help="The creditor the command works on: its id or name (`relance creditor "
            "list`); default the first one.",
        ),
    ] = "",
) -> None:  # fmt: skip
    global _chosen_creditor
    _chosen_creditor = creditor


def creditor() -> Any:
    """The creditor chosen with `relance --creditor` (or RELANCE_CREDITOR), else the first."""
    from relance.ledger.models import Creditor
    from relance.ledger.queries import NotFound, default_creditor

    chosen = (
        _chosen_creditor if _chosen_creditor is not None else os.environ.get("RELANCE_CREDITOR", "")
    ).strip()
    if not chosen:
        try:
            return default_creditor()
        except NotFound as exc:
            raise fail(str(exc)) from None
    found = (
        Creditor.objects.filter(pk=int(chosen)).first()
        if chosen.isdigit()
        else Creditor.objects.filter(name__iexact=chosen).order_by("id").first()
    )
    if found is None:
        raise fail(f"no creditor {chosen!r}: see `relance creditor list`")
    return found


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
    sector: Annotated[
        str,
        typer.Option(
            help="What you sell, for the legal cap on payment terms: general, perishable_food, "
            "livestock_meat, alcohol, non_perishable_food, transport."
        ),
    ] = "general",
    as_json: JsonOpt = False,
) -> None:
    """Create or migrate the database; a default creditor and scenarios when none exist."""
    setup()
    from django.core.management import call_command

    from relance.ledger.models import Creditor
    from relance.ledger.services import create_creditor

    call_command("migrate", interactive=False, verbosity=0)
    made = None
    if not Creditor.objects.exists():
        with domain_errors():
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
                sector=sector,
            )
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
    fec = "fec"
    facturx = "facturx"
    ubl = "ubl"
    cii = "cii"


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
        if result.fec:
            out.print(
                "FEC: {c} customers, {i} invoices, {p} payments, {a} allocations created".format(
                    c=result.fec["customers"]["created"], i=result.fec["invoices"]["created"],
                    p=result.fec["payments"]["created"], a=result.fec["allocations"],
                ),
                highlight=False,
            )  # fmt: skip
        if result.einvoice:
            doc = result.einvoice
            credited = f", applied to {', '.join(doc['credited'])}" if doc["credited"] else ""
            out.print(
                f"{result.format}: {doc['kind'].replace('_', ' ')} {doc['number']} for customer "
                f"{doc['customer']} ({doc['customer_status']}){credited}",
                highlight=False,
            )
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


FileArg = Annotated[
    Path, typer.Argument(help="CSV, xlsx, FEC or e-invoice (Factur-X PDF, UBL, CII) file.")
]
FormatOpt = Annotated[
    ImportFormat | None,
    typer.Option(
        "--format",
        help="Default: from the content (xlsx: the extension; fec: the header; "
        "facturx: a PDF; ubl, cii: the XML root).",
    ),
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


class StatementFormat(StrEnum):
    camt053 = "camt053"
    camt054 = "camt054"
    mt940 = "mt940"
    ofx = "ofx"
    cfonb120 = "cfonb120"
    csv = "csv"


@import_app.command("statement")
def import_statement(
    file: Annotated[Path, typer.Argument(help="Bank statement file.")],
    fmt: Annotated[
        StatementFormat | None,
        typer.Option("--format", help="Default: recognised from the content."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """A bank statement (camt.053/054, MT940, OFX, CFONB 120, CSV): its lines, once each."""
    setup()
    from relance.bank.services import import_statement as run
    from relance.bank.services import result_json

    with domain_errors():
        result = run(file, creditor(), ACTOR, fmt.value if fmt else None)
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    data = result_json(result)
    if as_json:
        emit(data)
        return
    for s in data["statements"]:  # type: ignore[attr-defined]
        balance = {True: "balanced", False: "NOT balanced", None: "no balances"}[s["balanced"]]
        out.print(
            f"{s['account']} {s['currency']}: {s['entries']} entries, "
            f"opening {s['opening']}, closing {s['closing']} ({balance})",
            highlight=False,
        )
    out.print(
        f"{result.file} ({result.format}): {result.created} lines created, "
        f"{result.duplicates} already imported, {result.matched} payments matched",
        highlight=False,
    )


@match_app.callback(invoke_without_command=True)
def match(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Match the statements' payments to open invoices; list what is kept for review."""
    if ctx.invoked_subcommand is not None:
        return
    setup()
    from relance.bank.matching import match_lines, proposals_json

    cred = creditor()
    result = match_lines(cred, actor=ACTOR, today=today())
    proposals = proposals_json(cred)
    if as_json:
        emit({"matched": result.matched, "unmatched": result.unmatched, "proposals": proposals})
        return
    table = Table("line", "booked", "amount", "counterparty", "customer", "invoices", "score",
                  "reasons", title="Proposed for review")  # fmt: skip
    for p in proposals[:SHOWN_ROWS]:
        invoices = ", ".join(f"{i['number']} {i['amount']}" for i in p["invoices"])
        table.add_row(str(p["line"]), p["booked"], f"{p['amount']} {p['currency']}",
                      p["counterparty"], p["customer"], invoices, str(p["score"]),
                      ", ".join(p["reasons"]))  # fmt: skip
    out.print(table)
    out.print(
        f"{result.matched} payments matched, {len(proposals)} proposed for review, "
        f"{result.unmatched} unmatched",
        highlight=False,
    )


LineArg = Annotated[int, typer.Argument(help="The statement line's id (relance match).")]


def _review(decide: Any, as_json: bool) -> None:
    """Run one review decision on the creditor's line; print the line after it."""
    from relance.bank.review import describe

    with domain_errors():
        line = decide(creditor())
    data = describe(line)
    if as_json:
        emit(data)
        return
    payment = data["payment"]
    applied = (
        (", ".join(f"{a['invoice']} {a['amount']}" for a in payment["allocations"]) or "nothing")
        if payment
        else ""
    )
    out.print(
        f"line {data['line']} {data['booked']} {data['amount']} {data['currency']}: "
        f"{data['status']}"
        + (
            f", {payment['customer']}: {applied}; unapplied {payment['unapplied']}"
            if payment
            else ""
        ),
        highlight=False,
    )


@match_app.command("accept")
def match_accept(line: LineArg, as_json: JsonOpt = False) -> None:
    """Apply the line's proposal as it is."""
    setup()
    from relance.bank import review

    _review(lambda cred: review.accept(cred, line, actor=ACTOR, today=today()), as_json)


@match_app.command("assign")
def match_assign(
    line: LineArg,
    customer: Annotated[str, typer.Option("--customer", help="The customer's code.")],
    invoice: Annotated[
        list[str] | None,
        typer.Option(
            "--invoice",
            help="NUMBER or NUMBER=AMOUNT, repeated; without an amount, what the line has "
            "left. The rest stays unapplied, a credit of the customer.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Apply the line to a customer's invoices with the amounts chosen (split, credit)."""
    setup()
    from relance.bank import review
    from relance.core.money import InvalidAmount, typed_minor

    parts: list[tuple[str, int | None]] = []
    cred = creditor()
    for given in invoice or []:
        number, _, amount = given.partition("=")
        try:
            parts.append((number.strip(), typed_minor(amount, cred.currency) if amount else None))
        except InvalidAmount as exc:
            raise fail(f"--invoice {given}: {exc}") from None
    _review(
        lambda cred: review.assign(cred, line, customer, parts, actor=ACTOR, today=today()),
        as_json,
    )


@match_app.command("ignore")
def match_ignore(line: LineArg, as_json: JsonOpt = False) -> None:
    """Mark the line as not a customer payment (a refund, interest): matching skips it."""
    setup()
    from relance.bank import review

    _review(lambda cred: review.ignore(cred, line, actor=ACTOR), as_json)


@match_app.command("undo")
def match_undo(line: LineArg, as_json: JsonOpt = False) -> None:
    """Reverse the line's match or its ignoring: its invoices are open again."""
    setup()
    from relance.bank import review

    _review(lambda cred: review.undo(cred, line, actor=ACTOR, today=today()), as_json)


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
    kept = data["promises"]
    if kept["rate"] is not None:
        out.print(
            f"Promises kept: {_percent(kept['rate'])} ({kept['kept']} kept, "
            f"{kept['broken']} broken)",
            highlight=False,
        )
    if data["reasons"]:
        heard = ", ".join(f"{r['reason']} ({r['count']})" for r in data["reasons"])
        out.print(f"Reasons for non-payment: {heard}", highlight=False)
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

    from django.utils import timezone

    from relance.collection.services import run_collection

    day = _date(date_, "--date")
    with domain_errors():
        result = run_collection(creditor(), day, actor=ACTOR, dry_run=dry_run)
    if result.waited_for:
        at = timezone.localtime(result.waited_for).strftime("%H:%M:%S")
        err.print(
            f"[yellow]Another run for {day} was under way: this one waited for it to finish "
            f"(at {at}) and planned only what it left.[/yellow]",
            highlight=False,
            soft_wrap=True,
        )
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
    for p in result.plans:
        what = (
            p.get("status") or f"{p['reminder']} for instalment {p['instalment']} ({p['channel']})"
        )
        out.print(f"Payment plan {p['plan']} of {p['customer']}: {what}", highlight=False)


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
        with domain_errors():
            report = outbox.send(
                today=today(), limit=limit, progress=lambda n: bar.advance(task, n)
            )
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
    from relance.webhooks.jobs import deliver_webhooks

    deliver_webhooks.enqueue()  # and the webhooks waiting to be retried
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

    letter = Message.objects.filter(pk=message, creditor=creditor()).first()
    if letter is None:
        raise fail(f"no letter {message}")
    with domain_errors():
        services.mark_posted(letter, on=_date(on, "--on"), tracking=tracking, actor=ACTOR)
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


def _dispute_reasons() -> str:
    from relance.core.disputes import DisputeReason

    return ", ".join(r.value for r in DisputeReason)


def _user(username: str | None) -> Any:
    """A user of the web app, by name (None for nobody)."""
    if not username:
        return None
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise fail(f"no user {username!r}")
    return user


def _percent(fraction: str) -> str:
    """A fraction of the JSON ("0.6667") as the CLI prints it: "66.7 %"."""
    return f"{(Decimal(fraction) * 100).quantize(Decimal('0.1'))} %"


def _amount(value: str, currency: str, option: str) -> int:
    """An amount typed on the command line, in minor units, or exit 1 naming the option."""
    from relance.core.money import typed_minor

    with domain_errors(f"{option}: "):
        return typed_minor(value, currency)


OwnerOpt = Annotated[str | None, typer.Option("--owner", help="Who resolves it (a user name).")]
DueOpt = Annotated[str | None, typer.Option("--due", help="Resolution due date, YYYY-MM-DD.")]


@dispute_app.command("open")
def dispute_open(
    number: str,
    reason: Annotated[str, typer.Option("--reason", help=f"One of: {_dispute_reasons()}.")],
    text: Annotated[str, typer.Option("--text", help="What the debtor contests.")] = "",
    owner: OwnerOpt = None,
    due: DueOpt = None,
    on: OnOpt = None,
) -> None:
    """The invoice is contested: no reminder for it until the dispute is resolved (due
    for resolution in 30 days unless --due says otherwise)."""
    setup()
    from relance.collection.services import open_dispute

    with domain_errors():
        dispute = open_dispute(
            _invoice(number), reason=reason, description=text, on=_date(on, "--on"), actor=ACTOR,
            owner=_user(owner), due_on=_date(due, "--due") if due else None,
        )  # fmt: skip
    out.print(f"Dispute opened on {number}, to resolve by {dispute.due_on}.", highlight=False)


@dispute_app.command("close")
def dispute_close(number: str, on: OnOpt = None) -> None:
    """The debtor withdrew the dispute: reminders resume at the invoice's next step."""
    setup()
    from relance.collection.services import close_dispute

    with domain_errors():
        close_dispute(_invoice(number), on=_date(on, "--on"), actor=ACTOR)
    out.print(f"Dispute on {number} closed.")


def _dispute(number: str, *, open_only: bool = True) -> Any:
    """The invoice's open dispute (or its latest one)."""
    from relance.collection.services import open_dispute_of

    invoice = _invoice(number)
    if not open_only:
        latest = invoice.disputes.order_by("-opened_on", "-pk").first()
        if latest is None:
            raise fail(f"invoice {number} has no dispute")
        return latest
    with domain_errors():
        return open_dispute_of(invoice)


@dispute_app.command("comment")
def dispute_comment(
    number: str,
    text: Annotated[str, typer.Option("--text", help="The comment.")] = "",
    file: Annotated[
        Path | None,
        typer.Option("--file", help="A document to keep with it.", exists=True, dir_okay=False),
    ] = None,
) -> None:
    """Add a comment, and a document (kept with its SHA-256), to the invoice's dispute."""
    setup()
    from django.core.files import File

    from relance.collection.services import comment_dispute

    dispute = _dispute(number, open_only=False)
    with domain_errors():
        if file is None:
            comment_dispute(dispute, text=text, actor=ACTOR)
        else:
            with file.open("rb") as handle:
                comment_dispute(
                    dispute, text=text, upload=File(handle, name=file.name), actor=ACTOR
                )
    out.print(f"Comment added to the dispute on {number}.")


@dispute_app.command("assign")
def dispute_assign(number: str, owner: OwnerOpt = None, due: DueOpt = None) -> None:
    """Give the dispute an owner (a user of the web app) and a resolution due date."""
    setup()
    from relance.collection.services import assign_dispute

    dispute = _dispute(number)
    with domain_errors():
        assign_dispute(dispute, owner=_user(owner), due_on=_date(due, "--due") if due else None,
                       actor=ACTOR)  # fmt: skip
    out.print(
        f"Dispute on {number}: owner {owner or 'nobody'}, due {dispute.due_on}.", highlight=False
    )


@dispute_app.command("resolve")
def dispute_resolve(
    number: str,
    amount: Annotated[
        str | None, typer.Argument(help="With --credit-note: a partial amount.")
    ] = None,
    credit_note: Annotated[
        bool, typer.Option("--credit-note", help="A credit note: the open amount, or AMOUNT.")
    ] = False,
    rejected: Annotated[
        bool, typer.Option("--rejected", help="The claim stands: dunning resumes.")
    ] = False,
    write_off: Annotated[
        bool, typer.Option("--write-off", help="Abandon what is left of the invoice.")
    ] = False,
    comment: Annotated[str, typer.Option("--comment", help="Why.")] = "",
    on: OnOpt = None,
) -> None:
    """Resolve the invoice's dispute: `--credit-note [AMOUNT]` (the open amount, or a
    partial one), `--rejected` (dunning resumes), or `--write-off`."""
    setup()
    from relance.collection.services import resolve_dispute

    chosen = [n for n, flag in (("credit_note", credit_note), ("rejected", rejected),
                                ("write_off", write_off)) if flag]  # fmt: skip
    if len(chosen) != 1:
        raise typer.BadParameter("give one of --credit-note, --rejected, --write-off")
    if amount is not None and not credit_note:
        raise typer.BadParameter("an amount goes with --credit-note")
    dispute = _dispute(number)
    minor = None if amount is None else _amount(amount, dispute.invoice.currency, "AMOUNT")
    with domain_errors():
        done = resolve_dispute(
            dispute, chosen[0], on=_date(on, "--on"), actor=ACTOR, comment=comment, amount=minor
        )
    extra = f" (credit note {done.credit_note.number})" if done.credit_note else ""
    out.print(f"Dispute on {number}: {done.status}{extra}.", highlight=False)


@dispute_app.command("list")
def dispute_list(
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only open disputes past their due date.")
    ] = False,
    open_only: Annotated[bool, typer.Option("--open", help="Only open disputes.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """The disputes, the oldest resolution due date first."""
    setup()
    from relance.collection import queries

    day = today()
    rows = [queries.dispute_json(d, day) for d in
            queries.disputes(creditor(), day, overdue=overdue, open_only=open_only)]  # fmt: skip
    if as_json:
        emit({"date": day.isoformat(), "disputes": rows})
        return
    table = Table("invoice", "customer", "reason", "status", "owner", "due", "open amount")
    for d in rows[:SHOWN_ROWS]:
        late = "[red]" if d["overdue"] else ""
        table.add_row(d["invoice"], d["customer"], d["reason"], d["status"], d["owner"] or "",
                      f"{late}{d['due_on']}", f"{d['open_amount']} {d['currency']}")  # fmt: skip
    out.print(table)
    out.print(f"{len(rows)} disputes", highlight=False)


@dispute_app.command("show")
def dispute_show(number: str, as_json: JsonOpt = False) -> None:
    """The invoice's latest dispute, its comments and its timeline."""
    setup()
    from relance.collection import queries

    dispute = _dispute(number, open_only=False)
    data = queries.dispute_json(dispute, today())
    data["comments"] = [
        {"at": c.created_at.isoformat(), "author": c.author, "text": c.text,
         "file": c.filename, "sha256": c.sha256}
        for c in dispute.comments.all()
    ]  # fmt: skip
    data["timeline"] = [
        {"at": e.at.isoformat(), "actor": e.actor, "verb": e.verb, "data": e.data}
        for e in queries.dispute_timeline(dispute)
    ]
    if as_json:
        emit(data)
        return
    for key in ("invoice", "customer", "reason", "description", "status", "owner", "opened_on",
                "due_on", "closed_on", "open_amount", "credit_note"):  # fmt: skip
        out.print(f"{key}: {data[key]}", highlight=False)
    for e in data["timeline"]:
        out.print(f"{e['at'][:16]} {e['verb']} ({e['actor']})", highlight=False)


@app.command()
def promise(
    customer: Annotated[str, typer.Argument(help="The customer; or `list`, or `cancel`.")],
    promise_id: Annotated[
        int | None, typer.Argument(help="With `cancel`: the promise's number.")
    ] = None,
    until: Annotated[str | None, typer.Option("--until", help="The promised payment date.")] = None,
    amount: Annotated[str | None, typer.Option("--amount", help="Promised amount.")] = None,
    invoices: Annotated[
        str | None, typer.Option("--invoices", help="N1,N2 (default: all).")
    ] = None,
    channel: Annotated[
        str, typer.Option("--channel", help="call, email, portal, letter or in_person.")
    ] = "call",
    grace: Annotated[int, typer.Option("--grace", help="Days of grace after the date.")] = 2,
    broken: Annotated[bool, typer.Option("--broken", help="With `list`: broken only.")] = False,
    status: Annotated[str, typer.Option("--status", help="With `list`: this status only.")] = "",
    on: OnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a promise to pay (`relance promise C001 --until D`): the items wait until
    the date plus the grace days. `relance promise list [--broken] [--json]` lists them,
    `relance promise cancel ID` cancels one."""
    setup()
    if customer == "list":
        _promise_list("broken" if broken else status, as_json)
        return
    if customer == "cancel":
        _promise_cancel(promise_id, on)
        return
    from relance.collection.services import record_promise

    if until is None:
        raise typer.BadParameter("when is it promised? (YYYY-MM-DD)", param_hint="--until")
    cust = _customer(customer)
    with domain_errors():
        items = [_invoice(n.strip()) for n in (invoices or "").split(",") if n.strip()]
        currency = items[0].currency if items else cust.creditor.currency
        minor = None if amount is None else _amount(amount, currency, "--amount")
        made = record_promise(cust, until=_date(until, "--until"), on=_date(on, "--on"), actor=ACTOR,
                              amount=minor, invoices=items, channel=channel,
                              grace_days=grace)  # fmt: skip
    out.print(f"Promise {made.pk} recorded: {customer} pays by {until}.", highlight=False)


def _promise_list(status: str, as_json: bool) -> None:
    from relance.collection import queries

    rows = [queries.promise_json(p) for p in queries.promises(creditor(), status=status)]
    if as_json:
        emit({"promises": rows})
        return
    table = Table("id", "customer", "promised", "amount", "invoices", "channel", "status")
    for p in rows[:SHOWN_ROWS]:
        shown = (
            f"{p['amount']} {p['currency']}" if p["amount"] else f"({p['owed']} {p['currency']})"
        )
        table.add_row(str(p["id"]), p["customer"], p["promised_date"], shown,
                      ",".join(p["invoices"]) or "all", p["channel"], p["status"])  # fmt: skip
    out.print(table)


def _promise_cancel(promise_id: int | None, on: str | None) -> None:
    from relance.collection.models import Promise
    from relance.collection.services import cancel_promise

    found = Promise.objects.filter(pk=promise_id, customer__creditor=creditor()).first()
    if found is None:
        raise fail(f"no promise {promise_id}")
    with domain_errors():
        cancel_promise(found, on=_date(on, "--on"), actor=ACTOR)
    out.print(f"Promise {promise_id} cancelled.", highlight=False)


@app.command()
def note(
    customer: str,
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            help="forgot, cash_flow, invoice_not_received, dispute, "
            "wrong_amount, wrong_delivery, waiting_approval, insolvency, other.",
        ),
    ],
    text: Annotated[str, typer.Option("--text", help="What was said.")] = "",
    invoices: Annotated[str | None, typer.Option("--invoices", help="N1,N2.")] = None,
    on: OnOpt = None,
) -> None:
    """Note a contact with the debtor and the reason for non-payment they gave."""
    setup()
    from relance.collection.services import record_note

    cust = _customer(customer)
    items = [_invoice(n.strip()) for n in (invoices or "").split(",") if n.strip()]
    with domain_errors():
        record_note(cust, reason=reason, text=text, on=_date(on, "--on"), actor=ACTOR,
                    invoices=items)  # fmt: skip
    out.print(f"Noted: {customer}, {reason}.", highlight=False)


@report_app.command("reasons")
def report_reasons(
    since: Annotated[
        str | None, typer.Option("--since", help="From this date, YYYY-MM-DD.")
    ] = None,
    customer: Annotated[str | None, typer.Option("--customer", help="One customer.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The reasons for non-payment debtors gave, the most frequent first."""
    setup()
    from relance.collection import queries

    stats = queries.reason_statistics(
        creditor(), customer=_customer(customer) if customer else None,
        since=_date(since, "--since") if since else None,
    )  # fmt: skip
    rows = queries.reasons_json(stats)
    if as_json:
        emit({"since": since, "customer": customer, "total": sum(r["count"] for r in rows),
              "reasons": rows})  # fmt: skip
        return
    table = Table("reason", "times", "customers", "share", "last")
    for r in rows:
        table.add_row(r["reason"], str(r["count"]), str(r["customers"]),
                      _percent(r["share"]), r["last"])  # fmt: skip
    out.print(table)


# --- reports: aged balance and indicators (issue 8) ---
BucketsOpt = Annotated[
    str | None,
    typer.Option("--buckets", help="Bucket limits in days, e.g. 30,60,90,120; default "
                 "RELANCE_AGING_BUCKETS or 30,60,90."),
]  # fmt: skip


def _buckets(text: str | None) -> Any:
    from django.conf import settings

    from relance.core.aging import parse_buckets
    from relance.core.errors import DomainError

    try:
        return parse_buckets(text or settings.AGING_BUCKETS)
    except DomainError as exc:
        raise typer.BadParameter(str(exc), param_hint="--buckets") from None


@report_app.command("aging")
def report_aging(
    date_: DateOpt = None,
    as_json: JsonOpt = False,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Write the aged balance to this CSV file.")
    ] = None,
    xlsx_file: Annotated[
        Path | None, typer.Option("--xlsx", help="Write the aged balance to this xlsx file.")
    ] = None,
    buckets: BucketsOpt = None,
    segment: Annotated[str | None, typer.Option("--segment", help="One segment only.")] = None,
    collector: Annotated[
        str | None, typer.Option("--collector", help="One collector's customers (a username).")
    ] = None,
) -> None:
    """The aged balance (balance âgée) on a date, past ones included: open amounts per
    currency and customer by days past due."""
    setup()
    from relance.core.money import format_minor
    from relance.reports import exports, queries

    day = _date(date_, "--date")
    chosen = creditor()
    # A misspelt segment or collector would give an empty report that looks like good news.
    for option, value, known in (
        ("--segment", segment, queries.segments),
        ("--collector", collector, queries.collectors),
    ):
        if value is not None and value not in (names := known(chosen)):
            raise fail(f"{option} {value}: none of the customers has it (known: "
                       f"{', '.join(n or '(none)' for n in names) or 'none'})")  # fmt: skip
    agings = queries.aging(chosen, day, _buckets(buckets), segment, collector)
    if csv_file:
        csv_file.write_text(exports.aging_csv(agings), encoding="utf-8")
    if xlsx_file:
        xlsx_file.write_bytes(exports.aging_xlsx(agings))
    if as_json:
        emit(exports.document(agings))
        return
    for aging in agings:
        cur = aging.currency
        table = Table(
            "customer", "name", *(c.label for c in aging.buckets), "total",
            title=f"Aged balance on {day} ({cur})",
        )  # fmt: skip
        for line in aging.customers[:SHOWN_ROWS]:
            table.add_row(line.account.code, line.account.name,
                          *(format_minor(a, cur) for a in line.amounts),
                          format_minor(line.total, cur))  # fmt: skip
        if len(aging.customers) > SHOWN_ROWS:
            table.add_row("...", f"{len(aging.customers) - SHOWN_ROWS} more customers")
        table.add_row("", "TOTAL", *(format_minor(c.amount, cur) for c in aging.buckets),
                      format_minor(aging.total, cur), style="bold")  # fmt: skip
        out.print(table)
    for path in (csv_file, xlsx_file):
        if path:
            err.print(f"Wrote {path}", highlight=False)


@report_app.command("dso")
def report_dso(
    date_: DateOpt = None,
    period: Annotated[
        int, typer.Option("--period", min=1, help="Days of sales for the standard DSO and the CEI.")
    ] = 90,
    customer: Annotated[
        str | None, typer.Option("--customer", help="Also this customer's payment habits.")
    ] = None,
    months: Annotated[
        int, typer.Option("--months", min=0, help="Months of trend; 0: none (faster).")
    ] = 12,
    as_json: JsonOpt = False,
) -> None:
    """DSO (countback and standard), best possible DSO, average days delinquent and the
    collection effectiveness index, with their trend over 12 months."""
    setup()
    from relance.reports import exports, indicators

    day = _date(date_, "--date")
    found = _customer(customer) if customer else None
    docs = indicators.documents(creditor(), day, period, months, found)
    if as_json:
        emit(exports.one_or_many(docs))
        return
    names = ("dso_countback", "dso_standard", "best_dso", "add", "cei")
    for doc in docs:
        table = Table("month", *names, "receivables", "sales",
                      title=f"Indicators on {day} ({doc['currency']}, {period} days)")  # fmt: skip
        for row in [*doc["trend"], doc | {"month": f"{period} days to {day}"}]:
            table.add_row(row["month"], *(row[n] or "-" for n in names),
                          row["receivables"], row["sales"])  # fmt: skip
        out.print(table)
        for name, value in doc.get("customer", {}).items():
            out.print(f"{name}: {value if value is not None else '-'}", highlight=False)


@report_app.command("forecast")
def report_forecast(
    date_: DateOpt = None,
    weeks: Annotated[int, typer.Option("--weeks", min=1, max=104, help="Weeks to forecast.")] = 13,
    backtest: Annotated[
        bool,
        typer.Option(
            "--backtest",
            help="Forecast as on a past day (--at) from what was known "
            "then, and compare with what was collected.",
        ),
    ] = False,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="The back-test's day (YYYY-MM-DD); default: the Monday "
            "whose forecast weeks have all passed.",
        ),
    ] = None,
    as_json: JsonOpt = False,
    xlsx_file: Annotated[
        Path | None, typer.Option("--xlsx", help="Write the forecast to this xlsx file.")
    ] = None,
) -> None:
    """Cash-in forecast: expected collections per week from the predicted payment dates,
    with a P10-P90 band; --backtest scores it on the history."""
    setup()
    from relance.reports import exports, forecast

    day = _date(date_, "--date")
    on = None
    if backtest:
        on = _date(at, "--at") if at else forecast.default_backtest_day(day, weeks)
    docs = forecast.documents(creditor(), day, weeks, backtest_at=on)
    if xlsx_file:
        xlsx_file.write_bytes(exports.forecast_xlsx(docs))
    if as_json:
        emit(exports.one_or_many(docs))
        return
    for doc in docs:
        cur = doc["currency"]
        title = f"Cash-in forecast from {doc['date']} ({cur}, open {doc['open']})"
        columns = ["week", "from", "expected", "P10", "P90"]
        if backtest:
            columns.append("collected")
        table = Table(*columns, title=("Back-test: " if backtest else "") + title)
        for w in doc["weeks"]:
            cells = [w["week"], w["start"], w["expected"], w["p10"], w["p90"]]
            if backtest:
                cells.append(w["actual"] + ("" if w["inside"] else " *"))
            table.add_row(*cells)
        table.add_row("later", "", doc["later"])
        out.print(table)
        if backtest:
            out.print(
                f"WAPE {doc['wape'] or '-'} %, MAPE {doc['mape'] or '-'} %, weeks inside the "
                f"P10-P90 band {doc['band_coverage']} % (* outside); {doc['items']} items open "
                f"on {doc['date']}, model trained on {doc['training_rows']} paid invoices",
                highlight=False,
            )
    if xlsx_file:
        err.print(f"Wrote {xlsx_file}", highlight=False)


# --- end of reports (issue 8) ---


@app.command()
def interest(number: str, date_: DateOpt = None, as_json: JsonOpt = False) -> None:
    """Late-payment penalties and the fixed indemnity due on an invoice."""
    setup()
    from relance.law.interest import interest as compute

    with domain_errors():
        data = compute(_invoice(number), _date(date_, "--date"))
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


OutOpt = Annotated[
    Path | None, typer.Option("--out", help="The PDF to write; default NUMBER.pdf here.")
]


@penalty_app.command("issue")
def penalty_issue(
    invoice: Annotated[str | None, typer.Argument(help="One late invoice.")] = None,
    customer: Annotated[
        str | None, typer.Option("--customer", help="Every late invoice of this customer.")
    ] = None,
    date_: DateOpt = None,
    output: OutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Issue a numbered penalty invoice (PDF) for an invoice or a customer's late invoices."""
    if (invoice is None) == (customer is None):
        raise typer.BadParameter("give an invoice number or --customer, not both")
    setup()
    from relance.law import penalty_invoices

    day = _date(date_, "--date")
    if invoice is not None:
        found = _invoice(invoice)
        target, chosen = found.customer, [found]
    else:
        target, chosen = _customer(customer or ""), None
    with domain_errors():
        issued = penalty_invoices.issue(target, chosen, today=day, actor=ACTOR)
    path = output or Path(f"{issued.number}.pdf")
    path.write_bytes(penalty_invoices.read(issued))
    if as_json:
        emit(penalty_invoices.as_json(issued) | {"file": str(path)})
        return
    out.print(
        f"{issued.number}: {penalty_invoices.as_json(issued)['total']} {issued.currency} "
        f"written to {path}",
        highlight=False,
    )


@penalty_app.command("list")
def penalty_list(customer: str, as_json: JsonOpt = False) -> None:
    """The penalty invoices issued to a customer, newest first."""
    setup()
    from relance.law import penalty_invoices

    found = [
        penalty_invoices.as_json(p)
        for p in _customer(customer).penalty_invoices.order_by("-issued_on", "-pk")
    ]
    if as_json:
        emit(found)
        return
    table = Table("number", "issued on", "up to", "invoices", "total")
    for p in found:
        invoices = ", ".join(f["invoice"] for f in p["invoices"])
        table.add_row(
            p["number"], p["issued_on"], p["as_of"], invoices, f"{p['total']} {p['currency']}"
        )
    out.print(table)


@penalty_app.command("get")
def penalty_get(number: str, output: OutOpt = None) -> None:
    """Write an issued penalty invoice again, byte for byte as issued."""
    setup()
    from relance.law import penalty_invoices

    issued = creditor().penalty_invoices.filter(number=number).first()
    if issued is None:
        raise fail(f"no penalty invoice {number}")
    path = output or Path(f"{issued.number}.pdf")
    path.write_bytes(penalty_invoices.read(issued))
    out.print(f"{issued.number} written to {path} (SHA-256 {issued.sha256})", highlight=False)


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


def _plan(pk: int) -> Any:
    from relance.collection import queries
    from relance.ledger.queries import NotFound

    try:
        return queries.get_plan(creditor(), pk)
    except NotFound as exc:
        raise fail(str(exc)) from None


def _print_plan(detail: dict[str, Any]) -> None:
    out.print(
        f"Plan {detail['id']} · {detail['customer']} · {detail['status']} · "
        f"{detail['total']} {detail['currency']} ({', '.join(detail['invoices'])})",
        highlight=False,
    )
    for line in detail["instalments"]:
        down = " (down payment)" if line["down_payment"] else ""
        out.print(
            f"{line['number']:>3}  {line['date']}  {line['amount']:>12}  paid {line['paid']:>12}"
            f"  {line['status']}{down}",
            highlight=False,
        )


@plan_app.command("create")
def plan_create(
    customer: str,
    invoices: Annotated[str, typer.Option("--invoices", help="N1,N2")],
    first: Annotated[str, typer.Option("--first", help="Date of the first instalment.")],
    instalments: Annotated[
        int, typer.Option("--instalments", help="How many (or as many as --amounts).")
    ] = 0,
    every: Annotated[
        str, typer.Option("--every", help="week, fortnight, month, quarter.")
    ] = "month",
    down_payment: Annotated[str | None, typer.Option("--down-payment")] = None,
    amounts: Annotated[
        str | None, typer.Option("--amounts", help="Custom amounts: 500,300,200 (sum = the rest).")
    ] = None,
    penalties: Annotated[
        bool, typer.Option("--penalties", help="Add the penalties and indemnity due, as a line.")
    ] = False,
    on: OnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Agree a payment plan: its invoices leave dunning while it is current."""
    setup()
    from relance.collection import queries
    from relance.collection.services import create_plan

    cust = _customer(customer)
    items = [_invoice(n.strip()) for n in invoices.split(",") if n.strip()]
    currency = items[0].currency if items else cust.creditor.currency
    # Amounts are separated by commas: each is written with a decimal point.
    custom = (
        [_amount(a.strip(), currency, "--amounts") for a in amounts.split(",") if a.strip()]
        if amounts
        else None
    )
    day = _date(on, "--on")
    with domain_errors():
        plan = create_plan(
            cust, items, count=instalments, every=every, first=_date(first, "--first"),
            on=day, actor=ACTOR, amounts=custom, penalties=penalties,
            down_payment=_amount(down_payment, currency, "--down-payment") if down_payment else 0,
        )  # fmt: skip
    detail = queries.plan_detail(plan, day)
    if as_json:
        emit(detail)
        return
    _print_plan(detail)


@plan_app.command("show")
def plan_show(plan_id: int, date_: DateOpt = None, as_json: JsonOpt = False) -> None:
    """One payment plan: its instalments, paid, partly paid, due or missed."""
    setup()
    from relance.collection import queries

    detail = queries.plan_detail(_plan(plan_id), _date(date_, "--date"))
    if as_json:
        emit(detail)
        return
    _print_plan(detail)


@plan_app.command("list")
def plan_list(as_json: JsonOpt = False) -> None:
    """The creditor's payment plans, the latest first."""
    setup()
    from relance.collection import queries
    from relance.core.money import format_minor

    rows = [
        {
            "id": p.pk, "customer": p.customer.code, "status": p.status,
            "currency": p.currency, "total": format_minor(p.total, p.currency),
            "starts_on": p.starts_on, "signed_on": p.signed_on, "ended_on": p.ended_on,
        }
        for p in queries.plans_of(creditor())
    ]  # fmt: skip
    if as_json:
        emit({"plans": rows})
        return
    for r in rows:
        out.print(f"{r['id']:>5}  {r['customer']:<12} {r['status']:<10} {r['total']:>12} "
                  f"{r['currency']}  {r['starts_on']}", highlight=False)  # fmt: skip


@plan_app.command("letter")
def plan_letter(
    plan_id: int,
    out_file: Annotated[Path, typer.Option("--out", help="The PDF to write.")],
    date_: DateOpt = None,
) -> None:
    """Write the plan's agreement letter (PDF, in the customer's language)."""
    setup()
    from relance.channels.documents import plan_letter as letter

    out_file.write_bytes(letter(_plan(plan_id), _date(date_, "--date")))
    out.print(f"{out_file}", highlight=False)


def _plan_change(verb: str, plan_id: int, on: str | None) -> Any:
    from relance.collection import services

    change = {"send": services.send_plan_letter, "sign": services.sign_plan,
              "cancel": services.cancel_plan}[verb]  # fmt: skip
    with domain_errors():
        return change(_plan(plan_id), on=_date(on, "--on"), actor=ACTOR)


@plan_app.command("send")
def plan_send(plan_id: int, on: OnOpt = None) -> None:
    """Queue the agreement letter for the sender (email with the PDF, or a letter)."""
    setup()
    action = _plan_change("send", plan_id, on)
    out.print(f"Agreement letter queued ({action.channel}): `relance send` delivers it.",
              highlight=False)  # fmt: skip


@plan_app.command("sign")
def plan_sign(plan_id: int, on: OnOpt = None) -> None:
    """Record the signed agreement: the plan is active, the debt acknowledged."""
    setup()
    plan = _plan_change("sign", plan_id, on)
    out.print(f"Plan {plan.pk} signed on {plan.signed_on}.", highlight=False)


@plan_app.command("cancel")
def plan_cancel(plan_id: int, on: OnOpt = None) -> None:
    """Call the plan off: its items are back in dunning."""
    setup()
    plan = _plan_change("cancel", plan_id, on)
    out.print(f"Plan {plan.pk} cancelled.", highlight=False)


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
    from relance.handoff.services import add_partner

    with domain_errors():
        add_partner(creditor(), actor=ACTOR, name=name, kind=kind, email=email, phone=phone,
                    address=address, postal_code=postal_code, city=city, country=country,
                    contact_name=contact, reference=reference, language=language, notes=notes)  # fmt: skip
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
    from relance.handoff import dossier

    case = _case(customer)
    with domain_errors():
        dossier.write(case, today(), output)
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
    from relance.handoff import queries, services

    case = _case(customer)
    with domain_errors():
        cur = (currency or case.items.values_list("currency", flat=True).first() or "").upper()
        services.record_payment(
            case, amount=_amount(amount, cur, "--amount"), currency=cur, on=_date(date_, "--date"),
            actor=ACTOR, invoices=[n.strip() for n in (invoices or "").split(",") if n.strip()],
            reference=reference, today=today(),
        )  # fmt: skip
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
    from relance.core.handoff import CaseEvent
    from relance.handoff import services

    case = _case(customer)
    try:
        event = CaseEvent(outcome)
    except ValueError:
        raise typer.BadParameter(
            f"one of {', '.join(e.value for e in CaseEvent)}", param_hint="--outcome"
        ) from None
    with domain_errors():
        done = services.close_case(case, event, on=_date(date_, "--date"), actor=ACTOR, note=note)
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
    from relance.demo import DEMO_PASSWORD, DEMO_TEAM, DEMO_USER, build_demo
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
    team = ", ".join(f"{name} ({role})" for name, role in DEMO_TEAM)
    out.print(f"The team, same password: {team} (docs/roles.md)", highlight=False)
    if serve_after:
        serve(host=host, port=port)


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    threads: Annotated[
        int | None,
        typer.Option(help="Threads per process: 8 with one process, 2 with several."),
    ] = None,
    workers: Annotated[
        int, typer.Option(help="Processes: 1 is waitress; more is gunicorn, two per core.")
    ] = 1,
) -> None:
    """Serve the web app (waitress, or gunicorn with several processes)."""
    setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from django.urls import get_resolver

    from relance.config import ConfigError, require_secret_key
    from relance.wsgi import application

    try:
        require_secret_key(settings.DEBUG, settings.SECRET_KEY_FROM_ENV)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    if workers < 1:
        raise fail("--workers must be 1 or more")
    call_command("migrate", interactive=False, verbosity=0)
    out.print(f"Relance is at [bold]http://{host}:{port}/[/bold] (Ctrl+C to stop)")
    if workers == 1:
        from waitress import serve as waitress_serve

        waitress_serve(application, host=host, port=port, threads=threads or 8, ident="relance")
        return
    if not settings.CACHE_URL:
        err.print(
            "[yellow]warning: without RELANCE_CACHE_URL each process counts the login and "
            "portal rate limits on its own[/yellow]"
        )
    # The processes are forked from this one: they share the views already imported
    # (no slow first page in each), and none may inherit its database connection.
    get_resolver().url_patterns  # noqa: B018
    connections.close_all()
    from relance.server import Gunicorn

    # A page is mostly Python, and the threads of one process take turns on its lock:
    # under load, the slowest pages' p95 was 10 to 45 % higher with four threads a
    # process than with two (bench/README.md, load).
    Gunicorn(application, bind=f"{host}:{port}", workers=workers, threads=threads or 2).run()


# ---------------------------------------------------------------------------
# Payment-date prediction (issue 8)

predict_app = typer.Typer(
    help="Predict when open items will be paid: `relance predict` refreshes and lists the "
    "largest amounts at risk; `relance predict train` learns from the paid invoices.",
    invoke_without_command=True,
)
app.add_typer(predict_app, name="predict")


def _model_summary(row: Any) -> str:
    def fmt(value: float | None, spec: str) -> str:
        return "n/a" if value is None else format(value, spec)

    return (
        f"Payment model trained on {row.training_rows} paid invoices (history up to {row.as_of}). "
        f"Time-ordered hold-out of {row.validation_rows}: MAE {fmt(row.mae_days, '.2f')} days, "
        f"late/on-time accuracy {fmt(row.accuracy, '.3f')}; per-customer mean baseline: "
        f"MAE {fmt(row.baseline_mae_days, '.2f')} days, accuracy {fmt(row.baseline_accuracy, '.3f')}"
    )


def _train_model(day: date) -> Any:
    from relance.prediction import services

    try:
        return services.train(creditor(), day, actor=ACTOR)
    except ValueError as exc:  # not enough history, or too little to validate
        raise fail(str(exc)) from None


@predict_app.command("train")
def predict_train(date_: DateOpt = None, as_json: JsonOpt = False) -> None:
    """Learn from the creditor's paid invoices; report the validation beside the baseline."""
    setup()
    from relance.prediction import queries

    row = _train_model(_date(date_, "--date"))
    if as_json:
        emit(queries.model_json(row))
    else:
        out.print(_model_summary(row), highlight=False)


@predict_app.callback()
def predict(
    ctx: typer.Context,
    top: Annotated[int, typer.Option(help="List this many open items.")] = 20,
    max_age: Annotated[
        int | None,
        typer.Option(
            help="Retrain first when the model is older than this many days (or missing)."
        ),
    ] = None,
    date_: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Refresh the predictions of every open item; list the largest amounts at risk
    (open amount x probability of paying more than 30 days late)."""
    if ctx.invoked_subcommand is not None:
        return
    setup()
    from relance.ledger.queries import NotFound
    from relance.prediction import queries, services

    day = _date(date_, "--date")
    if max_age is not None and services.needs_training(creditor(), day, max_age):
        _train_model(day)
    try:
        done = services.refresh(creditor(), day, actor=ACTOR)
    except NotFound as exc:
        raise fail(str(exc)) from None
    rows = [queries.prediction_json(p) for p in queries.at_risk(creditor())[:top]]
    if as_json:
        emit({"as_of": day.isoformat(), "predicted": done.predicted, "at_risk": rows})
        return
    table = Table(
        "invoice", "customer", "due", "open", "payment date", "P(late)", "P(>30 days late)",
        "at risk", title=f"Open items by amount at risk, {day}",
    )  # fmt: skip
    for r in rows:
        table.add_row(r["invoice"], r["customer"], r["due_date"],
                      f"{r['open_amount']} {r['currency']}", r["payment_date"],
                      f"{r['p_late']:.0%}", f"{r['p_very_late']:.0%}",
                      f"{r['amount_at_risk']} {r['currency']}")  # fmt: skip
    out.print(table)
    out.print(f"{done.predicted} open items predicted", highlight=False)


# ---------------------------------------------------------------------------
# Customer risk, credit limits and credit insurance (issue 8)

cover_app = typer.Typer(
    help="Credit insurance: record a cover, declare an overdue item to the insurer.",
    no_args_is_help=True,
)
app.add_typer(cover_app, name="cover")
score_app = typer.Typer(help="External credit scores.", no_args_is_help=True)
app.add_typer(score_app, name="score")
limit_app = typer.Typer(help="Credit limits.", no_args_is_help=True)
app.add_typer(limit_app, name="limit")


@app.command()
def risk(
    customer: Annotated[str | None, typer.Argument(help="One customer; none: all.")] = None,
    top: Annotated[int, typer.Option(help="List this many customers.")] = SHOWN_ROWS,
    date_: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Customer risk: the score (0 safe to 100 very risky), its class, the factors that
    raised it, the exposure against the credit limit and the terms to offer on new orders.
    Without CUSTOMER, every customer, the riskiest first."""
    setup()
    from django.utils import translation

    from relance.risk import queries

    translation.activate("en")  # labels of factors and terms, as the rest of the CLI speaks
    day = _date(date_, "--date")
    if customer is None:
        rows = queries.assess(creditor(), day)[:top]
        if as_json:
            emit({"date": day.isoformat(), "customers": [queries.risk_json(r) for r in rows]})
            return
        table = Table("customer", "score", "class", "raised by", "exposure", "limit", "terms",
                      title=f"Customer risk, {day}")  # fmt: skip
        for r in rows:
            doc = queries.risk_json(r)
            e = doc["exposure"]
            table.add_row(r.code, str(r.risk.score), doc["class"], ", ".join(doc["raised_by"][:2]),
                          e["amount"], e["limit"] or "", doc["terms"]["terms"])  # fmt: skip
        out.print(table)
        return
    doc = queries.risk_json(queries.customer_risk(_customer(customer), day))
    c = _customer(customer)
    doc["cover"] = queries.cover_json(queries.covers_on(c.creditor, day, [c.pk]).get(c.pk))
    doc["external_score"] = queries.score_json(queries.latest_scores(c.creditor, [c.pk]).get(c.pk))
    if as_json:
        emit(doc)
        return
    e, t = doc["exposure"], doc["terms"]
    out.print(f"{doc['customer']} {doc['name']}: score {doc['score']}/100, {doc['class']}",
              highlight=False)  # fmt: skip
    table = Table("factor", "measure", "weight", "points")
    for f in doc["factors"]:
        table.add_row(f["label"], f["measure"], str(f["weight"]), f["points"])
    out.print(table)
    limit = f" of {e['limit']} ({e['level']})" if e["limit"] is not None else " (no credit limit)"
    out.print(f"Exposure {e['amount']} {e['currency']}{limit}", highlight=False)
    out.print(f"Terms for new orders: {t['text']} ({', '.join(t['reasons'])})", highlight=False)
    if doc["cover"]:
        cv = doc["cover"]
        out.print(f"Insured by {cv['insurer']} for {cv['amount']} {cv['currency']}; declare "
                  f"overdue items within {cv['declaration_days']} days", highlight=False)  # fmt: skip
    if doc["external_score"]:
        sc = doc["external_score"]
        out.print(f"External score {sc['provider']}: {sc['grade']}", highlight=False)


@cover_app.command("add")
def cover_add(
    customer: str,
    insurer: Annotated[str, typer.Option("--insurer", help="The credit insurer.")],
    amount: Annotated[str, typer.Option("--amount", help="Amount covered, e.g. 50000.")],
    deadline_days: Annotated[
        int,
        typer.Option("--deadline-days", help="Declare overdue items within N days of due."),
    ],
    currency: Annotated[str | None, typer.Option("--currency")] = None,
    policy: Annotated[str, typer.Option("--policy", help="Policy or reference.")] = "",
    start: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD; today.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="YYYY-MM-DD.")] = None,
    notes: Annotated[str, typer.Option("--notes")] = "",
) -> None:
    """Record a credit insurer's cover on a customer (one running cover at a time)."""
    setup()
    from relance.risk import services

    c = _customer(customer)
    money = (currency or c.creditor.currency).upper()
    with domain_errors():
        services.add_cover(
            c, insurer=insurer, amount=_amount(amount, money, "--amount"), currency=money,
            declaration_days=deadline_days, starts_on=_date(start, "--from"),
            ends_on=None if until is None else _date(until, "--until"), policy=policy,
            notes=notes, actor=ACTOR,
        )  # fmt: skip
    out.print(f"{customer} insured by {insurer} for {amount} {money}.", highlight=False)


@cover_app.command("declare")
def cover_declare(
    invoice: str,
    on: OnOpt = None,
    reference: Annotated[str, typer.Option("--reference", help="The insurer's reference.")] = "",
) -> None:
    """Record that an overdue invoice was declared to the insurer: it stops alerting."""
    setup()
    from relance.risk import services

    with domain_errors():
        services.declare(_invoice(invoice), on=_date(on, "--on"), reference=reference, actor=ACTOR)
    out.print(f"{invoice} declared to the insurer.", highlight=False)


@cover_app.command("alerts")
def cover_alerts(
    days: Annotated[int, typer.Option(help="Deadlines within this many days.")] = 7,
    date_: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Overdue items to declare to the insurer, and customers at 80 % of their limit or more."""
    setup()
    from relance.core.money import format_minor
    from relance.risk import queries

    day = _date(date_, "--date")
    declarations = [
        {"invoice": d.invoice.number, "customer": d.invoice.customer.code,
         "due_date": d.invoice.due_date.isoformat(), "insurer": d.cover.insurer,
         "deadline": d.deadline.isoformat(), "days_left": d.days_left, "alert": str(d.alert),
         "currency": d.invoice.currency,
         "open_amount": format_minor(d.invoice.open_amount, d.invoice.currency)}
        for d in queries.declaration_alerts(creditor(), day, days)
    ]  # fmt: skip
    currency = creditor().currency
    limits = [
        {"customer": c.code, "exposure": format_minor(e.amount, currency),
         "limit": format_minor(e.limit or 0, currency), "level": str(e.level)}
        for c, e in queries.limit_alerts(creditor(), day)
    ]  # fmt: skip
    if as_json:
        emit({"date": day.isoformat(), "declarations": declarations, "limits": limits})
        return
    for d in declarations:
        out.print(f"declare {d['invoice']} ({d['customer']}) to {d['insurer']} by "
                  f"{d['deadline']}: {d['alert']}", highlight=False)  # fmt: skip
    for x in limits:
        out.print(f"{x['customer']}: exposure {x['exposure']} of limit {x['limit']} "
                  f"({x['level']})", highlight=False)  # fmt: skip
    if not declarations and not limits:
        out.print("No alert.")


@score_app.command("set")
def score_set(
    customer: str,
    provider: Annotated[str, typer.Option("--provider", help="Who gave the score.")],
    grade: Annotated[str, typer.Option("--grade", help="The score or grade as given.")],
    value: Annotated[
        int | None, typer.Option("--value", help="0 (worst) to 100 (best), read by the risk score.")
    ] = None,
    on: OnOpt = None,
) -> None:
    """Record a customer's external credit score."""
    setup()
    from relance.risk import services

    with domain_errors():
        services.record_score(_customer(customer), provider=provider, grade=grade, value=value,
                              on=_date(on, "--on"), actor=ACTOR)  # fmt: skip
    out.print(f"{customer}: {provider} {grade} recorded.", highlight=False)


@limit_app.command("set")
def limit_set(
    customer: str,
    amount: Annotated[str, typer.Argument(help="The limit, e.g. 20000; `none` removes it.")],
) -> None:
    """Set a customer's credit limit, in the creditor's currency."""
    setup()
    from relance.ledger.services import set_credit_limit

    c = _customer(customer)
    none = amount.strip().lower() == "none"
    limit = None if none else _amount(amount, c.creditor.currency, "AMOUNT")
    with domain_errors():
        set_credit_limit(c, limit, actor=ACTOR)
    shown = "removed" if none else f"{amount} {c.creditor.currency}"
    out.print(f"{customer}: credit limit {shown}.", highlight=False)


# The debtor portal (docs/portal.md)

portal_app = typer.Typer(help="Debtor portal links: make one, revoke them.", no_args_is_help=True)
app.add_typer(portal_app, name="portal")


@portal_app.command("link")
def portal_link(
    customer: str,
    days: Annotated[int | None, typer.Option("--days", help="Valid this many days.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A new portal link for the customer, printed (older links keep working)."""
    setup()
    from relance.portal import links

    with domain_errors():
        links.require_key()
        link = links.create(_customer(customer), actor=ACTOR, days=days)
    if as_json:
        emit({"customer": customer, "url": links.url(link), "expires_at": link.expires_at})
    else:
        out.print(links.url(link), highlight=False, soft_wrap=True)


@portal_app.command("revoke")
def portal_revoke(customer: str) -> None:
    """Every portal link of the customer stops working now."""
    setup()
    from relance.portal import links

    count = links.revoke(_customer(customer), actor=ACTOR)
    out.print(f"{count} link(s) of {customer} revoked.", highlight=False)


def main() -> None:
    from django.db import InterfaceError, OperationalError

    try:
        app()
    except (OperationalError, InterfaceError) as exc:
        # The database refused or went away: each command commits its work in steps that
        # stand on their own (an import chunk, a whole run, a message's state), so what
        # was committed stays and running the command again finishes the rest.
        hint = ""
        if "locked" in str(exc):
            hint = (
                " (another process kept the database busy for longer than "
                "RELANCE_DB_TIMEOUT seconds)"
            )
        stopped = fail(
            f"the database failed: {str(exc).strip()}{hint}. What was committed before "
            "stays, the rest was rolled back: run the command again."
        )
        sys.exit(stopped.exit_code)


if __name__ == "__main__":
    main()
