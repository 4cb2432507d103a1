"""Matching quality and throughput (issue 7), through the real shell: CSV/FEC imports,
statement imports and bank.matching on a real database.

    .venv/bin/python bench/matching.py quality            # generated set + the real FEC
    .venv/bin/python bench/matching.py throughput --database sqlite:////tmp/bench1m.sqlite3

`quality` builds two fresh SQLite databases in a temporary directory:

1. a generated labelled set (`--customers`, `--seed`): customers with realistic company
   names (shared surnames and trades, legal forms), invoices over a year (a third at a
   handful of standard prices, so amounts coincide across customers; some with their
   own payment reference), and a bank statement a month whose lines carry the noise
   of real transfers: invoice numbers with typos, dashes, spaces, dropped leading
   zeros, O/0 and I/1 confusions or no reference at all, the RF reference, payer names
   that differ from the customer's (a parent company, the manager, a truncated or
   shouted name), several invoices paid together, partial payments, bank fees
   deducted, overpayments, and unrelated lines (interest, refunds, transfers) some of
   which coincide with an open amount. Each line's answer is what the generator meant
   it to pay.
2. the real FEC in ../shared/data/fec, its lettering the answer
   (relance.bank.quality.fec_against_lettering).

A line is right when the invoices and amounts it was applied to are exactly its answer;
precision is right / applied automatically, recall right / lines with an answer.

`throughput` matches 10,000 statement lines against the open items of the database
given (bench/import.sh builds 1,000,000), inside a transaction rolled back at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path


def setup(url: str) -> None:
    os.environ["RELANCE_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.settings")
    import django

    django.setup()


SURNAMES = (
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
    "Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard Andre Mercier "
    "Dupont Lambert Bonnet Francois Martinez Legrand Garnier Faure Rousseau Blanc Guerin "
    "Muller Henry Roussel Nicolas Perrin Morin Mathieu Clement Gauthier Dumont Lopez "
    "Fontaine Chevalier Robin Schmidt Schneider Fischer Weber Meyer Wagner Becker Hoffmann"
).split()
TRADES = (
    "Boulangerie Garage Transports Menuiserie Plomberie Pharmacie Imprimerie Librairie "
    "Fromagerie Traiteur Electricite Batiment Jardins Optique Informatique Conseil Hotel "
    "Restaurant Cave Fleurs Boucherie Couverture Ambulances Taxis Auto-ecole Pressing"
).split()
FORMS = ("SAS", "SARL", "SA", "EURL", "", "", "GmbH", "& Fils", "SCI")
STANDARD_PRICES = (4900, 9900, 12000, 15000, 24000, 49000, 60000, 120000)


@dataclass
class Customer:
    code: str
    name: str
    payer_name: str  # how the bank shows who pays
    iban: str
    invoices: list[Invoice] = field(default_factory=list)


@dataclass
class Invoice:
    number: str
    customer: Customer
    issued: date
    amount: int
    payment_reference: str = ""
    open_amount: int = 0  # what core.ledger.spread reads


def company(rng: random.Random) -> str:
    s, t, f = rng.choice(SURNAMES), rng.choice(TRADES), rng.choice(FORMS)
    shape = rng.random()
    if shape < 0.4:
        name = f"{t} {s}"
    elif shape < 0.6:
        name = f"{s} {t}"
    elif shape < 0.8:
        name = f"{t} {s} {rng.choice(SURNAMES)}"
    else:
        name = f"{s} et {rng.choice(SURNAMES)}"
    return f"{name} {f}".strip()


def payer_name(rng: random.Random, name: str) -> str:
    """How the bank shows the customer's name: as is, shouted, without its legal form,
    truncated, or someone else (a parent company, the manager)."""
    r = rng.random()
    if r < 0.45:
        return name
    if r < 0.65:
        return name.upper()
    if r < 0.75:
        return " ".join(w for w in name.split() if w not in FORMS).upper()
    if r < 0.85:
        return name.upper()[:18]
    if r < 0.93:
        return f"HOLDING {rng.choice(SURNAMES).upper()} {rng.choice(['SAS', 'SA'])}"
    return f"M. {rng.choice(SURNAMES).upper()} {rng.choice(['JEAN', 'MARIE', 'PAUL', 'ANNE'])}"


def iban(rng: random.Random) -> str:
    return "FR76" + "".join(rng.choice("0123456789") for _ in range(23))


def noisy_number(rng: random.Random, number: str) -> str | None:
    """The invoice number as a person types it; None: a typo that changes a digit."""
    r = rng.random()
    if r < 0.35:
        return number
    if r < 0.5:
        return number.replace("-", " ")
    if r < 0.6:
        return number.replace("-", "")
    if r < 0.7:
        head, _, tail = number.rpartition("-")
        return f"{head}-{tail.lstrip('0')}"
    if r < 0.78:
        return number.lower()
    if r < 0.86:
        return number.replace("0", "O", 2)
    if r < 0.9:
        return number.replace("1", "I", 1)
    if r < 0.95:  # a digit typed wrong: no longer this invoice's number
        digits = [i for i, c in enumerate(number) if c.isdigit()]
        k = rng.choice(digits[-3:])
        return number[:k] + str((int(number[k]) + rng.randint(1, 9)) % 10) + number[k + 1 :]
    return None  # a transposition or a number of another system: counted as missing


@dataclass
class Generated:
    customers: list[Customer]
    invoices: list[Invoice]
    months: list[list[tuple[tuple[str, str, str, str, str, str, str], set[tuple[str, int]], str]]]
    kinds: dict[str, int]


def generate(n_customers: int, seed: int, noise: tuple[float, float, float]) -> Generated:
    """`noise`: the shares of payments made in part, short of a bank fee, and overpaid."""
    from relance.core.identifiers import rf_reference
    from relance.core.ledger import spread

    rng = random.Random(seed)
    start = date(2025, 1, 1)
    customers = []
    for n in range(1, n_customers + 1):
        name = company(rng)
        customers.append(Customer(f"C{n:05d}", name, payer_name(rng, name), iban(rng)))
    invoices: list[Invoice] = []
    for day in range(330):
        for _ in range(rng.randint(5, 15)):
            c = rng.choice(customers[: max(5, int(len(customers) * rng.random() ** 0.5))])
            amount = (
                rng.choice(STANDARD_PRICES)
                if rng.random() < 0.35
                else int(rng.lognormvariate(11, 1.1))
            )
            number = f"FA-2025-{len(invoices) + 1:05d}"
            ref = rf_reference(number.replace("-", "")) if rng.random() < 0.15 else ""
            inv = Invoice(number, c, start + timedelta(days=day), max(amount, 500), ref)
            inv.open_amount = inv.amount
            invoices.append(inv)
            c.invoices.append(inv)
    kinds: dict[str, int] = {}
    lines: list[tuple[date, tuple[str, ...], set[tuple[str, int]], str]] = []

    def add(kind: str, day: date, amount: int, reference: str, text: str, c: Customer | None,
            answer: set[tuple[str, int]]) -> None:  # fmt: skip
        kinds[kind] = kinds.get(kind, 0) + 1
        name = c.payer_name if c else rng.choice(["URSSAF", "DGFIP", "EDF", "ORANGE SA"])
        who = c.iban if c and rng.random() < 0.8 else ""
        lines.append(
            (day, (day.isoformat(), f"{amount / 100:.2f}", "EUR", reference, text, name, who),
             answer, kind)
        )  # fmt: skip

    for c in customers:
        pending = sorted(c.invoices, key=lambda i: i.issued)
        while pending:
            inv = pending.pop(0)
            if rng.random() < 0.12:
                continue  # not paid yet
            day = inv.issued + timedelta(days=rng.randint(10, 75))
            if day > start + timedelta(days=364):
                continue
            together = [inv]
            if pending and rng.random() < 0.15:
                for _ in range(rng.randint(1, 3)):
                    if pending and pending[0].issued <= day:
                        together.append(pending.pop(0))
            numbers = [noisy_number(rng, i.number) for i in together]
            quoted = [n for n in numbers if n] if rng.random() < 0.7 else []
            words = rng.choice(["VIR SEPA", "VIREMENT", "REGLEMENT", "PAIEMENT", "VIR"])
            text = f"{words} {rng.choice(['FACT', 'FACTURE', 'INV', ''])} {' '.join(quoted)}"
            reference = ""
            if len(together) == 1 and inv.payment_reference and rng.random() < 0.7:
                reference = inv.payment_reference
            elif rng.random() < 0.1:
                reference = rf_reference(c.code)
            total = sum(i.amount for i in together)
            r = rng.random()
            partial, fees, over = noise
            if len(together) == 1 and r < partial:  # a partial payment
                paid = total * rng.randint(20, 70) // 100
                add("partial", day, paid, reference, text, c, {(inv.number, paid)})
                continue
            if r < partial + fees:  # the bank's fee taken from the amount
                fee = min(rng.randint(50, 1500), total // 10)
                answer = set(spread(total - fee, together))
                add("fee deducted", day, total - fee, reference, text, c, answer)
                continue
            if r < partial + fees + over:  # paid more than owed: the rest is a credit
                add("overpaid", day, total + rng.randint(100, 5000), reference, text, c,
                    {(i.number, i.amount) for i in together})  # fmt: skip
                continue
            kind = "several invoices" if len(together) > 1 else "one invoice"
            if not quoted and not reference:
                kind += ", no reference"
            add(kind, day, total, reference, text, c, {(i.number, i.amount) for i in together})
    for _ in range(len(lines) // 10):  # money in that pays no invoice
        day = start + timedelta(days=rng.randint(20, 364))
        if rng.random() < 0.3:
            amount = rng.choice(invoices).amount  # coincides with some invoice
        else:
            amount = int(rng.lognormvariate(9, 1.5)) + 1
        text = rng.choice(
            [
                "INTERETS CREDITEURS",
                "REMBT TROP PERCU",
                "VIR INTERNE",
                "REMBOURSEMENT SINISTRE",
                "SUBVENTION",
                "AVOIR FOURNISSEUR",
            ]
        )
        add("unrelated", day, amount, "", text, None, set())
    lines.sort(key=lambda x: x[0])
    months: dict[tuple[int, int], list] = {}
    for day, row, answer, kind in lines:
        months.setdefault((day.year, day.month), []).append((row, answer, kind))
    return Generated(customers, invoices, [months[k] for k in sorted(months)], kinds)


def quality(args: argparse.Namespace) -> None:
    import csv

    from django.core.management import call_command
    from django.db import connection

    from relance.bank.models import StatementLine
    from relance.bank.quality import fec_against_lettering, outcome, write_statement
    from relance.bank.services import import_statement
    from relance.core import matching
    from relance.imports.services import import_file
    from relance.ledger.services import create_creditor

    call_command("migrate", verbosity=0)
    work = Path(args.workdir)
    creditor = create_creditor(actor="bench", name="Bench SAS", country="FR", currency="EUR")

    started = time.perf_counter()
    data = generate(args.customers, args.seed, (args.partial, args.fees, args.overpaid))
    with (work / "customers.csv").open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["customer", "name", "payment_terms"])
        out.writerows((c.code, c.name, "30") for c in data.customers)
    with (work / "invoices.csv").open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["number", "customer", "issue_date", "currency", "amount",
                      "payment_reference"])  # fmt: skip
        out.writerows(
            (i.number, i.customer.code, i.issued.isoformat(), "EUR", f"{i.amount / 100:.2f}",
             i.payment_reference)
            for i in data.invoices
        )  # fmt: skip
    for kind in ("customers", "invoices"):
        done = import_file(work / f"{kind}.csv", kind, creditor=creditor, actor="bench")
        assert not done.errors, done.errors[:3]
    truth: dict[int, set[tuple[str, int]]] = {}
    answers = []
    for n, month in enumerate(data.months):
        path = write_statement(work / f"statement-{n:02d}.csv", [row for row, _, _ in month])
        import_statement(path, creditor, "bench")
        answers += [answer for _, answer, _ in month]
    truth = dict(enumerate(answers))
    applied, proposed = outcome(creditor)
    generated = matching.measure(truth, applied, proposed)
    seconds = time.perf_counter() - started
    assert StatementLine.objects.count() == len(truth)
    print(f"generated set (seed {args.seed}; partial {args.partial:.0%}, fees {args.fees:.0%}, "
          f"overpaid {args.overpaid:.0%}): "
          f"{len(data.customers)} customers, {len(data.invoices)} invoices, "
          f"{len(truth)} lines ({', '.join(f'{k} {v}' for k, v in sorted(data.kinds.items()))})"
          f", {seconds:.0f} s")  # fmt: skip
    report("generated", generated)
    kinds = [kind for month in data.months for _, _, kind in month]
    for kind in sorted(set(kinds)):
        keys = [k for k, x in enumerate(kinds) if x == kind]
        q = matching.measure(
            {k: truth[k] for k in keys},
            {k: applied[k] for k in keys if k in applied},
            {k: proposed[k] for k in keys if k in proposed},
        )
        report(f"generated: {kind}", q)
    rows = [row for month in data.months for row, _, _ in month]
    shown = 0
    for k, parts in applied.items():
        if parts != truth[k] and shown < args.show_wrong:
            shown += 1
            line = StatementLine.objects.order_by("id")[k]
            print(f"wrong ({kinds[k]}): {rows[k]}\n  applied {sorted(parts)} "
                  f"{line.proposal.get('reasons')}\n  answer  {sorted(truth[k])}")  # fmt: skip
    missed = [k for k in truth if truth[k] and k not in applied]
    for k in missed[: args.show_missed]:
        line = StatementLine.objects.order_by("id")[k]
        print(f"missed ({kinds[k]}): {rows[k]}\n  {line.match_status} "
              f"{line.proposal.get('parts')} {line.proposal.get('reasons')}\n"
              f"  answer  {sorted(truth[k])}")  # fmt: skip
    connection.close()
    fec_file = Path(args.fec)
    from django.db import transaction

    with transaction.atomic():
        other = create_creditor(actor="bench", name="FEC SARL", country="FR", currency="EUR")
        real = fec_against_lettering(fec_file, other, work)
        transaction.set_rollback(True)
    report(f"FEC {fec_file.name}", real)


def report(label: str, q) -> None:  # type: ignore[no-untyped-def]
    print(
        f"| {label} | {q.lines} | {q.applied} | {q.precision:.2%} | {q.recall:.2%} | "
        f"{q.proposed} | {q.found:.2%} |"
    )


def throughput(args: argparse.Namespace) -> None:
    """10,000 lines against the open items of the default creditor, rolled back."""
    from django.db import connection, transaction

    from relance.bank import matching as bank_matching
    from relance.bank.quality import write_statement
    from relance.bank.services import import_statement
    from relance.ledger.models import Invoice
    from relance.ledger.queries import default_creditor

    creditor = default_creditor()
    rng = random.Random(args.seed)

    def floor() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT number, customer_id, currency, open_amount, payment_reference, "
                "issue_date FROM ledger_invoice WHERE creditor_id = %s AND open_amount > 0 "
                "AND kind = 'invoice'",
                [creditor.pk],
            )
            return len(cursor.fetchall())

    t = time.perf_counter()
    n_open = floor()
    t_floor = time.perf_counter() - t
    t = time.perf_counter()
    bank_matching._book(creditor, {"EUR"})
    t_book = time.perf_counter() - t
    sample = (
        list(
            Invoice.objects.filter(creditor=creditor, open_amount__gt=0, kind="invoice")
            .order_by("?")[: args.lines]
            .values_list("number", "customer__name", "open_amount", "issue_date")
        )
        if connection.vendor != "sqlite"
        else _sample(creditor, args.lines, rng)
    )
    rows = []
    last = max(s[3] for s in sample)
    for number, name, amount, _issued in sample:
        r = rng.random()
        if r < 0.5:
            rows.append((last.isoformat(), f"{amount / 100:.2f}", "EUR", "",
                         f"VIR FACTURE {number}", name.upper(), ""))  # fmt: skip
        elif r < 0.8:
            rows.append((last.isoformat(), f"{amount / 100:.2f}", "EUR", "", "VIREMENT",
                         name, ""))  # fmt: skip
        else:
            rows.append((last.isoformat(), f"{rng.randint(100, 10**6) / 100:.2f}", "EUR", "",
                         "INTERETS", "BANQUE", ""))  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp, transaction.atomic():
        path = write_statement(Path(tmp) / "statement.csv", rows)
        t = time.perf_counter()
        done = import_statement(path, creditor, "bench")
        t_match = time.perf_counter() - t
        transaction.set_rollback(True)
    print(f"{connection.vendor}: {n_open:,} open items, {len(rows):,} lines, "
          f"{done.matched:,} applied\n")  # fmt: skip
    print("| step | seconds |\n|---|---|")
    print(f"| floor: one SELECT of the open items | {t_floor:.2f} |")
    print(f"| load the Book (open items, customers, payers) | {t_book:.2f} |")
    print(f"| import {len(rows):,} lines and match them (applied ones: payments, "
          f"allocations, audit) | {t_match:.2f} |")  # fmt: skip


def _sample(creditor, n: int, rng: random.Random) -> list:  # type: ignore[no-untyped-def]
    from relance.ledger.models import Invoice

    top = Invoice.objects.filter(creditor=creditor).order_by("-id").values_list("id", flat=True)[0]
    ids = rng.sample(range(1, top + 1), n * 2)
    found = list(
        Invoice.objects.filter(id__in=ids, open_amount__gt=0, kind="invoice").values_list(
            "number", "customer__name", "open_amount", "issue_date"
        )
    )
    return found[:n]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["quality", "throughput"])
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--database", default="")
    # Within the EEA the full amount of a transfer reaches the payee (PSD2 art. 81: no
    # charges deducted), so a fee taken from the amount is a transfer from outside it.
    parser.add_argument("--partial", type=float, default=0.05, help="share paid in part")
    parser.add_argument("--fees", type=float, default=0.02, help="share short of a fee")
    parser.add_argument("--overpaid", type=float, default=0.02, help="share overpaid")
    parser.add_argument("--show-wrong", type=int, default=0, help="print N wrong matches")
    parser.add_argument("--show-missed", type=int, default=0, help="print N lines missed")
    parser.add_argument(
        "--fec",
        default=str(
            Path(__file__).resolve().parents[1].parent / "shared/data/fec/0000000001FEC20220831.txt"
        ),
    )
    args = parser.parse_args()
    if args.what == "quality":
        with tempfile.TemporaryDirectory() as tmp:
            args.workdir = tmp
            setup(f"sqlite:///{tmp}/generated.sqlite3")
            print("| set | lines with an answer | applied | precision | recall | proposed "
                  "| applied or proposed right |\n|---|---|---|---|---|---|---|")  # fmt: skip
            quality(args)
    else:
        if not args.database:
            sys.exit("--database URL (a ledger built by bench/import.sh)")
        setup(args.database)
        throughput(args)


if __name__ == "__main__":
    main()
